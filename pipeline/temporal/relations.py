"""Relations between given events: sequential, concurrent, during, separate_site, repeat_of, same_infusate.

Works on events whose times and access ids are already resolved. Relations point from the later event to
the earlier one. Only events in the same encounter are related.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from infucode.annotations.schema import AdminEvent, Flag, Relation
from infucode.pipeline.temporal._resources import settings
from infucode.pipeline.temporal.intervals import contains, minutes_between, overlap_minutes

_JOIN_CUES = frozenset({"y_site", "piggyback", "same_line"})
_NOT_ADMIN = frozenset({"flush"})
_FLUID_PURPOSES = frozenset({"hydration", "kvo", "carrier", "maintenance"})


def is_infusion(e: AdminEvent) -> bool:
    """Tell whether the event is an infusion (IV_INFUSION, or IV with a rate/fluid purpose/long run)."""
    push_max = settings()["push_max_min"]
    if e.purpose in _NOT_ADMIN:
        return False
    if e.route == "IV_INFUSION":
        return not (e.duration_min is not None and e.duration_min <= push_max)
    if e.route == "IV":
        if e.duration_min is not None:
            return e.duration_min > push_max
        return bool(e.rate_ml_hr) or e.purpose in _FLUID_PURPOSES or (
            e.documented_duration_min is not None and e.documented_duration_min > push_max
        )
    return False


def is_push(e: AdminEvent) -> bool:
    """Tell whether the event is an IV push, or an IV infusion of 15 minutes or less (digest 10)."""
    if e.purpose in _NOT_ADMIN:
        return False
    if e.route == "IV_PUSH":
        return True
    return e.route in ("IV", "IV_INFUSION") and not is_infusion(e) and (
        e.route == "IV" or e.duration_min is not None
    )


def chronological(events: Sequence[AdminEvent]) -> list[AdminEvent]:
    """Order events by start time.

    An event without a start sits where its text position puts it (it inherits the start of the nearest
    earlier event in the text).
    """
    by_text = sorted(events, key=lambda e: (e.mention_start, e.event_id))
    keyed: list[tuple[datetime | None, int, int, AdminEvent]] = []
    last: datetime | None = None
    for i, e in enumerate(by_text):
        t = e.start or e.end
        if t is not None:
            last = t
        keyed.append((t or last, 0 if t is not None else 1, i, e))
    floor = datetime.min
    keyed.sort(key=lambda k: (k[0] or floor, k[2]))
    return [k[3] for k in keyed]


def _group(e: AdminEvent) -> str:
    return e.infusate_id or e.event_id


def _push_minutes(e: AdminEvent) -> float | None:
    if e.duration_min is not None:
        return e.duration_min
    return e.documented_duration_min


def _add(e: AdminEvent, rel: Relation) -> None:
    if not any(r.type == rel.type and r.other == rel.other for r in e.relations):
        e.relations.append(rel)


def build_relations(events: Sequence[AdminEvent]) -> list[Flag]:
    """Add relations to the given events in place and return flags for contradictions found on the way.

    Parameters
    ----------
    events
        All events of the note; only ``status == "given"`` events are related.
    """
    flags: list[Flag] = []
    given = [e for e in events if e.status == "given"]
    for e in given:
        e.relations = [r for r in e.relations if r.type not in _OWN_TYPES]
    by_visit: dict[str | None, list[AdminEvent]] = defaultdict(list)
    for e in given:
        by_visit[e.encounter_id].append(e)
    for visit_events in by_visit.values():
        order = chronological(visit_events)
        _same_infusate(order)
        _repeats(order)
        flags.extend(_line_relations(order))
    return flags


_OWN_TYPES = frozenset({"sequential", "concurrent", "separate_site", "repeat_of", "same_infusate", "during"})


def _same_infusate(order: list[AdminEvent]) -> None:
    first: dict[str, AdminEvent] = {}
    for e in order:
        if not e.infusate_id:
            continue
        if e.infusate_id in first:
            _add(e, Relation("same_infusate", first[e.infusate_id].event_id))
        else:
            first[e.infusate_id] = e


def _repeats(order: list[AdminEvent]) -> None:
    last: dict[str, AdminEvent] = {}
    for e in order:
        if not e.drug or e.purpose in _NOT_ADMIN:
            continue
        prev = last.get(e.drug)
        if prev is not None and _group(prev) != _group(e):
            minutes = None
            if prev.start is not None and e.start is not None:
                minutes = round(minutes_between(prev.start, e.start), 1)
            _add(e, Relation("repeat_of", prev.event_id, minutes))
        last[e.drug] = e


def _running(inf: AdminEvent, t: datetime, open_counts: bool) -> bool:
    if inf.start is None:
        return False
    if inf.end is None and not open_counts:
        return False
    return contains(inf.start, inf.end, t)


def _line_relations(order: list[AdminEvent]) -> list[Flag]:
    flags: list[Flag] = []
    iv = [e for e in order if e.access_id and e.purpose not in _NOT_ADMIN]
    seen_access: list[str] = []
    for idx, e in enumerate(iv):
        earlier = iv[:idx]
        same = [o for o in earlier if o.access_id == e.access_id and _group(o) != _group(e)]
        other_site = [o for o in earlier if o.access_id != e.access_id]
        related = False
        if is_push(e) and e.start is not None:
            for inf in same:
                if is_infusion(inf) and _running(inf, e.start, open_counts=True):
                    _add(e, Relation("during", inf.event_id, _push_minutes(e)))
                    related = True
        elif is_infusion(e):
            for inf in same:
                if not is_infusion(inf) or inf.start is None or e.start is None:
                    continue
                if inf.end is None and e.line_cue not in _JOIN_CUES:
                    continue
                if inf.start <= e.start and overlap_minutes(inf.start, inf.end, e.start, e.end) > 0:
                    _add(e, Relation("concurrent", inf.event_id))
                    related = True
            if not related and e.line_cue in ("y_site", "same_line") and e.start is None:
                prev_inf = next((o for o in reversed(same) if is_infusion(o)), None)
                if prev_inf is not None:
                    _add(e, Relation("concurrent", prev_inf.event_id))
                    related = True
        if e.line_cue in ("y_site", "same_line") and e.start is not None and not related:
            if any(is_infusion(o) and o.start is not None and o.end is not None for o in same):
                flags.append(Flag("TIME_CONFLICT", "info",
                                  f"{e.event_id} is documented as given through the running line, but no "
                                  "infusion on that line was running at its start time", [e.event_id],
                                  "R21-concurrent"))
        if not related and same:
            _add(e, Relation("sequential", same[-1].event_id))
        if e.access_id not in seen_access:
            if seen_access and other_site:
                _add(e, Relation("separate_site", other_site[-1].event_id))
            seen_access.append(e.access_id)
        elif is_infusion(e) and e.start is not None:
            for o in other_site:
                if is_infusion(o) and o.start is not None and o.end is not None:
                    if overlap_minutes(o.start, o.end, e.start, e.end) > 0:
                        _add(e, Relation("separate_site", o.event_id))
    return flags
