"""Pure interval algebra: placing clock readings on the calendar, durations, overlap, pauses.

No text and no events here: datetimes and minutes in, datetimes and minutes out. A ``None`` end means
"still running / unknown" and is treated as open-ended where that is said explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

MINUTES_PER_DAY = 1440


def minutes_between(a: datetime, b: datetime) -> float:
    """Minutes from ``a`` to ``b`` (negative when ``b`` is before ``a``)."""
    return (b - a).total_seconds() / 60.0


def at_minute(day: date, minute_of_day: int) -> datetime:
    """Return the datetime ``minute_of_day`` minutes after midnight of ``day``."""
    return datetime.combine(day, time()) + timedelta(minutes=minute_of_day)


def place_after(minute_of_day: int, prev: datetime, max_forward_min: int) -> datetime:
    """Place a clock reading relative to the previous time of the note.

    The reading goes forward from ``prev`` when it is at most ``max_forward_min`` ahead (rolling over
    midnight: 2350 then 0015 -> next day), otherwise it is an earlier time of the same stretch (a late
    entry: 1450 then 1410 -> 40 min before; a reverse-ordered note: 0015 then 2350 -> the day before).

    Parameters
    ----------
    minute_of_day
        Minutes after midnight, 0-1439.
    prev
        The previous placed time of the note.
    max_forward_min
        The largest forward gap read as "later"; larger gaps are read as "earlier".

    Returns
    -------
    datetime
        Always within ``(prev - (1440 - max_forward_min), prev + max_forward_min]`` minutes.
    """
    prev_minute = prev.hour * 60 + prev.minute
    forward = (minute_of_day - prev_minute) % MINUTES_PER_DAY
    delta = forward if forward <= max_forward_min else forward - MINUTES_PER_DAY
    base = prev.replace(second=0, microsecond=0)
    return base + timedelta(minutes=delta)


def choose_candidate(candidates: Sequence[int], prev: datetime | None, next_: datetime | None,
                     max_forward_min: int) -> tuple[int, bool]:
    """Pick the AM or PM reading of a 12-hour time from the neighbouring times.

    With a previous time, the reading closest after it wins (a backward step counts double); with only a
    following time, the reading closest before that one. Returns ``(minute_of_day, decided)``; ``decided``
    is False when there was no context and the first (AM / literal) reading was taken.
    """
    if len(candidates) == 1:
        return candidates[0], True
    if prev is not None:
        def cost_prev(c: int) -> float:
            d = minutes_between(prev, place_after(c, prev, max_forward_min))
            return d if d >= 0 else -2.0 * d

        return min(candidates, key=cost_prev), True
    if next_ is not None:
        def cost_next(c: int) -> float:
            d = minutes_between(place_after(c, next_, MINUTES_PER_DAY - max_forward_min), next_)
            return d if d >= 0 else -2.0 * d

        return min(candidates, key=cost_next), True
    return candidates[0], False


def end_after(start: datetime, end_minute_of_day: int, max_span_min: int) -> datetime | None:
    """Place an end clock reading after ``start`` (rolling over midnight once if needed).

    Returns None when the end would be more than ``max_span_min`` after the start (e.g. "1450-1410":
    an end written before the start is a conflict, not a 23-hour infusion).
    """
    start_minute = start.hour * 60 + start.minute
    forward = (end_minute_of_day - start_minute) % MINUTES_PER_DAY
    if forward > max_span_min:
        return None
    return start.replace(second=0, microsecond=0) + timedelta(minutes=forward)


def overlap_minutes(a_start: datetime, a_end: datetime | None,
                    b_start: datetime, b_end: datetime | None) -> float:
    """Minutes two intervals share (an open end counts as running for ever); 0.0 when disjoint."""
    lo = max(a_start, b_start)
    ends = [e for e in (a_end, b_end) if e is not None]
    if not ends:
        return float("inf")
    hi = min(ends)
    return max(0.0, minutes_between(lo, hi))


def contains(outer_start: datetime, outer_end: datetime | None, t: datetime) -> bool:
    """Tell whether ``t`` falls inside ``[outer_start, outer_end)`` (open end = still running)."""
    return outer_start <= t and (outer_end is None or t < outer_end)


def paused_minutes(pauses: Iterable[datetime], resumes: Iterable[datetime],
                   end: datetime | None) -> tuple[float, datetime | None]:
    """Minutes an infusion stood still, and the time it finally stopped if a pause was never resumed.

    Each pause is matched with the first resume after it. A pause with no resume ends the infusion: its
    time up to a documented ``end`` is paused time; without an end the pause itself is the stop time.

    Returns
    -------
    (float, datetime or None)
        Paused minutes (never negative) and the effective end (``end`` unless a final pause closes it).
    """
    p_sorted = sorted(pauses)
    r_sorted = sorted(resumes)
    total = 0.0
    eff_end = end
    i = 0
    last_resume: datetime | None = None
    for p in p_sorted:
        if last_resume is not None and p < last_resume:
            continue  # nested pause inside an already counted stretch
        while i < len(r_sorted) and r_sorted[i] <= p:
            i += 1
        if i < len(r_sorted):
            r = r_sorted[i]
            total += minutes_between(p, r)
            last_resume = r
            i += 1
        else:
            if end is None:
                eff_end = p
            elif end > p:
                total += minutes_between(p, end)
            break
    return max(0.0, total), eff_end


def run_minutes(volume_ml: float | None, rate_ml_hr: float | None) -> float | None:
    """Run time from volume and rate (digest 37), or None when either is missing or not positive."""
    if not volume_ml or not rate_ml_hr or volume_ml <= 0 or rate_ml_hr <= 0:
        return None
    return volume_ml / rate_ml_hr * 60.0


def round_to_minute(t: datetime) -> datetime:
    """Round a datetime to the nearest whole minute."""
    base = t.replace(second=0, microsecond=0)
    return base + timedelta(minutes=1) if t.second + t.microsecond / 1e6 >= 30 else base
