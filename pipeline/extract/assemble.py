"""Event assembler: drug mentions + attributes + ConText status + sections -> ``AdminEvent`` list.

Steps (per note):
1. collapse parenthetical duplicates ("cefTRIAXone (ROCEPHIN)") into one mention;
2. link each attribute to the nearest plausible drug in the same entry (attributes follow their drug;
   a dose/volume right before a drug belongs to it; leading times/cues go to the first drug);
3. status from ConText modifiers (domain rules), then the section default, then "given";
4. diluents of admixtures are folded into their drug; bag components share ``infusate_id``;
5. re-mentions ("NS bolus complete", "reglan ... pushed by RN") update the earlier event instead of
   creating a new one; drug-less "infusion complete" entries close the most recent open infusion;
6. drugs with no administration evidence (bare mentions, lab values like "K+ 4.6") are dropped.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from infucode.annotations.schema import AdminEvent, Dose, Relation, Span, TimeMention, Waste
from infucode.pipeline.extract.attributes import (
    SPAN_LABEL,
    Attr,
    dose_of,
    duration_min_of,
    entry_cue_role,
    find_attributes,
    norm_unit,
    parse_number,
    rate_ml_hr_of,
    time_role,
    volume_ml_of,
)
from infucode.pipeline.extract.resources import (
    LexEntry,
    assembler_patterns,
    compiled_misc,
    load_lexicon,
    load_patterns,
    load_sections,
)

EVENT_FIELDS = tuple(f.name for f in fields(AdminEvent))
#: ``ev -> tuple`` of the values of every ``AdminEvent`` field, in ``EVENT_FIELDS`` order.
event_values = operator.attrgetter(*EVENT_FIELDS)
_PATTERNS = assembler_patterns()
_ROUTE_RANK = {"IV_PUSH": 3, "IV_INFUSION": 3, "IV": 1}
_STATUS_OF = {
    "GIVEN": "given", "NOT_GIVEN": "not_given", "PLANNED": "planned", "ORDERED": "ordered",
    "HISTORICAL": "historical", "UNCERTAIN": "uncertain", "NEGATED": "not_given",
}
#: Status categories in decision order (``True``/``False``: only strong / weak cues; ``None``: any).
_STATUS_ORDER: tuple[tuple[str, bool | None], ...] = (
    ("PLANNED", True), ("HISTORICAL", None), ("NOT_GIVEN", True), ("GIVEN", None), ("NOT_GIVEN", False),
    ("NEGATED", None), ("UNCERTAIN", None), ("PLANNED", None), ("ORDERED", None),
)
_PACKAGE_AFTER = _PATTERNS["package_after"]
_INDICATION_BEFORE = _PATTERNS["indication_before"]
_SPAN_KEY = operator.attrgetter("start", "end")
_INDICATION_WORDS = ("on", "taking", "takes")  # the last words of ``_INDICATION_BEFORE`` (before "home")
_REPEAT_ROUTES = {"IV_PUSH", "IV", "IM", "SQ", "PO", "SL", "PR"}
_REPEAT_COUNT = _PATTERNS["repeat_count"]
#: a plural tablet word right before a repeat count ("325 mg tabs x2": two tablets of one dose)
_PLURAL_FORM_BEFORE = _PATTERNS["plural_form_before"]
_PER_TAB_DOSE = _PATTERNS["per_tab_dose"]
_DIGIT = _PATTERNS["digit"]
#: statuses whose "x2" / "at t1, t2" repeats are separate events ("EMS gave NTG SL x2": two historical doses)
_REPEATABLE_STATUS = ("given", "historical")
#: a standing frequency in a medication list ("metoprolol 25 mg x2 daily") is no count of doses
_FREQUENCY = _PATTERNS["frequency"]
#: "DuoNeb #2 given", "neb #3": the numbered repeat of a drug named again
_NUMBERED_REPEAT = _PATTERNS["numbered_repeat"]
#: a hold of a listed home medication written after it on its line ("Home meds: lisinopril - held for AKI") is
#: this stay's not_given; the home-list cue only says where the drug comes from (other history cues win:
#: "held during that admission")
_HELD_CUE = _PATTERNS["held_cue"]
_MED_LIST_CUE = _PATTERNS["med_list_cue"]
_AGAIN_BEFORE = _PATTERNS["again_before"]
#: a unit-less amount ending a list item ("amlodipine 5 daily", "lisinopril 20,") in a medication list
_BARE_LIST_DOSE = _PATTERNS["bare_list_dose"]
_LIST_SECTIONS = frozenset({"home_meds", "discharge_meds", "med_list", "pmh", "prehospital"})
#: a drug-less line repeating the last dose: "1030 repeat x1", "2nd dose given", "same again at 1430"
_DRUGLESS_REPEAT = _PATTERNS["drugless_repeat"]
_REPEAT_TIMES = _PATTERNS["repeat_times"]
#: wording that makes a repeat line no administration ("repeat if needed", "2nd dose held", "due at 1400")
_REPEAT_NOT_DONE = _PATTERNS["repeat_not_done"]
#: routes of one discrete administration that a drug-less repeat line can copy
_DISCRETE_ROUTES = _REPEAT_ROUTES | {"INHALED"}
_ORAL_FORM_IN_NAME = _PATTERNS["oral_form_in_name"]
_RECON_BEFORE = _PATTERNS["recon_before"]
_ANSWER_NO = _PATTERNS["answer_no"]
_CHECKBOX_BEFORE = _PATTERNS["checkbox_before"]
_SCHEDULE = _PATTERNS["schedule"]
_SEPARATE_CLAUSE = _PATTERNS["separate_clause"]
_END_WORDS = _PATTERNS["end_words"]
#: a stop word right after a drug name ("NS off", "NS was d/c'd")
_STOP_RIGHT_AFTER = _PATTERNS["stop_right_after"]
_FORWARD_GAP = _PATTERNS["forward_gap"]
_LIST_GAP = _PATTERNS["list_gap"]
_AMOUNT_IN_GAP = _PATTERNS["amount_in_gap"]
_PER_LITER = "conc.per_liter"
#: a weight-based dose between a drug and its diluent ("NAC 50 mg/kg in 500 mL D5W"): not a second amount
_WEIGHT_BASED_DOSE = _PATTERNS["weight_based_dose"]
#: route values of a drug given into a vein (an IV access site can be its site)
_VEIN_ROUTES = frozenset({"IV", "IV_PUSH", "IV_INFUSION", "BOLUS"})
_DILUENT_REACH = 160  # characters from a drug to the "in <volume> <fluid>" of its diluent
_NEW_SENTENCE_OR_LINE = _PATTERNS["new_sentence_or_line"]
_SENTENCE_END = _PATTERNS["sentence_end"]
_CLAUSE_END = _PATTERNS["clause_end"]
_ADMIN_VERB = _PATTERNS["admin_verb"]
_MIX_GAP = _PATTERNS["mix_gap"]
_RESTART = _PATTERNS["restart"]
_IN_BAG = _PATTERNS["in_bag"]
_KEY_LINE = _PATTERNS["key_line"]
_FLUSH_GAP = _PATTERNS["flush_gap"]
_CLAUSE_CUT = _PATTERNS["clause_cut"]
# the look-behind only skips starts inside a word run, where no match can begin if none began at its start
_CUED_TIME = _PATTERNS["cued_time"]
#: Contained in every match of ``_CUED_TIME`` (``\d{1,2}:?\d{2}``): a cheap test before the substitution.
_CLOCK_DIGITS = _PATTERNS["clock_digits"]
_NON_DIGIT = _PATTERNS["non_digit"]
_TIME_LIST_GAP = _PATTERNS["time_list_gap"]
_ROUTE_WORD = _PATTERNS["route_word"]
_DRIP_WORD = _PATTERNS["drip_word"]
_START_WORDS = _PATTERNS["start_words"]
_BARE_COMPLETION = _PATTERNS["bare_completion"]
_PAREN_GAP = _PATTERNS["paren_gap"]
_PAREN_CLOSE = _PATTERNS["paren_close"]
_NAME_PAIR_GAP = _PATTERNS["name_pair_gap"]
_NOT_ALIAS_WORDS = _PATTERNS["not_alias_words"]


@dataclass(slots=True)
class Cue:
    """A ConText status cue that reached a drug mention."""

    category: str
    start: int
    end: int
    text: str
    strong: bool = False


@dataclass(slots=True)
class Mention:
    """One drug mention being assembled into an event."""

    start: int
    end: int
    text: str
    entry: LexEntry
    rule: str
    entry_index: int
    sentence: int
    cues: list[Cue] = field(default_factory=list)
    section: str | None = None
    attrs: list[Attr] = field(default_factory=list)
    alias_spans: list[tuple[int, int]] = field(default_factory=list)
    infusate: int | None = None
    drop: bool = False
    context_only: bool = False
    diluent_of: Mention | None = None
    window_end: int = 0
    sent_start: int = 0
    sent_end: int = 0
    event: AdminEvent | None = None
    #: normalized generic name and "is an IV fluid" of ``entry`` (read very often; set once)
    drug: str = field(init=False, default="")
    fluid: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.drug = self.entry.drug
        self.fluid = self.entry.is_fluid

    def has(self, *labels: str) -> bool:
        """Return True when an attribute with one of ``labels`` is linked."""
        for a in self.attrs:
            if a.label in labels:
                return True
        return False


def assemble(
    text: str,
    entries: list[tuple[int, int]],
    sentence_starts: list[int],
    drug_spans: list[tuple[int, int, str, str]],
    cues: dict[tuple[int, int], list[Cue]],
    sections: list[tuple[int, int, str]],
    section_effects: dict[str, str],
) -> list[AdminEvent]:
    """Build the events of one note.

    Parameters
    ----------
    text
        The note text.
    entries
        ``(start, end)`` character spans of entries (see ``segmenter``), in text order and not overlapping.
    sentence_starts
        Sorted character offsets where sentences start.
    drug_spans
        ``(start, end, lexicon_key, rule)`` for each drug mention, in text order.
    cues
        ConText cues per drug span ``(start, end)``.
    sections
        ``(start, end, category)`` character extents of detected sections.
    section_effects
        Section category -> default status (or ``"drop"``).
    """
    lex = load_lexicon()
    misc = compiled_misc()
    entry_starts = [s for s, _ in entries]
    entry_of = _index_lookup(entry_starts)
    sent_of = _index_lookup(sentence_starts)
    section_of = section_lookup(sections)

    mentions: list[Mention] = []
    for s, e, key, rule in drug_spans:
        le = lex.get(key)
        if le is None:
            continue
        m = Mention(s, e, text[s:e], le, rule, entry_of(s), sent_of(s), list(cues.get((s, e), [])))
        m.section = section_of(s)
        mentions.append(m)
    mentions = [m for m in mentions if not (m.fluid and misc["not_a_drug_after"].match(text, m.end))]
    # "vanc trough 15.2", "lithium level pending", "ASA III": a lab/test of the drug or the anaesthesia class
    # (kept when its sentence says the drug was given/held: "vanc trough pending, 2300 dose held")
    mentions = [m for m in mentions if not (misc["not_admin_at"].match(text, m.start) or (
        misc["lab_test_after"].match(text, m.end)
        and not any(c.category in ("GIVEN", "NOT_GIVEN") for c in m.cues)))]
    mentions = _collapse_aliases(text, mentions)
    for m in mentions:
        # "Kcentra ordered for INR 3.1 on warfarin - given ...": the drug of an indication phrase is
        # context (a home med), never the anchor of the administration around it
        m.context_only = indication_before(text[max(0, m.start - 60):m.start])
    for i, m in enumerate(mentions):
        ee = entries[m.entry_index][1] if m.entry_index < len(entries) else len(text)
        nx = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
        m.window_end = min(ee, nx)
        si = m.sentence
        m.sent_start = sentence_starts[si] if si < len(sentence_starts) else m.start
        m.sent_end = min(ee, sentence_starts[si + 1] if si + 1 < len(sentence_starts) else len(text))

    excl = [(m.start, m.end) for m in mentions] + [sp for m in mentions for sp in m.alias_spans]
    attrs = find_attributes(text, exclude=excl)
    attrs = _drop_table_columns(text, entries, attrs, entry_of, misc["table_ignore_time_headers"])
    all_times = [a for a in attrs if a.label == "time"]
    time_starts = [a.start for a in all_times]
    leading: dict[int, Attr] = {}
    for ei, (es, ee) in enumerate(entries):
        lm = misc["entry_time"].match(text, es, ee)
        if lm:
            la = Attr(lm.start("hm"), lm.end("hm"), "time", "time.entry_leading", None,
                      {"hm": lm.group("hm")},
                      lm.group("hm"))
        else:
            k = bisect.bisect_left(time_starts, es)
            la = all_times[k] if k < len(all_times) and all_times[k].start < ee else None
            prefix_ok = la is not None and misc["entry_date_prefix"].fullmatch(text, es, la.start)
            if la is None or la.value == "range" or not prefix_ok:
                continue
        leading[ei] = la
    if leading:  # drop the times overlapping an entry's leading time
        lead_spans = {(a.start, a.end) for a in leading.values()}
        lead_pos = {i for s, e in lead_spans for i in range(s, e)}
        attrs = [a for a in attrs if not (a.label == "time" and (
            (a.start, a.end) in lead_spans or any(i in lead_pos for i in range(a.start, a.end))))]
    _link(text, entries, mentions, attrs, entry_of, sent_of, set())
    _share_coordinated(text, mentions)
    _diluents_and_mixtures(text, mentions, misc, entries)
    _follow_refusals(text, entries, sentence_starts, mentions, misc)
    _current_meds(text, mentions, misc)
    _line_scoped_list_holds(text, mentions)

    events: list[AdminEvent] = []
    by_drug: dict[str, list[AdminEvent]] = {}
    ev_entry: dict[int, int] = {}
    merged_bags: set[int] = set()
    m_starts = [x.start for x in mentions]
    context_only = [x for x in mentions if x.context_only]
    for m in mentions:
        if m.drop or m.diluent_of is not None:
            continue
        status, cue = _status(m, mentions, section_effects, m_starts, context_only)
        if status is None:
            continue
        if (status in ("given", "planned", "ordered") and text[m.start:m.sent_end].rstrip().endswith("?")
                and _ANSWER_NO.match(text, m.sent_end)):
            status, cue = "not_given", "no"  # "vanc 1 g IV 2nd bag? - NO, dose not due, not given"
        box = _CHECKBOX_BEFORE.fullmatch(text, text.rfind("\n", 0, m.start) + 1, m.start)
        if box is not None:
            if not box.group("mark").strip():
                continue  # "[ ] heparin ...": an order-set line left unchecked is no order
            if status == "given" and cue is None:
                status, cue = "ordered", box.group(0).strip()  # "[x] KCl 20 mEq PO daily": an order
        if not (m.context_only or _has_evidence(text, m, misc) or _stops_earlier_run(text, m, by_drug)):
            continue
        ev = _to_event(text, m, status, cue, entries, leading)
        if m.infusate is not None and ev.dose is None and m.infusate in merged_bags:
            continue  # "D5 1/2NS + KCl 20 mEq/L d/c'd": the additive of a bag re-mention is no new dose
        prev = _find_previous(ev, m, by_drug, text, misc)
        if prev is not None:
            if m.infusate is not None:
                merged_bags.add(m.infusate)
            window = text[m.start:m.window_end]
            ongoing = bool(misc["ongoing_cues"].search(window))
            _merge_into(prev, ev, ongoing, completes=not ongoing and bool(_END_WORDS.search(window)))
            continue
        events.append(ev)
        ev_entry[id(ev)] = m.entry_index
        by_drug.setdefault(ev.drug, []).append(ev)
        m.event = ev

    _close_anaphora(text, entries, sentence_starts, mentions, events, ev_entry, leading, misc, all_times)
    events += _continued_runs(text, entries, sentence_starts, mentions, events, leading, all_times)
    events = _drugless_repeats(text, entries, sentence_starts, mentions, events, leading, all_times)
    _inherit_times(mentions)
    _share_infusate(mentions)
    events = _drop_superseded(events)
    events = _split_multi_time(text, events)
    events = _expand_repeats(text, mentions, events)
    for ev in events:
        _fix_pause_roles(ev)
    # infusate ids and event ids in text order
    events.sort(key=lambda e: e.mention_start)
    infusates: dict[int, str] = {}
    n_members: dict[int, int] = {}
    for m in mentions:
        if m.event is not None and m.infusate is not None:
            n_members[m.infusate] = n_members.get(m.infusate, 0) + 1
    for m in mentions:
        if m.event is not None and m.infusate is not None:
            if n_members[m.infusate] > 1:
                m.event.infusate_id = infusates.setdefault(m.infusate, f"i{len(infusates) + 1}")
    for i, ev in enumerate(events, 1):
        ev.event_id = f"e{i}"
    return events


# -- helpers -------------------------------------------------------------------------------------------


def indication_before(before: str) -> bool:
    """Tell whether ``before`` (the text right before a drug) ends in an indication phrase.

    Same as ``bool(_INDICATION_BEFORE.search(before))``.

    The regex tries every position; a match must end with "on"/"taking"/"takes" (+ "home") and whitespace, so
    text not ending that way is answered without it. Non-ASCII tails (Unicode case folding) go to the regex.
    """
    r = before.rstrip()
    if len(r) == len(before):
        return False  # the match ends in ``\s+``: no trailing whitespace, no match
    tail = r[-12:]
    if tail.isascii():
        low = tail.lower()
        if not low.endswith(_INDICATION_WORDS):
            if not low.endswith("home"):
                return False
            r2 = r[:-4]
            r3 = r2.rstrip()
            if len(r3) == len(r2):
                return False
            tail = r3[-12:]
            if tail.isascii() and not tail.lower().endswith(_INDICATION_WORDS):
                return False
    return bool(_INDICATION_BEFORE.search(before))


def _index_lookup(starts: list[int]) -> Any:
    def find(pos: int) -> int:
        return max(0, bisect.bisect_right(starts, pos) - 1)

    return find


def entry_containing(entries: list[tuple[int, int]], entry_starts: list[int], pos: int) -> int | None:
    """Return the index of the entry whose ``[start, end)`` holds ``pos`` (None when none does).

    ``entries`` are in text order and do not overlap (as the segmenter makes them), ``entry_starts`` their
    start offsets: the same as the first ``i`` with ``entries[i][0] <= pos < entries[i][1]``.
    """
    i = bisect.bisect_right(entry_starts, pos) - 1
    return i if i >= 0 and pos < entries[i][1] else None


def section_lookup(sections: list[tuple[int, int, str]]) -> Callable[[int], str | None]:
    """Return ``pos -> category`` of the last section (in list order) whose ``[start, end)`` holds ``pos``.

    Sections in text order (by start) are searched by bisection, walking back only while an earlier
    section can still reach ``pos``; other orders fall back to the plain scan.
    """
    starts = [a for a, _, _ in sections]

    def scan(pos: int) -> str | None:
        cat = None
        for a, b, c in sections:
            if a <= pos < b:
                cat = c
        return cat

    if any(x > y for x, y in zip(starts, starts[1:], strict=False)):
        return scan
    reach = list(itertools.accumulate((b for _, b, _ in sections), max))

    def find(pos: int) -> str | None:
        i = bisect.bisect_right(starts, pos) - 1
        while i >= 0 and reach[i] > pos:
            if sections[i][1] > pos:
                return sections[i][2]
            i -= 1
        return None

    return find


def _collapse_aliases(text: str, mentions: list[Mention]) -> list[Mention]:
    """"cefTRIAXone (ROCEPHIN)" / "Ocrevus (ocrelizumab)": one mention; the alias span is kept as evidence."""
    out: list[Mention] = []
    for m in mentions:
        if out:
            p = out[-1]
            gap = text[p.end:m.start]
            same = p.drug == m.drug or p.drug.split("/")[0] == m.drug or m.drug.split("/")[0] == p.drug
            if not same and "/" in p.drug and m.drug in p.drug.split("/") and p.entry_index == m.entry_index:
                inside = text.rfind("(", p.end, m.start) >= 0 and text.find(")", p.end, m.start) < 0
                if inside:
                    p.alias_spans.append((m.start, m.end))
                    p.cues.extend(m.cues)
                    continue
            if same and p.entry_index == m.entry_index and _PAREN_GAP.match(gap) and (
                    "(" in gap or "[" in gap or "/" in gap or "-" in gap or not gap.strip()):
                p.alias_spans.append((m.start, m.end))
                close = _PAREN_CLOSE.match(text, m.end)
                if close:
                    p.alias_spans.append((m.end, close.end()))
                p.cues.extend(m.cues)
                continue
            if (same and p.entry_index == m.entry_index and p.text.lower() != m.text.lower()
                    and _NAME_PAIR_GAP.fullmatch(gap) and not _NOT_ALIAS_WORDS.search(gap)):
                # "Prolia today - denosumab 60 mg": brand and generic of one administration
                p.alias_spans.append((m.start, m.end))
                p.cues.extend(m.cues)
                continue
        out.append(m)
    return out


def _link(text: str, entries: list[tuple[int, int]], mentions: list[Mention], attrs: list[Attr],
          entry_of: Any, sent_of: Any, leading_ids: set[int]) -> None:
    """Attach each attribute to one drug mention (see module docstring)."""
    by_entry: dict[int, list[Mention]] = {}
    misc_calc = compiled_misc()["calc_result_before"]
    misc_entry_time = compiled_misc()["entry_time"]
    borrowed: list[tuple[Attr, Mention]] = []
    for m in mentions:
        if not m.context_only:
            by_entry.setdefault(m.entry_index, []).append(m)
    starts_by_entry = {ei: [m.start for m in ms] for ei, ms in by_entry.items()}
    access_sentences = {sent_of(a.start) for a in attrs if a.label == "device"}
    for a in attrs:
        if id(a) in leading_ids:
            continue  # entry timestamps are handled per event
        ei = entry_of(a.start)
        ms = by_entry.get(ei)
        if not ms:
            continue
        st = starts_by_entry[ei]
        k = bisect.bisect_right(st, a.start)
        prev = None
        for j in range(k - 1, -1, -1):
            if ms[j].end <= a.start:
                prev = ms[j]
                break
        k2 = bisect.bisect_left(st, a.end)
        nxt = ms[k2] if k2 < len(ms) else None
        sa = sent_of(a.start)  # (``Mention.sentence`` is ``sent_of(start)``)
        target: Mention | None = None
        if a.label == "purpose" and a.value == "flush":
            near = [m for m in ms if (m.fluid or m.drug == "heparin") and (
                (m.start >= a.end and m.start - a.end <= 45 and not _FLUSH_GAP.search(text[a.end:m.start]))
                or (m.end <= a.start and a.start - m.end <= 25
                    and not _FLUSH_GAP.search(text[m.end:a.start])))]
            for m in near:
                m.attrs.append(a)
            continue
        if a.label == "purpose" and a.value in ("kvo", "hydration", "carrier", "maintenance"):
            target = _nearest_fluid(a, ms, sent_of)
            if target is not None:
                target.attrs.append(a)
            continue
        if a.label == "waste":
            cands = [m for m in ms if m.end <= a.start and not m.fluid] or ([prev] if prev else [])
            if cands:
                cands[-1].attrs.append(a)
            continue
        if nxt is not None and (a.label in ("dose", "volume") or a.rule == _PER_LITER) and _forward_gap(
                text[a.end:nxt.start]):
            target = nxt
        elif prev is not None:
            same_sentence = prev.sentence == sa
            between = text[prev.end:a.start]
            calc = a.label == "dose" and misc_calc.search(text, max(0, a.start - 14), a.start)
            if calc and not any(x.label == "dose" and x.start > prev.end for x in prev.attrs):
                target = prev  # "8 mg/kg x 68 kg = 544 mg": the computed dose of the drug above
            elif not same_sentence and (nxt is None or nxt.sentence != sa) and (
                    a.label in ("dose", "route", "site", "time")) and _admin_clause_after_semicolon(
                    text, prev.end, a):
                target = prev  # "Velcade 3.5 mg vial reconstituted; 2.6 mg administered subcut at 1015"
            elif a.label in ("dose", "volume", "concentration", "rate", "route") and not same_sentence:
                target = nxt if (nxt is not None and nxt.sentence == sa) else None
                if target is None and _is_cells(between):
                    target = prev  # flowsheet/MAR row or block: one drug, its cells after it
            elif a.label == "site" and not same_sentence and not _is_cells(between):
                target = None
            elif a.label == "time" and not same_sentence and not _is_cells(between) and not any(
                    x.sentence == sa for x in ms) and time_role(
                    text, a, entries[ei][0]) == "at":
                target = None  # "Pt to CT at 1140." is not about the drug of an earlier sentence
            else:
                target = prev
            if (target is prev and nxt is not None and a.label in ("time", "route", "line_cue", "site")
                    and _SEPARATE_CLAUSE.search(between)
                    and not _SEPARATE_CLAUSE.search(text[a.end:nxt.start])
                    and nxt.sentence == sa
                    and not any(x.label == a.label for x in nxt.attrs)):
                target = nxt  # "...; at 1410 zofran 4 mg": a cue opening the next clause
        elif nxt is not None and (nxt.sentence == sa or (
                a.label == "time" and not text[a.end:nxt.start].strip(" \t:-|\n"))):
            target = nxt
        elif (nxt is not None and a.label == "site" and sa in access_sentences
              and misc_entry_time.match(text, *entries[ei])):
            # "1405 20g L AC. NS 1 L bolus started.": the row's IV access site, written in a sentence of its
            # own (with a gauge or line word) before the row's first drug, is that drug's when the drug goes
            # in by vein and its own sentence names no site
            target = nxt
            borrowed.append((a, nxt))
        if target is not None:
            target.attrs.append(a)
    for a, m in borrowed:
        own = any(x.label == "site" and x is not a and m.sent_start <= x.start < m.sent_end for x in m.attrs)
        if own or any(x.label == "route" and x.value not in _VEIN_ROUTES for x in m.attrs):
            m.attrs.remove(a)


def _admin_clause_after_semicolon(text: str, drug_end: int, a: Attr) -> bool:
    """Tell whether ``a`` sits in a drug-less clause, joined by ";" to the drug's, that documents giving it.

    Only ";" may separate the clauses (no sentence end, no line break), and the attribute's own clause
    must carry an administration verb ("administered", "given", "injected", ...).
    """
    between = text[drug_end:a.start]
    if ";" not in between or "\n" in between or _SENTENCE_END.search(between):
        return False
    lo = text.rfind(";", drug_end, a.start) + 1
    end = _CLAUSE_END.search(text, a.end)
    return bool(_ADMIN_VERB.search(text, lo, end.start() if end else len(text)))


def _is_cells(between: str) -> bool:
    """Text between a drug and an attribute made of table cells or "Key: value" block lines."""
    return "|" in between or "\t" in between or bool(_KEY_LINE.search(between))


def _share_coordinated(text: str, mentions: list[Mention]) -> None:
    """"reglan/benadryl/toradol pushed by RN": members of a bare list share the list's route and times."""
    i = 0
    while i < len(mentions):
        j = i
        while j + 1 < len(mentions) and mentions[j + 1].entry_index == mentions[i].entry_index:
            cur, nxt = mentions[j], mentions[j + 1]
            own = [a for a in cur.attrs if cur.end <= a.start and a.end <= nxt.start]
            if any(a.label not in ("dose", "volume", "concentration") for a in own):
                break
            gap_start = max([cur.end] + [a.end for a in own])
            gap_end = min([nxt.start] + [a.start for a in nxt.attrs if gap_start <= a.start < nxt.start])
            if not _LIST_GAP.fullmatch(text[gap_start:gap_end]):
                break
            j += 1
        if j > i:
            members = mentions[i:j + 1]
            for label in ("route", "time", "site", "line_cue"):
                src = next((x for x in reversed(members) if any(a.label == label for a in x.attrs)), None)
                if src is None:
                    continue
                for m in members:
                    if m is not src and not any(a.label == label for a in m.attrs):
                        m.attrs.extend(a for a in src.attrs if a.label == label)
        i = j + 1


