"""Orchestration: events with raw time mentions -> start/end/duration, pauses, access, encounter, relations.

Flow of :func:`resolve_timeline`:

1. anchor date (input, else a date in the note, else a placeholder day + ``NO_ENCOUNTER_DATE``);
2. every time mention of every event, plus the entry timestamps at line starts, is parsed and placed on the
   calendar in text order (date markers re-date what follows them; a later entry with a smaller clock time
   rolls to the next day when that is the nearer reading; AM/PM of 12-hour times comes from the neighbours);
   Time statements without a drug name ("Start 0800 via port. End 1030.", "0930 IV paused", Epic
   "Action: Stopped" lines) go to the run they belong to (:mod:`.orphans`); a completion entry that
   extraction made into its own event ("0845 cefepime done") closes the open run and is dropped;
3. per event: start / end from the roles, pauses and infiltration gaps subtracted, an end from "over N min"
   (documented) or from volume / rate (computed, digest 37), else left open with ``MISSING_STOP_TIME``;
4. encounters, access ids, relations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from infucode.annotations.schema import AdminEvent, Flag, Timeline, TimeMention
from infucode.pipeline.temporal._resources import patterns, settings
from infucode.pipeline.temporal.access import assign_access, loss_positions
from infucode.pipeline.temporal.anchors import complete_ymd, date_markers, find_anchor
from infucode.pipeline.temporal.encounters import assign_encounters, encounter_boundaries
from infucode.pipeline.temporal.intervals import (
    at_minute,
    choose_candidate,
    end_after,
    minutes_between,
    paused_minutes,
    place_after,
    round_to_minute,
    run_minutes,
)
from infucode.pipeline.temporal.orphans import (
    attach_orphans,
    not_a_run_stop,
    orphan_sentences,
    stop_clauses_before_drugs,
)
from infucode.pipeline.temporal.parse import Clock, ParsedTime, find_line_times, parse_expression
from infucode.pipeline.temporal.relations import build_relations, is_infusion
from infucode.pipeline.temporal.textscan import clock_tokens, refine_mentions, sentence_bounds

_START_ROLES = ("start",)
_PAUSE_ROLES = ("pause", "infiltrated")
_CLOCK_AFTER_STOP = re.compile(
    r"^[\s:,-]*(?:at|@|~|approx\.?|around)?\s*(?P<t>\d{1,2}:[0-5]\d(?:\s*[ap]\.?m\.?)?|[0-2]\d[0-5]\d(?!\d)"
    r"|(?:[01]?\d|2[0-3])\.[0-5]\d(?:\s?h\b)?(?![\d.])"
    r"(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?)(?!\s*(?:ml|mg|mcg|units?|meq|mmol|cc|%))",
    re.IGNORECASE,
)
_CLOCK_BEFORE_STOP = re.compile(
    r"(?P<t>\d{1,2}:[0-5]\d(?:\s*[ap]\.?m\.?)?|(?<![\d.])[0-2]\d[0-5]\d|\d{1,2}\s*[ap]\.?m\.?"
    r"|(?<![\d.])(?:[01]?\d|2[0-3])\.[0-5]\d\s?h)"
    r"\s*(?:[-:,]\s*)?(?:(?:bag|infusion|bolus|ivpb|fluids?|drip|abx|antibiotic|it|iv)\s+){0,2}(?:was\s+|is\s+)?$",
    re.IGNORECASE,
)


_DATE_CLOCK = re.compile(r"[ \t,]*(?:at\s+|@\s*)?(?P<t>(?:[01]\d|2[0-3]):?[0-5]\d)(?![\d:/]|\.\d)")


@dataclass(slots=True)
class _Placed:
    """A parsed time mention after placement on the calendar."""

    parsed: ParsedTime
    start: datetime | None = None
    end: datetime | None = None
    undecided_ampm: bool = False
    conflict: bool = False


@dataclass(slots=True)
class _State:
    prev: datetime | None
    day: date
    flags: list[Flag] = field(default_factory=list)


def _flag(code: str, severity: str, message: str, ids: Sequence[str], rule: str | None = None) -> Flag:
    return Flag(code, severity, message, sorted(set(ids), key=_id_key), rule)


def _id_key(event_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in event_id if ch.isdigit())
    return (int(digits) if digits else 0, event_id)


def _place_clock(clock: Clock, state: _State, next_hint: datetime | None) -> tuple[datetime, bool]:
    """Place one clock reading; returns ``(datetime, decided)`` and advances the state."""
    max_fwd = settings()["rollover_max_forward_min"]
    if clock.ymd is not None:
        day = complete_ymd(clock.ymd, state.day)
        if day is not None:
            minute, decided = choose_candidate(clock.candidates, None, next_hint, max_fwd)
            if clock.ambiguous and state.prev is not None and state.prev.date() == day:
                minute, decided = choose_candidate(clock.candidates, state.prev, None, max_fwd)
            dt = at_minute(day, minute)
            state.day = day
            state.prev = dt
            return dt, decided
    if state.prev is not None:
        minute, decided = choose_candidate(clock.candidates, state.prev, None, max_fwd)
        dt = place_after(minute, state.prev, max_fwd)
    else:
        minute, decided = choose_candidate(clock.candidates, None, next_hint, max_fwd)
        dt = at_minute(state.day, minute)
    state.prev = dt
    return dt, decided


def _place_all(text: str, mentions: dict[tuple[int, int], str], anchor_day: date,
               has_anchor: bool) -> tuple[dict[tuple[int, int], _Placed], datetime | None]:
    """Parse and place every mention span (plus line-start timestamps as context) in text order.

    Returns the placed mentions and the latest time placed (context timestamps included).
    """
    markers = date_markers(text, anchor_day if has_anchor else None)
    items: list[tuple[int, int, str, ParsedTime | None]] = []
    for (s, e), raw in mentions.items():
        items.append((s, e, "mention", parse_expression(raw)))
    taken = sorted(mentions)
    for s, e, clock in find_line_times(text):
        if not any(ms < e and s < me for ms, me in taken):
            items.append((s, e, "context", ParsedTime("clock", start=clock)))
    items.sort(key=lambda it: (it[0], it[1]))
    state = _State(prev=None, day=anchor_day)
    placed: dict[tuple[int, int], _Placed] = {}
    latest: datetime | None = None
    mi = 0
    for idx, (s, e, kind, parsed) in enumerate(items):
        while mi < len(markers) and markers[mi].start <= s:
            mk = markers[mi]
            mi += 1
            if mk.end > s:  # the marker is inside this mention: the mention carries its own date
                continue
            if state.prev is None or state.prev.date() != mk.day:
                state.prev = None
                state.day = mk.day
            # "arrived 03/02 0340": the clock written with the date is where the day's times start
            with_clock = _DATE_CLOCK.match(text, mk.end)
            if with_clock and with_clock.end() <= s and (pc := parse_expression(with_clock.group("t"))):
                if pc.kind == "clock" and pc.start is not None and not pc.start.ambiguous:
                    state.day = mk.day
                    state.prev = at_minute(mk.day, pc.start.candidates[0])
        if parsed is None:
            continue
        hint = _next_unambiguous(items, idx, state.day)
        p = _Placed(parsed)
        if parsed.kind == "clock" and parsed.start is not None:
            p.start, decided = _place_clock(parsed.start, state, hint)
            p.undecided_ampm = not decided
        elif parsed.kind == "range" and parsed.start is not None and parsed.end is not None:
            p.start, decided = _place_clock(parsed.start, state, hint)
            p.undecided_ampm = not decided
            max_fwd = settings()["rollover_max_forward_min"]
            end_minute, _ = choose_candidate(parsed.end.candidates, p.start, None, max_fwd)
            if parsed.end.ymd is not None and (day := complete_ymd(parsed.end.ymd, p.start.date())):
                p.end = at_minute(day, end_minute)
                if p.end < p.start:
                    p.end, p.conflict = None, True
            else:
                p.end = end_after(p.start, end_minute, settings()["event_max_span_min"])
                p.conflict = p.end is None
            if p.end is not None:
                state.prev = p.end
        elif parsed.kind == "relative" and parsed.minutes is not None:
            if state.prev is not None:
                p.start = round_to_minute(state.prev + timedelta(minutes=parsed.minutes))
                state.prev = p.start
        elif parsed.kind == "date" and parsed.ymd is not None:
            day = complete_ymd(parsed.ymd, state.day)
            if day is not None and (state.prev is None or state.prev.date() != day):
                state.day, state.prev = day, None
        if kind == "mention":
            placed[(s, e)] = p
        for t in (p.start, p.end):
            if t is not None and (latest is None or t > latest):
                latest = t
    return placed, latest


def _next_unambiguous(items: list[tuple[int, int, str, ParsedTime | None]], idx: int,
                      day: date) -> datetime | None:
    for _s, _e, _k, parsed in items[idx + 1 : idx + 12]:
        if parsed is not None and parsed.kind in ("clock", "range") and parsed.start is not None:
            if not parsed.start.ambiguous:
                return at_minute(day, parsed.start.candidates[0])
    return None


def _collect_mentions(events: Sequence[AdminEvent]) -> dict[tuple[int, int], str]:
    spans: dict[tuple[int, int], str] = {}
    for e in events:
        if e.status == "historical":
            continue  # "took ibuprofen around 6 a.m. at home": a home dose is no clock of the encounter
        for tm in e.time_mentions:
            spans.setdefault((tm.start, tm.end), tm.text)
    return spans


_MERIDIEM_AFTER = re.compile(r"^\s?([ap]\.?m\.?)(?![a-z])", re.IGNORECASE)


def _with_meridiem(text: str, span: tuple[int, int], raw: str) -> str:
    """Add an AM/PM written right after a mention span that stopped short of it ("11:45" + " PM")."""
    if re.search(r"[ap]\.?m\.?\s*$", raw, re.IGNORECASE):
        return raw
    m = _MERIDIEM_AFTER.match(text[span[1] : span[1] + 6])
    return f"{raw} {m.group(1)}" if m else raw


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end < 0 else end)


def _orphan_stop_lines(text: str, events: Sequence[AdminEvent],
                       used: set[tuple[int, int]]) -> list[TimeMention]:
    """Lines with stop wording and a clock time but no event mention ("1510 bolus complete")."""
    out: list[TimeMention] = []
    starts = sorted(e.mention_start for e in events)
    for m in patterns()["stop_wording"].finditer(text):
        lo, hi = _line_bounds(text, m.start())
        if any(lo <= s < hi for s in starts) or not_a_run_stop(text, m.end()):
            continue
        line = text[lo:hi]
        rel = m.start() - lo
        after = _CLOCK_AFTER_STOP.match(line[rel + len(m.group(0)) : rel + len(m.group(0)) + 24])
        if after:
            s = m.end() + after.start("t")
            span = (s, s + len(after.group("t")))
        else:
            before = _CLOCK_BEFORE_STOP.search(line[: rel])
            lead = re.match(r"^[\s\[(>*-]*(?P<t>[0-2]\d[0-5]\d|\d{1,2}:[0-5]\d(?:\s*[ap]\.?m\.?)?"
                            r"|(?:[01]?\d|2[0-3])\.[0-5]\d(?:\s?h)?)\b(?!\.\d)", line)
            if before:
                span = (lo + before.start("t"), lo + before.end("t"))
            elif lead:
                span = (lo + lead.start("t"), lo + lead.end("t"))
            else:
                continue
        if any(a < span[1] and span[0] < b for a, b in used):
            continue
        if out and out[-1].start == span[0]:
            continue
        out.append(TimeMention(span[0], span[1], "end", text[span[0] : span[1]]))
    return out


@dataclass(slots=True)
class _Times:
    starts: list[datetime] = field(default_factory=list)
    ats: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    pauses: list[datetime] = field(default_factory=list)
    resumes: list[datetime] = field(default_factory=list)
    range_pairs: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    ambiguous: bool = False
    conflict: bool = False
    infiltrated: bool = False


def _gather(mentions: list[TimeMention], placed: dict[tuple[int, int], _Placed],
            extra: list[TimeMention]) -> _Times:
    t = _Times()
    for tm in mentions + extra:
        p = placed.get((tm.start, tm.end))
        if p is None:
            continue
        if p.undecided_ampm or p.parsed.kind == "ambiguous":
            t.ambiguous = True
        if p.conflict:
            t.conflict = True
        if p.parsed.kind == "duration" and p.parsed.minutes is not None:
            t.durations.append(p.parsed.minutes)
            continue
        if p.start is None:
            continue
        role = tm.role
        if p.parsed.kind == "range":
            if role in ("pause", "infiltrated") and p.end is not None:
                t.pauses.append(p.start)
                t.resumes.append(p.end)
            else:
                t.range_pairs.append((p.start, p.end))
            continue
        if role == "infiltrated":
            t.infiltrated = True
        if role in _START_ROLES:
            t.starts.append(p.start)
        elif role == "end":
            t.ends.append(p.start)
        elif role in _PAUSE_ROLES:
            t.pauses.append(p.start)
        elif role == "resume":
            t.resumes.append(p.start)
        else:
            t.ats.append(p.start)
    return t


def _apply_times(e: AdminEvent, t: _Times, flags: list[Flag], bag_ml: float | None = None,
                 order_only: frozenset[str] = frozenset()) -> None:
    """Set start, end, duration_min, pauses_min and time_source on one event from its gathered times.

    Only given events carry times (corpus convention: null for every other status). ``order_only`` names
    the attributes ("DURATION", "RATE") that come from an order line only: the pharmacy's expected run
    ("Infuse over 30 min", an order's rate) gives no stop time (digest 37).
    """
    cfg = settings()
    if e.status != "given":
        e.start = e.end = None
        e.duration_min = None
        e.pauses_min = 0.0
        e.time_source = "unknown"
        return
    starts = sorted(t.starts)
    start: datetime | None = None
    end: datetime | None = None
    if starts:
        start = starts[0]
        if len(starts) > 1 and (t.pauses or t.infiltrated):
            t.resumes.extend(starts[1:])  # a second "started" after a pause/infiltration is the restart
    elif t.range_pairs:
        start = min(p[0] for p in t.range_pairs)
    elif t.ats:
        start = min(t.ats)
    elif t.resumes:
        start = min(t.resumes)  # "restarted at 1115" with no other start: this run begins there
        t.resumes = [r for r in t.resumes if r > start]
    if t.ends:
        # several stop times usually mean a linking slip: the first one after the start is this bag's
        after = sorted(x for x in t.ends if start is None or x >= start)
        end = after[0] if after else max(t.ends)
    elif t.range_pairs:
        ends = [p[1] for p in t.range_pairs if p[1] is not None]
        end = max(ends) if ends else None
    documented_min = e.documented_duration_min
    if documented_min is None and t.durations:
        documented_min = t.durations[0]
        e.documented_duration_min = documented_min
    if t.conflict:
        flags.append(_flag("TIME_CONFLICT", "warning",
                           f"{e.event_id}: a documented time range ends before it starts", [e.event_id],
                           "R36-start-stop"))
    if start is not None and end is not None and end < start:
        flags.append(_flag("TIME_CONFLICT", "warning",
                           f"{e.event_id}: the documented stop time is before the start time; stop time "
                           "ignored", [e.event_id], "R36-start-stop"))
        end = None
    paused, eff_end = paused_minutes(t.pauses, t.resumes, end)
    if start is not None and any(p < start for p in t.pauses):
        paused, eff_end = paused_minutes([p for p in t.pauses if p >= start], t.resumes, end)
    if end is None and eff_end is not None:
        end = eff_end  # stopped at a pause/infiltration that was never resumed
    e.pauses_min = round(paused, 1)
    e.start, e.end, e.duration_min = start, None, None
    e.time_source = "unknown"
    if start is None and end is None:
        return
    e.time_source = "documented"
    if start is not None and end is not None:
        e.end = end
        e.duration_min = round(max(0.0, minutes_between(start, end) - paused), 1)
        if documented_min is not None:
            gap = abs((minutes_between(start, end) - paused) - documented_min)
            if gap > max(cfg["duration_conflict_min"], cfg["duration_conflict_fraction"] * documented_min):
                flags.append(_flag("TIME_CONFLICT", "info",
                                   f"{e.event_id}: start/stop times and the documented duration disagree",
                                   [e.event_id], "R36-start-stop"))
        _check_rate(e, flags, bag_ml)
        return
    if "DURATION" in order_only:
        documented_min = None
    if documented_min is not None and 0 < documented_min <= cfg["event_max_span_min"] and _runs_over(e):
        if start is not None:
            e.end = start + timedelta(minutes=documented_min + paused)
        else:
            start = end - timedelta(minutes=documented_min + paused)  # type: ignore[operator]
            e.end = end
        e.start = start
        e.duration_min = round(documented_min, 1)
        return
    run = run_minutes(bag_ml or e.volume_ml, e.rate_ml_hr) if "RATE" not in order_only else None
    if run is not None and is_infusion(e):
        if start is not None:
            e.end = round_to_minute(start + timedelta(minutes=run + paused))
        else:
            e.end = end
            e.start = round_to_minute(end - timedelta(minutes=run + paused))  # type: ignore[operator]
        if e.start is not None and e.end is not None:
            e.duration_min = round(minutes_between(e.start, e.end) - paused, 1)
        e.time_source = "computed"
        return
    e.end = end
    if start is None:
        e.start = None


def _order_only(text: str, e: AdminEvent) -> frozenset[str]:
    """Attributes ("DURATION", "RATE") of ``e`` written only on order lines, not in the nursing record.

    An order line starts with an order label ("Order:", "Rx", "Pharmacy") or holds the pharmacy's
    "Infuse over" field, and documents no administration itself (no clock time, no start wording):
    "ceftriaxone 2 g IVPB - Infuse over 30 minutes" above "0915 Given" is the expected run, not a stop.
    """
    if e.status != "given":
        return frozenset()
    order, start = patterns()["order_line"], patterns()["start_wording"]
    out = set()
    for label in ("DURATION", "RATE"):
        spans = [sp for sp in e.spans if sp.label == label]
        if not spans:
            continue
        on_orders = True
        for sp in spans:
            lo, hi = _line_bounds(text, sp.start)
            if not order.search(text, lo, hi) or start.search(text, lo, hi) or clock_tokens(text, lo, hi):
                on_orders = False
        if on_orders:
            out.add(label)
    return frozenset(out)


def _share_bag_facts(ordered: Sequence[AdminEvent]) -> dict[str, float]:
    """Give every component of one bag the bag's run time ("over 2 hrs") and rate; return the bag volumes.

    The bag volume (largest volume among the components: the fluid, not a 10 mL additive) is what a stop
    time is computed from.
    """
    bag: dict[str, float] = {}
    groups: dict[str, list[AdminEvent]] = {}
    for e in ordered:
        if e.infusate_id and e.status == "given":
            groups.setdefault(e.infusate_id, []).append(e)
    for members in groups.values():
        durations = [m.documented_duration_min for m in members if m.documented_duration_min]
        rates = [m.rate_ml_hr for m in members if m.rate_ml_hr]
        volumes = [m.volume_ml for m in members if m.volume_ml]
        for m in members:
            if m.documented_duration_min is None and durations:
                m.documented_duration_min = durations[0]
            if m.rate_ml_hr is None and rates and m.route in ("IV_INFUSION", "IV", None):
                m.rate_ml_hr = rates[0]
            if volumes:
                bag[m.event_id] = max(volumes)
    return bag


def _check_computed_ends(text: str, ordered: Sequence[AdminEvent], last_time: datetime | None,
                         anchor_day: date) -> list[Flag]:
    """Drop a computed stop time the note contradicts (corpus convention; digest 37 needs a bag that ran).

    A stop computed from volume/rate is not used when a piggyback/y-site infusion on the same access starts
    before it (the primary bag stops while the piggyback runs), or when the note documents a transfer,
    hand-off, titration or "still infusing" after the event and its last clock time is before the computed
    stop (the bag was not seen to finish).
    """
    flags: list[Flag] = []
    interrupt, discharge = patterns()["infusion_interrupted"], patterns()["discharge"]
    losses = loss_positions(text)
    for e in ordered:
        if e.time_source != "computed" or e.start is None or e.end is None:
            continue
        stop = _loss_time_within(text, e, losses)
        if stop is not None:
            # the line was lost (infiltration) while the bag ran: it stopped then (corpus convention)
            e.end, e.time_source = stop, "documented"
            e.duration_min = round(max(0.0, minutes_between(e.start, stop) - e.pauses_min), 1)
            continue
        reason = _rate_not_constant(text, e)
        for o in ordered:
            if o is e or o.drug != e.drug or o.access_id != e.access_id or o.status != "given":
                continue
            if o.start is not None and o.mention_start > e.mention_start and e.start < o.start < e.end:
                reason = "the same drug is started again before the computed stop"
        for o in ordered:
            if o is e or o.access_id != e.access_id or o.start is None or o.status != "given":
                continue
            same_bag = e.infusate_id is not None and o.infusate_id == e.infusate_id
            if o.line_cue in ("piggyback", "y_site") and not same_bag:
                if e.start < o.start < e.end:
                    reason = "a piggyback infusion interrupted the bag before the computed stop"
        if reason is None and last_time is not None and last_time < e.end:
            if interrupt.search(text, e.mention_start) or discharge.search(text, e.mention_start):
                reason = "the note ends (transfer, discharge, hand-off, rate change) before the computed stop"
        if reason is None:
            continue
        e.end, e.duration_min, e.time_source = None, None, "documented"
        flags.append(_flag("MISSING_STOP_TIME", "warning",
                           f"{e.event_id}: stop time not documented and cannot be computed from volume/rate: "
                           + reason, [e.event_id], "R37-computed-stop"))
    return flags


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _rate_not_constant(text: str, e: AdminEvent) -> str | None:
    """Why volume/rate gives ``e`` no stop time although both are written, or None (digest 37).

    A computed stop needs one constant documented rate. A drip dosed by a dose rate ("5 mcg/min",
    "18 units/kg/hr", "6 units/hr" with no fixed dose) runs until it is stopped: its bag is replaced, not
    run dry; a rate that changes ("titrate to MAP > 65", rows at 7.5 then 15 mL/hr) makes volume/rate no
    run time. A fixed dose run at a dose rate ("KCl 10 mEq/100 mL at 10 mEq/hr") keeps its computed stop.
    """
    pats = patterns()
    rates = [text[sp.start : sp.end] for sp in e.spans if sp.label == "RATE"]
    dose_rates = [r for r in rates if pats["dose_rate"].search(r)]
    if dose_rates and (e.dose is None or any(pats["titrated_dose_rate"].search(r) for r in dose_rates)):
        return "a drip dosed by a dose rate runs until it is stopped, not until its bag is empty"
    ml_hr = {m.group(0).replace(",", "") for r in rates if r not in dose_rates and (m := _NUMBER.search(r))}
    if len({float(v) for v in ml_hr}) > 1:
        return "the documented rate changes during the run"
    lines = {_line_bounds(text, sp.start) for sp in e.spans if sp.label in ("DRUG", "RATE")}
    if any(pats["titration_wording"].search(text, lo, hi) for lo, hi in lines):
        return "the infusion is titrated, so volume/rate gives no run time"
    return None


def _loss_time_within(text: str, e: AdminEvent, losses: Sequence[int]) -> datetime | None:
    """Time of a loss-of-access entry after the event, if it falls inside the event's run."""
    if e.start is None or e.end is None:
        return None
    max_fwd = settings()["rollover_max_forward_min"]
    for pos in losses:
        if pos <= e.mention_start:
            continue
        lo = text.rfind("\n", 0, pos) + 1
        hi = text.find("\n", pos)
        hi = len(text) if hi < 0 else hi
        for s, t_end in clock_tokens(text, lo, hi):
            parsed = parse_expression(text[s:t_end])
            if parsed is None or parsed.kind != "clock" or parsed.start is None:
                continue
            minute, _ = choose_candidate(parsed.start.candidates, e.start, None, max_fwd)
            t = place_after(minute, e.start, max_fwd)
            if e.start < t < e.end:
                return t
    return None


def _runs_over(e: AdminEvent) -> bool:
    """Tell whether "over N min" gives this event a stop time (infusions yes; a push has a start only)."""
    if e.route == "IV_INFUSION":
        return True
    push_max = settings()["push_max_min"]
    return e.route in ("IV", None) and (e.documented_duration_min or 0) > push_max


def _check_rate(e: AdminEvent, flags: list[Flag], bag_ml: float | None) -> None:
    run = run_minutes(bag_ml or e.volume_ml, e.rate_ml_hr)
    if run is None or e.duration_min is None or e.duration_min <= 0:
        return
    # a bag stopped early, a partial volume or a rate increase make it shorter; it cannot run much longer
    if e.duration_min - run > settings()["rate_conflict_fraction"] * run:
        flags.append(_flag("TIME_CONFLICT", "info",
                           f"{e.event_id}: documented start/stop times disagree with volume/rate "
                           f"({round(run)} min expected, {round(e.duration_min)} min documented)",
                           [e.event_id], "R37-computed-stop"))


def _gap_flags(events: Sequence[AdminEvent]) -> list[Flag]:
    flags: list[Flag] = []
    for e in events:
        if e.status != "given" or not is_infusion(e) or e.purpose in ("kvo", "flush", "diluent"):
            continue
        if e.start is not None and e.end is None:
            flags.append(_flag("MISSING_STOP_TIME", "warning",
                               f"{e.event_id}: infusion has a start time but no stop time, and no volume and "
                               "rate to compute one; infusion time cannot be shown", [e.event_id],
                               "R38-missing-stop"))
        elif e.start is None and e.end is None:
            flags.append(_flag("MISSING_START_TIME", "warning",
                               f"{e.event_id}: infusion has no documented start or stop time", [e.event_id],
                               "R36-start-stop"))
        elif e.start is None:
            flags.append(_flag("MISSING_START_TIME", "warning",
                               f"{e.event_id}: infusion has a stop time but no start time", [e.event_id],
                               "R36-start-stop"))
    return flags


def _running_access_lookup(events: Sequence[AdminEvent]):  # noqa: ANN202 - returns a small closure
    def running(e: AdminEvent) -> str | None:
        best: AdminEvent | None = None
        for o in events:
            if o is e or o.access_id is None or not is_infusion(o) or o.encounter_id != e.encounter_id:
                continue
            if o.start is None or o.mention_start > e.mention_start:
                continue
            if e.start is not None and not (o.start <= e.start and (o.end is None or e.start < o.end)):
                continue
            if best is None or o.start >= best.start:  # type: ignore[operator]
                best = o
        return best.access_id if best else None

    return running


def resolve_timeline(text: str, events: list[AdminEvent], encounter_date: date | None = None) -> Timeline:
    """Resolve the times, access sites, encounters and relations of a note's events (in place).

    Parameters
    ----------
    text
        The note text the events' offsets point into.
    events
        Events from extraction (``time_mentions`` filled, times not yet resolved). Updated in place.
    encounter_date
        The encounter date from the input record, if any.

    Returns
    -------
    Timeline
        The same events, the flags for documentation gaps, and the anchor date used.
    """
    flags: list[Flag] = []
    anchor, source = find_anchor(text, encounter_date)
    has_anchor = anchor is not None
    day = anchor or date.fromisoformat(settings()["no_date_placeholder"])
    if not has_anchor and any(e.time_mentions for e in events):
        flags.append(_flag("NO_ENCOUNTER_DATE", "info",
                           "no encounter date in the input or the note; times are placed on the placeholder "
                           "date " + settings()["no_date_placeholder"], [e.event_id for e in events]))
    ordered = sorted(events, key=lambda e: (e.mention_start, _id_key(e.event_id)))
    for e in ordered:
        e.duration_min = None  # is_infusion must not see a previous run's duration
    # extraction's mentions, checked against (and completed from) the text around each event
    def runs(e: AdminEvent) -> bool:
        return _can_run(text, e)

    chosen = refine_mentions(text, ordered, lambda e: is_infusion(e) or _sq_infusion(text, e))
    mentions = _collect_mentions(ordered)
    home = {e.event_id for e in ordered if e.status == "historical"}
    for eid, tms in chosen.items():
        if eid in home:
            continue
        for tm in tms:
            mentions.setdefault((tm.start, tm.end), tm.text)
    used = set(mentions)
    extra: dict[str, list[TimeMention]] = {e.event_id: [] for e in ordered}
    orphans = _orphan_stop_lines(text, ordered, used)
    orphans += _free_orphans(text, ordered, chosen, orphans)
    orphans += [tm for tm in stop_clauses_before_drugs(text, [e.mention_start for e in ordered])
                if not any(o.start < tm.end and tm.start < o.end for o in orphans)]
    for tm in orphans:
        mentions.setdefault((tm.start, tm.end), tm.text)
    mentions = {span: _with_meridiem(text, span, raw) for span, raw in mentions.items()}
    placed, latest = _place_all(text, mentions, day, has_anchor)

    def placed_start(tm: TimeMention) -> datetime | None:
        p = placed.get((tm.start, tm.end))
        return p.start if p is not None else None

    # ... and in a sentence of its own, for the run it belongs to
    attach_orphans(text, ordered, orphans, placed_start, chosen, extra, runs)
    for done in _completion_only(text, ordered, chosen, extra, placed_start):
        ordered.remove(done)
        events.remove(done)
    bag_ml = _share_bag_facts(ordered)
    ambiguous_ids: list[str] = []
    for e in ordered:
        e.relations = []
        times = _gather(chosen[e.event_id], placed, extra[e.event_id])
        _apply_times(e, times, flags, bag_ml.get(e.event_id), _order_only(text, e))
        if times.ambiguous and e.status == "given":
            ambiguous_ids.append(e.event_id)
    if ambiguous_ids:
        flags.append(_flag("AMBIGUOUS_TIME", "warning",
                           "time written without enough context (AM/PM or a bare number); check the times of "
                           + ", ".join(sorted(set(ambiguous_ids), key=_id_key)), ambiguous_ids))
    flags.extend(_gap_flags(ordered))
    assign_encounters(ordered, encounter_boundaries(text))
    losses = loss_positions(text)
    losses += [tm.start for e in ordered for tm in e.time_mentions
               if tm.role == "infiltrated" and e.route != "LOCAL_INFILTRATION"]
    assign_access(ordered, text, losses, _running_access_lookup(ordered))
    flags.extend(_check_computed_ends(text, ordered, latest, day))
    flags.extend(build_relations(ordered))
    return Timeline(events=events, flags=flags, encounter_date=anchor.isoformat() if anchor else None)


def _free_orphans(text: str, ordered: Sequence[AdminEvent], chosen: dict[str, list[TimeMention]],
                  line_orphans: Sequence[TimeMention]) -> list[TimeMention]:
    """Start/stop/pause/resume sentences without a drug name, beyond the stop lines already found.

    A time extraction linked to an event written before it (or in its own sentence) stays that event's.
    """
    owned: set[tuple[int, int]] = set()
    for e in ordered:
        s_lo, _ = sentence_bounds(text, e.mention_start)
        for m in chosen[e.event_id]:
            if m.start >= s_lo:
                owned.add((m.start, m.end))
    taken = [(m.start, m.end) for m in line_orphans]
    out = []
    for tm in orphan_sentences(text, [e.mention_start for e in ordered]):
        if (tm.start, tm.end) in owned or any(a < tm.end and tm.start < b for a, b in taken):
            continue
        out.append(tm)
    return out


def _event_text(text: str, e: AdminEvent) -> str:
    lo, _ = _line_bounds(text, e.mention_start)
    _, hi = sentence_bounds(text, e.mention_start)
    return text[lo:hi]


def _sq_infusion(text: str, e: AdminEvent) -> bool:
    """Tell a subcutaneous infusion (pump, "infusion", a mL/hr rate) from an SQ injection."""
    if e.route != "SQ" or e.status != "given":
        return False
    return bool(e.rate_ml_hr) or bool(patterns()["sq_infusion_cue"].search(_event_text(text, e)))


def _can_run(text: str, e: AdminEvent) -> bool:
    """Tell whether an event can take start/stop times of its own run (an orphan "Start 0800" line)."""
    if e.status != "given" or e.purpose in ("flush", "diluent"):
        return False
    if is_infusion(e) or e.route == "IV_INFUSION":
        return True
    if e.route == "SQ":
        return _sq_infusion(text, e)
    return e.route in ("IV", None) and (e.volume_ml or 0.0) >= settings()["bag_min_ml"]


_PUSH_ROUTES = frozenset({"IV_PUSH", "IM", "PO", "SL", "PR", "INHALED", "TOPICAL", "INTRATHECAL",
                          "LOCAL_INFILTRATION", "EPIDURAL", "OTHER"})


def _completion_only(text: str, ordered: Sequence[AdminEvent], chosen: dict[str, list[TimeMention]],
                     extra: dict[str, list[TimeMention]],
                     placed_start: Callable[[TimeMention], datetime | None]) -> list[AdminEvent]:
    """Close open runs with the completion entries extraction made into events of their own.

    An entry like "0845 cefepime done" whose only times are stop times, written after a given run of the
    same drug that is still open, documents that run's stop: the stop goes to the run, and the entry is
    returned so the caller drops it (it is not a second administration).
    """
    stop = patterns()["stop_wording"]
    out: list[AdminEvent] = []
    for i, c in enumerate(ordered):
        tms = [m for m in chosen[c.event_id] + extra[c.event_id] if m.role == "end"]
        if c.status != "given" or not tms or any(m.role != "end" for m in c.time_mentions):
            continue
        lo, _ = _line_bounds(text, c.mention_start)
        _, hi = sentence_bounds(text, c.mention_start)
        if not stop.search(text, lo, hi):
            continue
        t = min((x for m in tms if (x := placed_start(m)) is not None), default=None)
        if t is None:
            continue
        # the entry's only time is its stop time (a line timestamp may have been read as its start)
        if any(placed_start(m) != t for m in chosen[c.event_id] + extra[c.event_id]):
            continue
        for p in reversed(ordered[:i]):
            if p in out or p.drug != c.drug or p.status != "given" or p.route in _PUSH_ROUTES:
                continue
            own = chosen[p.event_id] + extra[p.event_id]
            if any(m.role in ("end", "range") for m in own):
                break
            starts = [x for m in own if m.role in ("start", "at", "resume")
                      and (x := placed_start(m)) is not None]
            if not starts or min(starts) >= t:
                break
            group = [o for o in ordered if o is p or (p.infusate_id and o.infusate_id == p.infusate_id)]
            for o in group:
                extra[o.event_id].extend(m for m in tms if m not in extra[o.event_id])
            out.append(c)
            break
    return out
