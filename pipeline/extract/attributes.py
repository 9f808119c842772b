"""Attribute finder over the note text (regular expressions of ``resources/patterns/attributes.v1.json``).

Doses, volumes, rates, concentrations, routes, sites, devices, times, durations, line cues, purposes, waste.

Pure Python over the note text (character offsets); no spaCy here so the rules are easy to test alone.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

from infucode.pipeline.extract.regex_gate import first_char_class, gated
from infucode.pipeline.extract.resources import (
    LabelMatcher,
    Rule,
    compiled_misc,
    compiled_rules,
    label_matchers,
)

#: Labels whose matches compete with each other (longest wins) before linking.
_FAMILIES: dict[str, str] = {
    "dose": "amount", "volume": "amount", "concentration": "amount", "rate": "amount", "waste": "waste",
    "time": "time", "duration": "duration", "route": "route", "site": "site", "device": "device",
    "line_cue": "line_cue", "purpose": "purpose",
}
#: Span label (schema.SPAN_LABELS) for each attribute label.
SPAN_LABEL: dict[str, str] = {
    "dose": "DOSE", "volume": "VOLUME", "concentration": "CONCENTRATION", "rate": "RATE", "route": "ROUTE",
    "site": "SITE", "device": "SITE", "time": "TIME", "duration": "DURATION", "line_cue": "LINE_CUE",
    "purpose": "PURPOSE", "waste": "WASTE",
}


@dataclass(slots=True)
class Attr:
    """One attribute match."""

    start: int
    end: int
    label: str
    rule: str
    value: Any = None
    groups: dict[str, str | None] = field(default_factory=dict)
    text: str = ""


def parse_number(s: str | None) -> float | None:
    """Parse "1,000" / ".5" / "12.5" into a float (None for junk)."""
    if not s:
        return None
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def norm_unit(u: str | None) -> str | None:
    """Map a written unit ("gm", "cc", "mEq") to a contract unit."""
    if not u:
        return None
    return compiled_misc()["unit_map"].get(u.lower().replace(" ", ""))


def find_attributes(text: str, start: int = 0, end: int | None = None,
                    exclude: list[tuple[int, int]] | None = None,
                    labels: tuple[str, ...] | None = None) -> list[Attr]:
    """Find every attribute in ``text[start:end]``.

    Overlapping matches of one family keep the longest (ties: first rule). Matches overlapping an
    ``exclude`` span (drug mentions) are dropped. ``labels`` restricts the search to those labels.

    Each label's matches are those of ``finditer`` of its combined pattern; on lowercase-able text they are
    found from the label's ``position_scanner`` (see ``regex_gate``) and re-matched there for the groups,
    much faster than ``finditer``. Overlap bookkeeping works on per-character byte masks.

    Text holding a character that IGNORECASE matching equates with a pattern letter its ``lower()`` is not
    ("ſ" ~ "s", "ı" ~ "i", see ``_case_odd_chars``) is matched with the IGNORECASE patterns only, so it finds
    what ``finditer`` of those patterns finds; so is text that ``lower()`` makes longer.
    """
    end = len(text) if end is None else end
    found: list[Attr] = []
    low = text.lower()
    same_len = len(low) == len(text) and (text.isascii() or _case_odd_chars().search(text) is None)
    gates = compiled_misc()["label_gates"] if same_len else {}
    window = low[start:end]
    for plan in _plans():
        lm = plan.lm
        label = lm.label
        if labels is not None and label not in labels:
            continue
        gate = gates.get(label)
        if gate and not any(g in window for g in gate):
            continue  # cheap substring gate: no rule of this label can match
        if same_len and lm.scan is not None:
            last = start
            match = lm.lower.match
            rule_of_group = plan.rule_of_group
            for hit in lm.scan.finditer(low, start, end):
                s = hit.start()
                if s < last:
                    continue  # inside the previous match of this label: finditer would not look here
                m = match(low, s, end)
                if m is None:  # cannot happen: the scanner ran the same alternation at s
                    raise RuntimeError(f"attribute scanner and pattern disagree ({label})")
                last = m.end()
                i = rule_of_group.get(m.lastindex or -1)
                if i is None:
                    i = _which(m, plan.rule_group)
                rid, value, rule_groups, cued = plan.info[i]
                groups: dict[str, str | None] = {}
                for k, short in rule_groups:
                    a, b = m.span(k)
                    groups[short] = text[a:b] if a >= 0 else None
                if cued is not None:
                    rid = _cued_id(text, s, cued)
                found.append(Attr(s, last, label, rid, value, groups, text[s:last]))
        else:
            rx = lm.lower if same_len else lm.anycase
            for m in rx.finditer(low if same_len else text, start, end):
                s, e = m.span()
                if e <= s:
                    continue
                i = plan.rule_of_group.get(m.lastindex or -1)
                if i is None:
                    i = _which(m, plan.rule_group)
                found.append(_make_attr(text, m, s, e, plan, i))
    if not found:
        return found
    size = len(text) + 1
    drug_ends: set[int] = set()
    if exclude:
        blocked = bytearray(size)
        any_blocked = False
        for s_, e_ in exclude:
            drug_ends.update((e_, e_ + 1))
            a, b = max(0, s_), min(e_, size)
            if a < b:
                blocked[a:b] = b"\x01" * (b - a)
                any_blocked = True
        if any_blocked:
            found = [a for a in found if blocked.find(1, a.start, a.end) < 0]
    if any(a.rule == _BARE_TIME for a in found):
        found = [a for a in found if a.rule != _BARE_TIME or not (
            _bare_time_rejected(text[max(0, a.start - 14):a.start]) or a.start in drug_ends)]
    kept: list[Attr] = []
    occupied: dict[str, bytearray] = {}
    order = _label_order()
    for a in sorted(found, key=lambda a: (a.start - a.end, order[a.label], a.start)):
        family = _FAMILIES[a.label]
        occ = occupied.get(family)
        if occ is None:
            occ = occupied[family] = bytearray(size)
        elif occ.find(1, a.start, a.end) >= 0:
            continue
        occ[a.start:a.end] = b"\x01" * (a.end - a.start)
        kept.append(a)
    # a time must not sit inside an amount ("1000 mL") and a dose not inside a waste phrase
    amount, waste = occupied.get("amount"), occupied.get("waste")
    if amount is not None or waste is not None:
        kept = [a for a in kept if not (a.label in ("time", "duration") and (
            (amount is not None and amount.find(1, a.start, a.end) >= 0)
            or (waste is not None and waste.find(1, a.start, a.end) >= 0)))]
    kept = _resolve_gauges(text, kept, exclude or [])
    if waste is not None:
        kept = [a for a in kept if not (a.label in ("dose", "volume", "concentration") and
                                        waste.find(0, a.start, a.end) < 0)]
    kept.sort(key=_START_END)
    return kept


@lru_cache(maxsize=1)
def _case_odd_chars() -> re.Pattern[str]:
    """Characters whose IGNORECASE matching against the attribute patterns differs from ``lower()`` matching.

    A character ``c`` qualifies when an IGNORECASE pattern letter (ASCII letters and the non-ASCII characters
    of the patterns, e.g. "µ") matches it but ``c.lower()`` is not that letter: U+017F "ſ" (~ "s"), U+0131
    "ı" (~ "i"), U+0130 "İ", Greek "μ" (~ "µ"). Such text must be matched with the IGNORECASE patterns.
    Computed once over the Basic Multilingual Plane (every case partner of these letters lies there).
    """
    letters = set(string.ascii_lowercase)
    for lm in label_matchers():
        letters.update(c.lower() for c in lm.anycase.pattern if not c.isascii() and len(c.lower()) == 1)
    partner = re.compile("[" + "".join(re.escape(c) for c in sorted(letters)) + "]", re.IGNORECASE)
    odd = [c for c in map(chr, range(0x80, 0x10000)) if partner.fullmatch(c) and c.lower() not in letters]
    return re.compile("[" + "".join(re.escape(c) for c in odd) + "]")


#: rule id of a military time without a cue before it (rejected after some words, or right after a drug)
_BARE_TIME = "time.military_bare"
_START_END = attrgetter("start", "end")


def _bare_time_rejected(before: str) -> bool:
    """Tell whether the text right before a bare military time makes it no time ("room 1430", "HR 1120")."""
    misc = compiled_misc()
    fast = misc["bare_time_reject_before_lower"]
    if fast is not None and before.isascii():
        return fast.search(before.lower()) is not None  # same answer (regex_gate.lowercase_variant)
    return misc["bare_time_reject_before"].search(before) is not None


def _cued_id(text: str, s: int, cued: tuple[Rule, str]) -> str:
    """Rule id of a match of a rule with a ``cued_before`` regex starting at ``s`` (see ``_make_attr``)."""
    rule, rid = cued
    if rule.cued_suffix is not None and rule.cued_suffix[1] < _CUE_WINDOW:
        at = rule.cued_suffix[0].match  # same answer as the search below (see regex_gate.suffix_checker)
        hit: object = at(text, s) or (s > 0 and text[s - 1] == "\n" and at(text, s - 1))
    else:
        assert rule.cued is not None
        hit = rule.cued.search(text, max(0, s - _CUE_WINDOW), s)
    return (rule.cued_id if hit else rule.bare_id) or rid


@dataclass(frozen=True, slots=True)
class _Plan:
    """What ``find_attributes`` needs of one label matcher, computed once.

    ``rule_group[i]``: group index of ``r<i>``; ``rule_of_group``: the reverse; ``groups[i]``: the named
    groups of rule ``i`` as ``(group index, name without the r<i>_ prefix)`` in pattern order.
    """

    lm: LabelMatcher
    rule_group: tuple[int, ...]
    rule_of_group: dict[int, int]
    groups: tuple[tuple[tuple[int, str], ...], ...]
    #: per rule: ``(id, value, groups[i], (rule, id) when the id depends on a cue before the match)``
    info: tuple[tuple[str, Any, tuple[tuple[int, str], ...], tuple[Rule, str] | None], ...] = ()


_PLANS: tuple[tuple[LabelMatcher, ...], tuple[_Plan, ...]] | None = None


def _plans() -> tuple[_Plan, ...]:
    """One ``_Plan`` per label matcher (rebuilt when ``label_matchers`` is rebuilt)."""
    global _PLANS
    lms = label_matchers()
    if _PLANS is None or _PLANS[0] is not lms:
        plans = []
        for lm in lms:
            index = lm.lower.groupindex
            if lm.anycase.groupindex != index:
                raise ValueError(f"group numbering differs between the patterns of {lm.label!r}")
            n = len(lm.rules)
            rule_group = tuple(index[f"r{i}"] for i in range(n))
            groups = tuple(tuple((index[k], k[len(f"r{i}_"):]) for k in index if k.startswith(f"r{i}_"))
                           for i in range(n))
            info = tuple((r.id, r.value, groups[i], (r, r.id) if r.cued is not None else None)
                         for i, r in enumerate(lm.rules))
            plans.append(_Plan(lm, rule_group, {g: i for i, g in enumerate(rule_group)}, groups, info))
        _PLANS = (lms, tuple(plans))
    return _PLANS[1]


_ORDER: dict[str, int] = {}
#: How far before a match its ``cued_before`` cue may start.
_CUE_WINDOW = 16


def _label_order() -> dict[str, int]:
    """Priority of each label (pattern file order) for equally long competing matches."""
    if not _ORDER:
        _ORDER.update((lab, i) for i, lab in enumerate(compiled_rules()))
    return _ORDER


def _make_attr(text: str, m: re.Match[str], s: int, e: int, plan: _Plan, i: int) -> Attr:
    """Build the ``Attr`` of rule ``i`` of ``plan`` matched as ``m`` over ``text[s:e]``."""
    rule = plan.lm.rules[i]
    groups: dict[str, str | None] = {}
    for k, short in plan.groups[i]:
        a, b = m.span(k)
        groups[short] = text[a:b] if a >= 0 else None
    rid = rule.id if rule.cued is None else _cued_id(text, s, (rule, rule.id))
    return Attr(s, e, plan.lm.label, rid, rule.value, groups, text[s:e])


def _which(m: re.Match[str], rule_group: tuple[int, ...]) -> int:
    """Index of the rule alternative that matched (when ``lastindex`` is not a rule group)."""
    for i, g in enumerate(rule_group):
        if m.start(g) >= 0:
            return i
    return 0


def _resolve_gauges(text: str, attrs: list[Attr], drugs: list[tuple[int, int]]) -> list[Attr]:
    """"20g" right after a drug name is a dose; near IV-access words a catheter gauge; else a dose."""
    if not any(a.rule == "device.gauge_piv" for a in attrs):
        return attrs
    gauge_ctx = compiled_misc()["gauge_context"]
    drop: set[int] = set()
    dose_idx = [(j, b) for j, b in enumerate(attrs) if b.label == "dose"]
    for i, a in enumerate(attrs):
        if a.rule != "device.gauge_piv":
            continue
        doses = [j for j, b in dose_idx if b.start < a.end and a.start < b.end]
        if not doses:
            continue
        ctx = text[max(0, a.start - 14):a.start] + " " + text[a.end:a.end + 18]
        after_drug = any(0 <= a.start - e <= 3 for _, e in drugs if a.start - 3 <= e <= a.start)
        is_gauge = not after_drug and (a.end > attrs[doses[0]].end or text[a.start - 1:a.start] == "#"
                                       or bool(gauge_ctx.search(ctx)))
        drop.update(doses if is_gauge else [i])
    return [a for i, a in enumerate(attrs) if i not in drop]


def parse_number_words(s: str | None) -> float | None:
    """Parse spelled-out amounts of dictated notes ("two", "twenty five", "one hundred", "a half")."""
    if not s:
        return None
    table = compiled_misc()["number_words"]
    words = [w for w in re.split(r"[\s-]+", s.lower().replace("a half", "half")) if w and w != "and"]
    total, cur = 0.0, 0.0
    for w in words:
        v = table.get(w)
        if v is None:
            return None
        if v == 100 or v == 1000:
            cur = (cur or 1.0) * v
            if v == 1000:
                total, cur = total + cur, 0.0
        elif v == 0.5 and cur:
            cur += 0.5
        else:
            cur += v
    return total + cur or None


def dose_of(a: Attr) -> tuple[float, str] | None:
    """``(value, unit)`` of a dose / volume / concentration-numerator match."""
    v = parse_number(a.groups.get("num")) if a.groups.get("num") else parse_number_words(a.groups.get("numw"))
    u = norm_unit(a.groups.get("unit"))
    if a.label == "volume" and a.rule == "volume.word_liter":
        return 1000.0, "mL"
    if v is None or u is None:
        return None
    if a.label == "dose" and isinstance(a.value, int | float) and not isinstance(a.value, bool):
        v *= a.value  # "2.4 million units": the rule's value is the multiplier of the written number
    return v, u


def volume_ml_of(a: Attr) -> float | None:
    """Volume in mL of a volume match, or of a concentration's denominator ("2 g/50 mL")."""
    if a.label == "volume":
        d = dose_of(a)
        if d is None:
            return None
        return d[0] * 1000.0 if d[1] == "L" else d[0] if d[1] == "mL" else None
    if a.label == "concentration" and a.groups.get("num2"):
        v = parse_number(a.groups.get("num2"))
        u = norm_unit(a.groups.get("unit2"))
        if v is None or u is None:
            return None
        return v * 1000.0 if u == "L" else v
    return None