def _drop_table_columns(text: str, entries: list[tuple[int, int]], attrs: list[Attr], entry_of: Any,
                        ignore: re.Pattern[str]) -> list[Attr]:
    """Drop times in table columns whose header says they are not administration times ("Scheduled")."""
    header: dict[int, list[str]] = {}
    current: list[str] | None = None
    for ei, (s, e) in enumerate(entries):
        row = text[s:e]
        sep = "\t" if "\t" in row else "|" if "|" in row else None
        if sep is None:
            current = None
            continue
        cells = row.split(sep)
        if not any(ch.isdigit() for ch in row) and len(cells) >= 3:
            current = [c.strip() for c in cells]
            continue
        if current is not None:
            header[ei] = current
    if not header:
        return attrs
    out = []
    for a in attrs:
        ei = entry_of(a.start)
        if a.label == "time" and ei in header:
            s = entries[ei][0]
            row = text[s:a.start]
            col = row.count("\t") if "\t" in text[s:entries[ei][1]] else row.count("|")
            names = header[ei]
            if col < len(names) and ignore.search(names[col]):
                continue
        out.append(a)
    return out


def _forward_gap(gap: str) -> bool:
    """Tell whether a dose/volume right before a drug ("1 L NS", "4MG ZOFRAN") belongs to it."""
    return bool(_FORWARD_GAP.fullmatch(gap))


