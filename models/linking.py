"""Attribute-to-drug linking: candidates from gold records or extracted events, labels, and the model.

A candidate pairs one drug mention with one attribute span (DOSE, ROUTE, TIME, SITE, STATUS, ...) of the
same note when the attribute lies within ``max_line_dist`` lines and ``max_char_dist`` characters of the
drug. Its gold label is 1 when the gold event of that drug lists the attribute span. The rule baseline is
read off the extraction's own events: a pair is linked by the rules when the extracted event matching the
gold drug holds a span overlapping the attribute with a compatible label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infucode.models.features import LINKABLE_LABELS, LineIndex, link_candidate, link_feature_dicts
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

#: Labels treated as the same attribute when comparing rule spans with gold spans.
_LABEL_GROUP: dict[str, str] = {"DOSE": "AMOUNT", "VOLUME": "AMOUNT", "CONCENTRATION": "AMOUNT"}


def label_group(label: str) -> str:
    """Return the comparison group of a span label (DOSE/VOLUME/CONCENTRATION share one)."""
    return _LABEL_GROUP.get(label, label)


@dataclass(slots=True)
class LinkSet:
    """Link candidates of many notes with their labels and note ids (for bootstrap over notes)."""

    candidates: list[dict[str, Any]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)
    #: gold links that fell outside the candidate window (counted as misses by every system)
    missed_gold: dict[str, int] = field(default_factory=dict)

    def extend(self, other: LinkSet) -> None:
        """Append another set."""
        self.candidates += other.candidates
        self.labels += other.labels
        self.note_ids += other.note_ids
        for k, v in other.missed_gold.items():
            self.missed_gold[k] = self.missed_gold.get(k, 0) + v


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def note_candidates(
    text: str,
    drugs: Sequence[tuple[int, int]],
    attrs: Iterable[tuple[int, int, str]],
    max_line_dist: int = 3,
    max_char_dist: int = 600,
    lines: LineIndex | None = None,
) -> list[tuple[int, int, dict[str, Any]]]:
    """Return ``(drug_index, attr_index, candidate)`` for every drug/attribute pair inside the window.

    Parameters
    ----------
    text
        The note text.
    drugs
        ``(start, end)`` of each drug mention.
    attrs
        ``(start, end, label)`` of each attribute span; labels outside ``LINKABLE_LABELS`` are skipped.
    max_line_dist, max_char_dist
        The candidate window.
    lines
        A precomputed ``LineIndex`` (optional).
    """
    li = lines or LineIndex.of(text)
    attr_list = list(attrs)
    out: list[tuple[int, int, dict[str, Any]]] = []
    drug_lines = [li.line_of(s) for s, _ in drugs]
    for ai, (a_s, a_e, lab) in enumerate(attr_list):
        if lab not in LINKABLE_LABELS:
            continue
        a_line = li.line_of(a_s)
        for di, (ds, de) in enumerate(drugs):
            if abs(drug_lines[di] - a_line) > max_line_dist:
                continue
            gap = a_s - de if a_s >= de else ds - a_e
            if gap > max_char_dist:
                continue
            out.append((di, ai, link_candidate(text, li, (ds, de), (a_s, a_e, lab), drugs)))
    return out


def gold_link_set(records: Iterable[dict[str, Any]], max_line_dist: int = 3,
                  max_char_dist: int = 600) -> LinkSet:
    """Build labelled link candidates from gold records (``annotations/gold.py`` format).

    Every gold event's DRUG span is a drug mention; the union of the non-DRUG spans of all events of the
    note are the attribute spans; the label is 1 when the event lists that span.
    """
    out = LinkSet()
    for rec in records:
        text = rec["text"]
        drugs: list[tuple[int, int]] = []
        owned: list[set[tuple[int, int, str]]] = []
        attr_set: dict[tuple[int, int, str], None] = {}
        for ev in rec.get("gold_events", []):
            d = next((s for s in ev["spans"] if s["label"] == "DRUG"), None)
            if d is None:
                continue
            drugs.append((d["start"], d["end"]))
            mine = {(s["start"], s["end"], s["label"]) for s in ev["spans"]
                    if s["label"] in LINKABLE_LABELS}
            owned.append(mine)
            for a in sorted(mine):
                attr_set[a] = None
        attrs = sorted(attr_set)
        cands = note_candidates(text, drugs, attrs, max_line_dist, max_char_dist)
        covered: set[tuple[int, int]] = set()
        for di, ai, cand in cands:
            y = int(attrs[ai] in owned[di])
            if y:
                covered.add((di, ai))
            out.candidates.append(cand)
            out.labels.append(y)
            out.note_ids.append(str(rec["id"]))
        missed = sum(1 for di, mine in enumerate(owned) for a in mine if (di, attrs.index(a)) not in covered)
        if missed:
            out.missed_gold[str(rec["id"])] = missed
    return out


def event_spans(event: Any) -> tuple[tuple[int, int] | None, list[tuple[int, int, str]]]:
    """Return the drug span and the attribute spans (incl. time mentions) of an extracted event.

    Accepts an ``AdminEvent`` or its ``to_dict()`` form.
    """
    get = event.get if isinstance(event, dict) else (lambda k, default=None: getattr(event, k, default))
    spans = get("spans", []) or []
    drug: tuple[int, int] | None = None
    attrs: list[tuple[int, int, str]] = []
    for s in spans:
        st, en, lab = (s["start"], s["end"], s["label"]) if isinstance(s, dict) else (s.start, s.end, s.label)
        if lab == "DRUG" and drug is None:
            drug = (st, en)
        elif lab in LINKABLE_LABELS:
            attrs.append((st, en, lab))
    for tm in get("time_mentions", []) or []:
        st, en = (tm["start"], tm["end"]) if isinstance(tm, dict) else (tm.start, tm.end)
        attrs.append((st, en, "TIME"))
    if drug is None:
        ms = get("mention_start", None)
        dt = get("drug_text", "") or ""
        if ms is not None and dt:
            drug = (int(ms), int(ms) + len(dt))
    return drug, attrs


def match_events(gold_drugs: Sequence[tuple[int, int]], events: Sequence[Any]) -> list[int | None]:
    """Map each gold drug span to the index of the extracted event whose drug span overlaps it (or None).

    Each extracted event is used once; the largest overlap wins.
    """
    ev_drugs = [event_spans(e)[0] for e in events]
    used: set[int] = set()
    out: list[int | None] = []
    for g in gold_drugs:
        best, best_ov = None, 0
        for j, d in enumerate(ev_drugs):
            if d is None or j in used or not _overlaps(g, d):
                continue
            ov = min(g[1], d[1]) - max(g[0], d[0])
            if ov > best_ov:
                best, best_ov = j, ov
        if best is not None:
            used.add(best)
        out.append(best)
    return out


def rule_links(candidates: Sequence[dict[str, Any]], events: Sequence[Any]) -> list[int | None]:
    """Return the rule decision (1/0) for each candidate of one note, ``None`` when the drug was not found.

    Parameters
    ----------
    candidates
        Link candidates of one note (from :func:`gold_link_set` or :func:`note_candidates`).
    events
        The extraction's events for the same note.
    """
    drugs = sorted({(c["drug_start"], c["drug_end"]) for c in candidates})
    matched = dict(zip(drugs, match_events(drugs, events), strict=True))
    ev_attrs = [event_spans(e)[1] for e in events]
    out: list[int | None] = []
    for c in candidates:
        j = matched[(c["drug_start"], c["drug_end"])]
        if j is None:
            out.append(None)
            continue
        a = (c["attr_start"], c["attr_end"])
        g = label_group(c["label"])
        out.append(int(any(_overlaps(a, (s, e)) and label_group(lab) == g for s, e, lab in ev_attrs[j])))
    return out


def nearest_drug_links(candidates: Sequence[dict[str, Any]]) -> list[int]:
    """Link each attribute to its nearest drug mention (a simple geometric baseline)."""
    return [int(c["drug_rank"] == 0) for c in candidates]


def build_link_pipeline(C: float = 1.0, class_weight: str | None = None, random_state: int = 0) -> Pipeline:
    """Return the unfitted linking pipeline: features -> ``DictVectorizer`` -> ``LogisticRegression``.

    Parameters
    ----------
    C
        Inverse regularisation strength.
    class_weight
        ``None`` or ``"balanced"``.
    random_state
        Seed (the lbfgs solver is deterministic; kept for reproducibility of other solvers).
    """
    return Pipeline(
        [
            ("features", FunctionTransformer(link_feature_dicts)),
            ("vec", DictVectorizer(sort=True)),
            ("clf", LogisticRegression(C=C, class_weight=class_weight, max_iter=5000,
                                       random_state=random_state)),
        ]
    )
