"""Inter-annotator agreement between two reviewers of the same notes.

* **Span F1** - spans are ``(start, end, label)`` triples; exact F1 = 2·|A∩B| / (|A| + |B|) (symmetric, so
  it does not matter which reviewer is the "reference"); relaxed F1 counts a span as matched when the
  other reviewer has a span with the same label that overlaps it (one-to-one greedy matching).
* **Cohen's kappa on status** - the two reviewers' events are paired by their DRUG spans (greedy on
  overlap), and kappa is computed on the paired statuses; events that cannot be paired are counted, not
  scored.

Pure Python; the input is two lists of review documents (see :mod:`infucode.annotations.review.formats`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def _spans(doc: dict[str, Any]) -> set[tuple[int, int, str]]:
    return {
        (int(s["start"]), int(s["end"]), str(s["label"]))
        for ev in doc.get("events") or []
        for s in ev.get("spans") or []
    }


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _relaxed_matches(a: set[tuple[int, int, str]], b: set[tuple[int, int, str]]) -> int:
    pairs = sorted(
        ((_overlap((x[0], x[1]), (y[0], y[1])), x, y) for x in a for y in b if x[2] == y[2]),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_a: set[Any] = set()
    used_b: set[Any] = set()
    n = 0
    for ov, x, y in pairs:
        if ov <= 0 and not (x[0] == x[1] == y[0] == y[1]):
            continue
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        n += 1
    return n


def _anchor(ev: dict[str, Any]) -> tuple[int, int] | None:
    spans = ev.get("spans") or []
    drug = [s for s in spans if s.get("label") == "DRUG"] or spans
    if not drug:
        return None
    return int(drug[0]["start"]), int(drug[0]["end"])


def pair_events(
    events_a: list[dict[str, Any]], events_b: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pair two reviewers' events of one note by overlapping DRUG spans (greedy, largest overlap first).

    Returns the pairs in reviewer A's event order.
    """
    cands = []
    for i, ea in enumerate(events_a):
        for j, eb in enumerate(events_b):
            a, b = _anchor(ea), _anchor(eb)
            if a is None or b is None:
                continue
            ov = _overlap(a, b)
            if ov > 0 or a == b:
                cands.append((-ov, abs(a[0] - b[0]), i, j))
    cands.sort()
    ua: set[int] = set()
    ub: set[int] = set()
    out: list[tuple[int, int]] = []
    for _, _, i, j in cands:
        if i in ua or j in ub:
            continue
        ua.add(i)
        ub.add(j)
        out.append((i, j))
    return [(events_a[i], events_b[j]) for i, j in sorted(out)]


def cohen_kappa(labels_a: list[str], labels_b: list[str]) -> float | None:
    """Cohen's kappa for two equally long label lists (``None`` when empty).

    When both raters use one single identical category throughout, chance agreement is 1 and kappa is
    undefined; we return 1.0 (perfect agreement) in that case.
    """
    if len(labels_a) != len(labels_b):
        raise ValueError("label lists differ in length")
    n = len(labels_a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(labels_a, labels_b, strict=True)) / n
    ca, cb = Counter(labels_a), Counter(labels_b)
    pe = sum(ca[k] * cb.get(k, 0) for k in ca) / (n * n)
    if pe >= 1.0:
        return 1.0 if po >= 1.0 else 0.0
    return (po - pe) / (1.0 - pe)


def _f1(tp: int, na: int, nb: int) -> float | None:
    return None if na + nb == 0 else 2 * tp / (na + nb)


def agreement(docs_a: list[dict[str, Any]], docs_b: list[dict[str, Any]]) -> dict[str, Any]:
    """Agreement between reviewer A's and reviewer B's documents over the notes both reviewed.

    Parameters
    ----------
    docs_a, docs_b
        Review documents of each reviewer; matched by ``id``.

    Returns
    -------
    dict
        ``notes``, ``spans_a``, ``spans_b``, ``span_matches``, ``span_f1``, ``span_f1_relaxed``,
        ``per_label`` (label -> {a, b, matches, f1}), ``events_paired``, ``events_unpaired_a``,
        ``events_unpaired_b``, ``status_agreement`` (observed), ``status_kappa``, ``status_confusion``
        (list of [status_a, status_b, count]).
    """
    by_b = {str(d["id"]): d for d in docs_b}
    notes = 0
    tp = relaxed = na = nb = 0
    per_label: dict[str, Counter[str]] = {}
    sa: list[str] = []
    sb: list[str] = []
    un_a = un_b = 0
    for da in docs_a:
        db = by_b.get(str(da["id"]))
        if db is None:
            continue
        notes += 1
        a, b = _spans(da), _spans(db)
        tp += len(a & b)
        na += len(a)
        nb += len(b)
        relaxed += _relaxed_matches(a, b)
        for lab in {s[2] for s in a | b}:
            c = per_label.setdefault(lab, Counter())
            la = {s for s in a if s[2] == lab}
            lb = {s for s in b if s[2] == lab}
            c["a"] += len(la)
            c["b"] += len(lb)
            c["matches"] += len(la & lb)
        ea, eb = list(da.get("events") or []), list(db.get("events") or [])
        pairs = pair_events(ea, eb)
        un_a += len(ea) - len(pairs)
        un_b += len(eb) - len(pairs)
        for x, y in pairs:
            sa.append(str(x.get("status") or "given"))
            sb.append(str(y.get("status") or "given"))
    confusion = Counter(zip(sa, sb, strict=True))
    return {
        "notes": notes,
        "spans_a": na,
        "spans_b": nb,
        "span_matches": tp,
        "span_f1": _f1(tp, na, nb),
        "span_f1_relaxed": _f1(relaxed, na, nb),
        "per_label": {
            lab: {"a": c["a"], "b": c["b"], "matches": c["matches"], "f1": _f1(c["matches"], c["a"], c["b"])}
            for lab, c in sorted(per_label.items())
        },
        "events_paired": len(sa),
        "events_unpaired_a": un_a,
        "events_unpaired_b": un_b,
        "status_agreement": (sum(x == y for x, y in zip(sa, sb, strict=True)) / len(sa)) if sa else None,
        "status_kappa": cohen_kappa(sa, sb),
        "status_confusion": [[x, y, n] for (x, y), n in sorted(confusion.items())],
    }