def _nearest_fluid(a: Attr, ms: list[Mention], sent_of: Any) -> Mention | None:
    fl = [m for m in ms if m.fluid or m.drug in ("heparin",)]
    same = [m for m in fl if sent_of(m.start) == sent_of(a.start)]
    pool = same or []
    if not pool:
        return None
    return min(pool, key=lambda m: min(abs(m.start - a.end), abs(a.start - m.end)))


def _diluents_and_mixtures(text: str, mentions: list[Mention], misc: dict[str, Any],
                           entries_: list[tuple[int, int]]) -> None:
    """Fold admixture diluents into their drug; mark bag components with a shared infusate number."""
    n_inf = 0
    for i, fl in enumerate(mentions):
        if i > 0 and not fl.fluid and _RECON_BEFORE.search(text[max(0, fl.start - 40):fl.start]):
            # "ceftriaxone 1 g reconstituted with 1% lidocaine 2.1 mL IM": the diluent is no administration
            host = mentions[i - 1]
            if host.diluent_of is None and host.entry_index == fl.entry_index and not host.fluid:
                fl.diluent_of = host
                have = {a.label for a in host.attrs}
                host.attrs.extend(a for a in fl.attrs if a.label not in have and a.label not in (
                    "dose", "volume", "concentration"))
                host.alias_spans.append((fl.start, fl.end))
            continue
        if not fl.fluid or i == 0:
            continue
        host = mentions[i - 1]
        if host.diluent_of is not None or fl.entry_index - host.entry_index > 1:
            continue
        sent_lo = max(entries_[fl.entry_index][0], text.rfind(".", 0, fl.start) + 1)
        if not host.fluid and misc["diluent_verbs"].search(text, sent_lo, fl.start):
            fl.diluent_of = host
            have = {a.label for a in host.attrs}
            host.attrs.extend(a for a in fl.attrs if a.label not in have or a.label in ("time", "line_cue"))
            host.alias_spans.append((fl.start, fl.end))
            continue
        if host.entry_index != fl.entry_index:
            fl_first = min([fl.start] + [a.start for a in fl.attrs if a.start < fl.start])
            before_fl = text[entries_[fl.entry_index][0]:fl_first]
            if host.fluid or not _IN_BAG.search(before_fl):
                continue
            fl.diluent_of = host
            have = {a.label for a in host.attrs}
            host.attrs.extend(a for a in fl.attrs if a.label not in have or a.label in ("time", "line_cue"))
            host.alias_spans.append((fl.start, fl.end))
            continue
        gap_start = max([host.end] + [a.end for a in host.attrs if a.start >= host.end and a.end <= fl.start])
        gap_end = min([fl.start] + [a.start for a in fl.attrs if gap_start <= a.start < fl.start])
        gap = text[gap_start:gap_end]
        if "/" in gap and not misc["diluent_connectors"].match(gap):
            gap = _WEIGHT_BASED_DOSE.sub("", gap)
        vol = next((volume_ml_of(a) for a in fl.attrs if a.label == "volume"), None)
        fl_first = min([fl.start] + [a.start for a in fl.attrs if a.start < fl.start and a.label == "volume"])
        if (not host.fluid and host.drug not in misc["fluid_additives"] and vol is not None
                and vol <= misc["diluent_max_ml"] and not misc["diluent_connectors"].match(gap)
                and 0 <= fl_first - host.end <= _DILUENT_REACH and _IN_BAG.search(text, gap_start, fl_first)
                and not _NEW_SENTENCE_OR_LINE.search(text, host.end, fl_first)):
            # "Infliximab 400 mg (4 x 100 mg vials, no waste) in 250 mL NS IV", "cefTRIAXone (Rocephin) in
            # NS 50 mL": a small bag right after "in" is the drug's diluent even past a note or an alias
            fl.diluent_of = host
            have = {a.label for a in host.attrs}
            host.attrs.extend(a for a in fl.attrs if a.label not in have or a.label in ("time", "line_cue"))
            host.alias_spans.append((fl.start, fl.end))
            continue
        conc_host = next((a for a in host.attrs if a.label == "concentration" and volume_ml_of(a)), None)
        if misc["diluent_connectors"].match(gap) or (conc_host is not None and not gap.strip()):
            if host.fluid:
                continue
            if host.drug in misc["fluid_additives"] and ((vol or 0) >= misc["mixture_min_ml"] or any(
                    a.rule == _PER_LITER for a in host.attrs)):
                n_inf += 1
                host.infusate = fl.infusate = n_inf
                continue
            fl.diluent_of = host
            host_dosed = any(x.label == "dose" for x in host.attrs)
            moved = [a for a in fl.attrs if a.label != "dose" or not host_dosed]
            host_labels = {a.label for a in host.attrs}
            for a in moved:
                if a.label == "volume" and "concentration" in host_labels:
                    continue
                if a.label in host_labels and a.label not in ("time", "line_cue", "purpose"):
                    continue
                host.attrs.append(a)
            host.alias_spans.append((fl.start, fl.end))
        elif host.fluid and misc["mixture_connectors"].match(gap) is None:
            continue
    # "D5 1/2NS with 20 mEq KCl", "NS 1000 mL + KCl 20 mEq + MgSO4 2 g": a bag and its additives
    for i, fl in enumerate(mentions[:-1]):
        if not fl.fluid or fl.infusate is not None or fl.diluent_of is not None:
            continue
        group = [fl]
        j = i + 1
        while j < len(mentions):
            prev, nxt = mentions[j - 1], mentions[j]
            if nxt.fluid or nxt.entry_index != fl.entry_index:
                break
            gap_start = max([prev.end] + [a.end for a in prev.attrs
                                          if a.start >= prev.end and a.end <= nxt.start])
            gap = _AMOUNT_IN_GAP.sub("", text[gap_start:nxt.start])
            if not _MIX_GAP.fullmatch(gap):
                break
            group.append(nxt)
            j += 1
        if len(group) > 1:
            n_inf += 1
            for x in group:
                x.infusate = 1000 + n_inf
    # "ALBUTEROL 2.5MG/IPRATROPIUM 0.5MG": two drugs mixed in one device
    for a_m, b_m in zip(mentions, mentions[1:], strict=False):
        if a_m.entry_index != b_m.entry_index or a_m.infusate is not None or b_m.infusate is not None:
            continue
        own = [x for x in a_m.attrs if a_m.end <= x.start and x.end <= b_m.start and x.label == "dose"]
        if own and re.fullmatch(r"\s*/\s*", text[own[-1].end:b_m.start]):
            n_inf += 1
            a_m.infusate = b_m.infusate = 2000 + n_inf
    # "(thiamine 100 mg, folic acid 1 mg, MVI 10 mL in 1000 mL NS)": the additives of one bag
    for i, m in enumerate(mentions):
        if m.infusate is None or m.infusate >= 2000:
            continue
        k = i - 1
        while k >= 0 and mentions[k].infusate is None and mentions[k].entry_index == m.entry_index:
            prev = mentions[k]
            own_end = max([prev.end] + [a.end for a in prev.attrs
                                        if prev.end <= a.start <= mentions[k + 1].start])
            gap_end = min([mentions[k + 1].start] + [a.start for a in mentions[k + 1].attrs
                                                      if own_end <= a.start < mentions[k + 1].start])
            if prev.fluid or not _LIST_GAP.fullmatch(text[own_end:gap_end]):
                break
            prev.infusate = m.infusate
            k -= 1


