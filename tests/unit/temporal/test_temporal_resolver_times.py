"""Event start/end/duration resolution, flags and anchors, on small notes in varied styles."""

from __future__ import annotations

from datetime import date, datetime

from infucode.pipeline.temporal import resolve_timeline

D = date(2026, 11, 20)


def codes(tl, code: str) -> list[list[str]]:
    return [f.event_ids for f in tl.flags if f.code == code]


def test_push_with_at_time_has_start_only(ev) -> None:
    t = "1410 Zofran 4 mg IVP given L AC."
    e = ev(t, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH", site="L AC")
    tl = resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 14, 10)
    assert e.end is None and e.duration_min is None
    assert e.time_source == "documented"
    assert tl.encounter_date == "2026-11-20" and not tl.flags


def test_start_and_completed_times_give_documented_duration(ev) -> None:
    t = "Ceftriaxone 1 g IVPB started at 2:10 PM, completed at 2:45 PM."
    e = ev(t, "e1", "ceftriaxone", "Ceftriaxone", [("2:10 PM", "start"), ("2:45 PM", "end")],
           route="IV_INFUSION")
    resolve_timeline(t, [e], D)
    assert (e.start, e.end, e.duration_min, e.time_source) == (
        datetime(2026, 11, 20, 14, 10), datetime(2026, 11, 20, 14, 45), 35.0, "documented")


def test_range_expression_gives_both_ends(ev) -> None:
    t = "Vanc 1 g IV 1410-1540 R FA"
    e = ev(t, "e1", "vancomycin", "Vanc", [("1410-1540", "range")], route="IV_INFUSION")
    resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 14, 10) and e.end == datetime(2026, 11, 20, 15, 40)
    assert e.duration_min == 90.0


def test_over_n_minutes_with_start_is_documented_end(ev) -> None:
    t = "@0930 Mag sulfate 2 g IV over 60 min"
    e = ev(t, "e1", "magnesium sulfate", "Mag sulfate", [("@0930", "start")], route="IV_INFUSION",
           documented_duration_min=60.0)
    resolve_timeline(t, [e], D)
    assert e.end == datetime(2026, 11, 20, 10, 30) and e.duration_min == 60.0
    assert e.time_source == "documented"


def test_missing_stop_computed_from_volume_and_rate(ev) -> None:
    t = "1300 NS 1000 mL hung at 250 mL/hr for dehydration"
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1300", "start")], route="IV_INFUSION",
           volume_ml=1000.0, rate_ml_hr=250.0, purpose="hydration")
    tl = resolve_timeline(t, [e], D)
    assert e.end == datetime(2026, 11, 20, 17, 0) and e.duration_min == 240.0
    assert e.time_source == "computed"
    assert not codes(tl, "MISSING_STOP_TIME")


def test_missing_stop_without_rate_is_flagged_not_guessed(ev) -> None:
    t = "1300 NS 1 L bolus started for dehydration. Pt resting."
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1300", "start")], route="IV_INFUSION",
           volume_ml=1000.0, purpose="hydration")
    tl = resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 13, 0) and e.end is None and e.duration_min is None
    assert codes(tl, "MISSING_STOP_TIME") == [["e1"]]


def test_push_without_stop_is_not_flagged_missing_stop(ev) -> None:
    t = "1300 morphine 4 mg IVP"
    e = ev(t, "e1", "morphine", "morphine", [("1300", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e], D)
    assert not codes(tl, "MISSING_STOP_TIME")


def test_not_given_infusion_is_not_flagged(ev) -> None:
    t = "1300 NS bolus held, pt refused"
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1300", "start")], route="IV_INFUSION",
           status="not_given")
    tl = resolve_timeline(t, [e], D)
    assert not codes(tl, "MISSING_STOP_TIME")


def test_note_crossing_midnight_rolls_later_entries_to_next_day(ev) -> None:
    t = "2330 NS 1 L bolus started\n2345 Zofran 4 mg IVP\n0015 Toradol 15 mg IVP\n0040 NS bolus done"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS 1 L", [("2330", "start"), ("0040", "end")],
            route="IV_INFUSION", purpose="hydration")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("2345", "at")], route="IV_PUSH")
    e3 = ev(t, "e3", "ketorolac", "Toradol", [("0015", "at")], route="IV_PUSH")
    resolve_timeline(t, [e1, e2, e3], D)
    assert e1.end == datetime(2026, 11, 21, 0, 40) and e1.duration_min == 70.0
    assert e2.start == datetime(2026, 11, 20, 23, 45)
    assert e3.start == datetime(2026, 11, 21, 0, 15)


