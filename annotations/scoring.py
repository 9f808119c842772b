"""Score extracted events against the gold corpus (``infucode score``).

Matching (per note): a predicted event is paired with a gold event of the same normalised drug whose
DRUG spans overlap (largest overlap first); the events left over are paired by drug name in text order.
Anything still unpaired is a false positive (prediction) or a false negative (gold).

Per-attribute slot scores: for ``dose``, ``route``, ``status``, ``site``, ``start`` and ``end`` a true
positive is a matched pair whose gold and predicted values are both set and equal; precision divides by
the number of predicted events with that attribute set, recall by the number of gold events with it set
(unmatched events count on their side). ``drug`` is event detection (true positive = a matched pair);
``drug_given`` is the same restricted to pairs where both sides say ``status == "given"`` (what billing
reads). ``start`` and ``end`` are scored on ``given`` events only (on each side; the gold corpus puts no
times on other statuses, and billing reads only given events). Equality: doses compare as amounts
(``1 g`` == ``1000 mg``, ``1 L`` == ``1000 mL``); sites compare case- and punctuation-insensitively;
times compare to the minute. On the matched pairs whose gold event is ``given`` the scorer also reports
start/end accuracy (both-null counts as correct) and the mean absolute error of the duration in minutes
over pairs where both sides have a start and an end.

Use :func:`score_records` from code; ``main`` is the CLI.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from infucode.annotations.gold import load_corpus, read_gold, to_input_record

#: Attributes scored as slots, in report order.
ATTRIBUTES: tuple[str, ...] = ("drug", "drug_given", "dose", "route", "status", "site", "start", "end")
_SLOT_ATTRS = ("dose", "route", "status", "site", "start", "end")

#: Dose units reduced to a common base for comparison: unit -> (dimension, factor to base).
_UNIT_BASE: dict[str, tuple[str, float]] = {
    "mcg": ("mass", 1.0),
    "mg": ("mass", 1000.0),
    "g": ("mass", 1_000_000.0),
    "ml": ("volume", 1.0),
    "l": ("volume", 1000.0),
    "units": ("units", 1.0),
    "meq": ("meq", 1.0),
    "mmol": ("mmol", 1.0),
}


# ---------------------------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------------------------
def norm_drug(name: Any) -> str | None:
    """Lowercase, trim and collapse spaces in a drug name (``None`` for empty)."""
    if not isinstance(name, str) or not name.strip():
        return None
    return re.sub(r"\s+", " ", name.strip().lower())


def norm_site(site: Any) -> str | None:
    """Case- and punctuation-insensitive site text (``"L. AC"`` == ``"l ac"``)."""
    if not isinstance(site, str):
        return None
    s = re.sub(r"[^a-z0-9]+", " ", site.lower()).strip()
    return s or None


def norm_dose(dose: Any) -> tuple[str, float] | None:
    """Return ``(dimension, amount in base unit)`` for a dose dict, or ``None``."""
    if not isinstance(dose, dict):
        return None
    try:
        value = float(dose.get("value"))
    except (TypeError, ValueError):
        return None
    unit = str(dose.get("unit") or "").strip().lower()
    dim, factor = _UNIT_BASE.get(unit, (unit, 1.0))
    return dim, value * factor


def norm_time(value: Any) -> str | None:
    """Return an ISO datetime truncated to the minute (``YYYY-MM-DDTHH:MM``), or ``None``."""
    if value is None or value == "":
        return None
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt.replace(tzinfo=None).isoformat(timespec="minutes")


def attribute_value(event: dict[str, Any], attr: str) -> Any:
    """Return the normalised value of one scored attribute of an event dict (``None`` when unset)."""
    if attr == "drug":
        return norm_drug(event.get("drug"))
    if attr == "dose":
        return norm_dose(event.get("dose"))
    if attr == "route":
        r = event.get("route")
        return str(r).upper() if r else None
    if attr == "status":
        s = event.get("status")
        return str(s).lower() if s else None
    if attr == "site":
        return norm_site(event.get("site"))
    if attr in ("start", "end"):
        return norm_time(event.get(attr))
    raise KeyError(attr)


def scored_value(event: dict[str, Any], attr: str) -> Any:
    """Like :func:`attribute_value`, but times count only on events whose status is ``given``."""
    if attr in ("start", "end") and str(event.get("status") or "").lower() != "given":
        return None
    return attribute_value(event, attr)


def values_equal(attr: str, a: Any, b: Any) -> bool:
    """Compare two normalised values of ``attr`` (doses with a small relative tolerance)."""
    if a is None or b is None:
        return False
    if attr == "dose":
        return a[0] == b[0] and abs(a[1] - b[1]) <= 1e-6 * max(1.0, abs(a[1]))
    return bool(a == b)


# ---------------------------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------------------------
def drug_span(event: dict[str, Any]) -> tuple[int, int] | None:
    """Return the (start, end) of the event's DRUG span, if it has one."""
    for s in event.get("spans") or []:
        if s.get("label") == "DRUG":
            try:
                return int(s["start"]), int(s["end"])
            except (KeyError, TypeError, ValueError):
                return None
    return None


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> int:
    if a is None or b is None:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _order_key(event: dict[str, Any], index: int) -> tuple[int, int]:
    span = drug_span(event)
    return (span[0] if span else 10**12, index)