def _status(m: Mention, mentions: list[Mention], effects: dict[str, str], starts: list[int] | None = None,
            context_only: list[Mention] | None = None) -> tuple[str | None, str | None]:
    """Return the final status of a mention (None = no event) and the cue text that set it.

    ``starts`` (the start offsets of ``mentions``) and ``context_only`` (its context-only mentions) are
    computed here when not given; a caller deciding every mention of a note passes them once.
    """
    if m.cues:
        if starts is None:
            starts = [o.start for o in mentions]
        cues = [c for c in m.cues if not _blocked(c, m, mentions, starts)]
    else:
        cues = []
    if not m.context_only and cues:
        if context_only is None:
            context_only = [o for o in mentions if o.context_only]
        if context_only:
            # "... due to oversedation on home oxycodone": the home cue belongs to the context drug
            cues = [c for c in cues if not (c.category == "HISTORICAL" and any(
                o is not m and 0 <= o.start - c.end <= 12 for o in context_only))]
    cues, admin_line = _list_section_rules(m, cues)
    by_cat: dict[str, list[Cue]] = {}  # the cues of each category, in cue order
    for c in cues:
        by_cat.setdefault(c.category, []).append(c)
    if "ALLERGY" in by_cat:
        return None, by_cat["ALLERGY"][0].text
    eff = effects.get(m.section or "", None)
    if eff == "drop":
        return None, m.section
    if m.context_only:
        return "historical", "indication"

    def first(cat: str, strong: bool | None = None) -> Cue | None:
        cs = by_cat.get(cat)
        if cs is not None and strong is not None:
            cs = [c for c in cs if c.strong == strong]
        return min(cs, key=lambda c: abs(c.start - m.start)) if cs else None

    if by_cat:
        hist, refused = first("HISTORICAL"), first("NOT_GIVEN", True)
        if refused is None:
            refused = first("NEGATED")  # "no"/"denies" lose to "given" but still beat a history cue

        def gap(c: Cue) -> int:
            return max(m.start - c.end, c.start - m.end, 0)

        if hist is not None and refused is not None and (gap(refused) < gap(hist) or (
                refused.end <= m.start and (hist.start >= m.end or 0 <= hist.start - refused.end <= 3))):
            # "declined Tylenol, has it at home": the cue closest to the drug decides; a negation before the
            # drug scopes over a history cue after it ("no Motrin PTA") or right after it ("denies taking X")
            return "not_given", refused.text
        held = first("NOT_GIVEN", False)
        if (hist is not None and held is not None and "GIVEN" not in by_cat and _HELD_CUE.fullmatch(held.text)
                and all(_MED_LIST_CUE.search(c.text) for c in by_cat["HISTORICAL"])
                and m.end <= held.start < m.window_end):
            return "not_given", held.text  # "Home meds: lisinopril 10 mg - held for AKI": held this stay
        for cat, strong in _STATUS_ORDER:
            c = first(cat, strong)
            if c is not None:
                return _STATUS_OF[cat], c.text
    if (eff in ("planned", "ordered") and m.has("time") and m.has("dose", "volume")) or admin_line:
        # "P: Ketorolac 15 mg IV push 1120.": a dosed, clock-timed line with no plan/order wording
        # documents an administration even inside a plan section
        return "given", None
    if eff:
        return eff, f"section:{m.section}"
    return "given", None


def _list_section_rules(m: Mention, cues: list[Cue]) -> tuple[list[Cue], bool]:
    """Apply the medication-list section rules of ``context/sections.v1.json`` (``list_rules``).

    Returns the cues that count for ``m`` and whether its line documents an administration despite the
    section default when no status cue decides: in an ED "Meds:" list, a dosed line with a clock time or
    a parenteral route ("Zofran 4 mg IV 1010", "Toradol 30 mg IM"). In a list of medications taken
    elsewhere ("Current medications (per facility MAR):", "EMS:") a 'given' cue ("last given 0900")
    describes that outside administration, so it is dropped and the section default (historical) decides.
    """
    rules = load_sections().get("list_rules", {})
    if m.section in rules.get("given_cue_is_history", ()):
        cues = [c for c in cues if c.category != "GIVEN"]
    given_routes = rules.get("given_routes", ())
    admin_line = m.section in rules.get("timed_dose_is_given", ()) and m.has("dose", "volume") and (
        m.has("time") or any(a.label == "route" and a.value in given_routes for a in m.attrs))
    return cues, admin_line


def _line_scoped_list_holds(text: str, mentions: list[Mention]) -> None:
    """In a medication list, a not-given cue ("held") on another drug's line is not this drug's.

    "Current medications: aspirin 81 mg daily; lisinopril held / metoprolol 25 mg BID": the hold is the
    lisinopril's; the drug on the next line keeps its own status. Rows of orders or a MAR ("furosemide 40
    mg IV daily  REFUSED / acetaminophen 650 mg PO q6h PRN") are lists too. A cue on a line naming no drug
    of its own ("lisinopril 10 mg daily / - held for AKI") still reaches the drug above it.
    """
    lines: dict[int, list[Mention]] = {}
    for m in mentions:
        lines.setdefault(text.rfind("\n", 0, m.start), []).append(m)
    for m in mentions:
        if not m.cues or not _listed_med(m):
            continue  # a medication list or MAR/order rows (list section, or a history/plan/order cue)
        own = text.rfind("\n", 0, m.start)
        keep = []
        for c in m.cues:
            line = text.rfind("\n", 0, c.start)
            if c.category == "NOT_GIVEN" and line != own and any(
                    o is not m and not o.context_only for o in lines.get(line, ())):
                continue
            keep.append(c)
        m.cues = keep


def _current_meds(text: str, mentions: list[Mention], misc: dict[str, Any]) -> None:
    """"pt on Coumadin", "currently on Eliquis 5 mg BID": a current medication, not an administration.

    Adds a HISTORICAL cue unless the mention has its own status cue or infusion evidence ("pt on heparin
    gtt at 12 units/kg/hr", "on NS at 125 mL/hr" are running infusions).
    """
    rx, inf = misc["on_med_before"], misc["on_med_infusion_after"]
    for m in mentions:
        if m.drop or m.context_only or m.cues or m.fluid:
            continue
        hit = rx.search(text, max(0, m.start - 60), m.start)
        if hit is None or hit.end() != m.start:
            continue
        if m.has("rate") or any(a.label == "route" and a.value in ("IV_INFUSION", "BOLUS") for a in m.attrs):
            continue
        if inf.match(text, m.end) or _DRIP_WORD.search(m.text):
            continue
        m.cues.append(Cue("HISTORICAL", hit.start(), hit.end(), hit.group(0).strip()))


