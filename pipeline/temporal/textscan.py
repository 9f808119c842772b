"""Time expressions read from the text around an event, to back up the mentions extraction linked.

An event's *segment* is the stretch of its own entry that belongs to it: from its drug mention to the next
event's mention, the end of the sentence, or the end of the line (an entry continues over following
indented lines, as in block-style MAR exports). Clock times inside the segment get a role from the wording
just before them (start / end / at); two times joined by a connector are a range.

:func:`refine_mentions` decides, per event, which mentions the resolver uses:

* extraction's start/at/range mentions when one of them lies in the event's segment or line;
* otherwise the times found in the segment (a linked time on another line is more likely a linking error
  than the clock time written right after the drug);
* otherwise the nearest earlier time in the same sentence, or the entry timestamp of the line
  ("Premeds @ 0900: dexamethasone ..., famotidine ...");
* stop times in the segment are added for infusions ("started 1525 ... completed 1555").

Components of one bag with no time of their own share the times of the bag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from infucode.annotations.schema import AdminEvent, TimeMention
from infucode.pipeline.temporal._resources import pattern_numbers, patterns

_UNIT_AFTER = (
    r"(?!\s*(?:(?:ml|mg|mcg|g|gm|gram|grams|units?|u|meq|mmol|l|cc|kg|x|times|doses?|mins?|minutes"
    r"|hrs?|hours)\b|%|/))"
)
#: European dotted clock times: "08.40 h" / "8.40h", "at 08.40", a line that starts "08.40 ...", the second
#: time of a range "08.40-09.10"; never a decimal dose ("0.5 mg", "12.50 mL"), a duration ("over 1.25 h")
#: or a dotted date ("04.03.2026").
_DOTTED_HM = r"(?:[01]?\d|2[0-3])\.[0-5]\d"
_DOTTED = (
    r"(?<![\w/:.,#$])(?<!over )(?<!for )(?<!\bx )(?<!\bq )(?<!\bq)" + _DOTTED_HM + r"\s?h(?:rs?)?(?![a-z\d])|"
    r"(?:(?<=\bat )|(?<=@)|(?<=@ )|(?<=\bby )|(?<=\buntil )|(?<=\btill )|(?<=\bfrom )|(?<![^\n])"
    r"|(?<=\d-)|(?<=\d -)|(?<=\d- )|(?<=\d - )|(?<=\d–))"
    r"(?:[01]\d|2[0-3]|(?:(?<=[a-z] )|(?<=@ )|(?<=@))[1-9])\.[0-5]\d(?![\d/:]|[.,]\d)" + _UNIT_AFTER + "|"
    r"(?<![\w/:.,#$])(?:[01]\d|2[0-3])\.[0-5]\d(?=\s?(?:-|–|to)\s?" + _DOTTED_HM + r"(?![\d/:]|[.,]\d)"
    + _UNIT_AFTER + ")"
)
_CLOCK = re.compile(
    r"(?<![\d/:.,#$])(?:"
    r"(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d{2}-\d{2})[ \t,T]+(?:@\s*)?)?"
    r"(?:[01]?\d|2[0-4]):[0-5]\d(?:\s*[ap]\.?m\.?)?(?![\d:/])(?!\.\d)" + _UNIT_AFTER + "|"
    r"(?<![\d/:.,#$])(?:(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{4}-\d{2}-\d{2})[ \t,T]+(?:@\s*)?)?"
    r"(?:[01]\d|2[0-3])[0-5]\d(?:\s*h(?:rs)?\b)?(?![\d/])(?![.,:]\d)" + _UNIT_AFTER + "|"
    r"(?<![\d/:.,#$])(?:1[0-2]|0?[1-9])\s*[ap]\.?m\.?(?![a-z])|"
    r"(?<![\d/:.,#$])(?<!over )(?<!for )(?<!\bx )(?:[01]?\d|2[0-3])\s?h\s?[0-5]\d(?![\d:/])(?!\s?mn\b)"
    + _UNIT_AFTER + "|"
    + _DOTTED + "|"
    r"\b(?:12\s*)?(?:noon|midday|midnight)\b",
    re.IGNORECASE,
)
_LIST_GAP = re.compile(r"^\s*(?:,|&|and|,\s*and)\s*$", re.IGNORECASE)
_CONNECT = re.compile(r"^\s*(?:-+|–|—|to|until|till|thru|through)\s*$", re.IGNORECASE)
_PUSH_LIKE = frozenset({"IV_PUSH", "IM", "SQ", "PO", "SL", "PR", "INHALED", "TOPICAL", "INTRATHECAL",
                        "LOCAL_INFILTRATION", "EPIDURAL", "INTRA_ARTERIAL", "OTHER"})


_YEAR_CONTEXT = re.compile(
    r"(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?[\s-]*(?:\d{1,2}(?:st|nd|rd|th)?)?"
    r"|\d{1,2}/\d{1,2})[\s,/-]*$|\b(?:in|year|yr)\s+$",
    re.IGNORECASE,
)


def clock_tokens(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Offsets of clock-time tokens in ``text[lo:hi]`` (military, hh:mm, h am/pm; volumes excluded).

    A four-digit year after a month name, a day/month or "in" ("20-Nov-2026", "Nov 20, 2026", "in 2022")
    is no clock time.
    """
    out = []
    for m in _CLOCK.finditer(text[lo:hi]):
        s, e = lo + m.start(), lo + m.end()
        if re.fullmatch(r"(?:19|20)\d\d", text[s:e]) and _YEAR_CONTEXT.search(text[max(0, s - 16) : s]):
            continue
        out.append((s, e))
    return out


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, (len(text) if end < 0 else end)


