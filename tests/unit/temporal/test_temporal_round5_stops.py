"""Round 5: documented stops that were not linked, and stop times that must not be computed.

The note lines are written for these tests (fictional, no corpus text).
"""

from __future__ import annotations

from datetime import date, datetime

from infucode.annotations.schema import Span
from infucode.pipeline.temporal import resolve_timeline

D = date(2026, 3, 5)


def at(h: int, m: int, day: int = 5) -> datetime:
    return datetime(2026, 3, day, h, m)


def _span(text: str, label: str, raw: str) -> Span:
    i = text.index(raw)
    return Span(i, i + len(raw), label, "test")


def test_both_in_by_closes_the_two_open_bags(ev) -> None:
    t = ("2310 NS 1000 mL bolus started R AC. LR 1000 mL bolus started L AC.\n"
         "0030 Both in by 0030, pt resting.\n")
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("2310", "start")], route="IV_INFUSION", volume_ml=1000.0)
    e2 = ev(t, "e2", "lactated ringer's", "LR", [("2310", "start")], route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e1, e2], D)
    assert e1.end == e2.end == at(0, 30, day=6)


def test_a_stop_with_no_quantifier_stays_unlinked_when_two_bags_run(ev) -> None:
    t = ("2310 NS 1000 mL bolus started R AC. LR 1000 mL bolus started L AC.\n"
         "0030 Bolus complete, pt resting.\n")
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("2310", "start")], route="IV_INFUSION", volume_ml=1000.0)
    e2 = ev(t, "e2", "lactated ringer's", "LR", [("2310", "start")], route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e1, e2], D)
    assert e1.end is None and e2.end is None


def test_brought_in_by_is_no_stop(ev) -> None:
    t = "1400 NS 1000 mL started.\n1430 Second pt brought in by EMS to room 4.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400", "start")], route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e1], D)
    assert e1.end is None


def test_time_leading_a_mar_row_takes_the_wording_after_it(ev) -> None:
    t = "Vancomycin 1,250 mg IVPB\n  10:05 New Bag  Rate: 166.7 mL/hr\n  11:35 Stopped\n"
    e1 = ev(t, "e1", "vancomycin", "Vancomycin", [("11:35", "end")], route="IV_INFUSION")
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(10, 5), at(11, 35))


def test_time_after_an_arrow_takes_the_stop_wording_after_it(ev) -> None:
    t = "1541 Ceftriaxone 1 g IVPB started -> 1626 complete\n"
    e1 = ev(t, "e1", "ceftriaxone", "Ceftriaxone", [("1541", "start")], route="IV_INFUSION")
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(15, 41), at(16, 26))


def test_transfer_to_dialysis_before_the_computed_stop_leaves_the_end_open(ev) -> None:
    t = "1215 D10 250 mL IV @ 50 mL/hr started.\n1300 Pt to HD unit via stretcher.\n"
    e1 = ev(t, "e1", "dextrose 10%", "D10", [("1215", "start")], route="IV_INFUSION", volume_ml=250.0,
            rate_ml_hr=50.0)
    resolve_timeline(t, [e1], D)
    assert e1.start == at(12, 15) and e1.end is None


def test_bag_seen_to_the_computed_stop_keeps_it(ev) -> None:
    t = "1215 D10 250 mL IV @ 50 mL/hr started.\n1800 Pt resting.\n"
    e1 = ev(t, "e1", "dextrose 10%", "D10", [("1215", "start")], route="IV_INFUSION", volume_ml=250.0,
            rate_ml_hr=50.0)
    resolve_timeline(t, [e1], D)
    assert (e1.end, e1.time_source) == (at(17, 15), "computed")


def test_pharmacy_infuse_over_line_gives_no_stop(ev) -> None:
    t = "ceftriaxone 2 g IVPB - Infuse over 30 minutes\n  0915 Given R AC\n"
    e1 = ev(t, "e1", "ceftriaxone", "ceftriaxone", [("0915", "at")], route="IV_INFUSION",
            documented_duration_min=30.0, spans=[_span(t, "DURATION", "over 30 minutes")])
    resolve_timeline(t, [e1], D)
    assert e1.start == at(9, 15) and e1.end is None


def test_nursing_line_infuse_over_still_gives_the_stop(ev) -> None:
    t = "1000 Magnesium sulfate 2 g/50 mL IVPB started, infuse over 1 hr.\n"
    e1 = ev(t, "e1", "magnesium sulfate", "Magnesium sulfate", [("1000", "start")], route="IV_INFUSION",
            documented_duration_min=60.0, spans=[_span(t, "DURATION", "over 1 hr")])
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(10, 0), at(11, 0))