def _follow_refusals(text: str, entries: list[tuple[int, int]], sentence_starts: list[int],
                     mentions: list[Mention], misc: dict[str, Any]) -> None:
    """Give a drug the refusal of the clause right after its own ("Offered Zofran 4 mg IV?  Pt declined.").

    The segmenter ends sentences at ``?`` and at ", pt refused", so the ConText scope of the refusal stops
    before the drug. The refusal reaches back only when the drug's sentence has no 'given'/'not given' cue
    of its own, the refusal clause names no drug, and either the drug was offered/asked (a PLANNED/ORDERED
    cue, a ``?``), the clause is joined by a comma, or the refusal is bare ("Pt declined."). It may cross
    into the next entry only when that line is the refusal itself and directly follows (one line break, no
    timestamp: the refusal regex must match at the line start).
    """
    rx, bare = misc["refusal_follow"], misc["refusal_bare_after"]
    starts = [x.start for x in mentions]
    entry_starts = [s for s, _ in entries]
    for m in mentions:
        if m.drop or m.context_only or m.diluent_of is not None or m.sent_end <= m.end:
            continue
        if any(c.category in ("GIVEN", "NOT_GIVEN", "NEGATED", "HISTORICAL", "ALLERGY") for c in m.cues):
            continue
        pos = m.sent_end
        k = bisect.bisect_right(sentence_starts, pos)
        ei = entry_containing(entries, entry_starts, m.start)
        ent_end = entries[ei][1] if ei is not None else len(text)
        if pos >= ent_end:
            nx = bisect.bisect_left(entry_starts, ent_end)  # the first entry starting at or after ent_end
            gap_end = entry_starts[nx] if nx < len(entries) else None
            if gap_end is None or text.count("\n", ent_end, gap_end) > 1:
                continue
            pos = gap_end
            k = bisect.bisect_right(sentence_starts, pos)
            ent_end = entries[nx][1]
        hit = rx.match(text, pos)
        if hit is None:
            continue
        clause_end = min(ent_end, sentence_starts[k] if k < len(sentence_starts) else len(text))
        lo, hi = bisect.bisect_left(starts, pos), bisect.bisect_left(starts, clause_end)
        if any(x.drug != m.drug for x in mentions[lo:hi]):
            continue  # "Offered Zofran. Pt refused Tylenol": the refusal is about the drug it names
        own = text[m.sent_start:m.sent_end].rstrip()
        offered = any(c.category in ("PLANNED", "ORDERED") for c in m.cues) or own.endswith("?")
        if not (offered or own.endswith(",") or bare.fullmatch(text, hit.end(), clause_end)):
            continue
        m.cues.append(Cue("NOT_GIVEN", hit.start(), hit.end(), hit.group(0).strip(" ,-\u2013"), True))


def _blocked(c: Cue, m: Mention, mentions: list[Mention], starts: list[int]) -> bool:
    """Tell whether a non-'given' cue is blocked by a separately dosed drug between it and ``m``.

    ``starts``: the (sorted) start offsets of ``mentions``.
    """
    if c.category in ("GIVEN", "HISTORICAL", "ALLERGY"):
        return False
    lo, hi = (c.end, m.start) if c.end <= m.start else (m.end, c.start)
    between = mentions[bisect.bisect_left(starts, lo):bisect.bisect_right(starts, hi)]
    return any(o.end <= hi and o is not m and o.diluent_of is None and m.diluent_of is not o
               and (o.infusate is None or o.infusate != m.infusate)
               and o.has("dose", "volume", "route", "concentration") for o in between)


def _has_evidence(text: str, m: Mention, misc: dict[str, Any]) -> bool:
    """Administration evidence: an amount/route/rate/time/duration, a status cue or a list section."""
    strong_attr = m.has("dose", "volume", "rate", "duration", "purpose") or any(
        a.label == "concentration" and a.rule != _PER_LITER for a in m.attrs) or any(
        a.label == "route" and (0 <= a.start - m.end <= 3 or 0 <= m.start - a.end <= 3) for a in m.attrs)
    if not strong_attr and not m.fluid and misc["bare_dose"].match(text, m.end):
        # "toradol 15 iv", "benadryl 25 im": a unit-less amount before a route is a dose, not a lab
        strong_attr = any(a.label == "route" for a in m.attrs)
    per_l = any(a.rule == _PER_LITER for a in m.attrs)  # "KCl 20 mEq/L in ...": an additive, not a lab
    if not strong_attr and not m.has("time") and not per_l and misc["lab_value_after"].match(text, m.end):
        if not (_listed_med(m) and _BARE_LIST_DOSE.match(text, m.end)):
            return False  # "K+ 4.6", "Mg 1.8": a lab value
        return True  # "Home meds: amlodipine 5 daily", "per wife: lisinopril 20, ...": a unit-less list dose
    if strong_attr or m.has("time"):
        return True
    if m.section in ("home_meds", "discharge_meds", "plan", "orders", "pmh", "med_list", "prehospital"):
        return True
    if any(abs(c.start - m.start) < 60 for c in m.cues):
        return True
    # a table row: the status cell is far from the drug name but on the same row
    return bool(m.cues) and any(c.start >= m.end and _is_cells(text[m.end:c.start]) for c in m.cues)


def _stops_earlier_run(text: str, m: Mention, by_drug: dict[str, list[AdminEvent]]) -> bool:
    """Tell whether ``m`` documents the stop of an earlier given run of its drug ("..., NS off").

    The stop word follows the name right away ("NS off", "NS was d/c'd") and the drug's last event is a
    given infusion with no stop time yet: the mention updates that run (see ``_find_previous``).
    """
    prevs = by_drug.get(m.drug)
    if not prevs or not _STOP_RIGHT_AFTER.match(text, m.end):
        return False
    prev = prevs[-1]
    return prev.status == "given" and (prev.route == "IV_INFUSION" or m.fluid) and not any(
        t.role in ("end", "range") for t in prev.time_mentions)


def _listed_med(m: Mention) -> bool:
    """Tell whether ``m`` sits in a medication list: a list section or a home/plan/order cue of its own."""
    return m.section in _LIST_SECTIONS or any(
        c.category in ("HISTORICAL", "PLANNED", "ORDERED") for c in m.cues)


def _route(m: Mention) -> tuple[str | None, Attr | None]:
    routes = [a for a in m.attrs if a.label == "route"]
    if any(a.start >= m.end for a in routes):
        # "unable to tolerate PO, Toradol 15 mg IV": a route written after the drug beats one before it
        routes = [a for a in routes if a.start >= m.end]
    best: tuple[int, str, Attr] | None = None
    for a in routes:
        code = a.value
        if code == "BOLUS":
            code = "IV_INFUSION" if m.fluid else "IV_PUSH"
        rank = _ROUTE_RANK.get(code, 2)
        if best is None or rank > best[0]:
            best = (rank, code, a)
    if best is None:
        if _ORAL_FORM_IN_NAME.search(m.text):
            return "PO", None  # "Zofran ODT", "Tylenol tab": the oral form is part of the drug term
        if m.fluid and (m.has("rate") or m.has("duration")):
            return "IV_INFUSION", None
        if any(a.rule in ("rate.ml_hr", "rate.dose_rate") for a in m.attrs):
            return "IV_INFUSION", None  # "propofol 30 mcg/kg/min (18 mL/hr)", "Levophed at 4 mcg/min"
        return None, None
    code = best[1]
    if code == "IV" and (m.has("rate") or m.has("duration")):
        code = "IV_INFUSION"
    return code, best[2]


