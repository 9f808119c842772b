"""Feature functions for the two models; pure Python over plain dicts (no spaCy, no note text in logs).

Two kinds of samples are built here:

* **link candidates** (:func:`link_candidate`): one drug mention and one attribute span (DOSE, ROUTE, TIME,
  SITE, STATUS, ...) of the same note, with the geometry needed to decide whether the attribute belongs to
  that drug: offsets, the text between the two spans and the offsets of the other drug mentions.
  :func:`link_feature_dicts` turns candidates into feature dicts (distance, order, intervening drugs,
  separators, same line, attribute type ...) for a ``DictVectorizer``.
* **status samples** (:func:`status_sample`): one drug mention with its masked context window (the
  line/entry around it, the drug replaced by ``_drug_`` and other drugs by ``_otherdrug_``), the rule
  status from extraction and the section header. :func:`status_window_texts` feeds a ``TfidfVectorizer``
  and :func:`status_context_dicts` a ``DictVectorizer``.

The two ``*_dicts``/``*_texts`` functions are module-level so that ``FunctionTransformer`` steps holding
them can be saved with skops (functions are stored by reference).
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from infucode.annotations.schema import SPAN_LABELS

#: Labels that can be linked to a drug (everything in ``SPAN_LABELS`` except ``DRUG``).
LINKABLE_LABELS: tuple[str, ...] = tuple(label for label in SPAN_LABELS if label != "DRUG")

#: Placeholder for the drug mention being classified and for the other drug mentions in a window.
DRUG_MASK = " _drug_ "
OTHER_DRUG_MASK = " _otherdrug_ "

_WORD_RE = re.compile(r"[a-z]+|\d+(?:[.:]\d+)?|[^\sa-z\d]")
_DIGITS_RE = re.compile(r"\d+")
_TIME_PREFIX_RE = re.compile(r"^\s*[\[(]?\s*(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?\s+)?\d{1,2}:?\d{2}\b")
_HEADER_RE = re.compile(r"^\s*([A-Za-z][A-Za-z /&()'-]{1,40}?)\s*:\s*(.*)$")
_CLAUSE_END_RE = re.compile(r"[.!?](?=\s)|;")
_SEPARATORS = {",": "comma", ";": "semicolon", "|": "pipe", ".": "period", ":": "colon", "(": "paren",
               ")": "paren", "-": "dash", "/": "slash", "+": "plus", "&": "amp", "@": "at"}
_CONJUNCTIONS = frozenset({"and", "then", "with", "plus", "also", "followed", "after", "before", "via", "in"})


# ---------------------------------------------------------------------------------------------
# text geometry
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LineIndex:
    """Line and paragraph lookup for one text.

    Parameters
    ----------
    starts
        Start offset of every line.
    para
        Paragraph number of every line (a blank line starts a new paragraph).
    """

    starts: tuple[int, ...]
    para: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> LineIndex:
        """Index the lines of ``text``."""
        starts = [0]
        for m in re.finditer("\n", text):
            starts.append(m.end())
        para, p = [], 0
        for i, s in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
            if not text[s:end].strip():
                p += 1
            para.append(p)
        return cls(tuple(starts), tuple(para))

    def line_of(self, offset: int) -> int:
        """Return the 0-based line number holding ``offset``."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def line_bounds(self, line: int, text_len: int) -> tuple[int, int]:
        """Return ``(start, end)`` of a line (``end`` excludes the newline)."""
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else text_len
        return start, end


def _norm_token(tok: str) -> str:
    return _DIGITS_RE.sub("0", tok)


def _tokens(s: str) -> list[str]:
    return _WORD_RE.findall(_DIGITS_RE.sub("0", s.lower()))


def _bucket(n: float) -> str:
    """Log-2 bucket of a non-negative count, as a short string ("0", "1", "2-3", "4-7", ...)."""
    if n <= 0:
        return "0"
    if n < 2:
        return "1"
    k = int(math.log2(n))
    return f"{2**k}-{2 ** (k + 1) - 1}"


