"""Spoken clock times in dictated notes: the fast path reads common number-word forms."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from infucode.pipeline.temporal import resolve_timeline
from infucode.pipeline.temporal.parse import parse_expression, spoken_to_digits

D = date(2026, 11, 20)


@pytest.mark.parametrize("text, minutes", [
    ("fourteen fifteen", (855,)),
    ("at sixteen hundred", (960,)),
    ("oh nine hundred", (540,)),
    ("twenty-one forty-five", (1305,)),
    ("fourteen oh five", (845,)),
    ("at two p.m.", (840,)),
    ("around six a.m", (360,)),
    ("at seven in the evening", (1140,)),
    ("half past three", (210, 930)),
    ("quarter to four", (225, 945)),
    ("ten past four", (250, 970)),
    ("nine thirty", (570, 1290)),
])
def test_spoken_clock_is_parsed(text, minutes) -> None:
    p = parse_expression(text)
    assert p is not None and p.kind == "clock"
    assert p.start.candidates == minutes


@pytest.mark.parametrize("text", ["given five hundred mL", "two hundred", "one fifty over ninety", "no time here"])
def test_amounts_and_plain_words_are_not_rewritten(text) -> None:
    assert spoken_to_digits(text) == text


def test_spoken_range_start_and_end(ev) -> None:
    t = "Vancomycin one gram IV started at fourteen fifteen, completed at fifteen twenty."
    e = ev(t, "e1", "vancomycin", "Vancomycin", [("fourteen fifteen", "start"), ("fifteen twenty", "end")],
           route="IV_INFUSION")
    resolve_timeline(t, [e], D)
    assert e.start == datetime(2026, 11, 20, 14, 15)
    assert e.end == datetime(2026, 11, 20, 15, 20)


def test_home_dose_time_does_not_steer_encounter_times(ev) -> None:
    t = "Zofran 4 mg IV push given at 10:35. Pt states she took ibuprofen around six a.m. at home."
    z = ev(t, "e1", "ondansetron", "Zofran", [("10:35", "at")], route="IV_PUSH")
    i = ev(t, "e2", "ibuprofen", "ibuprofen", [("six a.m.", "at")], status="historical")
    resolve_timeline(t, [z, i], D)
    assert z.start == datetime(2026, 11, 20, 10, 35)
    assert i.start is None
