"""Digest rules 2-6, 20-32: initial choice, sequential/concurrent/repeat codes, settings, modifiers."""

import pytest
from coding_helpers import codes, cpt, ev, flag_codes, fluid, run


def test_r3_facility_initial_is_by_hierarchy_not_clock_order():
    events = [
        ev("ondansetron", 4, "mg", "IV_PUSH", "09:00"),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "09:30", minutes=30),
    ]
    result = run(events)
    assert cpt(result) == [("96365", 1, ()), ("96375", 1, ())]
    assert result.cpt[0].event_ids == [events[1].event_id]


def test_r3_output_lists_initial_first_then_add_ons_by_code():
    events = [
        fluid(start="08:00", minutes=120, indication="dehydration"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "08:10"),
        ev("ketorolac", 30, "mg", "IV_PUSH", "08:20"),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "10:00", minutes=30),
    ]
    assert [c[0] for c in cpt(run(events))] == ["96365", "96361", "96375"]


def test_r3_chemo_infusion_outranks_chemo_push_and_drug_infusion():
    events = [
        ev("dexamethasone", 12, "mg", "IV_INFUSION", "08:15", minutes=25),
        ev("paclitaxel", 150, "mg", "IV_INFUSION", "08:45", minutes=180),
        ev("doxorubicin", 50, "mg", "IV_PUSH", "11:50"),
    ]
    assert codes(run(events)) == {"96413": 1, "96415": 2, "96367": 1, "96411": 1}


def test_r3_complex_biologic_infusion_uses_chemo_codes():
    result = run([ev("infliximab", 400, "mg", "IV_INFUSION", "08:30", minutes=120)])
    assert codes(result) == {"96413": 1, "96415": 1}


def test_r3_prolonged_chemo_pump_initiation_is_96416():
    events = [
        ev("oxaliplatin", 170, "mg", "IV_INFUSION", "08:15", minutes=120),
        ev("fluorouracil", 4750, "mg", "IV_INFUSION", "10:30", minutes=46 * 60),
    ]
    assert codes(run(events)) == {"96413": 1, "96415": 1, "96416": 1}


def test_r20_sequential_new_drug_is_96367_with_its_own_hours_on_96366():
    events = [
        ev("cefepime", 2, "g", "IV_INFUSION", "13:00", minutes=30),
        ev("vancomycin", 1.25, "g", "IV_INFUSION", "13:35", minutes=120),
    ]
    assert cpt(run(events)) == [("96365", 1, ()), ("96366", 1, ()), ("96367", 1, ())]


def test_r21_concurrent_infusions_on_one_access_are_96365_plus_one_96368():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", minutes=90),
        ev("piperacillin/tazobactam", 4.5, "g", "IV_INFUSION", "09:05", minutes=30),
        ev("levofloxacin", 750, "mg", "IV_INFUSION", "09:10", minutes=60),
    ]
    result = run(events)
    assert cpt(result) == [("96365", 1, ()), ("96368", 1, ())]
    assert "CONCURRENT_MORE_THAN_ONCE" not in flag_codes(result)


def test_r22_hydration_running_alongside_a_drug_infusion_is_not_billed_for_the_overlap():
    # NS 60 min, drug 40 min inside it: 20 min left = no 96361
    events = [
        fluid(start="10:00", minutes=60, indication="dehydration"),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "10:10", minutes=40),
    ]
    assert codes(run(events)) == {"96365": 1}


def test_r23_r24_repeat_push_boundary_30_min_no_96376_31_min_96376():
    at30 = [ev("ondansetron", 4, "mg", "IV_PUSH", "14:00"), ev("ondansetron", 4, "mg", "IV_PUSH", "14:30")]
    at31 = [ev("ondansetron", 4, "mg", "IV_PUSH", "14:00"), ev("ondansetron", 4, "mg", "IV_PUSH", "14:31")]
    r30, r31 = run(at30), run(at31)
    assert codes(r30) == {"96374": 1}
    assert "REPEAT_PUSH_WITHIN_30_MIN" in flag_codes(r30)
    assert codes(r31) == {"96374": 1, "96376": 1}
    # drug units are reported either way
    assert [(h.code, h.units) for h in r30.hcpcs] == [("J2405", 8)]


