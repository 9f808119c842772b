"""A stop time computed from volume/rate needs one constant documented rate (digest 37).

Drips dosed by a dose rate run until they are stopped (their bag is replaced), titrated infusions and rows
with a changing rate give no run time; a fixed bag at one rate keeps its computed stop. Short written stops
("bolus in.") end the open bolus. The note lines are written for these tests (fictional, no corpus text).
"""

from __future__ import annotations

from datetime import date, datetime

from infucode.annotations.schema import Dose, Span
from infucode.pipeline.temporal import resolve_timeline

D = date(2026, 3, 5)


def at(h: int, m: int, day: int = 5) -> datetime:
    return datetime(2026, 3, day, h, m)


def _spans(text: str, *pairs: tuple[str, str]) -> list[Span]:
    out, cursor = [], 0
    for label, raw in pairs:
        i = text.index(raw, cursor)
        out.append(Span(i, i + len(raw), label, "test"))
        cursor = i
    return out


def test_a_drip_dosed_in_units_per_minute_gets_no_computed_stop(ev) -> None:
    t = "1400 Vasopressin 20 units/100 mL at 0.04 units/min (12 mL/hr) started, fixed rate.\n1500 BP stable.\n"
    e1 = ev(t, "e1", "vasopressin", "Vasopressin", [("1400", "start")], route="IV_INFUSION",
            volume_ml=100.0, rate_ml_hr=12.0,
            spans=_spans(t, ("DRUG", "Vasopressin"), ("RATE", "0.04 units/min"), ("RATE", "12 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(14, 0), None)


def test_an_insulin_drip_without_a_fixed_dose_gets_no_computed_stop(ev) -> None:
    t = "0100 Insulin 100 units/100 mL started at 6 units/hr (6 mL/hr).\n0200 BG 310.\n"
    e1 = ev(t, "e1", "insulin regular", "Insulin", [("0100", "start")], route="IV_INFUSION",
            volume_ml=100.0, rate_ml_hr=6.0,
            spans=_spans(t, ("DRUG", "Insulin"), ("RATE", "6 units/hr"), ("RATE", "6 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_a_fixed_dose_run_at_a_dose_rate_keeps_its_computed_stop(ev) -> None:
    t = "1000 KCl 10 mEq/100 mL at 10 mEq/hr (100 mL/hr) started R FA.\n"
    e1 = ev(t, "e1", "potassium chloride", "KCl", [("1000", "start")], route="IV_INFUSION",
            volume_ml=100.0, rate_ml_hr=100.0, dose=Dose(10.0, "mEq"),
            spans=_spans(t, ("DRUG", "KCl"), ("RATE", "10 mEq/hr"), ("RATE", "100 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert (e1.end, e1.time_source) == (at(11, 0), "computed")


def test_flowsheet_rows_with_a_changing_rate_give_no_computed_stop(ev) -> None:
    t = ("Time | Drug | Rate\n"
         "2000 | norepinephrine 8 mg/250 mL | 7.5 mL/hr\n"
         "2100 | norepinephrine | 15 mL/hr\n")
    e1 = ev(t, "e1", "norepinephrine", "norepinephrine", [("2000", "start")], route="IV_INFUSION",
            volume_ml=250.0, rate_ml_hr=7.5,
            spans=_spans(t, ("DRUG", "norepinephrine"), ("RATE", "7.5 mL/hr"), ("RATE", "15 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_a_titrated_infusion_gets_no_computed_stop(ev) -> None:
    t = "0800 Heparin 25,000 units/500 mL at 20 mL/hr started, titrate per aPTT.\n0900 pt resting.\n"
    e1 = ev(t, "e1", "heparin", "Heparin", [("0800", "start")], route="IV_INFUSION",
            volume_ml=500.0, rate_ml_hr=20.0, spans=_spans(t, ("DRUG", "Heparin"), ("RATE", "20 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_a_bag_at_one_constant_rate_keeps_its_computed_stop(ev) -> None:
    t = "1000 NS 1000 mL at 250 mL/hr started L FA.\n1100 pt resting.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1000", "start")], route="IV_INFUSION",
            volume_ml=1000.0, rate_ml_hr=250.0, spans=_spans(t, ("DRUG", "NS"), ("RATE", "250 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert (e1.end, e1.time_source) == (at(14, 0), "computed")


def test_bolus_in_ends_the_open_bolus(ev) -> None:
    t = "1410 LR 1 L bolus started R FA.\n1515 Bolus in, repeat vitals stable.\n"
    e1 = ev(t, "e1", "lactated ringer's", "LR", [("1410", "start")], route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(14, 10), at(15, 15))


def test_bolus_in_progress_is_no_stop(ev) -> None:
    t = "1410 LR 1 L bolus started R FA.\n1430 bolus in progress, pt resting.\n"
    e1 = ev(t, "e1", "lactated ringer's", "LR", [("1410", "start")], route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_a_drip_verified_at_handoff_has_no_start_in_this_record(ev) -> None:
    t = "1900 Handoff received. Heparin drip verified at 14 mL/hr per nomogram, infusing R FA.\n2100 aPTT drawn.\n"
    e1 = ev(t, "e1", "heparin", "Heparin", [("1900", "at")], route="IV_INFUSION", rate_ml_hr=14.0)
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (None, None)


def test_a_time_after_still_infusing_is_not_the_start(ev) -> None:
    t = "1410 Vancomycin 1 g IVPB hung, still infusing at handoff 1500.\n"
    e1 = ev(t, "e1", "vancomycin", "Vancomycin", [("1500", "start")], route="IV_INFUSION")
    resolve_timeline(t, [e1], D)
    assert e1.start == at(14, 10)


def test_a_drip_started_on_arrival_keeps_its_start(ev) -> None:
    t = "Pt arrived 1645. Continues on NS 100 mL/hr started on arrival 1650 via R FA.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1650", "start")], route="IV_INFUSION", rate_ml_hr=100.0)
    resolve_timeline(t, [e1], D)
    assert e1.start == at(16, 50)


def test_a_symptom_that_stopped_does_not_end_the_bolus(ev) -> None:
    t = "0900 NS 500 mL bolus over 30 min started R AC.\n1100 Pt states pain has stopped.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0900", "start")], route="IV_INFUSION",
            volume_ml=500.0, documented_duration_min=30.0)
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(9, 0), at(9, 30))


def test_a_computed_stop_after_discharge_home_is_dropped(ev) -> None:
    t = "1200 NS 1000 mL second bag hung at 500 mL/hr.\n1300 d/c home with family.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1200", "start")], route="IV_INFUSION",
            volume_ml=1000.0, rate_ml_hr=500.0, spans=_spans(t, ("DRUG", "NS"), ("RATE", "500 mL/hr")))
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(12, 0), None)


def test_a_stop_sentence_of_a_timestamped_row_takes_the_row_time(ev) -> None:
    t = ("1400 Docetaxel 140 mg in 250 mL NS started at 250 mL/hr L FA.\n"
         "1410 Pt c/o back pain and flushing. INFUSION STOPPED. Hydrocortisone 100 mg IV given.\n")
    e1 = ev(t, "e1", "docetaxel", "Docetaxel", [("1400", "start")], route="IV_INFUSION",
            volume_ml=250.0, rate_ml_hr=250.0)
    e2 = ev(t, "e2", "hydrocortisone", "Hydrocortisone", [("1410", "at")], route="IV")
    resolve_timeline(t, [e1, e2], D)
    assert (e1.end, e2.start) == (at(14, 10), at(14, 10))


def test_a_row_without_its_own_time_gives_no_stop_to_a_stop_sentence(ev) -> None:
    t = ("1400 Docetaxel 140 mg in 250 mL NS started L FA.\n"
         "Pt c/o back pain and flushing. INFUSION STOPPED.\n")
    e1 = ev(t, "e1", "docetaxel", "Docetaxel", [("1400", "start")], route="IV_INFUSION", volume_ml=250.0)
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_the_stop_time_written_after_off_beats_the_row_time(ev) -> None:
    t = ("2200 Oxytocin 30 units/500 mL LR started.\n"
         "0040 Late decels. Pitocin off at 0042, position change.\n")
    e1 = ev(t, "e1", "oxytocin", "Oxytocin", [("2200", "start"), ("0040", "end"), ("0042", "end")],
            route="IV_INFUSION", spans=_spans(t, ("DRUG", "Oxytocin"), ("DRUG", "Pitocin")))
    resolve_timeline(t, [e1], D)
    assert e1.end == at(0, 42, day=6)


def test_a_later_stop_of_something_else_on_the_row_does_not_replace_the_drug_stop(ev) -> None:
    t = ("0950 Albumin 25% 100 mL IV started.\n"
         "1030 Albumin infusion complete. Catheter removed 1045, site dressed.\n")
    e1 = ev(t, "e1", "albumin human", "Albumin", [("0950", "start"), ("1030", "end"), ("1045", "end")],
            route="IV_INFUSION", spans=_spans(t, ("DRUG", "Albumin"), ("DRUG", "Albumin")))
    resolve_timeline(t, [e1], D)
    assert e1.end == at(10, 30)
