"""Interval algebra, with hypothesis properties: no negative durations, midnight, pauses."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from infucode.pipeline.temporal.intervals import (
    choose_candidate,
    end_after,
    minutes_between,
    overlap_minutes,
    paused_minutes,
    place_after,
    run_minutes,
)

BASE = datetime(2026, 11, 20)
times = st.integers(min_value=0, max_value=3 * 1440).map(lambda m: BASE + timedelta(minutes=m))
minute_of_day = st.integers(min_value=0, max_value=1439)


def test_next_entry_after_midnight_rolls_to_next_day() -> None:
    prev = datetime(2026, 11, 20, 23, 50)
    assert place_after(15, prev, 720) == datetime(2026, 11, 21, 0, 15)


def test_late_entry_with_smaller_time_stays_same_day() -> None:
    prev = datetime(2026, 11, 20, 14, 50)
    assert place_after(14 * 60 + 10, prev, 720) == datetime(2026, 11, 20, 14, 10)


def test_reverse_ordered_note_goes_back_over_midnight() -> None:
    prev = datetime(2026, 11, 21, 0, 15)
    assert place_after(23 * 60 + 50, prev, 720) == datetime(2026, 11, 20, 23, 50)


def test_end_before_start_within_the_day_is_rejected_not_rolled() -> None:
    start = datetime(2026, 11, 20, 14, 50)
    assert end_after(start, 14 * 60 + 10, 960) is None
    assert end_after(datetime(2026, 11, 20, 23, 30), 30, 960) == datetime(2026, 11, 21, 0, 30)


def test_am_pm_chosen_from_previous_time() -> None:
    prev = datetime(2026, 11, 20, 13, 50)
    assert choose_candidate((130, 850), prev, None, 720) == (850, True)
    assert choose_candidate((555, 1275), datetime(2026, 11, 20, 8, 50), None, 720) == (555, True)
    assert choose_candidate((130, 850), None, None, 720) == (130, False)


def test_pause_resumed_and_unresumed() -> None:
    s = datetime(2026, 11, 20, 14, 0)
    p, r, end = s + timedelta(minutes=20), s + timedelta(minutes=35), s + timedelta(minutes=90)
    assert paused_minutes([p], [r], end) == (15.0, end)
    assert paused_minutes([p], [], end) == (70.0, end)
    assert paused_minutes([p], [], None) == (0.0, p)


def test_run_minutes_from_volume_and_rate() -> None:
    assert run_minutes(1000, 125) == 480
    assert run_minutes(100, 200) == 30
    assert run_minutes(None, 125) is None
    assert run_minutes(100, 0) is None


@given(minute_of_day, times)
def test_placement_stays_within_one_day_of_previous(m: int, prev: datetime) -> None:
    t = place_after(m, prev, 720)
    assert t.hour * 60 + t.minute == m
    assert -720 <= minutes_between(prev.replace(second=0), t) <= 720


@given(times, minute_of_day)
def test_end_after_is_never_before_start(start: datetime, m: int) -> None:
    end = end_after(start, m, 960)
    if end is not None:
        assert 0 <= minutes_between(start, end) <= 960
        assert end.hour * 60 + end.minute == m


@given(times, times, times, times)
def test_overlap_is_symmetric_and_never_negative(a: datetime, b: datetime, c: datetime, d: datetime) -> None:
    a1, a2 = sorted((a, b))
    b1, b2 = sorted((c, d))
    o = overlap_minutes(a1, a2, b1, b2)
    assert o >= 0
    assert o == overlap_minutes(b1, b2, a1, a2)
    assert o <= minutes_between(a1, a2) and o <= minutes_between(b1, b2)


@given(times, st.lists(times, max_size=4), st.lists(times, max_size=4), st.one_of(st.none(), times))
def test_paused_minutes_never_negative_nor_order_dependent(
        start: datetime, pauses: list[datetime], resumes: list[datetime], end: datetime | None) -> None:
    total, eff_end = paused_minutes(pauses, resumes, end)
    assert total >= 0
    assert (total, eff_end) == paused_minutes(list(reversed(pauses)), list(reversed(resumes)), end)
    if end is not None:
        assert eff_end == end