def _indent(line: str) -> int:
    """Width of a line's leading whitespace (a tab counts as 4)."""
    stripped = line.lstrip(" \t")
    return len(line[: len(line) - len(stripped)].replace("\t", "    "))


def event_segment(text: str, e: AdminEvent, later_mentions: Sequence[int]) -> tuple[int, int]:
    """Return the part of the text that belongs to ``e`` (drug mention to next event/sentence/line end).

    Lines right after the drug's line that are indented deeper than it continue its entry
    ("    Admin time: 1410"); an equally indented line is the next row of a table or list.
    """
    lo = e.mention_start
    nxt = next((p for p in later_mentions if p > lo), len(text))
    line_lo, hi = _line_bounds(text, lo)
    indent = _indent(text[line_lo:hi])
    while hi < len(text) and hi < nxt:
        following_end = text.find("\n", hi + 1)
        following_end = len(text) if following_end < 0 else following_end
        following = text[hi + 1 : following_end]
        # a continuation is indented deeper than the entry; an equally indented line is the next row
        if not following.strip() or _indent(following) <= indent:
            break
        hi = following_end
    hi = min(hi, nxt)
    brk = patterns()["clause_break"].search(text, lo, hi)
    if brk:
        hi = brk.start()
    first_line_end = _line_bounds(text, lo)[1]
    sent = patterns()["sentence_end"].search(text, lo, min(hi, first_line_end))
    if sent and hi == first_line_end:
        hi = sent.start()
    elif sent and sent.start() < first_line_end:
        hi = min(hi, sent.start())
    return lo, max(lo, hi)


def _role(gap: str) -> str:
    """Role of a clock time from the words just before it (the later of start/stop wording wins).

    ``repeat`` marks a further dose of the same entry ("repeated at 1515"); it is never the event's time.
    """
    n = pattern_numbers().get("role_context_chars", 30)
    window = gap[-n:]
    stop = [m.end() for m in patterns()["stop_wording"].finditer(window)]
    start = [m.end() for m in patterns()["start_wording"].finditer(window)]
    repeat = [m.end() for m in patterns()["repeat_wording"].finditer(window)]
    if repeat and max(repeat) >= max(stop + start, default=-1):
        return "repeat"  # "repeated at 1515": a further dose, not this administration's time
    if stop and (not start or max(stop) > max(start)):
        return "end"
    if start:
        return "start"
    if patterns()["ongoing_wording"].search(window):
        return "ongoing"  # "still infusing at handoff 1500": the run was seen going on, not started
    return "at"


def _ongoing_at(text: str, m: TimeMention) -> bool:
    """Tell whether a plain time is written after wording that the run was already going on."""
    if m.role not in ("at", "start"):
        return False
    line_lo, _ = _line_bounds(text, m.start)
    return _role(text[line_lo : m.start]) == "ongoing"