def test_r24_repeat_push_is_timed_from_the_previous_reported_push():
    events = [
        ev("morphine", 4, "mg", "IV_PUSH", "14:00"),
        ev("morphine", 2, "mg", "IV_PUSH", "14:20"),  # not reported (20 min)
        ev("morphine", 2, "mg", "IV_PUSH", "14:35"),  # 35 min after the reported 14:00 push
    ]
    assert codes(run(events)) == {"96374": 1, "96376": 1}


def test_r23_a_drug_pushed_twice_is_never_a_second_96375():
    events = [
        ev("ketorolac", 15, "mg", "IV_PUSH", "09:00"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "09:05"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "09:20"),
    ]
    assert codes(run(events)) == {"96374": 1, "96375": 1}


def test_r26_same_drug_push_after_its_infusion_is_96376_in_a_facility():
    events = [
        ev("famotidine", 20, "mg", "IV_INFUSION", "08:00", minutes=30),
        ev("famotidine", 20, "mg", "IV_PUSH", "14:00"),
    ]
    assert codes(run(events)) == {"96365": 1, "96376": 1}


def test_r25_professional_never_reports_96376():
    events = [ev("ondansetron", 4, "mg", "IV_PUSH", "14:00"), ev("ondansetron", 4, "mg", "IV_PUSH", "15:00")]
    result = run(events, "professional", "11")
    assert codes(result) == {"96374": 1}
    assert "REPEAT_PUSH_NOT_REPORTED_PROFESSIONAL" in flag_codes(result)


def test_r27_im_injection_with_iv_services_gets_59():
    events = [ev("ondansetron", 4, "mg", "IV_PUSH", "09:30"), ev("ceftriaxone", 250, "mg", "IM", "09:45")]
    result = run(events)
    assert cpt(result) == [("96374", 1, ()), ("96372", 1, ("59",))]
    assert "59" in result.cpt[1].rationale


def test_r27_im_injections_alone_have_no_modifier_and_count_per_injection():
    events = [ev("ceftriaxone", 500, "mg", "IM", "16:20"), ev("ketorolac", 60, "mg", "IM", "16:22")]
    assert cpt(run(events, "professional", "11")) == [("96372", 2, ())]


def test_r39_im_injection_with_hydration_is_96360_plus_96372_59():
    events = [
        fluid(start="12:00", minutes=45, indication="heat exhaustion, dehydration"),
        ev("ketorolac", 15, "mg", "IM", "12:05"),
    ]
    assert cpt(run(events)) == [("96360", 1, ()), ("96372", 1, ("59",))]


def test_r27_intra_arterial_is_96373():
    assert codes(run([ev("verapamil", 2.5, "mg", "INTRA_ARTERIAL", "10:00")])) == {"96373": 1}


@pytest.mark.parametrize(("minutes", "expected"), [(70, {"96369": 1}), (100, {"96369": 1, "96370": 1})])
def test_r28_subcutaneous_infusion(minutes, expected):
    e = ev("immune globulin", 8, "g", "SQ", "10:00", minutes=minutes, volume_ml=40)
    assert codes(run([e])) == expected


def test_r29_second_access_site_gets_a_second_initial_with_59():
    events = [
        ev("vancomycin", 1.5, "g", "IV_INFUSION", "15:00", minutes=90, access_id="A1"),
        ev("levetiracetam", 1500, "mg", "IV_INFUSION", "15:10", minutes=20, access_id="A2"),
    ]
    result = run(events)
    assert sorted(cpt(result)) == [("96365", 1, ()), ("96365", 1, ("59",))]
    assert "DUPLICATE_INITIAL" not in flag_codes(result)
    assert any("separate vascular access site" in c.rationale for c in result.cpt)


def test_r29_separate_encounter_same_day_gets_a_second_initial_with_59():
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "08:00", minutes=30, encounter_id="V1"),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "19:05", minutes=30, encounter_id="V2"),
    ]
    result = run(events)
    assert cpt(result) == [("96365", 1, ()), ("96365", 1, ("59",))]
    assert [(h.code, h.units) for h in result.hcpcs] == [("J0696", 8)]


