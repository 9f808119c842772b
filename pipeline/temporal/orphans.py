"""Time statements without a drug name ("Start 0800 via port. End 1030.", "0930 IV paused - to CT").

Notes often document an infusion's run in sentences of their own after the order or drug line: a start, a
stop, a pause and a resume, each with a clock time and no drug name. :func:`orphan_sentences` finds them
(per sentence, so "Infusion finished 1445." counts even when the same line names another drug later);
:func:`attach_orphans` gives each to the run it belongs to:

* a start goes to the latest given event written before it that has no time of its own, when that event
  can run (infusion, IV bag, SQ pump infusion);
* a stop or a pause goes to the one run open at that time (none when several are);
* a resume goes to the run that was paused.

A clock time extraction linked to an event written *after* it, in another sentence, is taken back from
that event when it is attached here (the flush after "Start 0800 ... End 1030" does not own those times),
unless it is the line's leading entry timestamp, which every statement of the line shares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from infucode.annotations.schema import AdminEvent, TimeMention
from infucode.pipeline.temporal._resources import pattern_numbers, patterns, settings
from infucode.pipeline.temporal.intervals import run_minutes
from infucode.pipeline.temporal.textscan import clock_tokens, sentence_bounds

_ROLE_KEYS = (("pause", "pause_wording"), ("resume", "resume_wording"), ("end", "stop_wording"),
              ("start", "start_wording"))


def _cues(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Role cues in ``text[lo:hi]``; a pause/resume cue hides a start/stop cue it overlaps ("restarted")."""
    found: list[tuple[int, int, str]] = []
    for role, key in _ROLE_KEYS:
        for m in patterns()[key].finditer(text, lo, hi):
            if any(a < m.end() and m.start() < b for a, b, _ in found):
                continue
            if role == "end" and not_a_run_stop(text, m.end()):
                continue  # "pain has stopped": no infusion stopped
            found.append((m.start(), m.end(), role))
    return sorted(found)


def not_a_run_stop(text: str, cue_end: int) -> bool:
    """Tell whether the stop word ending at ``cue_end`` stops a symptom ("pain has stopped"), not a run."""
    lo = max(text.rfind("\n", 0, cue_end) + 1, cue_end - 48)
    return any(m.end() == cue_end for m in patterns()["stop_not_run"].finditer(text, lo, cue_end))


def _sentences(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos] == "\n":
            pos += 1
            continue
        lo, hi = sentence_bounds(text, pos)
        lo = max(lo, pos)
        if hi <= pos:
            hi = text.find("\n", pos)
            hi = n if hi < 0 else hi
        out.append((lo, hi))
        pos = hi + 1
    return out


def orphan_sentences(text: str, mention_starts: Sequence[int]) -> list[TimeMention]:
    """Clock times with a start / end / pause / resume cue in sentences that name no event's drug."""
    before = pattern_numbers().get("role_context_chars", 30)
    after = pattern_numbers().get("orphan_cue_after_chars", 40)
    out: list[TimeMention] = []
    for lo, hi in _sentences(text):
        if any(lo <= s < hi for s in mention_starts):
            continue
        tokens = clock_tokens(text, lo, hi)
        if not tokens:
            stamp = _row_stamp(text, lo, mention_starts)
            cues = _cues(text, lo, hi) if stamp is not None else []
            if stamp is not None and cues and cues[0][2] in ("end", "pause"):
                # "1410 Pt flushing. INFUSION STOPPED.": a stop sentence of a timestamped row takes the
                # row's time when nothing (no drug, no other time) stands between them
                out.append(TimeMention(stamp[0], stamp[1], cues[0][2], text[stamp[0] : stamp[1]]))
            continue
        cues = _cues(text, lo, hi)
        if not cues:
            continue
        for i, (s, e) in enumerate(tokens):
            if _in_range(text, tokens, i):
                continue  # "1105-1210" is a run of its own, not a start or stop statement
            prior = [c for c in cues if c[1] <= s and s - c[1] <= before]
            nxt = [c for c in cues if c[0] >= e and c[0] - e <= after]
            if prior and not any(prior[-1][1] <= ts < s for ts, _ in tokens):
                role = prior[-1][2]
            elif nxt and i == 0 and not any(e <= ts < nxt[0][0] for ts, _ in tokens):
                role = nxt[0][2]  # a leading entry time: "0930 IV paused"
            else:
                continue
            out.append(TimeMention(s, e, role, text[s:e]))
    return out


def _row_stamp(text: str, lo: int, mention_starts: Sequence[int]) -> tuple[int, int] | None:
    """Return the clock time opening the line of ``text[lo:]`` when no other clock or drug precedes ``lo``."""
    line_lo = text.rfind("\n", 0, lo) + 1
    if line_lo == lo or any(line_lo <= p < lo for p in mention_starts):
        return None
    tokens = clock_tokens(text, line_lo, lo)
    if len(tokens) != 1 or text[line_lo : tokens[0][0]].strip(" \t*->[(|"):
        return None
    return tokens[0]


