"""Time-expression parsing: fast paths, ranges, relative offsets, durations, dates, dateparser fallback."""

from __future__ import annotations

import pytest
from infucode.pipeline.temporal.parse import find_dates, find_line_times, parse_duration, parse_expression


def hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1410", "14:10"),
        ("@1410", "14:10"),
        ("@ 1410", "14:10"),
        ("0900h", "09:00"),
        ("0900 hrs", "09:00"),
        ("14:10", "14:10"),
        ("09:15", "09:15"),
        ("2:10 PM", "14:10"),
        ("2:10pm", "14:10"),
        ("2:10 p.m.", "14:10"),
        ("2pm", "14:00"),
        ("11:45 AM", "11:45"),
        ("12:05 am", "00:05"),
        ("12:30 PM", "12:30"),
        ("started at 1410", "14:10"),
        ("completed @ 15:05", "15:05"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("2400", "00:00"),
    ],
)
def test_unambiguous_clock_forms_parse_to_one_reading(text: str, expected: str) -> None:
    p = parse_expression(text)
    assert p is not None and p.kind == "clock"
    assert p.start is not None and not p.start.ambiguous
    assert hm(p.start.candidates[0]) == expected


@pytest.mark.parametrize(("text", "am", "pm"), [("2:10", "02:10", "14:10"), ("at 915", "09:15", "21:15"),
                                                ("12:30", "00:30", "12:30")])
def test_twelve_hour_time_without_am_pm_keeps_both_readings(text: str, am: str, pm: str) -> None:
    p = parse_expression(text)
    assert p is not None and p.start is not None and p.start.ambiguous
    assert [hm(c) for c in p.start.candidates] == [am, pm]


def test_bare_number_is_ambiguous_not_a_time() -> None:
    p = parse_expression("10")
    assert p is not None and p.kind == "ambiguous"


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1410-1450", "14:10", "14:50"),
        ("1410 - 1450", "14:10", "14:50"),
        ("14:10 to 14:50", "14:10", "14:50"),
        ("from 1410 until 1450", "14:10", "14:50"),
        ("2:10-3:05 PM", "14:10", "15:05"),
        ("11:30-1:15 PM", "11:30", "13:15"),
        ("2350-0030", "23:50", "00:30"),
    ],
)
def test_ranges_give_both_ends(text: str, start: str, end: str) -> None:
    p = parse_expression(text)
    assert p is not None and p.kind == "range"
    assert p.start is not None and p.end is not None
    assert hm(p.start.candidates[0]) == start
    assert hm(p.end.candidates[0]) == end


@pytest.mark.parametrize(
    ("text", "ymd", "time"),
    [
        ("11/20/2026 1410", (2026, 11, 20), "14:10"),
        ("11/20/26 14:10", (2026, 11, 20), "14:10"),
        ("2026-11-20T14:10", (2026, 11, 20), "14:10"),
        ("2026-11-20 14:10", (2026, 11, 20), "14:10"),
        ("11/21 0015", (None, 11, 21), "00:15"),
        ("Nov 20 at 2:10 pm", (None, 11, 20), "14:10"),
        ("20-Nov-2026 1410", (2026, 11, 20), "14:10"),
    ],
)
def test_dated_times_carry_their_date(text: str, ymd: tuple, time: str) -> None:
    p = parse_expression(text)
    assert p is not None and p.start is not None
    assert p.start.ymd == ymd
    assert hm(p.start.candidates[0]) == time


def test_date_alone_is_a_date() -> None:
    p = parse_expression("Nov 20, 2026")
    assert p is not None and p.kind == "date" and p.ymd == (2026, 11, 20)


@pytest.mark.parametrize(("text", "minutes"), [("30 min later", 30), ("an hour later", 60),
                                                ("after 20 minutes", 20), ("1.5 hrs later", 90),
                                                ("+15 min", 15)])
def test_relative_offsets(text: str, minutes: float) -> None:
    p = parse_expression(text)
    assert p is not None and p.kind == "relative" and p.minutes == minutes


@pytest.mark.parametrize(("text", "minutes"), [("over 30 min", 30), ("x 2 hrs", 120), ("1 hr 15 min", 75),
                                                ("over 1.5 hours", 90), ("over thirty minutes", 30)])
def test_durations(text: str, minutes: float) -> None:
    assert parse_duration(text) == minutes
    p = parse_expression(text)
    assert p is not None and p.kind == "duration" and p.minutes == minutes


def test_dateparser_fallback_reads_unusual_forms() -> None:
    p = parse_expression("twenty past two in the afternoon on November 20th 2026")
    q = parse_expression("14h10")
    assert q is not None and q.start is not None and hm(q.start.candidates[0]) == "14:10"
    # dateparser may or may not read the long phrase; when it does, the date must be kept
    if p is not None and p.start is not None:
        assert p.start.ymd is not None


def test_nothing_time_like_gives_none() -> None:
    assert parse_expression("given per order") is None
    assert parse_expression("") is None


def test_find_dates_ignores_fraction_like_fluids_but_keeps_dated_entries() -> None:
    text = "D5 1/2NS 1000 mL hung.\n11/21 0015 NS done. Visit 11/20/2026."
    found = [ymd for _s, _e, ymd in find_dates(text)]
    assert (None, 1, 2) not in found
    assert (None, 11, 21) in found and (2026, 11, 20) in found


def test_line_timestamps_skip_volumes() -> None:
    text = "2350 pt arrived\n1000 mL NS hung\n[23:55] zofran\n"
    times = [hm(c.candidates[0]) for _s, _e, c in find_line_times(text)]
    assert times == ["23:50", "23:55"]
