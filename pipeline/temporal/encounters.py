"""Separate encounters the same day: a return after discharge, "second visit", a new triage after discharge.

Encounter ids are "V1", "V2", ... in text order; an event's id depends on how many boundaries precede its
mention. A return is only a new visit after a discharge that really happened ("will discharge" does not
count) and when it is not a return within the visit ("returned from CT").
"""

from __future__ import annotations

from collections.abc import Sequence

from infucode.annotations.schema import AdminEvent
from infucode.pipeline.temporal._resources import patterns


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def encounter_boundaries(text: str) -> list[int]:
    """Offsets where a new encounter starts, sorted (empty for a single-visit note)."""
    pats = patterns()
    bounds: set[int] = set()
    for m in pats["new_encounter_explicit"].finditer(text):
        bounds.add(_line_start(text, m.start()))
    discharges = []
    for m in pats["discharge"].finditer(text):
        before = text[max(_line_start(text, m.start()), m.start() - 40) : m.start()]
        if pats["discharge_not_done_before"].search(before):
            continue
        discharges.append(m.end())
    returns = []
    for m in pats["return_after_discharge"].finditer(text):
        after = text[m.start() : m.start() + 40]
        if pats["return_not_visit"].search(after):
            continue
        returns.append(m.start())
    pos = 0
    while True:
        d = next((x for x in discharges if x >= pos), None)
        if d is None:
            break
        r = next((x for x in returns if x >= d), None)
        if r is None:
            break
        b = _line_start(text, r) if _line_start(text, r) >= d else r
        bounds.add(b)
        pos = r + 1
    return sorted(bounds)


def assign_encounters(events: Sequence[AdminEvent], boundaries: Sequence[int]) -> None:
    """Set ``encounter_id`` ("V1", "V2", ...) on every event from the boundaries before its mention.

    Only segments holding events are numbered, so "V2" always means a later visit with events of its own.
    """
    segment = {id(e): sum(1 for b in boundaries if b <= e.mention_start) for e in events}
    # number only the segments that hold events, so a heading before the first event does not start "V2"
    dense = {seg: i + 1 for i, seg in enumerate(sorted(set(segment.values())))}
    for e in events:
        e.encounter_id = f"V{dense[segment[id(e)]]}"