def stop_clauses_before_drugs(text: str, mention_starts: Sequence[int]) -> list[TimeMention]:
    """Return the stops of the running infusion written before the first drug of their sentence.

    "1445 Pt flushing - infusion STOPPED, NS KVO, Benadryl 25 mg IV given": the clause names no drug, so
    the stop is the open run's, at the latest clock time written before it on its line with no drug
    mention in between (usually the line's entry time, which the drugs after it share).
    """
    out: list[TimeMention] = []
    starts = sorted(mention_starts)
    for lo, hi in _sentences(text):
        first = next((p for p in starts if lo <= p < hi), None)
        if first is None:
            continue  # a sentence with no drug is an orphan sentence of its own
        cue = patterns()["run_stop_clause"].search(text, lo, first)
        if cue is None:
            continue
        line_lo = text.rfind("\n", 0, cue.start()) + 1
        tokens = [(s, e) for s, e in clock_tokens(text, line_lo, cue.start())
                  if not any(e <= p < cue.start() for p in starts)]
        if tokens:
            s, e = tokens[-1]
            out.append(TimeMention(s, e, "end", text[s:e]))
    return out


def attach_orphans(text: str, events: Sequence[AdminEvent], orphans: Sequence[TimeMention],
                   placed_start: Callable[[TimeMention], datetime | None],
                   chosen: dict[str, list[TimeMention]], extra: dict[str, list[TimeMention]],
                   runs: Callable[[AdminEvent], bool]) -> None:
    """Give each orphan time to the run it belongs to (module docstring); updates ``extra``, ``chosen``.

    When several runs are open at a stop or pause, the ones the sentence names ("VANCO INFUSED" -> the
    vancomycin run; a word of 4+ letters that starts the drug name or its written form) are kept, and
    runs whose volume and rate (or documented duration) say they finished well before are dropped.

    Parameters
    ----------
    text
        The note text.
    events
        The note's events in text order.
    orphans
        Orphan time mentions (text order).
    placed_start
        The calendar time of a mention (None when it could not be placed).
    chosen
        Mentions the resolver uses per event; a taken-back time is removed from a later event's list.
    extra
        Per event, orphan mentions attached so far (appended to).
    runs
        Tells whether an event can be a timed run (infusion, IV bag, SQ infusion).
    """
    def times(e: AdminEvent, roles: tuple[str, ...]) -> list[datetime]:
        out = []
        for m in chosen[e.event_id] + extra[e.event_id]:
            if m.role in roles and (t := placed_start(m)) is not None:
                out.append(t)
        return out

    paused: dict[str, bool] = {}
    for tm in sorted(orphans, key=lambda m: m.start):
        t = placed_start(tm)
        if t is None:
            continue
        given_before = [e for e in events if e.status == "given" and e.mention_start < tm.start]
        targets: list[AdminEvent] = []
        if tm.role == "start":
            # the latest event still without a time of its own (premeds timed on their line are skipped)
            last = next((e for e in reversed(given_before)
                         if not times(e, ("start", "at", "range", "resume"))), None)
            if last is not None:
                group = [e for e in given_before
                         if e is last or (last.infusate_id and e.infusate_id == last.infusate_id)]
                if all(runs(e) and not times(e, ("start", "at", "range", "resume")) for e in group):
                    targets = group
        elif tm.role in ("end", "pause"):
            s_lo, s_hi = sentence_bounds(text, tm.start)
            open_ = [e for e in given_before if runs(e) and _open_at(e, t, times, tm.role)
                     and not (tm.role == "pause" and paused.get(e.event_id))]
            # "NS stopped, D5 1/2NS continues": a bag said to go on is not stopped (nor its riders)
            going = {e.infusate_id or e.event_id for e in open_ if said_to_continue(text, s_lo, s_hi, e)}
            open_ = [e for e in open_ if (e.infusate_id or e.event_id) not in going]
            if tm.role == "end" and _closes_all(text[s_lo:s_hi], open_):
                targets = open_  # "Both in by 0030": the stop of every run still open
            else:
                open_ = _narrow(open_, t, times, text[s_lo:s_hi])
                if len({e.infusate_id or e.event_id for e in open_}) == 1:
                    targets = open_
        elif tm.role == "resume":
            targets = [e for e in given_before if paused.get(e.event_id)]
        if not targets:
            continue
        for e in targets:
            extra[e.event_id].append(tm)
            if tm.role == "pause":
                paused[e.event_id] = True
            elif tm.role == "resume":
                paused[e.event_id] = False
        target_ids = {e.event_id for e in targets}
        line_lo = text.rfind("\n", 0, tm.start) + 1
        if not text[line_lo : tm.start].strip(" \t*-[(>"):
            continue  # the line's entry timestamp is shared by every statement of the line
        for e in events:
            if e.event_id in target_ids or e.mention_start <= tm.start:
                continue
            chosen[e.event_id] = [m for m in chosen[e.event_id] if (m.start, m.end) != (tm.start, tm.end)]


