"""Access ids, encounters and relations (sequential, concurrent, during, separate_site, repeat_of...)."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.temporal import resolve_timeline
from infucode.pipeline.temporal.access import site_key
from infucode.pipeline.temporal.encounters import encounter_boundaries

D = date(2026, 11, 20)


def rels(e) -> set[tuple[str, str]]:
    return {(r.type, r.other) for r in e.relations}


def test_site_keys_normalise_wording() -> None:
    assert site_key("L AC", "20g") == site_key("left antecubital", None)
    assert site_key("L AC", None) != site_key("R FA", None)
    assert site_key(None, "port") == site_key("R chest", "Port-a-cath")
    assert site_key(None, "20g PIV") is None
    assert not site_key("R AC", None).compatible(site_key("L AC", None))
    assert site_key("L arm", None).compatible(site_key("L AC", None))


def test_two_sites_get_two_access_ids(ev) -> None:
    t = "1400 NS 1 L started L AC 20g\n1410 Vanc 1 g IV started R FA 18g\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400", "start")], route="IV_INFUSION", site="L AC")
    e2 = ev(t, "e2", "vancomycin", "Vanc", [("1410", "start")], route="IV_INFUSION", site="R FA")
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id == "A1" and e2.access_id == "A2"
    assert ("separate_site", "e1") in rels(e2)


def test_same_site_named_differently_is_one_access(ev) -> None:
    t = "1400 Zofran 4 mg IVP L AC\n1500 morphine 4 mg IVP left antecubital\n"
    e1 = ev(t, "e1", "ondansetron", "Zofran", [("1400", "at")], route="IV_PUSH", site="L AC")
    e2 = ev(t, "e2", "morphine", "morphine", [("1500", "at")], route="IV_PUSH", site="left antecubital")
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id == e2.access_id == "A1"
    assert ("sequential", "e1") in rels(e2)


def test_port_and_peripheral_are_different_access(ev) -> None:
    t = "1400 NS via port\n1410 Zofran 4 mg IVP R hand PIV\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400", "start")], route="IV_INFUSION", device="port",
            volume_ml=1000.0, rate_ml_hr=500.0)
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH", site="R hand")
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id != e2.access_id
    assert not any(r.type == "during" for r in e2.relations)


def test_infiltration_restart_at_new_site_keeps_the_same_access(ev) -> None:
    t = ("0900 NS 1 L started L AC\n0930 IV infiltrated, removed.\n"
         "0945 new PIV R FA, Vanc 1 g IV started\n")
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("0900", "start")], route="IV_INFUSION", site="L AC",
            volume_ml=1000.0, rate_ml_hr=1000.0)
    e2 = ev(t, "e2", "vancomycin", "Vanc", [("0945", "start")], route="IV_INFUSION", site="R FA",
            line_cue="new_line", documented_duration_min=60.0)
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id == e2.access_id == "A1"


def test_first_named_site_belongs_to_the_running_line(ev) -> None:
    t = "1400 Zofran 4 mg IVP\n1430 morphine 4 mg IVP L AC\n"
    e1 = ev(t, "e1", "ondansetron", "Zofran", [("1400", "at")], route="IV_PUSH")
    e2 = ev(t, "e2", "morphine", "morphine", [("1430", "at")], route="IV_PUSH", site="L AC")
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id == e2.access_id


def test_separate_line_cue_without_site_is_new_access(ev) -> None:
    t = "1400 NS 1 L bolus\n1410 2nd IV placed, Zofran 4 mg IVP via separate line\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400", "start")], route="IV_INFUSION")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1410", "at")], route="IV_PUSH", line_cue="separate_line")
    resolve_timeline(t, [e1, e2], D)
    assert e1.access_id == "A1" and e2.access_id == "A2"


def test_oral_and_im_events_get_no_access(ev) -> None:
    t = "1400 Toradol 30 mg IM R deltoid"
    e = ev(t, "e1", "ketorolac", "Toradol", [("1400", "at")], route="IM")
    resolve_timeline(t, [e], D)
    assert e.access_id is None and e.encounter_id == "V1"


def test_overlapping_infusions_on_one_line_are_concurrent(ev) -> None:
    t = "1400-1530 NS 1 L L AC\nVanc 1 g IV y-site 1415-1515\n"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400-1530", "range")], route="IV_INFUSION", site="L AC")
    e2 = ev(t, "e2", "vancomycin", "Vanc", [("1415-1515", "range")], route="IV_INFUSION", line_cue="y_site")
    resolve_timeline(t, [e1, e2], D)
    assert e2.access_id == "A1"
    assert rels(e2) == {("concurrent", "e1")}


def test_infusion_after_another_ends_is_sequential(ev) -> None:
    t = "Ceftriaxone 1 g IVPB 1400-1430\nVanc 1 g IV 1435-1540\n"
    e1 = ev(t, "e1", "ceftriaxone", "Ceftriaxone", [("1400-1430", "range")], route="IV_INFUSION")
    e2 = ev(t, "e2", "vancomycin", "Vanc", [("1435-1540", "range")], route="IV_INFUSION")
    resolve_timeline(t, [e1, e2], D)
    assert rels(e2) == {("sequential", "e1")}


def test_push_during_running_hydration_gets_during_with_push_minutes(ev) -> None:
    t = "1400 NS 1 L started for dehydration\n1420 Zofran 4 mg IVP over 2 min\n1530 NS done"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400", "start"), ("1530", "end")], route="IV_INFUSION",
            purpose="hydration")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1420", "at")], route="IV_PUSH", documented_duration_min=2.0)
    resolve_timeline(t, [e1, e2], D)
    assert [(r.type, r.other, r.minutes) for r in e2.relations] == [("during", "e1", 2.0)]


def test_push_after_infusion_ended_is_sequential_not_during(ev) -> None:
    t = "NS 1 L 1400-1500\n1510 Zofran 4 mg IVP"
    e1 = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1400-1500", "range")], route="IV_INFUSION")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1510", "at")], route="IV_PUSH")
    resolve_timeline(t, [e1, e2], D)
    assert rels(e2) == {("sequential", "e1")}


def test_same_drug_repeated_reports_minutes_since_previous(ev) -> None:
    t = "1400 morphine 4 mg IVP\n1445 morphine 4 mg IVP"
    e1 = ev(t, "e1", "morphine", "morphine", [("1400", "at")], route="IV_PUSH")
    e2 = ev(t, "e2", "morphine", "morphine", [("1445", "at")], route="IV_PUSH", after=10)
    resolve_timeline(t, [e1, e2], D)
    assert [(r.type, r.other, r.minutes) for r in e2.relations if r.type == "repeat_of"] == [
        ("repeat_of", "e1", 45.0)]


def test_components_of_one_bag_share_infusate(ev) -> None:
    t = "1400 D5 1/2NS with 20 mEq KCl @ 125 mL/hr, 1000 mL"
    e1 = ev(t, "e1", "dextrose 5%/sodium chloride 0.45%", "D5 1/2NS", [("1400", "start")],
            route="IV_INFUSION", infusate_id="b1", volume_ml=1000.0, rate_ml_hr=125.0)
    e2 = ev(t, "e2", "potassium chloride", "KCl", [("1400", "start")], route="IV_INFUSION", infusate_id="b1",
            volume_ml=1000.0, rate_ml_hr=125.0)
    resolve_timeline(t, [e1, e2], D)
    assert rels(e2) == {("same_infusate", "e1")}
    assert e1.end == e2.end and e2.time_source == "computed"


def test_not_given_events_get_no_relations(ev) -> None:
    t = "1400 morphine 4 mg IVP\n1445 morphine 4 mg IVP held"
    e1 = ev(t, "e1", "morphine", "morphine", [("1400", "at")], route="IV_PUSH")
    e2 = ev(t, "e2", "morphine", "morphine", [("1445", "at")], route="IV_PUSH", status="not_given", after=10)
    resolve_timeline(t, [e1, e2], D)
    assert e2.relations == []


def test_return_after_discharge_is_a_separate_encounter(ev) -> None:
    t = ("0900 Zofran 4 mg IVP L AC\n1000 Pt discharged home.\n"
         "1700 Pt returned to ED with vomiting. Zofran 4 mg IVP R AC 1715\n")
    e1 = ev(t, "e1", "ondansetron", "Zofran", [("0900", "at")], route="IV_PUSH", site="L AC")
    e2 = ev(t, "e2", "ondansetron", "Zofran", [("1715", "at")], route="IV_PUSH", site="R AC", after=40)
    resolve_timeline(t, [e1, e2], D)
    assert (e1.encounter_id, e2.encounter_id) == ("V1", "V2")
    assert e1.access_id != e2.access_id
    assert e2.relations == []


def test_return_from_ct_or_planned_discharge_is_not_a_new_encounter() -> None:
    assert encounter_boundaries("Will discharge home after fluids.\nPt returned from CT 1500.") == []
    assert encounter_boundaries("Pt discharged home 1100.\nTriage 1600: back with pain") != []
    assert encounter_boundaries("Second visit today: morphine") == [0]


EVENT_SPECS = [
    ("e1", "sodium chloride 0.9%", "NS", [("1400", "start"), ("1530", "end")], {"route": "IV_INFUSION",
                                                                               "site": "L AC"}),
    ("e2", "ondansetron", "Zofran", [("1410", "at")], {"route": "IV_PUSH"}),
    ("e3", "vancomycin", "Vanc", [("1415-1515", "range")], {"route": "IV_INFUSION", "line_cue": "y_site"}),
    ("e4", "ondansetron", "Zofran", [("1600", "at")], {"route": "IV_PUSH", "site": "R FA"}),
    ("e5", "morphine", "morphine", [("2350", "at")], {"route": "IV_PUSH"}),
    ("e6", "morphine", "morphine", [("0020", "at")], {"route": "IV_PUSH"}),
]
ORDER_TEXT = ("1400 NS 1 L L AC, done 1530\n1410 Zofran 4 mg IVP\nVanc 1 g y-site 1415-1515\n"
              "1600 Zofran 4 mg IVP R FA\n2350 morphine 4 mg IVP\n0020 morphine 4 mg IVP\n")


def _events(ev):
    out, cursor = [], 0
    for eid, drug, anchor, times, fields in EVENT_SPECS:
        e = ev(ORDER_TEXT, eid, drug, anchor, times, after=cursor, **fields)
        cursor = e.mention_start + 1
        out.append(e)
    return out


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_events_are_given_in(ev, rnd: random.Random) -> None:
    reference = {e.event_id: e.to_dict() for e in resolve_timeline(ORDER_TEXT, _events(ev), D).events}
    shuffled = _events(ev)
    rnd.shuffle(shuffled)
    tl = resolve_timeline(ORDER_TEXT, shuffled, D)
    assert [e.event_id for e in tl.events] == [e.event_id for e in shuffled]
    assert {e.event_id: e.to_dict() for e in tl.events} == reference
    assert reference["e6"]["start"] == "2026-11-21T00:20:00"
    assert all(e.duration_min is None or e.duration_min >= 0 for e in tl.events)