def test_r30_restart_on_the_same_access_is_one_infusion_with_the_times_added():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "14:00", minutes=20, access_id="A1"),
        ev("vancomycin", 1, "g", "IV_INFUSION", "14:35", minutes=55, access_id="A1"),
    ]
    result = run(events)
    assert codes(result) == {"96365": 1}  # 20 + 55 = 75 min
    assert "SAME_DRUG_INFUSION_TIME_SUMMED" in flag_codes(result)


def test_r4_professional_initial_is_the_primary_reason_hydration():
    events = [
        fluid(start="10:00", minutes=60, purpose="hydration", indication="dehydration"),
        ev("ondansetron", 8, "mg", "IV_PUSH", "10:15", indication="nausea"),
    ]
    assert cpt(run(events, "professional", "11")) == [("96360", 1, ()), ("96375", 1, ())]
    # the facility claim follows the hierarchy instead
    assert cpt(run(events, "facility")) == [("96374", 1, ()), ("96361", 1, ())]


def test_r4_professional_without_documented_reason_uses_the_hierarchy_and_says_so():
    events = [fluid(start="10:00", minutes=60), ev("ondansetron", 8, "mg", "IV_PUSH", "10:15")]
    result = run(events, "professional", "11")
    assert result.cpt[0].code == "96374"
    assert "hierarchy" in result.cpt[0].rationale


@pytest.mark.parametrize("pos", ["19", "21", "22", "23"])
def test_r5_professional_claim_in_a_facility_pos_has_no_963xx_and_no_drug_codes(pos):
    result = run([ev("ondansetron", 4, "mg", "IV_PUSH", "14:00")], "professional", pos)
    assert result.cpt == [] and result.hcpcs == []
    assert "PROFESSIONAL_FACILITY_POS" in flag_codes(result)


def test_r6_professional_office_bills_administration_and_drug():
    result = run([ev("ondansetron", 4, "mg", "IV_PUSH", "14:00")], "professional", "11")
    assert codes(result) == {"96374": 1}
    assert [(h.code, h.units) for h in result.hcpcs] == [("J2405", 4)]


def test_r13_chemo_infusion_stopped_early_is_the_intended_infusion_with_53_professional():
    e = ev("paclitaxel", 175, "mg", "IV_INFUSION", "10:00", minutes=10, volume_ml=500)
    assert cpt(run([e], "professional", "11")) == [("96413", 1, ("53",))]
    assert cpt(run([e], "facility")) == [("96413", 1, ())]


def test_only_given_events_are_billed():
    events = [
        ev("ondansetron", 4, "mg", "IV_PUSH", "14:00", status="not_given"),
        ev("ketorolac", 30, "mg", "IV_PUSH", "14:05", status="ordered"),
    ]
    result = run(events)
    assert result.cpt == [] and result.hcpcs == []


def test_missing_access_and_encounter_ids_mean_one_access_and_one_encounter():
    events = [
        ev("ondansetron", 4, "mg", "IV_PUSH", "14:00", access_id=None, encounter_id=None),
        ev("ketorolac", 30, "mg", "IV_PUSH", "14:05", access_id="A1", encounter_id="V1"),
    ]
    assert cpt(run(events)) == [("96374", 1, ()), ("96375", 1, ())]


def test_r12_two_drugs_in_one_bag_are_one_administration_with_two_drug_codes():
    events = [
        ev("ondansetron", 8, "mg", "IV_INFUSION", "11:10", minutes=30, infusate_id="i1"),
        ev("dexamethasone", 10, "mg", "IV_INFUSION", "11:10", minutes=30, infusate_id="i1", volume_ml=100),
    ]
    result = run(events)
    assert cpt(result) == [("96365", 1, ())]
    assert sorted((h.code, h.units) for h in result.hcpcs) == [("J1100", 10), ("J2405", 8)]


def test_every_line_has_event_ids_rule_and_rationale():
    events = [
        fluid(start="08:00", minutes=120, indication="dehydration"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "08:10"),
        ev("ketorolac", 30, "mg", "IM", "08:20"),
    ]
    result = run(events)
    for line in result.cpt + result.hcpcs:
        assert line.event_ids and line.rule.startswith("R") and line.rationale.endswith(".")