def test_order_level_rate_gives_no_computed_stop(ev) -> None:
    t = "Order: NS 1000 mL IV at 125 mL/hr\n0915 NS started R AC\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0915", "start")], route="IV_INFUSION",
            volume_ml=1000.0, rate_ml_hr=125.0, spans=[_span(t, "RATE", "125 mL/hr")])
    resolve_timeline(t, [e1], D)
    assert e1.start == at(9, 15) and e1.end is None


def test_local_infiltration_time_is_no_line_loss(ev) -> None:
    t = "Lidocaine 1% 5 mL local infiltration at 1420 for laceration repair.\n"
    e1 = ev(t, "e1", "lidocaine", "Lidocaine", [("1420", "infiltrated")], route="LOCAL_INFILTRATION")
    resolve_timeline(t, [e1], D)
    assert e1.start == at(14, 20) and e1.end is None


def test_infusion_stopped_clause_before_the_drugs_of_its_line_closes_the_run(ev) -> None:
    t = ("1400 Rituximab 700 mg IV infusion started at 50 mg/hr via L FA.\n"
         "1445 Pt flushing - infusion STOPPED, Benadryl 25 mg IV given, MD notified.\n")
    e1 = ev(t, "e1", "rituximab", "Rituximab", [("1400", "start")], route="IV_INFUSION")
    e2 = ev(t, "e2", "diphenhydramine", "Benadryl", [("1445", "at")], route="IV_PUSH")
    resolve_timeline(t, [e1, e2], D)
    assert (e1.start, e1.end) == (at(14, 0), at(14, 45))
    assert e2.start == at(14, 45)


def test_completion_row_below_the_bag_row_is_its_stop(ev) -> None:
    t = "1310 | NS 1000 mL | IV | started | R AC\n1420 | NS | complete\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1310", "at"), ("1420", "at")], route="IV_INFUSION",
            volume_ml=1000.0)
    resolve_timeline(t, [e1], D)
    assert (e1.start, e1.end) == (at(13, 10), at(14, 20))


def test_ivpb_complete_line_with_a_flush_is_the_stop_not_the_ordered_duration(ev) -> None:
    t = "1300 Vancomycin 1 g IVPB over 2 hr started R AC.\n1452 IVPB complete, flushed with 10 mL NS.\n"
    e1 = ev(t, "e1", "vancomycin", "Vancomycin", [("1300", "start")], route="IV_INFUSION",
            documented_duration_min=120.0)
    e2 = ev(t, "e2", "sodium chloride 0.9%", "NS", [("1452", "at")], route="IV_PUSH", purpose="flush",
            volume_ml=10.0)
    resolve_timeline(t, [e1, e2], D)
    assert e1.end == at(14, 52)


def test_stop_naming_a_bag_and_riders_that_ran_out_closes_the_bag(ev) -> None:
    t = ("0800 D5 1/2NS + KCl 20 mEq/L 1000 mL @ 80 mL/hr R FA\n"
         "1000 KCl 10 mEq/100 mL @ 100 mL/hr\n"
         "1800 D5 1/2NS + KCl d/c'd - tolerating PO\n")
    bag = ev(t, "e1", "dextrose 5%/sodium chloride 0.45%", "D5 1/2NS", [("0800", "start")],
             route="IV_INFUSION", volume_ml=1000.0, rate_ml_hr=80.0, infusate_id="i1")
    add = ev(t, "e2", "potassium chloride", "KCl", [("0800", "start")], route="IV_INFUSION",
             infusate_id="i1")
    rider = ev(t, "e3", "potassium chloride", "KCl", [("1000", "start")], route="IV_INFUSION",
               volume_ml=100.0, rate_ml_hr=100.0, after=t.index("1000"))
    resolve_timeline(t, [bag, add, rider], D)
    assert bag.end == add.end == at(18, 0)
    assert rider.end == at(11, 0)


def test_bag_still_running_when_the_note_ends_has_no_computed_stop(ev) -> None:
    t = "NS 1000 mL maintenance IVF @ 75 mL/hr started 0800; running at 1400. VSS.\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0800", "start")], route="IV_INFUSION", volume_ml=1000.0,
            rate_ml_hr=75.0)
    resolve_timeline(t, [e1], D)
    assert e1.start == at(8, 0) and e1.end is None
