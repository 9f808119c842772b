"""Time arithmetic for coding: billable minutes, push/infusion line, additional-hour units, interval overlap.

All thresholds come from ``thresholds.v1.csv`` (digest rules 10, 11, 14-17, 19, 24).
"""

from __future__ import annotations

import math
from datetime import datetime

from infucode.annotations.schema import AdminEvent
from infucode.pipeline.coding.tables import CodingTables

Interval = tuple[datetime, datetime]


def event_minutes(event: AdminEvent) -> tuple[float | None, str]:
    """Billable minutes of one event and where they came from.

    Order of evidence: ``duration_min`` set by the temporal resolver (already net of pauses), then
    ``end - start - pauses_min``, then volume / rate from a documented start (rule 37), then the documented
    duration ("over 30 min").

    Returns
    -------
    tuple
        ``(minutes or None, source)``; source is ``resolved``, ``start_end``, ``volume_rate``,
        ``documented`` or ``none``.
    """
    if event.duration_min is not None:
        return max(0.0, float(event.duration_min)), "resolved"
    if event.start is not None and event.end is not None:
        total = (event.end - event.start).total_seconds() / 60.0
        if total >= 0:
            return max(0.0, total - (event.pauses_min or 0.0)), "start_end"
    if event.start is not None and event.volume_ml and event.rate_ml_hr:
        return max(0.0, event.volume_ml / event.rate_ml_hr * 60.0), "volume_rate"
    if event.documented_duration_min is not None:
        return max(0.0, float(event.documented_duration_min) - (event.pauses_min or 0.0)), "documented"
    return None, "none"


def event_interval(event: AdminEvent) -> Interval | None:
    """Return the clock interval (start, end); the end is start + minutes when only a duration is known."""
    if event.start is None:
        return None
    if event.end is not None and event.end >= event.start:
        return event.start, event.end
    minutes, _ = event_minutes(event)
    if minutes is None:
        return None
    from datetime import timedelta

    return event.start, event.start + timedelta(minutes=minutes + (event.pauses_min or 0.0))


def is_push_length(minutes: float, tables: CodingTables) -> bool:
    """Return True when an IV administration of ``minutes`` is a push (15 min or less, rule 10)."""
    return minutes <= tables.t("push_max_min")


def additional_hour_units(minutes: float, tables: CodingTables) -> int:
    """Units of the additional-hour add-on after an initial/sequential timed service (rule 14).

    The first block covers up to 90 minutes; each further unit needs more than 30 minutes past the last
    full hour: 90 -> 0, 91 -> 1, 150 -> 1, 151 -> 2.
    """
    first = tables.t("initial_block_max_min")
    if minutes <= first:
        return 0
    block = tables.t("hour_block_min")
    return int(math.floor((minutes - first - 1e-9) / block)) + 1 if minutes > first else 0


def secondary_hydration_units(minutes: float, tables: CodingTables) -> int:
    """Units of +96361 for hydration after a different initial service (rule 16): 31->1, 90->1, 91->2."""
    floor_min = tables.t("secondary_hydration_min_exclusive")
    if minutes <= floor_min:
        return 0
    block = tables.t("hour_block_min")
    return int(math.floor((minutes - floor_min - 1e-9) / block)) + 1


def hydration_reportable(minutes: float, tables: CodingTables) -> bool:
    """Return True when hydration of ``minutes`` may be reported as 96360 (31 min or more, rule 15)."""
    return minutes > tables.t("hydration_min_exclusive")


def overlap_minutes(a: Interval, b: Interval) -> float:
    """Minutes two intervals share."""
    lo = max(a[0], b[0])
    hi = min(a[1], b[1])
    return max(0.0, (hi - lo).total_seconds() / 60.0)


def union_minutes_within(window: Interval, intervals: list[Interval]) -> float:
    """Minutes of ``window`` covered by the union of ``intervals``."""
    clipped = sorted(
        (max(s, window[0]), min(e, window[1])) for s, e in intervals if e > window[0] and s < window[1]
    )
    total = 0.0
    cur_s: datetime | None = None
    cur_e: datetime | None = None
    for s, e in clipped:
        if cur_e is None or s > cur_e:
            if cur_s is not None and cur_e is not None:
                total += (cur_e - cur_s).total_seconds() / 60.0
            cur_s, cur_e = s, e
        elif e > cur_e:
            cur_e = e
    if cur_s is not None and cur_e is not None:
        total += (cur_e - cur_s).total_seconds() / 60.0
    return total


def minutes_between(earlier: datetime, later: datetime) -> float:
    """Minutes from ``earlier`` to ``later`` (negative when reversed)."""
    return (later - earlier).total_seconds() / 60.0