def rate_ml_hr_of(a: Attr) -> float | None:
    """mL/hr of a ``rate.ml_hr`` match."""
    if a.rule != "rate.ml_hr":
        return None
    return parse_number(a.groups.get("num"))


def duration_min_of(a: Attr) -> float | None:
    """Minutes of a duration match ("over 30 min" -> 30, "x 2 hrs" -> 120, "over an hour" -> 60)."""
    unit = (a.groups.get("unit") or "").lower()
    if a.groups.get("word") is not None:
        word = (a.groups.get("word") or "").lower()
        n = 0.5 if word.startswith("half") else 1.0
    else:
        n = parse_number(a.groups.get("num")) or 0.0
    if unit.startswith("h"):
        return n * 60.0
    return n


_CUE_CACHE: dict[tuple[str, bool], re.Pattern[str] | None] = {}
#: where the clause of a time's cue words starts (the last piece before the time) / ends (after it)
_CLAUSE_BEFORE = gated(r"[|;,\t→]|->|=>|\.\s|\n\s*\n|(?<![/\d])\d{1,2}:?\d{2}(?![\d/])")
_CLAUSE_AFTER = gated(r"[|;,\t.@(]|(?<![/\d])\d{1,2}:?\d{2}(?![\d/])")


def _cue_regex(role: str, lower: bool = False) -> re.Pattern[str] | None:
    """Return the cue-word regex of a time role (case-insensitive).

    With ``lower``: the same regex for lowercased ASCII text, compiled without IGNORECASE (its alternatives
    then start with plain literals, which ``re`` skips much faster); None when a cue is not ASCII. On ASCII
    text, IGNORECASE matching is exactly matching the lowercased pattern against the lowercased text.
    """
    key = (role, lower)
    if key not in _CUE_CACHE:
        cues = compiled_misc()["time_role_cues"][role]
        if lower and not all(c.isascii() for c in cues):
            _CUE_CACHE[key] = None
        else:
            alt = "|".join(re.escape(c.lower() if lower else c).replace(r"\ ", r"\s+") for c in cues)
            flags = 0 if lower else re.I
            first = first_char_class(alt, flags)  # a cue must start here: one test instead of one per cue
            gate = f"(?={first})" if first else ""
            _CUE_CACHE[key] = re.compile(rf"(?:^|[^a-z]){gate}(?:{alt})(?![a-z])", flags)
    return _CUE_CACHE[key]