def _to_event(text: str, m: Mention, status: str, cue: str | None, entries: list[tuple[int, int]],
              leading: dict[int, Attr]) -> AdminEvent:
    ev = AdminEvent(event_id="", drug=m.drug, drug_text=m.text, rxcui=m.entry.rxcui, status=status)
    ev.status_cue = cue
    ev.entry_index = m.entry_index
    ev.mention_start = m.start
    ev.confidence = 0.7 if m.rule == "fuzzy" else 1.0
    ev.spans.append(Span(m.start, m.end, "DRUG", m.rule))
    for s, e in m.alias_spans:
        ev.spans.append(Span(s, e, "DRUG", "alias"))
    dose: tuple[float, str] | None = None
    vol: float | None = None
    preferred = _preferred_amounts(text, m, entries)
    pref_ids = {id(x) for x in preferred}
    for a in m.attrs:
        # (identity first: ``in`` on a list compares by identity, then by value)
        if a.label in ("dose", "concentration", "volume") and id(a) not in pref_ids and a not in preferred:
            continue
        if a.label == "dose" and dose is None:
            dose = dose_of(a)
        elif a.label == "concentration":
            d = dose_of(a)
            v = volume_ml_of(a)
            in_parens = text[max(0, a.start - 1):a.start] == "(" or text[a.end:a.end + 1] == ")"
            drip = any(x.rule == "rate.dose_rate" for x in m.attrs)
            if d is not None and dose is None and v is not None and not in_parens and not drip:
                dose = d
            if v is not None and vol is None:
                vol = v
            ev.concentration = ev.concentration or a.text
        elif a.label == "volume" and vol is None:
            vol = volume_ml_of(a)
        elif a.label == "rate" and ev.rate_ml_hr is None:
            ev.rate_ml_hr = rate_ml_hr_of(a)
        elif a.label == "site" and ev.site is None:
            ev.site = a.text
        elif a.label == "device" and ev.device is None:
            ev.device = a.text
        elif a.label == "line_cue" and ev.line_cue is None:
            ev.line_cue = a.value
        elif a.label == "purpose" and (ev.purpose is None or (
                ev.purpose == "maintenance" and a.value == "hydration")):
            ev.purpose = a.value  # a stated hydration need outranks "maintenance" ("mIVF for dehydration")
        elif a.label == "duration" and ev.documented_duration_min is None:
            ev.documented_duration_min = duration_min_of(a)
        elif a.label == "waste":
            ev.waste = ev.waste or Waste()
            if a.value == "sdv":
                ev.waste.single_dose_vial = True
            elif a.value == 0:
                ev.waste.discarded = ev.waste.discarded or Dose(0.0, "mg")
            else:
                d = dose_of(a)
                if d:
                    ev.waste.discarded = Dose(d[0], d[1])
        elif a.label == "time":
            es = entries[m.entry_index][0] if m.entry_index < len(entries) else 0
            ev.time_mentions.append(TimeMention(a.start, a.end, time_role(text, a, es), a.text))
        if a.label != "route":
            ev.spans.append(Span(a.start, a.end, SPAN_LABEL[a.label], a.rule))
    if m.fluid:
        if vol is None and dose is not None and dose[1] in ("mL", "L"):
            vol = dose[0] * (1000.0 if dose[1] == "L" else 1.0)
        if vol is not None and not (dose is not None and dose[1] == "g" and "dextrose" in m.drug):
            dose = (vol, "mL")
        elif dose is not None and dose[1] not in ("mL", "L", "g"):
            dose = None
    elif dose is None and vol is not None and (vol <= 20 or (
            vol <= 60 and any(a.label == "route" and a.value in ("PO", "SL") for a in m.attrs))) and any(
            a.label == "volume" and a.rule == "volume.num_ml" and a.start > m.start for a in m.attrs):
        # vaccines, local anesthetics, oral liquids: "0.5 mL IM", "lidocaine 1% 3 mL", "Maalox 30 mL PO"
        dose = (vol, "mL")
    elif dose is not None and dose[1] == "L":
        vol = vol or dose[0] * 1000.0
    if dose is None and vol is None:
        # "Tylenol/APAP 650 PO": the amount follows the last alias of the name
        name_end = max([m.end] + [e for s_, e in m.alias_spans if 0 <= s_ - m.end <= 40])
        bare = compiled_misc()["bare_dose"].match(text, name_end)
        if bare:  # "APAP 650 PO": a unit-less amount right after the drug and before a route
            units = compiled_misc()["bare_dose_units"]
            unit = next((u for k, u in units.items() if m.drug.startswith(k)),
                        compiled_misc()["bare_dose_default"])
            dose = (float(bare.group("num")), unit)
            ev.spans.append(Span(bare.start("num"), bare.end("num"), "DOSE", "dose.bare_before_route"))
            if unit == "mL":
                vol = dose[0]
    if dose is not None and _DRIP_WORD.search(m.text) and any(a.rule == "rate.dose_rate" for a in m.attrs):
        dose = None  # "heparin gtt 1000 units/hr": a drip documented by dose rate has no single dose
    if dose is not None:
        ev.dose = Dose(float(dose[0]), dose[1])
    ev.volume_ml = vol
    route, ra = _route(m)
    if route is None:
        own = find_attributes(m.text, labels=("route",)) if _ROUTE_WORD.search(m.text) else []
        if own:
            route = "IV_INFUSION" if own[0].value == "BOLUS" and m.fluid else (
                "IV_PUSH" if own[0].value == "BOLUS" else own[0].value)
    if route is None and m.fluid and status == "given" and ev.purpose != "flush" and (
            (vol or 0) >= 100 or vol is None):
        route = "IV_INFUSION"  # a bag hung / started / opened
    if (route is None and not m.fluid and status == "given" and (vol or 0) >= 50
            and m.entry.kind != "home_med"):
        route = "IV_INFUSION"  # a drug mixed in a bag is infused
    if route is None and ev.purpose == "flush":
        route = "IV"
    if ev.purpose is None and m.entry.chemo and route not in ("PO", "TOPICAL", "INHALED"):
        ev.purpose = "chemotherapy"
    ev.route = route
    if ra is not None:
        ev.route_text = ra.text
        ev.spans.append(Span(ra.start, ra.end, "ROUTE", ra.rule))
    if (m.entry_index in leading and not any(t.role in ("start", "at", "range") and not _again_time(text, t)
                                             for t in ev.time_mentions)
            and leading[m.entry_index].text not in {t.text for t in ev.time_mentions}):
        a = leading[m.entry_index]
        s_lo = max(a.end, m.sent_start)
        clause = text[s_lo:m.sent_end]
        rel = m.start - s_lo
        cut_spans = [x.span() for x in _CLAUSE_CUT.finditer(clause)]
        cuts = [e for _, e in cut_spans if e <= rel]
        nxt = next((s for s, _ in cut_spans if s >= rel + len(m.text)), len(clause))
        part = clause[(cuts[-1] if cuts else 0):nxt]
        if _CLOCK_DIGITS.search(part):  # every cued time holds one: without it nothing is replaced
            part = _CUED_TIME.sub(" ", part)
        role = entry_cue_role(part) or "at"
        if role in ("pause", "resume", "infiltrated") and status != "given":
            role = "at"
        ev.time_mentions.insert(0, TimeMention(a.start, a.end, role, a.text))
        ev.spans.append(Span(a.start, a.end, "TIME", "time.entry_leading"))
    if any(t.role in ("range", "start") and t.start > m.end for t in ev.time_mentions):
        # "Update 1530: LR 1 L given 1410-1510": the documented interval wins over a header time
        ev.time_mentions = [t for t in ev.time_mentions if not (t.role == "at" and t.end <= m.start)]
    if ev.dose is None:
        ev.confidence *= 0.9
    ev.spans.sort(key=_SPAN_KEY)
    return ev


def _preferred_amounts(text: str, m: Mention, entries: list[tuple[int, int]]) -> list[Attr]:
    """Return the amount attributes to use.

    In a table row, the "Dose" cells win over the product strength in the name cell; a "total"/"max"
    amount is never used when another one exists.
    """
    misc = compiled_misc()
    amounts = [a for a in m.attrs if a.label in ("dose", "concentration", "volume")]
    es, ee = entries[m.entry_index] if m.entry_index < len(entries) else (0, len(text))
    row = text[es:ee]
    if len([a for a in amounts if a.label in ("dose", "concentration")]) > 1:
        not_given = misc["dose_not_given_before"]
        keep = [a for a in amounts if not not_given.search(text[max(es, a.start - 12):a.start])]
        amounts = keep or amounts
        strength = [a for a in amounts if a.label in ("dose", "concentration")
                    and _PACKAGE_AFTER.match(text, a.end, ee)]
        if strength and len(strength) < len([a for a in amounts if a.label in ("dose", "concentration")]):
            # "fentanyl 100 mcg/2 mL vial: 50 mcg IV push": the package strength is not the amount given
            amounts = [a for a in amounts if a not in strength]
        calc = [a for a in amounts if a.label == "dose"
                and misc["calc_result_before"].search(text, max(es, a.start - 14), a.start)]
        if len(calc) > 1:  # "= 544 mg, rounded to 540 mg": the last computed amount is the one given
            amounts = [a for a in amounts if a.label != "dose" or a is calc[-1]]
    sep = "\t" if "\t" in row else "|" if "|" in row else None
    if sep is not None and not m.fluid:
        later = [a for a in amounts if a.start > m.end and sep in text[m.end:a.start]]
        if any(a.label in ("dose", "concentration") for a in later) or (
                later and not any(a.label == "dose" for a in amounts)):
            amounts = later + [a for a in amounts if a.label == "volume" and a not in later
                               and not any(b.label == "volume" for b in later)]
    return amounts


def _find_previous(ev: AdminEvent, m: Mention, by_drug: dict[str, list[AdminEvent]], text: str,
                   misc: dict[str, Any]) -> AdminEvent | None:
    """Return the earlier event this mention only updates (end time, confirmation), or None."""
    prevs = by_drug.get(ev.drug)
    if not prevs:
        return None
    prev = prevs[-1]
    if ev.status == "not_given" and prev.status in ("planned", "ordered") and ev.dose is None:
        return prev  # "Will give droperidol ... if zofran fails." ... "Droperidol not required."
    if prev.status == "historical" or ev.status in ("historical", "not_given") or m.infusate is not None:
        return None
    if ev.status in ("planned", "ordered") and prev.status == "given":
        return None  # a later plan/order ("discharge with zofran ODT") is not the dose already given
    # the short window first: the stop search spans everything since the previous event of the drug
    if _RESTART.search(text, max(0, m.start - 40), m.window_end) and misc["restart_after_stop"].search(
            text, prev.mention_start, m.start):
        return None  # a restart after an infiltration or a reaction stop is a new administration
    push_inf = {prev.route, ev.route}
    if push_inf == {"IV_PUSH", "IV_INFUSION"}:
        return None
    window = text[m.start:m.window_end]
    if (misc["ongoing_cues"].search(window) and not misc["repeat_cues"].search(window)
            and not _END_WORDS.search(window)):
        return prev
    if prev.entry_index == ev.entry_index and ev.dose is not None:
        return None
    lead = text[max(0, m.start - 25):m.start]
    lead = re.split(r"[.;|\n]", lead)[-1]
    if misc["repeat_cues"].search(lead + text[m.start:m.window_end]) or _numbered_dose_repeat(text, m, prev):
        if ev.dose is None and prev.dose is not None:
            ev.dose = Dose(prev.dose.value, prev.dose.unit)
            ev.volume_ml = ev.volume_ml or prev.volume_ml
        if ev.route is None and prev.route is not None and _numbered_dose_repeat(text, m, prev):
            ev.route, ev.route_text = prev.route, prev.route_text  # "DuoNeb #2 given": the same neb again
        return None
    if ev.purpose == "flush" or prev.purpose == "flush":
        return None  # every flush is its own event
    starts = any(t.role == "start" for t in ev.time_mentions) or bool(_START_WORDS.search(window))
    if starts and ev.dose is not None and prev.entry_index != ev.entry_index and prev.time_mentions and not (
            prev.dose is not None and prev.dose.unit == "mL" and ev.dose.unit == "mL"
            and ev.dose.value < prev.dose.value):
        return None  # a new bag / new dose started
    ends = any(t.role == "end" for t in ev.time_mentions) or bool(_END_WORDS.search(window))
    partial = ev.dose is not None and prev.dose is not None and ev.dose.unit == prev.dose.unit == "mL" and (
        ev.dose.value <= prev.dose.value)
    if ends and (ev.dose is None or prev.dose is None or _same_dose(ev.dose, prev.dose) or partial):
        return prev
    if ev.dose is None and ev.volume_ml is None:
        return prev
    if (not prev.time_mentions and prev.status == ev.status
            and (prev.dose is None or ev.dose is None or _same_dose(prev.dose, ev.dose))):
        return prev  # a title/summary mention first, the documented administration later
    return None


def _numbered_dose_repeat(text: str, m: Mention, prev: AdminEvent) -> bool:
    """Tell whether ``m`` is a numbered repeat of a discrete dose ("DuoNeb #2 given", "neb #3").

    Numbered fluid bags ("LR bolus #2 complete", "LR #3 paused") name the bag a line updates, so fluids
    and infusions are left to the bag rules.
    """
    return (not m.fluid and prev.route in _DISCRETE_ROUTES and _NUMBERED_REPEAT.match(text, m.end) is not None
            and not _END_WORDS.search(text, m.end, m.window_end))


def _same_dose(a: Dose, b: Dose) -> bool:
    return abs(a.value - b.value) < 1e-9 and a.unit == b.unit


