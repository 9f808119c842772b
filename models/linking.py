"""Attribute-to-drug linking: candidates from gold records or extracted events, labels, and the model.

A candidate pairs one drug mention with one attribute span (DOSE, ROUTE, TIME, SITE, STATUS, ...) of the
same note when the attribute lies within ``max_line_dist`` lines and ``max_char_dist`` characters of the
drug. Its gold label is 1 when the gold event of that drug lists the attribute span. The rule baseline is
read off the extraction's own events: a pair is linked by the rules when the extracted event matching the
gold drug holds a span overlapping the attribute with a compatible label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infucode.models.features import (
    LINKABLE_LABELS,
    DrugIndex,
    LineIndex,
    link_candidate,
    link_feature_dicts,
)
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
    keep: Callable[[int, int], bool] | None = None,
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
    keep
        Optional filter ``keep(drug_index, attr_index)``; pairs it rejects are not built.
    """
    li = lines or LineIndex.of(text)
    attr_list = list(attrs)
    out: list[tuple[int, int, dict[str, Any]]] = []
    index = DrugIndex.of(text, drugs)
    by_line: dict[int, list[int]] = {}
    for di, (ds, _) in enumerate(drugs):
        by_line.setdefault(li.line_of(ds), []).append(di)
    for ai, (a_s, a_e, lab) in enumerate(attr_list):
        if lab not in LINKABLE_LABELS:
            continue
        a_line = li.line_of(a_s)
        lines_near = range(a_line - max_line_dist, a_line + max_line_dist + 1)
        window = sorted(di for ln in lines_near for di in by_line.get(ln, ()))
        for di in window:
            ds, de = drugs[di]
            if keep is not None and not keep(di, ai):
                continue
            gap = a_s - de if a_s >= de else ds - a_e
            if gap > max_char_dist:
                continue
            out.append((di, ai, link_candidate(text, li, (ds, de), (a_s, a_e, lab), drugs, index=index)))
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
    """Return the rule decision (1/0) for each candidate of one note; ``None`` when it is not a linking case.

    ``None`` when the extraction did not find the drug, or found the attribute span on no event at all:
    those are detection errors, not linking errors, and the comparison leaves them out (the model could
    not fix them at runtime either, since it only re-links spans the extraction found).

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
    found = [x for attrs in ev_attrs for x in attrs]
    out: list[int | None] = []
    for c in candidates:
        j = matched[(c["drug_start"], c["drug_end"])]
        a = (c["attr_start"], c["attr_end"])
        g = label_group(c["label"])
        if j is None or not any(_overlaps(a, (s, e)) and label_group(lab) == g for s, e, lab in found):
            out.append(None)
            continue
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


# ---------------------------------------------------------------------------------------------
# runtime: move attribute values between extracted events where the model is confident
# ---------------------------------------------------------------------------------------------
#: Labels whose values the runtime may move between events, and those it may also share.
MOVABLE_LABELS: frozenset[str] = frozenset({"DOSE", "VOLUME", "RATE", "ROUTE", "SITE", "TIME"})
SHAREABLE_LABELS: frozenset[str] = frozenset({"RATE", "ROUTE", "SITE", "TIME"})


def _lacks(ev: Any, label: str) -> bool:
    if label == "DOSE":
        return ev.dose is None
    if label == "VOLUME":
        return ev.volume_ml is None
    if label == "RATE":
        return ev.rate_ml_hr is None
    if label == "ROUTE":
        return ev.route is None
    if label == "SITE":
        return ev.site is None
    return not ev.time_mentions


def _n_spans(ev: Any, label: str) -> int:
    g = label_group(label)
    return sum(1 for s in ev.spans if label_group(s.label) == g)


def _move_value(src: Any, dst: Any, span: tuple[int, int, str], share: bool) -> None:
    """Copy (``share``) or move the value that ``span`` gave ``src`` onto ``dst``, with its evidence."""
    a_s, a_e, label = span
    if label in ("DOSE", "VOLUME"):
        in_ml = src.dose is not None and src.dose.unit in ("mL", "L")
        ml = (src.dose.value * (1000.0 if src.dose.unit == "L" else 1.0)) if in_ml else None
        tied = ml is not None and src.volume_ml is not None and abs(ml - src.volume_ml) < 1e-6
        if label == "DOSE" or tied:
            dst.dose = src.dose
            if not share:
                src.dose = None
        if label == "VOLUME" or tied:
            dst.volume_ml = src.volume_ml
            if not share:
                src.volume_ml = None
    elif label == "RATE":
        dst.rate_ml_hr = src.rate_ml_hr
        if not share:
            src.rate_ml_hr = None
    elif label == "ROUTE":
        dst.route, dst.route_text = src.route, src.route_text
        if not share:
            src.route, src.route_text = None, None
    elif label == "SITE":
        dst.site = src.site
        if not share:
            src.site = None
    else:  # TIME
        moving = [t for t in src.time_mentions if _overlaps((t.start, t.end), (a_s, a_e))]
        dst.time_mentions = sorted([*dst.time_mentions, *moving], key=lambda t: t.start)
        if not share:
            src.time_mentions = [t for t in src.time_mentions if t not in moving]
    ev_spans = [s for s in src.spans if s.label != "DRUG" and _overlaps((s.start, s.end), (a_s, a_e))
                and label_group(s.label) == label_group(label)]
    for s in ev_spans:
        dst.spans.append(type(s)(s.start, s.end, s.label, "model:link_clf.v1"))
        if not share:
            src.spans.remove(s)
    dst.spans.sort(key=lambda s: (s.start, s.label))


def relink_events(
    text: str,
    events: list[Any],
    model: Any,
    margin: float = 0.3,
    max_line_dist: int = 3,
    max_char_dist: int = 600,
    detach_time: bool = False,
) -> list[dict[str, Any]]:
    """Move attribute values between ``events`` (in place) where the linking model is confident.

    Every DRUG span of an event (its first mention and re-mentions) is a drug mention of that event; the
    probability that an event owns an attribute span is the highest over its mentions. A value moves
    from its rule owner A to another event B only when the model says "not A" and "B" with
    ``|p - 0.5| >= margin``, B is the only such event, B has no value for that attribute and A got the
    value from this span alone (A has one span of that kind). ROUTE/SITE/RATE/TIME are shared (copied) to
    B when the model confidently says both own it. Nothing is removed without a new owner, except with
    ``detach_time``: a time the model confidently says is not the event's is dropped when the event keeps
    at least one other time.

    Returns
    -------
    list of dict
        One ``{"label", "from", "to", "shared"}`` per change (event ids, no text).
    """
    plan = plan_relink(text, events, max_line_dist, max_char_dist, detach_time)
    if plan is None:
        return []
    return apply_relink(plan, events, model.predict_proba(plan.candidates)[:, 1], margin, detach_time)


@dataclass(slots=True)
class RelinkPlan:
    """The link candidates of one note that :func:`apply_relink` needs scored."""

    attrs: list[tuple[int, int, str]]
    owners: dict[tuple[int, int, str], set[int]]
    pairs: list[tuple[int, int]]  # (attr index, event index) of each candidate
    candidates: list[dict[str, Any]]


def plan_relink(text: str, events: list[Any], max_line_dist: int = 3, max_char_dist: int = 600,
                detach_time: bool = False) -> RelinkPlan | None:
    """Build the candidates :func:`relink_events` scores for one note (``None`` when there are none).

    Only attributes that another event lacks can change (and, with ``detach_time``, any time), so only
    those are paired, with the drug mentions of their owners and of the events lacking them.
    """
    drug_spans: list[tuple[int, int]] = []
    owner_of_drug: list[int] = []
    for i, ev in enumerate(events):
        for s in ev.spans:
            if s.label == "DRUG" and (s.start, s.end) not in drug_spans:
                drug_spans.append((s.start, s.end))
                owner_of_drug.append(i)
    owners: dict[tuple[int, int, str], set[int]] = {}
    for i, ev in enumerate(events):
        for s in ev.spans:
            if s.label in MOVABLE_LABELS:
                owners.setdefault((s.start, s.end, s.label), set()).add(i)
    if not drug_spans or not owners:
        return None
    relevant: dict[tuple[int, int, str], set[int]] = {}
    for span, own in owners.items():
        lacking = {i for i, ev in enumerate(events) if i not in own and _lacks(ev, span[2])}
        if lacking or (detach_time and span[2] == "TIME"):
            relevant[span] = own | lacking
    attrs = sorted(relevant)
    cands = note_candidates(text, drug_spans, attrs, max_line_dist, max_char_dist,
                            keep=lambda di, ai: owner_of_drug[di] in relevant[attrs[ai]])
    if not cands:
        return None
    pairs = [(ai, owner_of_drug[di]) for di, ai, _ in cands]
    return RelinkPlan(attrs, owners, pairs, [c for _, _, c in cands])


def apply_relink(plan: RelinkPlan, events: list[Any], proba: Sequence[float], margin: float = 0.3,
                 detach_time: bool = False) -> list[dict[str, Any]]:
    """Apply the scored plan of one note to its events (in place); see :func:`relink_events`."""
    best: dict[tuple[int, int], float] = {}
    for key, p in zip(plan.pairs, proba, strict=True):
        best[key] = max(best.get(key, 0.0), float(p))
    by_attr: dict[int, list[tuple[int, float]]] = {}
    for (a, e), p in best.items():
        by_attr.setdefault(a, []).append((e, p))
    attrs, owners = plan.attrs, plan.owners
    changes: list[dict[str, Any]] = []
    for ai, span in enumerate(attrs):
        label = span[2]
        own = owners[span]
        scored = by_attr.get(ai, ())
        yes = {e for e, p in scored if p >= 0.5 + margin}
        no = {e for e, p in scored if p <= 0.5 - margin}
        receivers = [e for e in sorted(yes) if e not in own and _lacks(events[e], label)]
        if not receivers:
            if detach_time and label == "TIME":
                for a in sorted(own & no):
                    ev = events[a]
                    keep = [t for t in ev.time_mentions if not _overlaps((t.start, t.end), span[:2])]
                    if keep and len(keep) < len(ev.time_mentions):
                        ev.time_mentions = keep
                        ev.spans = [s for s in ev.spans if not (s.label == "TIME"
                                                                and _overlaps((s.start, s.end), span[:2]))]
                        changes.append({"label": label, "from": ev.event_id, "to": None, "shared": False})
            continue
        donors = [a for a in sorted(own) if a in no]
        if len(donors) == 1 and len(own) == 1 and len(receivers) == 1:
            src = events[donors[0]]
            if label != "TIME" and _n_spans(src, label) != 1:
                continue
            _move_value(src, events[receivers[0]], span, share=False)
            changes.append({"label": label, "from": src.event_id, "to": events[receivers[0]].event_id,
                            "shared": False})
        elif label in SHAREABLE_LABELS and own <= yes:
            src = events[min(own)]
            if label != "TIME" and _n_spans(src, label) != 1:
                continue
            for r in receivers:
                _move_value(src, events[r], span, share=True)
                changes.append({"label": label, "from": src.event_id, "to": events[r].event_id,
                                "shared": True})
    return changes
