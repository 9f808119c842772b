"""Digest section 9: every popular-source disagreement answered the CMS/CPT way."""

from coding_helpers import codes, cpt, ev, fluid, run


def test_96376_is_not_a_sequential_infusion_new_drug_infusion_is_96367():
    # vendor page: "NS over 60 min then ondansetron over 15 min = 96365 + 96376" -- wrong
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "11:00", minutes=60),
        ev("vancomycin", 1, "g", "IV_INFUSION", "12:10", minutes=60),
    ]
    assert cpt(run(events)) == [("96365", 1, ()), ("96367", 1, ())]


def test_y_site_drugs_running_together_are_one_initial_plus_96368_not_two_96365():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "14:00", minutes=90, line_cue="y_site"),
        ev("piperacillin/tazobactam", 3.375, "g", "IV_INFUSION", "14:05", minutes=30, line_cue="y_site"),
    ]
    assert cpt(run(events)) == [("96365", 1, ()), ("96368", 1, ())]


def test_intra_arterial_injection_is_96373_not_96376():
    assert codes(run([ev("nicardipine", 2, "mg", "INTRA_ARTERIAL", "10:00")])) == {"96373": 1}


def test_infusions_outrank_pushes_which_outrank_injections():
    events = [
        ev("ketorolac", 30, "mg", "IM", "09:00"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "09:05"),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "09:10", minutes=30),
    ]
    assert cpt(run(events)) == [("96365", 1, ()), ("96372", 1, ("59",)), ("96375", 1, ())]


def test_separate_lines_are_a_second_initial_not_concurrent():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", minutes=60, access_id="A1"),
        ev("cefepime", 2, "g", "IV_INFUSION", "09:00", minutes=30, access_id="A2"),
    ]
    assert sorted(cpt(run(events))) == [("96365", 1, ()), ("96365", 1, ("59",))]


def test_96368_once_per_encounter_and_96366_per_hour_not_30_minute_increments():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", minutes=130),
        ev("cefepime", 2, "g", "IV_INFUSION", "09:05", minutes=30),
        ev("levofloxacin", 750, "mg", "IV_INFUSION", "09:10", minutes=60),
    ]
    assert codes(run(events)) == {"96365": 1, "96366": 1, "96368": 1}


def test_second_drug_after_chemo_is_sequential_96367_not_an_additional_hour():
    events = [
        ev("carboplatin", 600, "mg", "IV_INFUSION", "10:00", minutes=30),
        ev("magnesium sulfate", 2, "g", "IV_INFUSION", "10:35", minutes=60),
    ]
    assert codes(run(events)) == {"96413": 1, "96367": 1}


def test_repeat_30_minute_infusions_are_not_96376():
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "08:00", minutes=30),
        ev("cefazolin", 1, "g", "IV_INFUSION", "14:00", minutes=30),
    ]
    assert "96376" not in codes(run(events))


def test_kcl_for_hypokalemia_is_a_drug_infusion_96365_with_j3480():
    result = run(
        [
            ev(
                "potassium chloride",
                20,
                "mEq",
                "IV_INFUSION",
                "14:00",
                minutes=60,
                indication="hypokalemia",
                volume_ml=100,
            )
        ]
    )
    assert codes(result) == {"96365": 1}
    assert [(h.code, h.units) for h in result.hcpcs] == [("J3480", 10)]


def test_maintenance_kcl_in_a_hydration_bag_stays_hydration():
    events = [
        fluid(
            "dextrose 5%/sodium chloride 0.45%",
            1000,
            start="10:00",
            minutes=120,
            infusate_id="b1",
            indication="dehydration",
        ),
        ev("potassium chloride", 20, "mEq", "IV_INFUSION", "10:00", minutes=120, infusate_id="b1"),
    ]
    assert codes(run(events)) == {"96360": 1, "96361": 1}


def test_missing_stop_time_is_computed_from_rate_and_volume_before_any_push_fallback():
    e = ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", volume_ml=250, rate_ml_hr=125)
    assert codes(run([e])) == {"96365": 1, "96366": 1}  # 120 min


def test_sequential_hydration_needs_no_modifier_59():
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "15:00", minutes=30),
        fluid(ml=500, start="15:30", minutes=31, indication="dehydration"),
    ]
    assert cpt(run(events)) == [("96365", 1, ()), ("96361", 1, ())]


def test_hydration_under_500_ml_is_billable():
    result = run([fluid(ml=250, start="10:10", minutes=45, indication="orthostatic, dehydration")])
    assert codes(result) == {"96360": 1}