#: where the clause naming a run ends ("D5 1/2NS continues, site clean": the clause is "continues")
_CLAUSE_END = re.compile(r"[,;]|\.(?!\d)|\band\b|\bbut\b", re.IGNORECASE)
_NAME_CHAR = re.compile(r"[\w/]")


def said_to_continue(text: str, lo: int, hi: int, e: AdminEvent) -> bool:
    """Tell whether ``text[lo:hi]`` names the run ``e`` with ongoing wording in the clause after the name.

    "0200 NS stopped, D5 1/2NS continues": the stop is not the D5 1/2NS run's. The name is the event's
    written drug name or its generic name, as a whole word ("NS" is not named inside "1/2NS").
    """
    sentence = text[lo:hi].lower()
    ongoing = patterns()["ongoing_wording"]
    for name in {n.lower() for n in (e.drug_text, e.drug) if n}:
        pos = sentence.find(name)
        while pos >= 0:
            after = pos + len(name)
            whole = (pos == 0 or not _NAME_CHAR.match(sentence[pos - 1])) and (
                after >= len(sentence) or not _NAME_CHAR.match(sentence[after]))
            if whole:
                cut = _CLAUSE_END.search(sentence, after)
                if ongoing.search(sentence, after, cut.start() if cut else len(sentence)):
                    return True
            pos = sentence.find(name, pos + 1)
    return False


def _closes_all(sentence: str, open_: Sequence[AdminEvent]) -> bool:
    """Tell whether a stop sentence speaks of all the open runs ("Both in by 0030", "all bags done").

    "Both" needs exactly two open runs (two bags; components of one bag count once).
    """
    m = patterns()["stop_all_open"].search(sentence)
    if m is None:
        return False
    runs = len({e.infusate_id or e.event_id for e in open_})
    return runs == 2 if m.group(0).lower() == "both" else runs >= 2


def _open_at(e: AdminEvent, t: datetime, times: Callable[..., list[datetime]], role: str) -> bool:
    """Tell whether the run started before ``t`` and is not stopped (a pause may precede its stop)."""
    starts = times(e, ("start", "at", "resume"))
    if not starts or min(starts) >= t:
        return False
    ends = times(e, ("end", "range"))
    if role == "pause":
        return not ends or max(ends) > t
    return not ends


def _named(e: AdminEvent, words: set[str]) -> bool:
    names = [n.lower() for n in (e.drug, e.drug_text, e.purpose) if n]
    for w in words:
        if len(w) < 4:
            if w in names:  # "KVO", "LR": whole names only
                return True
        elif any(n.startswith(w) or (len(n) >= 4 and w.startswith(n)) for n in names):
            return True
    return False


def _narrow(open_: list[AdminEvent], t: datetime, times: Callable[..., list[datetime]],
            line: str) -> list[AdminEvent]:
    """Of several runs open at ``t``, keep those the text names, else those not finished by volume/rate."""
    if len({e.infusate_id or e.event_id for e in open_}) <= 1:
        return open_
    words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]{1,}", line)}
    named = [e for e in open_ if _named(e, words)]
    groups = {e.infusate_id or e.event_id for e in named}
    if named:
        named = [e for e in open_ if (e.infusate_id or e.event_id) in groups]
        if len(groups) > 1:
            # "D5 1/2NS + KCl d/c'd" names the bag and two KCl riders that ran out hours ago
            return _unfinished(named, t, times) or named
        return named
    return _unfinished(open_, t, times)


def _unfinished(open_: list[AdminEvent], t: datetime,
                times: Callable[..., list[datetime]]) -> list[AdminEvent]:
    """Drop the runs whose volume and rate (or documented duration) say they finished well before ``t``."""
    slack = settings()["rate_conflict_fraction"]
    alive = []
    for e in open_:
        run = run_minutes(e.volume_ml, e.rate_ml_hr) or e.documented_duration_min
        starts = times(e, ("start", "at", "resume"))
        if run is not None and starts and min(starts) + timedelta(minutes=run * (1 + slack)) < t:
            continue
        alive.append(e)
    return alive


_RANGE_GAP = re.compile(r"^\s*(?:-+|–|—|to|until|till|thru|through)\s*$", re.IGNORECASE)


def _in_range(text: str, tokens: Sequence[tuple[int, int]], i: int) -> bool:
    s, e = tokens[i]
    if i + 1 < len(tokens) and _RANGE_GAP.match(text[e : tokens[i + 1][0]]):
        return True
    return i > 0 and bool(_RANGE_GAP.match(text[tokens[i - 1][1] : s]))