def _continuing_run(text: str, e: AdminEvent) -> bool:
    """Tell whether the event's sentence finds an infusion already running ("drip verified at handoff").

    Such a run's start is not in this record: the row time is when it was seen, not when it was started.
    """
    lo, hi = sentence_bounds(text, e.mention_start)
    return bool(patterns()["ongoing_wording"].search(text, lo, hi)) and not (
        patterns()["start_wording"].search(text, lo, hi) or patterns()["stop_wording"].search(text, lo, hi))


_ROW_LEAD = re.compile(r"[\s*\-•>\[(]*")
_ARROWS = ("->", "→", "=>")


def _row_role(text: str, tokens: Sequence[tuple[int, int]], i: int, prev_end: int) -> str:
    """Role of clock token ``i``: wording before it on its own line, or after it when it leads the line.

    One line is one record: a time that starts a row ("  11:35 Stopped") takes the start/stop wording
    written after it on its line, not the wording of the row above ("New Bag"); an arrow starts a new step
    the same way ("started -> 1626 complete"). With no wording after it, the wording before it counts
    (block MARs: "Action: Stopped" / "Admin time: 1518").
    """
    s, e = tokens[i]
    gap = text[prev_end:s]
    cut = max([gap.rfind("\n")] + [k + len(a) - 1 for a in _ARROWS if (k := gap.rfind(a)) >= 0])
    if cut < 0 or not _ROW_LEAD.fullmatch(gap[cut + 1 :]):
        return _role(gap)
    _, line_hi = _line_bounds(text, s)
    hi = min(line_hi, e + pattern_numbers().get("orphan_cue_after_chars", 40))
    if i + 1 < len(tokens):
        hi = min(hi, tokens[i + 1][0])
    after = text[e:hi]
    stop = patterns()["stop_wording"].search(after)
    start = patterns()["start_wording"].search(after)
    if stop and (not start or stop.start() < start.start()):
        return "end"
    return "start" if start else _role(gap)


def scan_segment(text: str, lo: int, hi: int) -> list[TimeMention]:
    """Time mentions found in ``text[lo:hi]`` with roles (start / end / at / range)."""
    out: list[TimeMention] = []
    tokens = clock_tokens(text, lo, hi)
    prev_end = lo
    i = 0
    while i < len(tokens):
        s, e = tokens[i]
        if i + 1 < len(tokens) and _CONNECT.match(text[e : tokens[i + 1][0]]):
            s2, e2 = tokens[i + 1]
            out.append(TimeMention(s, e2, "range", text[s:e2]))
            prev_end = e2
            i += 2
            continue
        role = _row_role(text, tokens, i, prev_end)
        if role == "at" and out and out[-1].role == "repeat" and _LIST_GAP.match(text[prev_end:s]):
            role = "repeat"  # "repeated at 1515 and 1525"
        out.append(TimeMention(s, e, role, text[s:e]))
        prev_end = e
        i += 1
    return out


def _preceding_time(text: str, e: AdminEvent) -> TimeMention | None:
    """Return the nearest clock time before the drug on its line.

    Covers list headers ("Premeds @ 0900: dexa..., famotidine ...") and entry timestamps ("2230 BG 248.
    D5 1/2NS started").
    """
    line_lo, _ = _line_bounds(text, e.mention_start)
    tokens = clock_tokens(text, line_lo, e.mention_start)
    if not tokens:
        return None
    s, t_end = tokens[-1]
    return TimeMention(s, t_end, "at", text[s:t_end])


def _adjacent_pair_later(mentions: list[TimeMention], text: str) -> list[TimeMention]:
    """Of two 'at' times written side by side (MAR "scheduled  given" columns), keep the later column."""
    ats = [m for m in mentions if m.role == "at"]
    if len(ats) < 2:
        return mentions
    drop: set[int] = set()
    ats.sort(key=lambda m: m.start)
    for a, b in zip(ats, ats[1:], strict=False):
        if re.fullmatch(r"[\s|]*", text[a.end : b.start]) and "\n" not in text[a.end : b.start]:
            drop.add(id(a))
    return [m for m in mentions if id(m) not in drop]