def test_late_entry_with_earlier_time_is_not_next_day(ev) -> None:
    t = "1450 reassessed.\nLate entry: Zofran 4 mg IVP given at 1410"
    e = ev(t, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH")
    resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 14, 10)


def test_dated_entries_use_their_own_date(ev) -> None:
    t = "11/20/2026 2350 Zofran 4 mg IVP\n11/21/2026 0600 Zofran 4 mg IVP"
    e1 = ev(t, "e1", "ondansetron", "Zofran", [("2350", "at")], route="IV_PUSH")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("0600", "at")], route="IV_PUSH", after=20)
    resolve_timeline(t, [e1, e2], D)
    assert e1.start == datetime(2026, 11, 20, 23, 50)
    assert e2.start == datetime(2026, 11, 21, 6, 0)


def test_relative_time_counts_from_previous_time(ev) -> None:
    t = "1410 Zofran 4 mg IVP. 30 min later morphine 4 mg IVP for pain."
    e1 = ev(t, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH")
    e2 = ev(t, "e2", "morphine", "morphine", [("30 min later", "at")], route="IV_PUSH")
    resolve_timeline(t, [e1, e2], D)
    assert e2.start == datetime(2026, 11, 20, 14, 40)


def test_am_pm_unknown_time_takes_the_reading_after_previous_entry(ev) -> None:
    t = "13:50 pt to room. Zofran 4 mg IVP at 2:10"
    e = ev(t, "e1", "ondansetron", "Zofran", [("2:10", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 14, 10)
    assert not codes(tl, "AMBIGUOUS_TIME")


def test_am_pm_unknown_without_context_is_flagged(ev) -> None:
    t = "Zofran 4 mg IVP at 2:10"
    e = ev(t, "e1", "ondansetron", "Zofran", [("2:10", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e], D)
    assert codes(tl, "AMBIGUOUS_TIME") == [["e1"]]


def test_bare_number_time_is_flagged_ambiguous_and_not_used(ev) -> None:
    t = "Zofran 4 mg IVP at 10"
    e = ev(t, "e1", "ondansetron", "Zofran", [("10", "at")], route="IV_PUSH", after=0)
    e.time_mentions[0].start = t.rindex("10")
    e.time_mentions[0].end = len(t)
    tl = resolve_timeline(t, [e], D)
    assert e.start is None and e.time_source == "unknown"
    assert codes(tl, "AMBIGUOUS_TIME") == [["e1"]]


def test_pause_and_resume_subtracted_from_duration(ev) -> None:
    t = "Rocephin 1 g IVPB started 1000, paused 1010 for pt to bathroom, resumed 1025, completed 1050"
    e = ev(t, "e1", "ceftriaxone", "Rocephin", [("1000", "start"), ("1010", "pause"), ("1025", "resume"),
                                                 ("1050", "end")], route="IV_INFUSION")
    resolve_timeline(t, [e], D)
    assert e.pauses_min == 15.0 and e.duration_min == 35.0
    assert e.end == datetime(2026, 11, 20, 10, 50)


def test_infiltration_then_restart_counts_gap_as_pause(ev) -> None:
    t = "NS 1 L started 0900 L AC. IV infiltrated 0930, restarted R FA 0945, bag empty 1045."
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0900", "start"), ("0930", "infiltrated"),
                                                    ("0945", "start"), ("1045", "end")],
           route="IV_INFUSION", purpose="hydration")
    resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 9, 0) and e.end == datetime(2026, 11, 20, 10, 45)
    assert e.pauses_min == 15.0 and e.duration_min == 90.0


def test_stop_wording_on_the_event_line_is_found_when_extraction_missed_it(ev) -> None:
    t = "NS 1000 mL bolus started 1410 L AC, infused 1515\nZofran 4 mg IVP 1420"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1410", "start")], route="IV_INFUSION",
            purpose="hydration")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1420", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e1, e2], D)
    assert e1.end == datetime(2026, 11, 20, 15, 15) and e1.duration_min == 65.0
    assert not codes(tl, "MISSING_STOP_TIME")


def test_stop_line_without_drug_closes_the_single_open_infusion(ev) -> None:
    t = "1410 NS 1 L bolus started\n1420 Zofran 4 mg IVP\n1530 bolus complete"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1410", "start")], route="IV_INFUSION",
            purpose="hydration")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1420", "at")], route="IV_PUSH")
    resolve_timeline(t, [e1, e2], D)
    assert e1.end == datetime(2026, 11, 20, 15, 30)


