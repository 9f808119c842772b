"""Digest rules 10-19, 36-38: push/infusion line, hour units, hydration minimum, pauses, midnight."""

import pytest
from coding_helpers import codes, cpt, ev, flag_codes, fluid, run


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(15, {"96374": 1}), (16, {"96365": 1})],
)
def test_r10_r11_infusion_of_15_min_is_a_push_and_16_min_is_an_infusion(minutes, expected):
    result = run([ev("ceftriaxone", 1, "g", "IV_INFUSION", "14:00", minutes=minutes)])
    assert codes(result) == expected


def test_r10_iv_push_route_is_a_push_even_when_slow():
    result = run([ev("ondansetron", 4, "mg", "IV_PUSH", "14:00", minutes=20)])
    assert codes(result) == {"96374": 1}


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (90, {"96365": 1}),
        (91, {"96365": 1, "96366": 1}),
        (150, {"96365": 1, "96366": 1}),
        (151, {"96365": 1, "96366": 2}),
        (211, {"96365": 1, "96366": 3}),
    ],
)
def test_r14_additional_hour_needs_more_than_30_min_past_the_last_full_hour(minutes, expected):
    result = run([ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", minutes=minutes)])
    assert codes(result) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (30, {}),
        (31, {"96360": 1}),
        (90, {"96360": 1}),
        (91, {"96360": 1, "96361": 1}),
        (151, {"96360": 1, "96361": 2}),
    ],
)
def test_r15_hydration_needs_31_min_and_adds_hours_at_91_and_151(minutes, expected):
    result = run([fluid(start="10:00", minutes=minutes, purpose="hydration", indication="dehydration")])
    assert codes(result) == expected


@pytest.mark.parametrize(("minutes", "units"), [(30, 0), (31, 1), (90, 1), (91, 2)])
def test_r16_secondary_hydration_first_unit_at_31_min(minutes, units):
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "09:00", minutes=30),
        fluid(start="09:30", minutes=minutes, indication="dehydration"),
    ]
    result = run(events)
    assert codes(result).get("96361", 0) == units
    assert codes(result)["96365"] == 1


def test_r17_push_time_through_a_running_hydration_is_subtracted():
    # 95 min of NS with a 5-min documented push inside = 90 billable min -> no 96361 after 96374
    events = [
        fluid(start="10:00", minutes=95, indication="dehydration"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "10:10", end="10:15"),
    ]
    assert codes(run(events)) == {"96374": 1, "96361": 1}
    events2 = [
        fluid(start="10:00", minutes=96, indication="dehydration"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "10:10", end="10:15"),
    ]
    assert codes(run(events2)) == {"96374": 1, "96361": 2}


def test_r19_paused_minutes_do_not_count():
    # 105 min on the clock, 20 min paused = 85 min: 96365 only
    result = run([ev("iron sucrose", 500, "mg", "IV_INFUSION", "14:00", minutes=105, pauses_min=20)])
    assert codes(result) == {"96365": 1}


def test_r19_resolver_duration_is_taken_as_net_time():
    result = run([ev("iron sucrose", 500, "mg", "IV_INFUSION", "14:00", minutes=105, duration_min=85)])
    assert codes(result) == {"96365": 1}


def test_r2_infusion_crossing_midnight_is_timed_continuously():
    # 22:00 -> 01:10 next day = 190 min hydration = 96360 + 96361 x2
    e = fluid("lactated ringer's", start="22:00", indication="dehydration")
    e.end = e.start.replace(hour=1, minute=10) + __import__("datetime").timedelta(days=1)
    assert codes(run([e])) == {"96360": 1, "96361": 2}


def test_r37_missing_stop_time_is_computed_from_volume_and_rate():
    # 1000 mL at 500 mL/hr from 13:00 = 120 min
    e = fluid(start="13:00", indication="dehydration", rate_ml_hr=500)
    assert codes(run([e])) == {"96360": 1, "96361": 1}


def test_r38_drug_infusion_without_stop_time_falls_back_to_push_with_flags():
    result = run([ev("ceftriaxone", 1, "g", "IV_INFUSION", "14:00")])
    assert codes(result) == {"96374": 1}
    assert {
        "PUSH_FALLBACK_NO_STOP_TIME",
        "PUSH_INFUSION_DECIDED_BY_MISSING_TIME",
        "MISSING_STOP_TIME",
    } <= flag_codes(result)
    assert result.cpt[0].rule.startswith("R")


def test_r38_hydration_without_computable_duration_is_not_reported():
    result = run([fluid(start="14:00", indication="dehydration")])
    assert cpt(result) == []
    assert "HYDRATION_NO_DURATION" in flag_codes(result)
    assert [h.code for h in result.hcpcs] == ["J7030"]  # the bag is still charged (rule 44)


def test_r18_separate_short_infusions_are_not_added_together():
    events = [
        ev("ondansetron", 4, "mg", "IV_INFUSION", "10:00", minutes=10),
        ev("famotidine", 20, "mg", "IV_INFUSION", "10:30", minutes=10),
    ]
    assert codes(run(events)) == {"96374": 1, "96375": 1}


def test_r37_a_bag_without_stop_time_ends_when_the_next_bag_is_hung():
    # bolus 1 hung 13:00 (no stop documented), bolus 2 hung 13:45 and ran 45 min = 90 min continuous
    events = [
        fluid(start="13:00", indication="dehydration"),
        fluid(start="13:45", minutes=45, indication="dehydration"),
    ]
    result = run(events)
    assert codes(result) == {"96360": 1}
    assert "STOP_TIME_FROM_NEXT_BAG" in flag_codes(result)
