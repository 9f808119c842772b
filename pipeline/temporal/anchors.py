"""The note's anchor date (input date, else a date in the note header/text) and in-note date markers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from infucode.pipeline.temporal._resources import patterns, settings
from infucode.pipeline.temporal.parse import find_dates


@dataclass(frozen=True, slots=True)
class DateMarker:
    """A date written in the note at ``[start, end)``; clock times after it belong to ``day``."""

    start: int
    end: int
    day: date


def _excluded(text: str, start: int) -> bool:
    """Tell whether the words just before a date say it is not the visit date (DOB, LMP, ...)."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 40) : start]
    return bool(patterns()["date_exclude_context"].search(before))


def _header_labelled(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 30) : start]
    return bool(patterns()["date_header_context"].search(before))


def complete_ymd(ymd: tuple[int | None, int, int], anchor: date) -> date | None:
    """Complete a year-less date with the year that puts it closest to ``anchor``."""
    y, m, d = ymd
    if y is not None:
        try:
            return date(y, m, d)
        except ValueError:
            return None
    best: date | None = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            cand = date(year, m, d)
        except ValueError:
            continue
        if best is None or abs((cand - anchor).days) < abs((best - anchor).days):
            best = cand
    return best


def find_anchor(text: str, encounter_date: date | None) -> tuple[date | None, str]:
    """Return the anchor date and where it came from (``input`` | ``note`` | ``none``).

    A date in the note counts when it carries a year and is not labelled as something else (DOB, LMP,
    last dose, ...). A labelled visit date ("Date of service:", "Arrival", "Date:") wins over the first
    unlabelled one.
    """
    if encounter_date is not None:
        return encounter_date, "input"
    first: date | None = None
    for start, _end, ymd in find_dates(text):
        if ymd[0] is None or _excluded(text, start):
            continue
        day = date(ymd[0], ymd[1], ymd[2])
        if _header_labelled(text, start):
            return day, "note"
        if first is None:
            first = day
    if first is not None:
        return first, "note"
    return None, "none"


def date_markers(text: str, anchor: date | None) -> list[DateMarker]:
    """Dates in the note that re-date the clock times after them ("11/21/2026", "11/21 0015").

    Only dates within the configured window around the anchor count (a DOB or a prior visit's date must
    not move today's times); without an anchor, every dated marker with a year counts.
    """
    lo, hi = settings()["date_marker_window_days"]
    out: list[DateMarker] = []
    for start, end, ymd in find_dates(text):
        if _excluded(text, start):
            continue
        if anchor is None:
            if ymd[0] is None:
                continue
            day = date(ymd[0], ymd[1], ymd[2])
        else:
            found = complete_ymd(ymd, anchor)
            if found is None:
                continue
            day = found
            if not lo <= (day - anchor).days <= hi:
                continue
        out.append(DateMarker(start, end, day))
    return out