def test_stop_line_is_not_given_to_anyone_when_two_infusions_are_open(ev) -> None:
    t = "1410 NS 1 L started L AC\n1415 Vanc 1 g IV started R AC\n1530 infusion complete"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1410", "start")], route="IV_INFUSION")
    e2 = ev(t, "e2", "vancomycin", "Vanc", [("1415", "start")], route="IV_INFUSION")
    tl = resolve_timeline(t, [e1, e2], D)
    assert e1.end is None and e2.end is None
    assert sorted(x[0] for x in codes(tl, "MISSING_STOP_TIME")) == ["e1", "e2"]


def test_end_before_start_is_a_time_conflict(ev) -> None:
    t = "Vanc 1 g IV started 1450 completed 1410"
    e = ev(t, "e1", "vancomycin", "Vanc", [("1450", "start"), ("1410", "end")], route="IV_INFUSION")
    tl = resolve_timeline(t, [e], D)
    assert codes(tl, "TIME_CONFLICT") == [["e1"]]
    assert e.start == datetime(2026, 11, 20, 14, 50) and e.end is None


def test_times_longer_than_volume_and_rate_allow_are_flagged(ev) -> None:
    t = "Cefazolin 2 g in 100 mL @ 200 mL/hr 1400-1600"
    e = ev(t, "e1", "cefazolin", "Cefazolin", [("1400-1600", "range")], route="IV_INFUSION",
           volume_ml=100.0, rate_ml_hr=200.0)
    tl = resolve_timeline(t, [e], D)
    assert e.duration_min == 120.0 and e.time_source == "documented"
    assert codes(tl, "TIME_CONFLICT") == [["e1"]]


def test_bag_stopped_before_volume_and_rate_run_out_is_not_a_conflict(ev) -> None:
    t = "NS 1000 mL @ 125 mL/hr 1400-1430, stopped for transfer"
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400-1430", "range")], route="IV_INFUSION",
           volume_ml=1000.0, rate_ml_hr=125.0)
    tl = resolve_timeline(t, [e], D)
    assert e.duration_min == 30.0 and not codes(tl, "TIME_CONFLICT")


def test_encounter_date_found_in_note_header_not_dob(ev) -> None:
    t = "Pt DOB 03/04/1995\nDate of service: 11/20/2026\n1410 Zofran 4 mg IVP"
    e = ev(t, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e], None)
    assert tl.encounter_date == "2026-11-20"
    assert e.start == datetime(2026, 11, 20, 14, 10)
    assert not codes(tl, "NO_ENCOUNTER_DATE")


def test_no_date_anywhere_is_flagged_and_times_kept_on_placeholder(ev) -> None:
    t = "1410 Zofran 4 mg IVP"
    e = ev(t, "e1", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e], None)
    assert tl.encounter_date is None and codes(tl, "NO_ENCOUNTER_DATE")
    assert e.start is not None and (e.start.hour, e.start.minute) == (14, 10)


def test_event_without_any_time_is_unknown(ev) -> None:
    t = "Zofran 4 mg IVP given."
    e = ev(t, "e1", "ondansetron", "Zofran", [], route="IV_PUSH")
    resolve_timeline(t, [e], D)
    assert e.start is None and e.time_source == "unknown"


def test_resolving_twice_gives_the_same_result(ev) -> None:
    t = "1410 NS 1 L started L AC\n1420 Zofran 4 mg IVP\n1530 bolus complete"
    es = [ev(t, "e1", "sodium chloride 0.9%", "NS", [("1410", "start")], route="IV_INFUSION"),
          ev(t, "e2", "ondansetron", "Zofran", [("1420", "at")], route="IV_PUSH")]
    first = [x.to_dict() for x in resolve_timeline(t, es, D).events]
    second = [x.to_dict() for x in resolve_timeline(t, es, D).events]
    assert first == second


def test_am_pm_just_after_a_short_mention_is_used_and_rolls_over_midnight(ev) -> None:
    t = "11:45 PM NS 1 L bolus started L AC\n12:10 AM Zofran 4 mg IVP\n12:50 AM NS bolus complete"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS 1 L", [("11:45", "start"), ("12:50", "end")],
            route="IV_INFUSION")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("12:10", "at")], route="IV_PUSH")
    tl = resolve_timeline(t, [e1, e2], D)
    assert (e1.start, e1.end) == (datetime(2026, 11, 20, 23, 45), datetime(2026, 11, 21, 0, 50))
    assert e2.start == datetime(2026, 11, 21, 0, 10)
    assert not codes(tl, "AMBIGUOUS_TIME")


def test_note_without_timed_events_gets_no_date_flag(ev) -> None:
    assert resolve_timeline("Pt seen, no meds given.", [], None).flags == []