def _cue_matcher(role: str, s: str, low: str | None) -> tuple[re.Pattern[str], str]:
    """Return ``(regex, subject)``: the cue regex of ``role`` and the string to run it on for ``s``.

    ``low``: ``s.lower()`` when ``s`` is ASCII, else None.
    """
    if low is not None:
        rx = _cue_regex(role, True)
        if rx is not None:
            return rx, low
    rx = _cue_regex(role)
    assert rx is not None
    return rx, s


def _ascii_lower(s: str) -> str | None:
    """``s.lower()`` for ASCII ``s``, else None."""
    return s.lower() if s.isascii() else None


def time_role(text: str, a: Attr, entry_start: int) -> str:
    """Role of a time expression from the cue words just before it (or right after it)."""
    if a.value == "range":
        return "range"
    window_start = max(entry_start, a.start - 40)
    before = text[window_start:a.start]
    # only the clause right before the time ("..., stopped 1042" but not "started ..., 1042" or
    # "started -> 1626 complete")
    before = _CLAUSE_BEFORE.split(before)[-1]
    after = text[a.end:a.end + 16].lstrip(" \t|:-")
    after = _CLAUSE_AFTER.split(after)[0]
    best: tuple[int, str] | None = None
    low = _ascii_lower(before)
    for role in ("infiltrated", "pause", "resume", "end", "start"):
        rx, subject = _cue_matcher(role, before, low)
        for m in rx.finditer(subject):
            dist = len(before) - m.end()
            if best is None or dist < best[0]:
                best = (dist, role)
    if best is not None:
        return best[1]
    low = _ascii_lower(after)
    for role in ("end", "start"):
        rx, subject = _cue_matcher(role, after, low)
        m = rx.match(subject)
        if m and not m.group(0).endswith(":") and not after[m.end():].lstrip().startswith(":"):
            return role
    return "at"


def entry_cue_role(text: str) -> str | None:
    """Start/end role implied by an entry's words ("NS bolus complete" -> end, "hung" -> start)."""
    low = _ascii_lower(text)
    for role in ("infiltrated", "resume", "pause", "end", "start"):
        rx, subject = _cue_matcher(role, text, low)
        if rx.search(subject):
            return role
    return None