def match_events(pred: Sequence[dict[str, Any]], gold: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """Pair predicted with gold events of one note.

    Parameters
    ----------
    pred, gold
        Event dicts (contract shape; gold from ``gold_events``).

    Returns
    -------
    list of (gold_index, pred_index)
        Matched pairs, sorted by gold index. First pass: same normalised drug and overlapping DRUG spans
        (largest overlap first); second pass: same drug, in text order.
    """
    pairs: list[tuple[int, int]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    cands = []
    for gi, g in enumerate(gold):
        gd, gs = norm_drug(g.get("drug")), drug_span(g)
        for pi, p in enumerate(pred):
            ov = _overlap(gs, drug_span(p))
            if ov > 0 and gd is not None and gd == norm_drug(p.get("drug")):
                cands.append((-ov, gi, pi))
    for _, gi, pi in sorted(cands):
        if gi not in used_g and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    rest_g = sorted((gi for gi in range(len(gold)) if gi not in used_g), key=lambda i: _order_key(gold[i], i))
    rest_p = sorted((pi for pi in range(len(pred)) if pi not in used_p), key=lambda i: _order_key(pred[i], i))
    for gi in rest_g:
        gd = norm_drug(gold[gi].get("drug"))
        for pi in rest_p:
            if pi not in used_p and gd is not None and norm_drug(pred[pi].get("drug")) == gd:
                pairs.append((gi, pi))
                used_p.add(pi)
                break
    return sorted(pairs)


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------
def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    r = tp / n_gold if n_gold else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "precision": p, "recall": r, "f1": f}


def _events(rec: dict[str, Any] | None, gold: bool) -> list[dict[str, Any]]:
    if rec is None:
        return []
    key = "gold_events" if gold and "gold_events" in rec else "events"
    evs = rec.get(key) or []
    return [e for e in evs if isinstance(e, dict)]


def _show(attr: str, ev: dict[str, Any]) -> Any:
    if attr in ("drug", "drug_given"):
        return ev.get("drug")
    if attr == "dose":
        d = ev.get("dose")
        return f"{d.get('value')} {d.get('unit')}" if isinstance(d, dict) else None
    return ev.get(attr)


def _minutes(ev: dict[str, Any]) -> float | None:
    s, e = norm_time(ev.get("start")), norm_time(ev.get("end"))
    if s is None or e is None:
        return None
    return (datetime.fromisoformat(e) - datetime.fromisoformat(s)).total_seconds() / 60.0


def score_records(
    pred_records: Iterable[dict[str, Any]], gold_records: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """Score predicted output records against gold records, note by note (joined on ``id``).

    Parameters
    ----------
    pred_records
        Output records of the pipeline (``events`` list per record). A gold note with no prediction
        (or an ``error`` record) counts as predicting no events.
    gold_records
        Gold records (``gold_events``; a record with only ``events`` is read as gold too, which makes
        gold-vs-gold comparisons easy).

    Returns
    -------
    dict
        ``notes``, ``gold_events``, ``pred_events``, ``attributes``
        (attr -> tp/pred/gold/precision/recall/f1),
        ``timing`` (start/end accuracy on matched events, duration MAE), ``errors`` (ids of notes whose
        prediction is missing or an error), ``mismatches`` (one dict per disagreement: id, gold_event,
        pred_event, attribute, expected, got).
    """
    preds = {str(r.get("id")): r for r in pred_records}
    counts = {a: [0, 0, 0] for a in ATTRIBUTES}  # tp, pred, gold
    mismatches: list[dict[str, Any]] = []
    errors: list[str] = []
    n_notes = n_gold = n_pred = 0
    n_matched = n_timed = start_ok = end_ok = 0
    dur_err: list[float] = []
    for grec in gold_records:
        rid = str(grec.get("id"))
        n_notes += 1
        prec = preds.get(rid)
        if prec is None or prec.get("status") == "error":
            errors.append(rid)
        gold = _events(grec, gold=True)
        pred = _events(prec, gold=False) if prec is not None and prec.get("status") != "error" else []
        n_gold += len(gold)
        n_pred += len(pred)
        pairs = match_events(pred, gold)
        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        counts["drug"][0] += len(pairs)
        counts["drug"][1] += len(pred)
        counts["drug"][2] += len(gold)
        counts["drug_given"][0] += sum(
            1 for gi, pi in pairs if gold[gi].get("status") == "given" and pred[pi].get("status") == "given"
        )
        counts["drug_given"][1] += sum(1 for p in pred if p.get("status") == "given")
        counts["drug_given"][2] += sum(1 for g in gold if g.get("status") == "given")
        for attr in _SLOT_ATTRS:
            counts[attr][1] += sum(1 for p in pred if scored_value(p, attr) is not None)
            counts[attr][2] += sum(1 for g in gold if scored_value(g, attr) is not None)
        for gi, pi in pairs:
            g, p = gold[gi], pred[pi]
            n_matched += 1
            for attr in _SLOT_ATTRS:
                gv, pv = scored_value(g, attr), scored_value(p, attr)
                if values_equal(attr, gv, pv):
                    counts[attr][0] += 1
                elif gv is not None or pv is not None:
                    mismatches.append({"id": rid, "gold_event": g.get("event_id"),
                                       "pred_event": p.get("event_id"), "attribute": attr,
                                       "expected": _show(attr, g), "got": _show(attr, p),
                                       "drug": g.get("drug")})
            if g.get("status") != "given":
                continue
            n_timed += 1
            start_ok += scored_value(g, "start") == scored_value(p, "start")
            end_ok += scored_value(g, "end") == scored_value(p, "end")
            gm, pm = _minutes(g), (_minutes(p) if p.get("status") == "given" else None)
            if gm is not None and pm is not None:
                dur_err.append(abs(gm - pm))
        for gi, g in enumerate(gold):
            if gi not in matched_g:
                mismatches.append({"id": rid, "gold_event": g.get("event_id"), "pred_event": None,
                                   "attribute": "drug", "expected": g.get("drug"), "got": None,
                                   "drug": g.get("drug"), "drug_text": g.get("drug_text")})
        for pi, p in enumerate(pred):
            if pi not in matched_p:
                mismatches.append({"id": rid, "gold_event": None, "pred_event": p.get("event_id"),
                                   "attribute": "drug", "expected": None, "got": p.get("drug"),
                                   "drug": p.get("drug"), "drug_text": p.get("drug_text")})
    return {
        "notes": n_notes,
        "gold_events": n_gold,
        "pred_events": n_pred,
        "matched_events": n_matched,
        "attributes": {a: _prf(*counts[a]) for a in ATTRIBUTES},
        "timing": {
            "matched_given": n_timed,
            "start_accuracy": start_ok / n_timed if n_timed else None,
            "end_accuracy": end_ok / n_timed if n_timed else None,
            "duration_pairs": len(dur_err),
            "duration_mae_min": sum(dur_err) / len(dur_err) if dur_err else None,
        },
        "errors": errors,
        "mismatches": mismatches,
    }


# ---------------------------------------------------------------------------------------------
# running the pipeline and the CLI
# ---------------------------------------------------------------------------------------------
def predict(gold_records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run the real pipeline on the gold notes and return its output records (in order)."""
    from infucode.pipeline.runner import get_pipeline

    pipe = get_pipeline()
    return [pipe.process(to_input_record(g)) for g in gold_records]


def format_report(result: dict[str, Any], title: str = "") -> str:
    """Render a :func:`score_records` result as a plain-text table (no note text)."""
    lines = []
    if title:
        lines.append(title)
    lines.append(f"notes {result['notes']}  gold events {result['gold_events']}  "
                 f"predicted {result['pred_events']}  matched {result['matched_events']}  "
                 f"failed notes {len(result['errors'])}")
    lines.append(f"{'attribute':<11}{'gold':>6}{'pred':>6}{'tp':>6}{'precision':>11}{'recall':>8}{'f1':>8}")
    for attr, m in result["attributes"].items():
        lines.append(f"{attr:<11}{m['gold']:>6}{m['pred']:>6}{m['tp']:>6}{m['precision']:>11.3f}"
                     f"{m['recall']:>8.3f}{m['f1']:>8.3f}")
    t = result["timing"]

    def fmt(v: float | None, spec: str = ".3f") -> str:
        return "n/a" if v is None else format(v, spec)

    lines.append(f"matched given events ({t['matched_given']}): start accuracy {fmt(t['start_accuracy'])}, "
                 f"end accuracy {fmt(t['end_accuracy'])}, "
                 f"duration MAE {fmt(t['duration_mae_min'], '.1f')} min "
                 f"over {t['duration_pairs']} timed pairs")
    return "\n".join(lines)


def format_mismatches(result: dict[str, Any]) -> str:
    """One line per mismatch: note id, events, attribute, expected vs got."""
    out = []
    for m in result["mismatches"]:
        out.append(f"{m['id']:<10} gold={m['gold_event'] or '-':<4} pred={m['pred_event'] or '-':<4} "
                   f"{m['attribute']:<7} drug={m.get('drug')!s:<28} expected={m['expected']!s:<26} "
                   f"got={m['got']!s}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``infucode score [CORPUS ...] [--split test|train|all] [--json] [--verbose] [--pred FILE]``."""
    ap = argparse.ArgumentParser(prog="infucode score", description="Score extracted events against the gold "
                                 "corpus (default: every annotations/corpus/*.jsonl).")
    ap.add_argument("corpus", nargs="*", type=Path, help="gold JSONL files")
    ap.add_argument("--split", choices=("test", "train", "all"), default="test",
                    help="which split to score (default: test)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--verbose", action="store_true", help="also list every mismatch per note")
    ap.add_argument("--pred", type=Path, help="score these output records (JSONL from 'infucode code') "
                    "instead of running the pipeline")
    args = ap.parse_args(argv)
    for p in args.corpus:
        if not p.exists():
            print(f"infucode score: no such file: {p}", file=sys.stderr)
            return 2
    gold = load_corpus(args.corpus or None, split=args.split)
    if not gold:
        print("infucode score: no gold notes selected", file=sys.stderr)
        return 2
    preds = read_gold(args.pred) if args.pred else predict(gold)
    result = score_records(preds, gold)
    if args.json:
        out = dict(result)
        if not args.verbose:
            out.pop("mismatches")
        print(json.dumps(out, indent=1))
        return 0
    print(format_report(result, title=f"infucode score  split={args.split}"))
    if args.verbose:
        print()
        print(format_mismatches(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