class DrugIndex:
    """The drug mentions of one note, sorted for range queries (built once per note).

    Parameters
    ----------
    spans
        ``(start, end)`` of every drug mention, sorted by start.
    names
        The distinct lower-cased mention texts.
    """

    __slots__ = ("spans", "starts", "max_len", "names", "_line_names")

    def __init__(self, spans: Sequence[tuple[int, int]], names: frozenset[str]) -> None:
        self.spans = tuple(sorted(spans))
        self.starts = tuple(s for s, _ in self.spans)
        self.max_len = max((e - s for s, e in self.spans), default=0)
        self.names = names
        self._line_names: dict[tuple[int, int], frozenset[str]] = {}

    @classmethod
    def of(cls, text: str, drug_starts: Sequence[tuple[int, int]]) -> DrugIndex:
        """Index the drug mentions ``drug_starts`` of ``text``."""
        return cls(drug_starts, frozenset(text[s:e].lower() for s, e in drug_starts))

    def starting_in(self, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
        """Mentions whose start lies in ``[lo, hi]``."""
        return self.spans[bisect.bisect_left(self.starts, lo) : bisect.bisect_right(self.starts, hi)]

    def names_on_line(self, text: str, start: int, end: int) -> frozenset[str]:
        """Return the mention names written as whole words in ``text[start:end]`` (cached per line)."""
        key = (start, end)
        found = self._line_names.get(key)
        if found is None:
            found = frozenset(n for n in self.names if _named_on(text, start, end, n))
            self._line_names[key] = found
        return found


# ---------------------------------------------------------------------------------------------
# linking
# ---------------------------------------------------------------------------------------------
def link_candidate(
    text: str,
    lines: LineIndex,
    drug: tuple[int, int],
    attr: tuple[int, int, str],
    drug_starts: Sequence[tuple[int, int]],
    max_between: int = 240,
    index: DrugIndex | None = None,
) -> dict[str, Any]:
    """Build one drug-attribute link candidate (raw geometry; features come from :func:`link_feature_dicts`).

    Parameters
    ----------
    text
        The note text.
    lines
        ``LineIndex.of(text)``.
    drug
        ``(start, end)`` of the drug mention.
    attr
        ``(start, end, label)`` of the attribute span.
    drug_starts
        ``(start, end)`` of every drug mention of the note (including ``drug``), any order.
    max_between
        Characters of the text between the two spans kept in the candidate (middle elided).
    index
        ``DrugIndex.of(text, drug_starts)`` built once per note; without it one is built per call
        (same result, but quadratic over a note's candidates).

    Returns
    -------
    dict
        Offsets, label, line numbers, the between text and the other drug mentions relative to the pair.
    """
    ds, de = drug
    a_s, a_e, label = attr
    after = a_s >= de
    lo, hi = (de, a_s) if after else (a_e, ds)
    overlap = hi < lo
    between = "" if overlap else text[lo:hi]
    if len(between) > max_between:
        half = max_between // 2
        between = between[:half] + " … " + between[-half:]
    d_line, a_line = lines.line_of(ds), lines.line_of(a_s)
    idx = index if index is not None else DrugIndex.of(text, drug_starts)
    n_between = 0 if overlap else sum(1 for s, e in idx.starting_in(lo, hi) if e <= hi and (s, e) != (ds, de))

    # rank of this drug among all drug mentions by distance to the attribute (0 = nearest)
    def dist(span: tuple[int, int]) -> int:
        s, e = span
        return 0 if (s < a_e and a_s < e) else (a_s - e if a_s >= e else s - a_e)

    my = dist((ds, de))
    # only mentions starting within ``my`` (+ the longest mention) of the attribute can be nearer
    nearer = [o for o in idx.starting_in(a_s - my - idx.max_len, a_e + my) if o != (ds, de) and dist(o) < my]
    rank = len(nearer)
    same_side_rank = sum(1 for o in nearer if (o[1] <= a_s) == after)
    a_line_start, a_line_end = lines.line_bounds(a_line, len(text))
    d_line_start, d_line_end = lines.line_bounds(d_line, len(text))
    same_line_drugs = sum(1 for o in idx.starting_in(a_line_start, a_line_end) if o != (ds, de))
    # is this drug (or another one) named again on the attribute's line? ("1530 NS bag complete")
    own_name = text[ds:de].lower()
    named = _named_on(text, a_line_start, a_line_end, text[ds:de], exclude=(ds, de))
    other_named = bool(idx.names_on_line(text, a_line_start, a_line_end) - {own_name})
    return {
        "label": label,
        "drug_start": ds,
        "drug_end": de,
        "attr_start": a_s,
        "attr_end": a_e,
        "attr_text": text[a_s:a_e][:40],
        "after": after,
        "overlap": overlap,
        "char_dist": 0 if overlap else hi - lo,
        "between": between,
        "drug_line": d_line,
        "attr_line": a_line,
        "same_para": lines.para[d_line] == lines.para[a_line],
        "n_drugs_between": n_between,
        "drug_rank": rank,
        "same_side_rank": same_side_rank,
        "n_drugs_attr_line": same_line_drugs,
        "attr_line_prefix": text[a_line_start:a_s][-40:],
        "drug_line_prefix": text[d_line_start:ds][-40:],
        "drug_line_len": d_line_end - d_line_start,
        "drug_named_on_attr_line": named,
        "other_named_on_attr_line": other_named,
    }


@lru_cache(maxsize=4096)
def _name_regex(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", re.I)


def _named_on(text: str, start: int, end: int, name: str, exclude: tuple[int, int] | None = None) -> bool:
    """Return whether ``name`` is a whole word of ``text[start:end]`` (any case), not at ``exclude``."""
    if not name.strip():
        return False
    rx = _name_regex(name.lower())
    return any(exclude is None or (m.start(), m.end()) != exclude for m in rx.finditer(text, start, end))


def _one_link_features(c: dict[str, Any]) -> dict[str, Any]:
    lab = c["label"]
    side = "after" if c["after"] else "before"
    between = c["between"]
    toks = _tokens(between)
    line_dist = abs(c["attr_line"] - c["drug_line"])
    f: dict[str, Any] = {
        f"label={lab}": 1.0,
        f"side={side}": 1.0,
        f"label_side={lab}|{side}": 1.0,
        "overlap": float(c["overlap"]),
        "log_char_dist": math.log1p(c["char_dist"]),
        "log_tok_dist": math.log1p(len(toks)),
        f"tok_dist={_bucket(len(toks))}": 1.0,
        f"label_tok_dist={lab}|{side}|{_bucket(len(toks))}": 1.0,
        "same_line": float(line_dist == 0),
        f"line_dist={min(line_dist, 4)}": 1.0,
        f"label_line_dist={lab}|{min(line_dist, 4)}": 1.0,
        "same_para": float(c["same_para"]),
        "n_drugs_between": float(c["n_drugs_between"]),
        f"drugs_between={min(c['n_drugs_between'], 3)}": 1.0,
        f"label_drugs_between={lab}|{side}|{min(c['n_drugs_between'], 3)}": 1.0,
        "nearest_drug": float(c["drug_rank"] == 0),
        f"drug_rank={min(c['drug_rank'], 3)}": 1.0,
        f"label_rank={lab}|{min(c['drug_rank'], 3)}": 1.0,
        f"label_side_rank={lab}|{side}|{min(c['same_side_rank'], 2)}": 1.0,
        f"n_drugs_attr_line={min(c['n_drugs_attr_line'], 3)}": 1.0,
        "attr_line_starts_time": float(bool(_TIME_PREFIX_RE.match(c["attr_line_prefix"] + c["attr_text"]))
                                       and not c["attr_line_prefix"].strip(" \t[(")),
        f"named={lab}|{int(c['drug_named_on_attr_line'])}|{int(c['other_named_on_attr_line'])}": 1.0,
        "drug_at_line_start": float(not c["drug_line_prefix"].strip(" \t-*•#0123456789:.)")),
    }
    newlines = between.count("\n")
    if newlines:
        f["newlines_between"] = float(min(newlines, 5))
    seen_sep: set[str] = set()
    for ch in between:
        name = _SEPARATORS.get(ch)
        if name and name not in seen_sep:
            seen_sep.add(name)
            f[f"sep={name}"] = 1.0
            f[f"label_sep={lab}|{side}|{name}"] = 1.0
    words = [t for t in toks if t.isalpha()]
    for w in set(words) & _CONJUNCTIONS:
        f[f"conj={w}"] = 1.0
        f[f"label_conj={lab}|{side}|{w}"] = 1.0
    if len(toks) <= 6:
        for t in toks:
            f[f"btw={t}"] = 1.0
    if not toks:
        f[f"adjacent={lab}|{side}"] = 1.0
    return f


def link_feature_dicts(candidates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn link candidates (:func:`link_candidate`) into feature dicts for a ``DictVectorizer``.

    Parameters
    ----------
    candidates
        Link candidates.

    Returns
    -------
    list of dict
        One sparse feature dict per candidate.
    """
    return [_one_link_features(c) for c in candidates]


# ---------------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------------
def section_of(text: str, lines: LineIndex, line: int, max_back: int = 40) -> str:
    """Return the normalised header of the section holding ``line`` ("" when none is found).

    A header is a short line ending with a colon ("HOME MEDICATIONS:", "Plan:") or a line starting with
    a short label and a colon ("Plan: will give ..."); the nearest one at or above ``line`` wins. Lines that
    start with a clock time are never headers.
    """
    for i in range(line, max(-1, line - max_back), -1):
        s, e = lines.line_bounds(i, len(text))
        raw = text[s:e]
        if _TIME_PREFIX_RE.match(raw):
            continue
        m = _HEADER_RE.match(raw)
        if m and len(m.group(1).split()) <= 4:
            head = " ".join(_tokens(m.group(1)))
            if i == line or not m.group(2).strip() or raw.strip().isupper():
                return head
    return ""


def status_sample(
    text: str,
    lines: LineIndex,
    drug: tuple[int, int],
    drug_spans: Sequence[tuple[int, int]],
    rule_status: str | None = None,
    window_lines: int = 0,
    max_chars: int = 160,
) -> dict[str, Any]:
    """Build one status sample: the masked context window of a drug mention plus rule features.

    Parameters
    ----------
    text
        The note text.
    lines
        ``LineIndex.of(text)``.
    drug
        ``(start, end)`` of the mention.
    drug_spans
        Every drug mention of the note; the others are masked as ``_otherdrug_``.
    rule_status
        The status the rules gave this mention (``None`` when the rules did not find it).
    window_lines
        0: the window is the clause (sentence or ``;``-separated part of the line) holding the mention;
        n > 0: the mention's line and ``n`` lines before and after.
    max_chars
        Cap on characters on each side of the mention.

    Returns
    -------
    dict
        ``window`` (masked text), ``left``/``right`` (masked text on each side within the clause),
        ``prev_line``, ``section``, ``rule_status``.
    """
    ds, de = drug
    line = lines.line_of(ds)
    ls, le = lines.line_bounds(line, len(text))
    # the clause (sentence) holding the mention, within its line, capped at max_chars per side
    cs = ls
    for m in _CLAUSE_END_RE.finditer(text, max(ls, ds - max_chars), ds):
        cs = m.end()
    cs = max(cs, ds - max_chars)
    m_end = _CLAUSE_END_RE.search(text, de, min(le, de + max_chars))
    ce = m_end.start() + 1 if m_end else min(le, de + max_chars)
    if window_lines:
        first = max(0, line - window_lines)
        last = min(len(lines.starts) - 1, line + window_lines)
        ws = max(lines.line_bounds(first, len(text))[0], ds - max_chars)
        we = min(lines.line_bounds(last, len(text))[1], de + max_chars)
    else:
        ws, we = cs, ce
    ls, le = cs, ce

    def masked(s: int, e: int) -> str:
        parts, pos = [], s
        for o_s, o_e in sorted(drug_spans):
            if o_e <= s or o_s >= e or (o_s, o_e) == (ds, de):
                continue
            o_s, o_e = max(o_s, s), min(o_e, e)
            if o_s < pos:
                continue
            parts.append(text[pos:o_s])
            parts.append(OTHER_DRUG_MASK)
            pos = o_e
        parts.append(text[pos:e])
        return "".join(parts)

    left = masked(max(ls, ds - max_chars), ds)
    right = masked(de, min(le, de + max_chars))
    window = masked(ws, ds) + DRUG_MASK + masked(de, we)
    prev = ""
    if line > 0:
        ps, pe = lines.line_bounds(line - 1, len(text))
        prev = masked(max(ps, pe - max_chars), pe)
    return {
        "window": window,
        "left": left,
        "right": right,
        # the comma-delimited segment around the mention (run-on dictation uses commas as full stops)
        "seg_left": left.rsplit(",", 1)[-1],
        "seg_right": right.split(",", 1)[0],
        "prev_line": prev,
        "section": section_of(text, lines, line),
        "rule_status": rule_status or "none",
        "line_starts_time": bool(_TIME_PREFIX_RE.match(text[ls:le])),
    }


def status_window_texts(samples: Iterable[dict[str, Any]]) -> list[str]:
    """Return the masked, digit-normalised window text of each status sample (for ``TfidfVectorizer``)."""
    return [_DIGITS_RE.sub("0", s["window"].lower()) for s in samples]


def load_cues(path: str | Path) -> tuple[tuple[str, str], ...]:
    """Read a status cue lexicon (CSV with ``cue`` and ``category`` columns) as ``((cue, category), ...)``."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = [(r["cue"].strip().lower(), r["category"].strip()) for r in csv.DictReader(fh)]
    return tuple(sorted({r for r in rows if r[0] and r[1]}))


@lru_cache(maxsize=16)
def _cue_index(cues: tuple[tuple[str, str], ...]) -> tuple[dict[tuple[str, ...], tuple[str, str]], int]:
    """Map each cue's token tuple to ``(cue, category)``; return the map and the longest cue length."""
    index: dict[tuple[str, ...], tuple[str, str]] = {}
    for cue, cat in cues:
        toks = tuple(_tokens(cue))
        if toks:
            index.setdefault(toks, (cue, cat))
    return index, max((len(k) for k in index), default=0)


def _cue_features(f: dict[str, Any], text: str, where: str, cues: tuple[tuple[str, str], ...],
                  near_end: bool | None = None) -> None:
    """Add cue-category features of ``text`` (token matching, longest cue first at each position)."""
    if not cues or not text:
        return
    index, longest = _cue_index(cues)
    toks = _tokens(text)
    n, i = len(toks), 0
    while i < n:
        for k in range(min(longest, n - i), 0, -1):
            hit = index.get(tuple(toks[i : i + k]))
            if hit is None:
                continue
            cue, c = hit
            f[f"cue_{where}={c}"] = 1.0
            f[f"cue_word_{where}={cue}"] = 1.0
            if near_end is not None and (n - (i + k) if near_end else i) <= 3:
                f[f"cue_{where}_near={c}"] = 1.0
            i += k - 1
            break
        i += 1


def status_context_dicts(samples: Iterable[dict[str, Any]],
                         cues: tuple[tuple[str, str], ...] = ()) -> list[dict[str, Any]]:
    """Return positional, cue and rule features of each status sample (for ``DictVectorizer``).

    Features: the rule status, the section header words, the nearest 4 tokens on each side of the
    mention (with their position), the words of the previous line, whether the line starts with a time,
    and the categories of the status cues (``cues``, from ``configs/status_cues.v1.csv``) found left or
    right of the mention in its clause (and whether within 3 tokens), in the previous line and the section.
    """
    out: list[dict[str, Any]] = []
    for s in samples:
        f: dict[str, Any] = {f"rule={s['rule_status']}": 1.0}
        _cue_features(f, s["left"], "left", cues, near_end=True)
        _cue_features(f, s["right"], "right", cues, near_end=False)
        _cue_features(f, s.get("seg_left", ""), "segl", cues)
        _cue_features(f, s.get("seg_right", ""), "segr", cues)
        _cue_features(f, s["prev_line"], "prev", cues)
        _cue_features(f, s["section"], "section", cues)
        sec = s["section"]
        if sec:
            f[f"section={sec}"] = 1.0
            for w in sec.split():
                f[f"section_w={w}"] = 1.0
        else:
            f["section=none"] = 1.0
        left = [t for t in _tokens(s["left"]) if t.strip()]
        right = [t for t in _tokens(s["right"]) if t.strip()]
        for i, t in enumerate(reversed(left[-4:])):
            f[f"L{i}={t}"] = 1.0
            f[f"L={t}"] = 1.0
        for i, t in enumerate(right[:4]):
            f[f"R{i}={t}"] = 1.0
            f[f"R={t}"] = 1.0
        for t in set(_tokens(s["prev_line"])):
            if t.isalpha():
                f[f"prev={t}"] = 1.0
        f["line_starts_time"] = float(s["line_starts_time"])
        f[f"rule_time={s['rule_status']}|{int(s['line_starts_time'])}"] = 1.0
        out.append(f)
    return out