def _cued_stops(mentions: list[TimeMention], text: str, e: AdminEvent) -> list[TimeMention]:
    """Of several stop times on one line, keep those written right after stop wording naming the drug.

    "0040 Late decels. Pitocin off at 0042": the row time is when the row was written; the stop is 0042.
    A stop of something else later on the line ("Albumin complete. Catheter removed 1045") is no better.
    """
    ends = [m for m in mentions if m.role == "end"]
    if len(ends) < 2:
        return mentions
    named = {sentence_bounds(text, sp.start) for sp in e.spans if sp.label == "DRUG"}
    drop: set[int] = set()
    lines: dict[int, list[TimeMention]] = {}
    for m in ends:
        lines.setdefault(_line_bounds(text, m.start)[0], []).append(m)
    for line_lo, same in lines.items():
        cued = [m for m in same if _role(text[line_lo : m.start]) == "end"
                and sentence_bounds(text, m.start) in named]
        if len(same) > 1 and cued:
            drop.update(id(m) for m in same if all(m is not c for c in cued))
    return [m for m in mentions if id(m) not in drop]


def _cells(line: str) -> list[tuple[int, int]]:
    """Column spans of a table line: pipe- or tab-separated cells, else runs separated by 2+ spaces."""
    sep = "|" if "|" in line else ("\t" if "\t" in line.strip() else None)
    if sep:
        out, pos = [], 0
        for part in line.split(sep):
            out.append((pos, pos + len(part)))
            pos += len(part) + 1
        return out
    return [(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def _header_roles(line: str) -> dict[int, str]:
    """Column index -> role of a table header line that names a time column.

    Roles: ``start`` / ``end`` / ``at`` for time columns, ``skip`` for columns that hold numbers that are
    no clock times ("VOL 1000", "Rate 125"). Empty when the line names no time column.
    """
    roles: dict[int, str] = {}
    for i, (a, b) in enumerate(_cells(line)):
        cell = line[a:b]
        if patterns()["column_start"].match(cell):
            roles[i] = "start"
        elif patterns()["column_end"].match(cell):
            roles[i] = "end"
        elif patterns()["column_at"].match(cell):
            roles[i] = "at"
        elif patterns()["column_not_time"].match(cell):
            roles[i] = "skip"
    return roles if any(r != "skip" for r in roles.values()) else {}


def column_mentions(text: str, pos: int) -> list[TimeMention]:
    """Return the times in the table row at ``pos`` with their column roles ("Med | Start | Stop").

    The header is the nearest line above (within a few lines) that names a start or stop column and is
    laid out like the row (pipes, or aligned columns). Empty when the row is not under such a header.
    """
    lo, hi = _line_bounds(text, pos)
    row = text[lo:hi]
    piped = "|" in row
    if not piped and not re.search(r"\S(?: {2,}|\t)\S", row):
        return []
    h_hi = lo - 1
    for _ in range(pattern_numbers().get("header_max_lines_above", 12)):
        if h_hi <= 0:
            return []
        h_lo = text.rfind("\n", 0, h_hi) + 1
        header = text[h_lo:h_hi]
        if ("|" in header) == piped and header.strip() and not clock_tokens(text, h_lo, h_hi):
            roles = _header_roles(header)
            if roles:
                return _row_times(text, lo, hi, header, h_lo, roles, piped)
        if not header.strip() or (("|" in header) != piped):
            return []
        h_hi = h_lo - 1
    return []


def _row_times(text: str, lo: int, hi: int, header: str, h_lo: int, roles: dict[int, str],
               piped: bool) -> list[TimeMention]:
    row = text[lo:hi]
    row_cells = _cells(row)
    head_cells = _cells(header)
    out: list[TimeMention] = []
    for s, e in clock_tokens(text, lo, hi):
        rel = s - lo
        if piped or ("\t" in row.strip() and "\t" in header.strip()):
            idx = next((i for i, (a, b) in enumerate(row_cells) if a <= rel < b), None)
        else:
            # aligned columns: the header cell that starts at or before the time (and closest)
            idx = None
            for i, (a, _b) in enumerate(head_cells):
                if a <= rel + 1:
                    idx = i
        if idx is None or idx not in roles:
            continue
        out.append(TimeMention(s, e, roles[idx], text[s:e]))
    return out


def _named_before(text: str, e: AdminEvent, pos: int) -> bool:
    """Tell whether the event's drug is named on the line shortly before ``pos`` ("zofran given 1412")."""
    line_lo, _ = _line_bounds(text, pos)
    window = text[max(line_lo, pos - 40) : pos].lower()
    return any(n and n.lower() in window for n in (e.drug_text, e.drug))


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """Return the sentence around ``pos`` (bounded by sentence ends and the line)."""
    line_lo, line_hi = _line_bounds(text, pos)
    lo = line_lo
    for m in patterns()["sentence_end"].finditer(text, line_lo, pos):
        lo = m.end()
    m = patterns()["sentence_end"].search(text, pos, line_hi)
    return lo, (m.start() if m else line_hi)


def _fallback_time(text: str, e: AdminEvent, seg_hi: int, starts: Sequence[int]) -> TimeMention | None:
    """Return a time the event shares with its neighbours when it has none of its own.

    In order: a later time in the same sentence ("insulin 10 units IV with D50 25 g IV at 1415"), a time
    before the sentence's first drug ("Premeds @ 0900: dexa..., famotidine ..."), the line's entry
    timestamp, the nearest earlier time on the line.
    """
    s_lo, s_hi = sentence_bounds(text, e.mention_start)
    line_lo, _ = _line_bounds(text, e.mention_start)
    later = scan_segment(text, seg_hi, max(seg_hi, s_hi))
    later = [m for m in later if m.role in ("start", "at", "range")]
    if later:
        return later[0]
    first_drug = min([p for p in starts if s_lo <= p <= e.mention_start], default=e.mention_start)
    header = clock_tokens(text, s_lo, first_drug)
    if header:
        s, t_end = header[-1]
        return TimeMention(s, t_end, "at", text[s:t_end])
    line_first = min([p for p in starts if line_lo <= p <= e.mention_start], default=e.mention_start)
    stamp = clock_tokens(text, line_lo, line_first)
    if stamp:
        s, t_end = stamp[0]
        return TimeMention(s, t_end, "at", text[s:t_end])
    return _preceding_time(text, e)


def _completion_row(text: str, m: TimeMention, e: AdminEvent, starts: Sequence[int]) -> TimeMention:
    """Turn a linked time into a stop when it leads a later row that only completes the run.

    "1420 | NS | complete" below "1310 | NS 1000 mL | started": extraction folds the re-mention into the
    bag's event with a plain time; the row's own wording says it is the stop. Only a row other than the
    drug's own line, with stop wording after the time, no start wording before it and no other event's
    drug in between, qualifies.
    """
    if m.role not in ("at", "start"):
        return m
    line_lo, line_hi = _line_bounds(text, m.start)
    if line_lo <= e.mention_start < line_hi or not _ROW_LEAD.fullmatch(text[line_lo : m.start]):
        return m
    end = patterns()["sentence_end"].search(text, m.end, line_hi)
    hi = end.start() if end else line_hi
    stop = patterns()["stop_wording"].search(text, m.end, hi)
    if stop is None or patterns()["start_wording"].search(text, m.end, stop.start()):
        return m
    if any(m.end <= p < stop.start() for p in starts):
        return m
    return TimeMention(m.start, m.end, "end", m.text)


def refine_mentions(text: str, events: Sequence[AdminEvent],
                    is_infusion: Callable[[AdminEvent], bool]) -> dict[str, list[TimeMention]]:
    """Choose the time mentions the resolver uses for each given event (see the module docstring).

    Parameters
    ----------
    text
        The note text.
    events
        The note's events sorted by ``mention_start``.
    is_infusion
        Predicate telling infusions from pushes/injections (stop times are read for infusions only).

    Returns
    -------
    dict
        ``event_id`` -> mentions (extraction's, possibly replaced or completed).
    """
    starts = sorted(e.mention_start for e in events)
    out: dict[str, list[TimeMention]] = {}
    for e in events:
        mentions = list(e.time_mentions)
        if e.status != "given":
            out[e.event_id] = mentions
            continue
        lo, hi = event_segment(text, e, starts)
        s_lo, s_hi = sentence_bounds(text, e.mention_start)
        found = scan_segment(text, lo, hi)
        infusion = is_infusion(e)
        if infusion:
            mentions = [_completion_row(text, m, e, starts) for m in mentions]
        mentions = [m for m in mentions if not _ongoing_at(text, m)]
        other = [m for m in mentions if m.role not in ("start", "at", "range")]
        start_like = [m for m in mentions if m.role in ("start", "at", "range")]
        in_seg = [m for m in start_like if lo <= m.start < hi]
        near = [m for m in start_like if s_lo <= m.start < max(hi, s_hi)]
        columns = column_mentions(text, e.mention_start)
        own_start = [m for m in found if m.role in ("start", "at", "range")]
        # an infusion's later "start" mentions may be restarts after a pause or infiltration
        later_starts = [m for m in start_like if m.role == "start" and m.start >= hi] if infusion else []
        skip = {(c.start, c.end) for c in columns if c.role == "skip"}
        if skip:
            found = [m for m in found if (m.start, m.end) not in skip]
            own_start = [m for m in own_start if (m.start, m.end) not in skip]
            mentions = [m for m in mentions if (m.start, m.end) not in skip]
            other = [m for m in other if (m.start, m.end) not in skip]
            in_seg = [m for m in in_seg if (m.start, m.end) not in skip]
            near = [m for m in near if (m.start, m.end) not in skip]
        columns = [c for c in columns if c.role != "skip"]
        continuing = infusion and not any(m.role in ("start", "range", "end") for m in mentions + found) and (
            _continuing_run(text, e))
        if continuing:
            mentions = other  # "2300 heparin drip verified at 14 mL/hr": running before this record began
        elif any(c.role in ("start", "at") for c in columns):
            # a table row under "Time" or "Start | Stop" headers: the columns say which time is which
            row_lo, row_hi = _line_bounds(text, e.mention_start)
            mentions = [m for m in other if not row_lo <= m.start < row_hi] + columns + later_starts
        elif in_seg:
            mentions = other + in_seg + later_starts
        elif own_start:
            # the time written right after the drug beats a line timestamp or a time from elsewhere
            mentions = other + own_start + later_starts
        elif not near and not any(m.role in ("resume", "pause", "infiltrated") for m in other):
            fb = _fallback_time(text, e, hi, starts)
            if fb is not None:
                role = "start" if infusion and fb.role == "at" else fb.role
                mentions = other + [TimeMention(fb.start, fb.end, role, fb.text)]
            else:
                # a time on another drug's row is that drug's (a premed line's time is not the infusion's)
                own_line = _line_bounds(text, e.mention_start)
                mentions = other + [
                    m for m in start_like
                    if _line_bounds(text, m.start) == own_line or _named_before(text, e, m.start)
                    or not any(_line_bounds(text, p) == _line_bounds(text, m.start)
                               for p in starts if p != e.mention_start)]
        if infusion and not any(m.role in ("end", "range") for m in mentions):
            seen = {(m.start, m.end) for m in mentions}
            mentions += [m for m in found if m.role == "end" and (m.start, m.end) not in seen]
        if not infusion and e.route in _PUSH_LIKE:
            # "local infiltration at 1420": a push or an injection has no IV line that can infiltrate
            mentions = [TimeMention(m.start, m.end, "at", m.text) if m.role == "infiltrated" else m
                        for m in mentions]
            if not any(m.role in ("start", "at", "range") for m in mentions):
                ends = sorted((m for m in mentions if m.role == "end"), key=lambda m: m.start)
                mentions = [TimeMention(m.start, m.end, "at", m.text) for m in ends[:1]]
            else:
                mentions = [m for m in mentions if m.role != "end"]
        out[e.event_id] = _cued_stops(_adjacent_pair_later(mentions, text), text, e)
    _share_infusate(events, out)
    return out


def _share_infusate(events: Sequence[AdminEvent], out: dict[str, list[TimeMention]]) -> None:
    groups: dict[str, list[AdminEvent]] = {}
    for e in events:
        if e.infusate_id and e.status == "given":
            groups.setdefault(e.infusate_id, []).append(e)
    for members in groups.values():
        # one bag, one run: every component gets the bag's start and stop times
        pooled: dict[tuple[int, int, str], TimeMention] = {}
        for m in members:
            for t in out[m.event_id]:
                pooled.setdefault((t.start, t.end, t.role), t)
        if not any(t.role in ("start", "at", "range") for t in pooled.values()):
            continue
        for m in members:
            out[m.event_id] = list(pooled.values())