def _merge_into(prev: AdminEvent, ev: AdminEvent, ongoing: bool = False, completes: bool = False) -> None:
    """Fold a re-mention into the earlier event.

    ``ongoing``: "still infusing" adds no start time; ``completes``: the re-mention is a completion line
    ("1400 VANCO INFUSED"), so its plain time closes a running infusion that has no end yet.
    """
    seen = {(t.start, t.end) for t in prev.time_mentions}
    has_start = any(t.role in ("start", "at", "range") for t in prev.time_mentions)
    has_end = any(t.role in ("end", "range") for t in prev.time_mentions)
    for t in ev.time_mentions:
        if ongoing and t.role in ("at", "start"):
            continue
        if t.role == "at" and has_start and prev.route == "IV_INFUSION":
            if not (completes and not has_end and (t.start, t.end) not in seen):
                continue
            t = TimeMention(t.start, t.end, "end", t.text)
            has_end = True
        if (t.start, t.end) not in seen:
            prev.time_mentions.append(t)
    if ev.status in ("given", "not_given") and prev.status in ("planned", "ordered", "uncertain"):
        prev.status, prev.status_cue = ev.status, ev.status_cue
    if ev.route and (prev.route is None or _ROUTE_RANK.get(ev.route, 2) > _ROUTE_RANK.get(prev.route, 2)):
        prev.route, prev.route_text = ev.route, ev.route_text
    for attr in ("dose", "volume_ml", "concentration", "site", "device", "line_cue", "rate_ml_hr",
                 "documented_duration_min", "purpose"):
        if getattr(prev, attr) is None and getattr(ev, attr) is not None:
            setattr(prev, attr, getattr(ev, attr))
    prev.spans.extend(ev.spans)
    prev.spans.sort(key=_SPAN_KEY)


def _close_anaphora(text: str, entries: list[tuple[int, int]], sentence_starts: list[int],
                    mentions: list[Mention], events: list[AdminEvent], ev_entry: dict[int, int],
                    leading: dict[int, Attr], misc: dict[str, Any], all_times: list[Attr]) -> None:
    """Drug-less sentences about "the" infusion.

    "0010 BOLUS INFUSED" / "Infusion complete." end the latest open infusion; "1310 10 mL/hr" (a rate-only
    titration entry) starts the latest infusion that has no start time yet.
    """
    mention_pos = sorted(m.start for m in mentions)
    bounds = sorted(set(sentence_starts + [s for s, _ in entries] + [e for _, e in entries] + [len(text)]))
    entry_starts = [s for s, _ in entries]

    time_starts = [a.start for a in all_times]
    ev_starts = [ev.mention_start for ev in events]
    for k, s in enumerate(bounds[:-1]):
        e = bounds[k + 1]
        seg = text[s:e]
        j = bisect.bisect_left(mention_pos, s)
        if not seg.strip() or (j < len(mention_pos) and mention_pos[j] < e):
            continue
        ei = max(0, bisect.bisect_right(entry_starts, s) - 1)
        if ei >= len(entries) or not (entries[ei][0] <= s < entries[ei][1]):
            continue
        first_sentence = not text[entries[ei][0]:s].strip() or (
            ei in leading and not text[leading[ei].end:s].strip(" \t:-"))
        times = all_times[bisect.bisect_left(time_starts, s):bisect.bisect_left(time_starts, e)]
        je = bisect.bisect_left(mention_pos, entries[ei][0])
        entry_has_drug = je < len(mention_pos) and mention_pos[je] < entries[ei][1]
        t = times[0] if times else (leading.get(ei) if first_sentence or ei in leading and not entry_has_drug
                                    else None)
        window = events[max(0, bisect.bisect_left(ev_starts, s) - 40):bisect.bisect_left(ev_starts, s)]
        recent = [ev for ev in window if ev.entry_index >= ei - 2 and ev.status in ("planned", "ordered")]
        if recent and misc["all_given_sentence"].search(seg):
            for ev in recent:
                ev.status, ev.status_cue = "given", "anaphora:" + seg.strip()[:40].lower()
                if not ev.time_mentions and t is not None:
                    ev.time_mentions.append(TimeMention(t.start, t.end, "at", t.text))
                    ev.spans.append(Span(t.start, t.end, "TIME", "time.anaphora_given"))
        if t is None:
            continue
        before = [ev for ev in window if ev.status == "given"]
        if not before:
            continue  # every rule below updates one of the given events before the sentence
        if misc["verb_led_sentence"].match(seg) and before and before[-1].entry_index >= ei - 1 and not any(
                x.role in ("start", "at", "range") for x in before[-1].time_mentions):
            last = before[-1]
            for a in times:
                last.time_mentions.append(TimeMention(a.start, a.end, time_role(text, a, s), a.text))
                last.spans.append(Span(a.start, a.end, "TIME", "time.verb_sentence"))
            continue
        rate_only = misc["rate_only_entry"]
        if rate_only.match(seg.strip()) or rate_only.match(text[entries[ei][0]:e].strip()):
            cand = [ev for ev in before if ev.route == "IV_INFUSION" and not any(
                x.role in ("start", "at", "range") for x in ev.time_mentions)]
            if cand:
                cand[-1].time_mentions.append(TimeMention(t.start, t.end, "start", t.text))
                cand[-1].spans.append(Span(t.start, t.end, "TIME", "time.titration_start"))
            continue
        if not _END_WORDS.search(seg) or misc["post_infusion_exclude"].search(seg):
            continue
        if not (misc["anaphora_infusion"].search(seg) or _BARE_COMPLETION.match(seg)):
            continue
        open_inf = [ev for ev in before if ev.route in ("IV_INFUSION", None, "IV") and ev.purpose != "flush"
                    and not any(x.role in ("end", "range") for x in ev.time_mentions)
                    and (ev.route == "IV_INFUSION" or ev.volume_ml)]
        if not open_inf:
            continue
        target = open_inf[-1]
        target.time_mentions.append(TimeMention(t.start, t.end, "end", t.text))
        target.spans.append(Span(t.start, t.end, "TIME", "time.anaphora_end"))


@lru_cache(maxsize=1)
def _run_continuation() -> tuple[re.Pattern[str], frozenset[str], re.Pattern[str]]:
    spec = load_patterns()["run_continuation"]
    return re.compile(spec["regex"], re.I), frozenset(spec["routes"]), re.compile(spec["run_words"], re.I)


def _continued_runs(text: str, entries: list[tuple[int, int]], sentence_starts: list[int],
                    mentions: list[Mention], events: list[AdminEvent], leading: dict[int, Attr],
                    all_times: list[Attr]) -> list[AdminEvent]:
    """Return the runs continued on a new pump/new sites in a sentence naming no drug (``run_continuation``).

    "0945 pump #1 complete for those sites. Additional pump set up with 2 new sites for the remaining
    volume. 1040 infusion complete.": the second pump is an administration of its own (digest rule 28:
    +96371) of the drug of the latest given run of a listed route, within two entries before, when a run
    word (pump, infusion, mL/hr) is written from that drug to the cue; it starts at
    the sentence's clock time, else at its entry's leading time, and has no dose of its own. A stop written
    earlier in that entry ends the previous pump's run at that time.
    """
    cue_rx, routes, run_words = _run_continuation()
    out: list[AdminEvent] = []
    mention_pos = sorted(m.start for m in mentions)
    entry_starts = [s for s, _ in entries]
    time_starts = [a.start for a in all_times]
    for cue in cue_rx.finditer(text):
        si = bisect.bisect_right(sentence_starts, cue.start()) - 1
        lo = sentence_starts[si] if si >= 0 else 0
        hi = sentence_starts[si + 1] if si + 1 < len(sentence_starts) else len(text)
        j = bisect.bisect_left(mention_pos, lo)
        if j < len(mention_pos) and mention_pos[j] < hi:
            continue  # the sentence names a drug: that mention is the event
        ei = max(0, bisect.bisect_right(entry_starts, cue.start()) - 1)
        prev = next((e for e in reversed(events) if e.mention_start < cue.start()), None)
        if prev is None or prev.status != "given" or prev.route not in routes or not (
                ei - 2 <= prev.entry_index <= ei):
            continue
        if not run_words.search(text, prev.mention_start, cue.end()):
            continue  # an injection's next site ("New site placed ... for tomorrow") is no run
        k = bisect.bisect_left(time_starts, lo)
        t = all_times[k] if k < len(all_times) and all_times[k].start < hi else leading.get(ei)
        ev = AdminEvent(event_id="", drug=prev.drug, drug_text=prev.drug_text, rxcui=prev.rxcui,
                        route=prev.route, route_text=prev.route_text, device=prev.device, line_cue="new_line",
                        status="given", status_cue="continuation:" + cue.group(0).lower()[:40],
                        confidence=prev.confidence, entry_index=ei, mention_start=cue.start())
        ev.spans.append(Span(cue.start(), cue.end(), "LINE_CUE", "run_continuation"))
        if t is not None:
            ev.time_mentions.append(TimeMention(t.start, t.end, "start", t.text))
            ev.spans.append(Span(t.start, t.end, "TIME", "time.continuation_start"))
            if _END_WORDS.search(text, entries[ei][0], cue.start()) and not any(
                    x.role in ("end", "range") for x in prev.time_mentions):
                # "pump #1 infusion complete for those sites. Additional pump set up ...": the first
                # pump's run stops where the second starts
                prev.time_mentions.append(TimeMention(t.start, t.end, "end", t.text))
                prev.spans.append(Span(t.start, t.end, "TIME", "time.continuation_end"))
        out.append(ev)
        events = [*events, ev]
    return out


def _drugless_repeats(text: str, entries: list[tuple[int, int]], sentence_starts: list[int],
                      mentions: list[Mention], events: list[AdminEvent], leading: dict[int, Attr],
                      all_times: list[Attr]) -> list[AdminEvent]:
    """Add the doses of drug-less repeat sentences ("1030 repeat x1", "2nd dose given", "same again at 1430").

    The sentence opens with the repeat wording (after an optional clock time), names no drug and carries no
    plan/hold/order wording; it repeats the latest given discrete dose (push, IM, SQ, PO, neb ...) of the
    last three entries. Each repeat ("x2": two) is a new given event sharing that dose's drug span, timed by
    the sentence's own clock time or its entry's leading time.
    """
    if not events:
        return events
    mention_pos = sorted(m.start for m in mentions)
    bounds = sorted(set(sentence_starts + [s for s, _ in entries] + [e for _, e in entries] + [len(text)]))
    entry_starts = [s for s, _ in entries]
    time_starts = [a.start for a in all_times]
    out = list(events)
    for k, s in enumerate(bounds[:-1]):
        e = bounds[k + 1]
        rep = _DRUGLESS_REPEAT.match(text, s, e)
        if rep is None:
            continue
        j = bisect.bisect_left(mention_pos, s)
        if j < len(mention_pos) and mention_pos[j] < e:
            continue
        seg = text[s:e]
        if _REPEAT_NOT_DONE.search(seg):
            continue
        ei = entry_containing(entries, entry_starts, s)
        if ei is None:
            continue
        prior = [ev for ev in out if ev.mention_start < s and ev.status == "given"
                 and ev.entry_index >= ei - 3 and ev.route in _DISCRETE_ROUTES and ev.purpose != "flush"]
        if not prior:
            continue
        src = max(prior, key=lambda ev: ev.mention_start)
        times = all_times[bisect.bisect_left(time_starts, s):bisect.bisect_left(time_starts, e)]
        t = times[0] if times else None
        if t is None and ei in leading and not text[entries[ei][0]:s].strip(" \t:-|") or (
                t is None and ei in leading and not text[leading[ei].end:s].strip(" \t:-|")):
            t = leading[ei]
        n = _REPEAT_TIMES.search(seg)
        for _ in range(int(n.group(1)) if n else 1):
            extra = clone_event(src)
            extra.status, extra.status_cue = "given", "repeat"
            extra.spans = [sp for sp in extra.spans if sp.label != "TIME"]
            extra.time_mentions = []
            if t is not None:
                extra.time_mentions.append(TimeMention(t.start, t.end, "at", t.text))
                extra.spans.append(Span(t.start, t.end, "TIME", "time.drugless_repeat"))
            out.append(extra)
    return out


