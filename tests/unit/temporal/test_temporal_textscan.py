"""Times read from the event's own text when extraction linked the wrong time or none."""

from __future__ import annotations

from datetime import date, datetime

from infucode.pipeline.temporal import resolve_timeline
from infucode.pipeline.temporal.textscan import clock_tokens, event_segment, scan_segment

D = date(2026, 1, 26)


def at(h: int, m: int, day: int = 26) -> datetime:
    return datetime(2026, 1, day, h, m)


def test_clock_tokens_skip_doses_volumes_rates_and_blood_pressure() -> None:
    t = "NS 1000 mL @ 125 mL/hr, BP 188/104, vanc 1250 mg, 1,000 mL, given 1312. Next 0930: x"
    found = [t[s:e] for s, e in clock_tokens(t, 0, len(t))]
    assert found == ["1312", "0930"]


def test_time_after_the_drug_beats_the_line_timestamp(ev) -> None:
    t = "1310 CP 8/10. ASA 324 mg chewed PO 1312. NTG 0.4 mg SL 1313."
    e1 = ev(t, "e1", "aspirin", "ASA", [("1310", "at")], route="PO")
    e2 = ev(t, "e2", "nitroglycerin", "NTG", [], route="SL")
    resolve_timeline(t, [e1, e2], D)
    assert e1.start == at(13, 12) and e2.start == at(13, 13)


def test_list_under_a_timed_header_shares_the_header_time(ev) -> None:
    t = ("Premeds @ 0900: dexamethasone 20 mg IVPB over 15 min, diphenhydramine 50 mg IVP, "
         "famotidine 20 mg IVP.")
    e1 = ev(t, "e1", "dexamethasone", "dexamethasone", [], route="IV_INFUSION", documented_duration_min=15.0)
    e2 = ev(t, "e2", "diphenhydramine", "diphenhydramine", [], route="IV_PUSH")
    e3 = ev(t, "e3", "famotidine", "famotidine", [], route="IV_PUSH")
    resolve_timeline(t, [e1, e2, e3], D)
    assert [e.start for e in (e1, e2, e3)] == [at(9, 0)] * 3
    assert e1.end == at(9, 15) and e2.end is None


def test_shared_trailing_time_in_the_same_sentence(ev) -> None:
    t = "Given insulin regular 10 units IV with D50 25 g IV at 1415, albuterol 10 mg neb at 1420."
    e1 = ev(t, "e1", "insulin regular", "insulin", [], route="IV")
    e2 = ev(t, "e2", "dextrose 50%", "D50", [("1415", "at")], route="IV")
    resolve_timeline(t, [e1, e2], D)
    assert e1.start == at(14, 15)


def test_mar_scheduled_and_given_columns_take_the_given_time(ev) -> None:
    t = "Order\tDose\tRoute\tScheduled\tAdmin\nenoxaparin inj 40 mg\t40 mg\tSubcutaneous\t0900\t0912\tGiven\n"
    e = ev(t, "e1", "enoxaparin", "enoxaparin", [("0900", "at"), ("0912", "at")], route="SQ")
    resolve_timeline(t, [e], D)
    assert e.start == at(9, 12)


def test_block_mar_continuation_lines_belong_to_the_drug(ev) -> None:
    t = ("MEDICATION ADMINISTRATION - 01/26/2026\n\nondansetron (ZOFRAN) injection 4 mg\n"
         "    Action: Given   Dose: 4 mg   Route: Intravenous\n    Admin time: 01/26/26 1410   RN\n\n"
         "lactated ringers bolus 1,000 mL\n    Action: New Bag   Rate: 1,000 mL/hr\n"
         "    Admin time: 01/26/26 1415\n    Action: Stopped\n    Admin time: 01/26/26 1518\n")
    e1 = ev(t, "e1", "ondansetron", "ondansetron", [], route="IV")
    e2 = ev(t, "e2", "lactated ringer's", "lactated ringers", [], route="IV_INFUSION", volume_ml=1000.0,
            rate_ml_hr=1000.0)
    tl = resolve_timeline(t, [e1, e2], None)
    assert tl.encounter_date == "2026-01-26"
    assert e1.start == at(14, 10)
    assert (e2.start, e2.end, e2.time_source) == (at(14, 15), at(15, 18), "documented")


def test_then_separates_two_administrations_in_one_sentence(ev) -> None:
    t = "Pantoprazole 80 mg IV bolus at 1302, then pantoprazole drip at 8 mg/hr started 1310."
    e1 = ev(t, "e1", "pantoprazole", "Pantoprazole", [("1302", "at"), ("1310", "start")], route="IV_PUSH")
    e2 = ev(t, "e2", "pantoprazole", "pantoprazole drip", [("1310", "start")], route="IV_INFUSION")
    resolve_timeline(t, [e1, e2], D)
    assert e1.start == at(13, 2) and e2.start == at(13, 10)
    lo, hi = event_segment(t, e1, [e1.mention_start, e2.mention_start])
    assert "then" not in t[lo:hi]


