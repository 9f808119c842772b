"""European dotted clock times ("08.40 h", "8.40h", "at 08.40", "08.40-09.10") are clock times.

Decimal doses ("0.5 mg", "12.50 mL"), lab values, run times ("over 1.25 h") and dotted dates
("04.03.2026") are not. The note lines are written for these tests (fictional, no corpus text).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from infucode.pipeline.extract.attributes import find_attributes
from infucode.pipeline.temporal import resolve_timeline
from infucode.pipeline.temporal.parse import find_dates, find_line_times, parse_expression
from infucode.pipeline.temporal.textscan import clock_tokens

D = date(2026, 3, 5)


def at(h: int, m: int) -> datetime:
    return datetime(2026, 3, 5, h, m)


@pytest.mark.parametrize(("raw", "minutes"), [("08.40 h", 520), ("8.40h", 520), ("14.10", 850),
                                               ("20.05 hrs", 1205), ("8.40 pm", 1240)])
def test_a_dotted_clock_reads_as_one_time_of_day(raw: str, minutes: int) -> None:
    parsed = parse_expression(raw)
    assert parsed is not None and parsed.kind == "clock"
    assert parsed.start is not None and parsed.start.candidates == (minutes,)


def test_a_dotted_clock_without_hour_mark_or_leading_zero_keeps_both_readings() -> None:
    parsed = parse_expression("at 8.40")
    assert parsed is not None and parsed.start is not None
    assert parsed.start.candidates == (520, 1240)


def test_a_dotted_range_reads_as_start_and_end() -> None:
    parsed = parse_expression("10.15-10.45 h")
    assert parsed is not None and parsed.kind == "range"
    assert parsed.start is not None and parsed.end is not None
    assert (parsed.start.candidates, parsed.end.candidates) == ((615,), (645,))


@pytest.mark.parametrize("raw", ["04.03.2026", "0.5", "over 1.25 h"])
def test_dates_decimals_and_run_times_are_no_dotted_clock(raw: str) -> None:
    parsed = parse_expression(raw)
    assert parsed is None or parsed.kind != "clock"


@pytest.mark.parametrize(("line", "found"), [
    ("09.05 h paclitaxel started", ["09.05 h"]),
    ("premeds given at 8.40, vitals at 14.10", ["8.40", "14.10"]),
    ("infused 10.15-10.45 h", ["10.15", "10.45 h"]),
    ("dexamethasone 12.50 mg IV, 0.5 mg test dose", []),
    ("K 3.45, Hgb 10.20, Mg 2.05 mmol/L", []),
    ("run over 1.25 h, q 4.00 h", []),
    ("seen on 04.03.2026", []),
])
def test_clock_tokens_find_dotted_times_and_skip_numbers(line: str, found: list[str]) -> None:
    assert [line[a:b] for a, b in clock_tokens(line, 0, len(line))] == found


def test_a_line_that_starts_with_a_dotted_time_gives_an_entry_timestamp() -> None:
    text = "08.40 h premedication given\n12.50 mg on the label\n10.30 vitals stable\n"
    assert [text[s:e] for s, e, _ in find_line_times(text)] == ["08.40 h", "10.30"]


@pytest.mark.parametrize(("line", "found"), [
    ("08.40 h ondansetron 8 mg IV", ["08.40 h"]),
    ("ondansetron 8 mg IV at 8.40", ["8.40"]),
    ("carboplatin infused 10.15-10.45 h", ["10.15-10.45 h"]),
    ("dexamethasone 12.50 mg IV at 0.5 mg/kg", []),
    ("magnesium at 2.05 mmol/L", []),
])
def test_extraction_marks_dotted_clock_times(line: str, found: list[str]) -> None:
    times = [a.text for a in find_attributes(line) if a.label == "time"]
    assert times == found


def test_a_dotted_stop_row_ends_the_infusion_it_follows(ev) -> None:
    text = ("09.05 h NS 500 mL started at 250 mL/h, L forearm.\n"
            "09.20 h reaction: infusion stopped.\n")
    e1 = ev(text, "e1", "sodium chloride 0.9%", "NS", [("09.05 h", "start")], route="IV_INFUSION",
            volume_ml=500.0, rate_ml_hr=250.0)
    resolve_timeline(text, [e1], D)
    assert (e1.start, e1.end) == (at(9, 5), at(9, 20))


@pytest.mark.parametrize(("raw", "minutes"), [("14h10", 850), ("14 h 10", 850), ("8h40", 520), ("14H10", 850)])
def test_a_european_h_clock_is_a_24_hour_time(raw: str, minutes: int) -> None:
    parsed = parse_expression(raw)
    assert parsed is not None and parsed.kind == "clock"
    assert parsed.start is not None and parsed.start.candidates == (minutes,)


@pytest.mark.parametrize("line", ["infused over 2 h 10 min", "for 2 h 30 minutes", "x 1h30"])
def test_a_run_time_in_hours_and_minutes_is_no_h_clock(line: str) -> None:
    assert [a.text for a in find_attributes(line) if a.label == "time"] == []
    assert clock_tokens(line, 0, len(line)) == []


def test_a_dotted_date_is_read_day_first_and_anchors_the_note() -> None:
    text = "Day unit 23.11.2026\n08.40 h premedication given\n"
    parsed = parse_expression("23.11.2026")
    assert parsed is not None and parsed.kind == "date" and parsed.ymd == (2026, 11, 23)
    assert [ymd for _, _, ymd in find_dates(text)] == [(2026, 11, 23)]


def test_a_version_or_decimal_is_no_dotted_date() -> None:
    assert find_dates("pump firmware 3.1.2, 1.5 mg given") == []