def _inherit_times(mentions: list[Mention]) -> None:
    """Give sentence siblings without a time the time of the nearest sibling that has one.

    "Vanc 1.5 g IV and pip-tazo 4.5 g IV started 0940": both start at 0940.
    """
    by_sent: dict[tuple[int, int], list[Mention]] = {}
    for m in mentions:
        if m.event is not None:
            by_sent.setdefault((m.entry_index, m.sentence), []).append(m)
    for group in by_sent.values():
        timed = [m for m in group if m.event is not None and m.event.time_mentions]
        if not timed:
            continue
        for m in group:
            ev = m.event
            if ev is None or ev.time_mentions:
                continue
            pool = [x for x in timed if x.fluid == m.fluid
                    and x.event.status == ev.status]  # type: ignore[union-attr]
            if not pool:
                continue
            src = min(pool, key=lambda x: abs(x.start - m.start))
            for t in src.event.time_mentions:  # type: ignore[union-attr]
                if t.role in ("start", "at"):
                    ev.time_mentions.append(TimeMention(t.start, t.end, t.role, t.text))
                    ev.spans.append(Span(t.start, t.end, "TIME", "time.inherited"))


def _share_infusate(mentions: list[Mention]) -> None:
    """Components of one bag share route, rate, times, site and duration (the bag runs as one)."""
    groups: dict[int, list[AdminEvent]] = {}
    for m in mentions:
        if m.event is not None and m.infusate is not None:
            groups.setdefault(m.infusate, []).append(m.event)
    for evs in groups.values():
        if len(evs) < 2:
            continue
        for attr in ("route", "rate_ml_hr", "site", "device", "line_cue", "documented_duration_min"):
            val = next((getattr(e, attr) for e in evs if getattr(e, attr) is not None), None)
            for e in evs:
                if getattr(e, attr) is None:
                    setattr(e, attr, val)
        _per_liter_doses(mentions, evs)
        timed = next((e for e in evs if e.time_mentions), None)
        if timed is not None:
            for e in evs:
                if not e.time_mentions:
                    tms = timed.time_mentions
                    e.time_mentions = [TimeMention(t.start, t.end, t.role, t.text) for t in tms]
                    e.spans.extend(Span(t.start, t.end, "TIME", "time.same_infusate") for t in tms)


def _per_liter_doses(mentions: list[Mention], evs: list[AdminEvent]) -> None:
    """"KCl 20 mEq/L in D5 1/2NS 1000 mL": an additive's dose is its per-litre amount times the bag volume.

    Without a documented bag volume the per-litre amount is taken as the dose (one litre bag).
    """
    bag_ml = next((e.volume_ml for e in evs if e.volume_ml), None) or next(
        (e.dose.value for e in evs if e.dose is not None and e.dose.unit == "mL"), None)
    for m in mentions:
        if m.event is None or m.event not in evs or m.event.dose is not None:
            continue
        per_l = next((a for a in m.attrs if a.rule == _PER_LITER), None)
        d = dose_of(per_l) if per_l is not None else None
        if d is None:
            continue
        m.event.dose = Dose(d[0] * (bag_ml / 1000.0 if bag_ml else 1.0), d[1])


def _again_time(text: str, t: TimeMention) -> bool:
    """Tell whether time ``t`` is a repeat's own time ("... given, again at 1040", "repeated @ 1040")."""
    return _AGAIN_BEFORE.search(text, max(0, t.start - 24), t.start) is not None


def _split_multi_time(text: str, events: list[AdminEvent]) -> list[AdminEvent]:
    """Split a dose documented at a list of clock times into one event per time.

    "Dilaudid 1 mg IV given 0210 and 0545" is two administrations; infusions keep their start/end times.
    """
    out: list[AdminEvent] = []
    for ev in events:
        if ev.status not in _REPEATABLE_STATUS or ev.route in ("IV_INFUSION", None):
            out.append(ev)  # (the same outcome as the full test below, decided without it)
            continue
        times = [t for t in ev.time_mentions if t.role in ("at", "start")]
        distinct: dict[str, TimeMention] = {}
        for t in times:
            distinct.setdefault(_NON_DIGIT.sub("", t.text), t)
        ordered = sorted(times, key=lambda t: t.start)
        listed = all(_TIME_LIST_GAP.fullmatch(text[a.end:b.start]) or _again_time(text, b)
                     for a, b in zip(ordered, ordered[1:], strict=False))
        if (len(distinct) < 2 or not listed
                or any(t.role in ("end", "range", "pause", "resume") for t in ev.time_mentions)):
            out.append(ev)
            continue
        for i, t in enumerate(distinct.values()):
            part = ev if i == 0 else clone_event(ev)
            part.time_mentions = [TimeMention(t.start, t.end, t.role, t.text)]
            keep = {(x.start, x.end) for x in distinct.values()} - {(t.start, t.end)}
            part.spans = [sp for sp in part.spans if not (sp.label == "TIME" and (sp.start, sp.end) in keep)]
            out.append(part)
    return out


def _expand_repeats(text: str, mentions: list[Mention], events: list[AdminEvent]) -> list[AdminEvent]:
    """Expand "Ativan 1 mg IV x2" (a dose repeated N times, times not listed) into N events.

    Given and historical doses ("EMS gave NTG 0.4 mg SL x2") alike. Only for discrete doses (push/IM/SQ/
    PO...): infusions and back-to-back nebulisers stay one event, and a mention already split by a list of
    clock times is left alone. Repeats get no time of their own.
    """
    per_start: dict[int, int] = {}
    for ev in events:
        per_start[ev.mention_start] = per_start.get(ev.mention_start, 0) + 1
    by_event = {id(m.event): m for m in mentions if m.event is not None}
    out: list[AdminEvent] = []
    for ev in events:
        out.append(ev)
        m = by_event.get(id(ev))
        if (m is None or ev.status not in _REPEATABLE_STATUS or per_start[ev.mention_start] > 1
                or ev.route not in _REPEAT_ROUTES or m.fluid):
            continue
        rep = _REPEAT_COUNT.search(text, m.end, max(m.end, m.window_end))
        if rep is None or _SCHEDULE.search(text, m.end, rep.start()) or any(
                o.start > m.end and o.drug == m.drug and (ev.status == "given" or (
                    o.event is not None and o.event.status == ev.status)) for o in mentions):
            continue  # "q20 min x3" is a schedule; doses charted one by one later are their own events
        if ev.status != "given" and _FREQUENCY.search(text, m.end, max(m.end, m.window_end)):
            continue  # "metoprolol 25 mg PO x2 daily" in a home list is a regimen, not two doses
        if _plural_count(text, m, rep.start()):
            # "percocets x2", "tylenol 325 mg tabs x2": a count of tablets, the dose of one administration
            per_tab = _PER_TAB_DOSE.search(text, m.end, rep.start())
            if per_tab and ev.dose is not None and ev.dose.unit == norm_unit(per_tab.group("unit")) and (
                    ev.dose.value == parse_number(per_tab.group("num"))):
                ev.dose = Dose(ev.dose.value * int(rep.group(1)), ev.dose.unit)
            continue
        for _ in range(int(rep.group(1)) - 1):
            extra = clone_event(ev)
            extra.time_mentions = []
            extra.spans = [sp for sp in extra.spans if sp.label != "TIME"]
            out.append(extra)
    return out


def _plural_count(text: str, m: Mention, rep_start: int) -> bool:
    """Tell whether the "xN" at ``rep_start`` counts the tablets of one dose ("percocets x2", "tabs x2").

    The word right before it is a plural: the drug's own name written with an "s" ("percocets", "norcos":
    the singular is a lexicon term of the same drug) with no amount in between, or a tablet/capsule word.
    """
    gap = text[m.end:rep_start]
    if _PLURAL_FORM_BEFORE.search(gap):
        return True
    name = m.text.lower()
    if not name.endswith("s") or _DIGIT.search(gap) or _SEPARATE_CLAUSE.search(gap):
        return False
    singular = load_lexicon().get(name[:-1]) or load_lexicon().get(m.text[:-1])
    return singular is not None and singular.drug == m.drug


def clone_event(ev: AdminEvent) -> AdminEvent:
    """Return a copy of ``ev`` that shares no mutable part with it (like ``copy.deepcopy``, much cheaper).

    Spans, time mentions, relations, the dose and the waste are new objects; the other fields are immutable.
    """
    out = AdminEvent(**dict(zip(EVENT_FIELDS, event_values(ev), strict=True)))
    out.dose = Dose(ev.dose.value, ev.dose.unit) if ev.dose is not None else None
    out.spans = [Span(s.start, s.end, s.label, s.rule) for s in ev.spans]
    out.time_mentions = [TimeMention(t.start, t.end, t.role, t.text) for t in ev.time_mentions]
    out.relations = [Relation(r.type, r.other, r.minutes) for r in ev.relations]
    if ev.waste is not None:
        disc = ev.waste.discarded
        out.waste = Waste(ev.waste.single_dose_vial,
                          Dose(disc.value, disc.unit) if disc is not None else None)
    return out


def _drop_superseded(events: list[AdminEvent]) -> list[AdminEvent]:
    """Drop orders/plans for a drug that the note documents as given."""
    given: dict[str, int] = {}
    for e in events:
        if e.status == "given":
            given[e.drug] = max(given.get(e.drug, -1), e.mention_start)
    # an order is superseded by any given dose of its drug; a plan only by a dose documented after it
    # ("will give zofran" ... "zofran given"), not by an earlier one ("Rx Zofran ODT" at discharge)
    return [e for e in events if not (e.drug in given and (
        (e.status == "ordered" and (not e.time_mentions or given[e.drug] > e.mention_start))
        or (e.status == "planned" and not e.time_mentions and given[e.drug] > e.mention_start)))]


def _fix_pause_roles(ev: AdminEvent) -> None:
    """Turn an end followed by a later (re)start into a pause/resume pair."""
    tms = sorted(ev.time_mentions, key=lambda t: t.start)
    for i, t in enumerate(tms):
        if t.role == "end" and any(x.role in ("start", "resume") for x in tms[i + 1:]):
            t.role = "pause"
            for x in tms[i + 1:]:
                if x.role in ("start", "resume"):
                    x.role = "resume"
                    break
    ev.time_mentions = tms