def test_start_and_stop_labels_in_a_pipe_row(ev) -> None:
    t = "zoledronic acid 5 mg/100 mL IV | Start 1302 | Stop 1320 | Site L FA | Given"
    e = ev(t, "e1", "zoledronic acid", "zoledronic acid", [], route="IV_INFUSION", volume_ml=100.0)
    resolve_timeline(t, [e], D)
    assert (e.start, e.end, e.duration_min) == (at(13, 2), at(13, 20), 18.0)
    assert [m.role for m in scan_segment(t, 0, len(t))] == ["start", "end"]


def test_components_of_one_bag_share_start_stop_and_bag_volume(ev) -> None:
    t = "0900 NS 1000 mL + KCl 20 mEq + MgSO4 2 g over 2 hrs started (0900-1100) via port"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0900", "start")], route="IV_INFUSION", infusate_id="B1",
            volume_ml=1000.0)
    e2 = ev(t, "e2", "potassium chloride", "KCl", [], route="IV_INFUSION", infusate_id="B1")
    e3 = ev(t, "e3", "magnesium sulfate", "MgSO4", [("0900-1100", "range")], route="IV_INFUSION",
            infusate_id="B1", documented_duration_min=120.0)
    tl = resolve_timeline(t, [e1, e2, e3], D)
    assert {(e.start, e.end) for e in (e1, e2, e3)} == {(at(9, 0), at(11, 0))}
    assert not [f for f in tl.flags if f.code in ("MISSING_STOP_TIME", "TIME_CONFLICT")]


def test_times_only_on_given_events(ev) -> None:
    t = "morphine 4 mg IVP | 1105 | Held - pt declined"
    e = ev(t, "e1", "morphine", "morphine", [("1105", "at")], route="IV_PUSH", status="not_given")
    resolve_timeline(t, [e], D)
    assert e.start is None and e.time_source == "unknown"


def test_push_over_minutes_keeps_start_only(ev) -> None:
    t = "Venofer 200 mg IV push over 5 minutes given at 1115 via R wrist"
    e = ev(t, "e1", "iron sucrose", "Venofer", [("1115", "at")], route="IV_PUSH", documented_duration_min=5.0)
    resolve_timeline(t, [e], D)
    assert e.start == at(11, 15) and e.end is None


def test_multi_day_pump_gets_no_stop_time(ev) -> None:
    t = "1058 fluorouracil 4500 mg continuous infusion over 46 hrs via CADD pump started"
    e = ev(t, "e1", "fluorouracil", "fluorouracil", [("1058", "start")], route="IV_INFUSION",
           documented_duration_min=46 * 60.0)
    resolve_timeline(t, [e], D)
    assert e.start == at(10, 58) and e.end is None


def test_computed_stop_dropped_when_pt_transferred_before_it(ev) -> None:
    t = ("Lactated ringers 1000 mL started at 1110 at 250 mL/hr.\n"
         "Report given to OR holding RN at 1340, pt transported with LR infusing.")
    e = ev(t, "e1", "lactated ringer's", "Lactated ringers", [("1110", "start")], route="IV_INFUSION",
           volume_ml=1000.0, rate_ml_hr=250.0)
    tl = resolve_timeline(t, [e], D)
    assert e.start == at(11, 10) and e.end is None
    assert [f.event_ids for f in tl.flags if f.code == "MISSING_STOP_TIME"] == [["e1"]]


def test_infiltration_ends_the_computed_run_and_restart_is_new_run(ev) -> None:
    t = ("1015 NS 1000 mL @ 200 mL/hr started L hand 22g.\n"
         "1100 IV infiltrated, NS stopped 1100, ~150 mL infused. IV removed.\n"
         "1110 new IV R AC 20g, NS restarted at 1115 same bag @ 200 mL/hr.\n1400 NS complete.\n")
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1015", "start")], route="IV_INFUSION", site="L hand",
            volume_ml=1000.0, rate_ml_hr=200.0)
    e2 = ev(t, "e2", "sodium chloride 0.9%", "NS", [("1100", "pause"), ("1115", "resume"), ("1400", "end")],
            route="IV_INFUSION", site="R AC", rate_ml_hr=200.0, after=60)
    resolve_timeline(t, [e1, e2], D)
    assert (e1.start, e1.end) == (at(10, 15), at(11, 0))
    assert (e2.start, e2.end, e2.duration_min) == (at(11, 15), at(14, 0), 165.0)
    assert e1.access_id == e2.access_id
