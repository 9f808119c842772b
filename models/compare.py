"""Rules vs model vs combined on the held-out split, per class, with bootstrap 95% CIs over notes.

Every system's predictions are reduced to one confusion matrix per note; a bootstrap resample draws notes
with replacement and sums their matrices, so one resample costs a weighted sum, not a re-scoring. The
decision to use a model in the pipeline (:func:`decide`) is taken from these numbers and stored with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Name of the prediction used for "the system said nothing" (e.g. the rules did not find the drug).
NO_PREDICTION = "<none>"


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def confusion_by_note(
    y_true: Sequence[Any], y_pred: Sequence[Any], note_ids: Sequence[str], classes: Sequence[Any]
) -> tuple[list[str], np.ndarray]:
    """Return the note order and an array ``(n_notes, K, K+1)`` of per-note confusion counts.

    Rows are true classes, columns predicted classes; the extra last column counts predictions outside
    ``classes`` (including ``None``), which are always wrong.
    """
    notes = sorted(set(note_ids))
    pos = {n: i for i, n in enumerate(notes)}
    k = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(notes), len(classes), len(classes) + 1), dtype=np.int64)
    for t, p, n in zip(y_true, y_pred, note_ids, strict=True):
        if t not in k:
            continue
        m[pos[n], k[t], k.get(p, len(classes))] += 1
    return notes, m


def metrics_from_confusion(conf: np.ndarray, classes: Sequence[Any], positive: Any = None) -> dict[str, Any]:
    """Return accuracy, macro-F1 (classes with support), per-class P/R/F1/support from one confusion matrix.

    Parameters
    ----------
    conf
        ``(K, K+1)`` counts.
    classes
        Class names in row order.
    positive
        For binary tasks, the positive class; adds top-level ``precision``/``recall``/``f1`` of it.
    """
    total = conf.sum()
    per: dict[str, dict[str, float]] = {}
    f1s = []
    for i, c in enumerate(classes):
        tp = float(conf[i, i])
        pred = float(conf[:, i].sum())
        sup = float(conf[i, :].sum())
        p = tp / pred if pred else 0.0
        r = tp / sup if sup else 0.0
        f = _f1(p, r)
        per[str(c)] = {"precision": p, "recall": r, "f1": f, "support": sup}
        if sup:
            f1s.append(f)
    out: dict[str, Any] = {
        "n": float(total),
        "accuracy": float(np.trace(conf[:, : len(classes)]) / total) if total else 0.0,
        "macro_f1": float(np.mean(f1s)) if f1s else 0.0,
        "per_class": per,
    }
    if positive is not None:
        out.update({k: per[str(positive)][k] for k in ("precision", "recall", "f1")})
    return out


def _flat(metrics: dict[str, Any], keys: Sequence[str], classes: Sequence[Any]) -> list[float]:
    vals = [metrics[k] for k in keys]
    for c in classes:
        vals.append(metrics["per_class"][str(c)]["f1"])
    return vals


def compare_systems(
    y_true: Sequence[Any],
    systems: Mapping[str, Sequence[Any]],
    note_ids: Sequence[str],
    classes: Sequence[Any],
    baseline: str = "rules",
    positive: Any = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Score several systems on the same samples with 95% bootstrap CIs (resampling notes).

    Parameters
    ----------
    y_true
        Gold labels.
    systems
        Name -> predictions (same length as ``y_true``; ``None`` = no prediction).
    note_ids
        Note id of each sample (the bootstrap unit).
    classes
        Classes to score.
    baseline
        The system the others are compared with (differences and ``prob_better``).
    positive
        Positive class for binary tasks.
    n_boot
        Number of bootstrap resamples.
    seed
        Seed of the resampling.

    Returns
    -------
    dict
        ``{"n_samples", "n_notes", "classes", "systems": {name: {metric: {"value", "ci"}}},
        "vs_<baseline>": {name: {metric: {"diff", "ci", "prob_better"}}}}``.
    """
    keys = ["accuracy", "macro_f1"] + (["precision", "recall", "f1"] if positive is not None else [])
    names = list(systems)
    mats = {}
    notes: list[str] = []
    for name in names:
        notes, mats[name] = confusion_by_note(y_true, systems[name], note_ids, classes)
    rng = np.random.default_rng(seed)
    n = len(notes)
    point = {name: metrics_from_confusion(mats[name].sum(0), classes, positive) for name in names}
    boots: dict[str, np.ndarray] = {name: np.zeros((n_boot, len(keys) + len(classes))) for name in names}
    for b in range(n_boot):
        w = np.bincount(rng.integers(0, n, n), minlength=n) if n else np.zeros(0, dtype=np.int64)
        for name in names:
            conf = np.tensordot(w, mats[name], axes=1)
            boots[name][b] = _flat(metrics_from_confusion(conf, classes, positive), keys, classes)
    labels = keys + [f"f1[{c}]" for c in classes]
    result: dict[str, Any] = {
        "n_samples": int(sum(1 for t in y_true if t in set(classes))),
        "n_notes": n,
        "n_boot": n_boot,
        "classes": [str(c) for c in classes],
        "systems": {},
    }
    for name in names:
        flat = _flat(point[name], keys, classes)
        result["systems"][name] = {
            lab: {"value": round(v, 4), "ci": _ci(boots[name][:, i])} for i, (lab, v) in enumerate(
                zip(labels, flat, strict=True))
        }
        result["systems"][name]["per_class"] = point[name]["per_class"]
    if baseline in names:
        vs: dict[str, Any] = {}
        base_flat = _flat(point[baseline], keys, classes)
        for name in names:
            if name == baseline:
                continue
            flat = _flat(point[name], keys, classes)
            d = boots[name] - boots[baseline]
            vs[name] = {
                lab: {"diff": round(flat[i] - base_flat[i], 4), "ci": _ci(d[:, i]),
                      "prob_better": round(float(np.mean(d[:, i] > 0)), 4)}
                for i, lab in enumerate(labels)
            }
        result[f"vs_{baseline}"] = vs
    return result


def _ci(values: np.ndarray) -> list[float]:
    if len(values) == 0:
        return [float("nan"), float("nan")]
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def decide(comparison: dict[str, Any], metric: str, candidates: Sequence[str] = ("model", "combined"),
           baseline: str = "rules", min_prob_better: float = 0.9) -> dict[str, Any]:
    """Decide whether (and how) the pipeline uses the model, from a :func:`compare_systems` result.

    The best candidate by the point estimate of ``metric`` is chosen; it is used when it beats the
    baseline on the point estimate and the bootstrap probability that it is better is at least
    ``min_prob_better``.

    Returns
    -------
    dict
        ``{"use_in_pipeline": bool, "mode": name | None, "metric", "reason"}``.
    """
    vs = comparison.get(f"vs_{baseline}")
    if not vs:
        return {"use_in_pipeline": False, "mode": None, "metric": metric,
                "reason": f"no {baseline} baseline to compare with"}
    best = max((c for c in candidates if c in vs), key=lambda c: vs[c][metric]["diff"], default=None)
    if best is None:
        return {"use_in_pipeline": False, "mode": None, "metric": metric, "reason": "no candidate system"}
    d = vs[best][metric]
    use = d["diff"] > 0 and d["prob_better"] >= min_prob_better
    reason = (
        f"{best} {metric} - {baseline} = {d['diff']:+.4f} (95% CI {d['ci'][0]:+.4f}..{d['ci'][1]:+.4f}, "
        f"P(better) = {d['prob_better']:.3f}; threshold {min_prob_better})"
    )
    return {"use_in_pipeline": bool(use), "mode": best if use else None, "metric": metric,
            "candidate": best, "min_prob_better": min_prob_better, "reason": reason}


def format_comparison(title: str, comparison: dict[str, Any], baseline: str = "rules") -> str:
    """Return a readable table of a :func:`compare_systems` result (numbers only, never text)."""
    lines = [f"== {title}: {comparison['n_samples']} samples, {comparison['n_notes']} notes, "
             f"{comparison['n_boot']} bootstrap resamples (95% CI)"]
    systems = comparison["systems"]
    names = list(systems)
    metrics = [k for k in next(iter(systems.values())) if k != "per_class"] if systems else []
    lines.append(f"{'metric':<22}" + "".join(f"{n:>26}" for n in names))
    for m in metrics:
        row = f"{m:<22}"
        for n in names:
            v = systems[n][m]
            row += f"{v['value']:>9.3f} [{v['ci'][0]:.3f}-{v['ci'][1]:.3f}]".rjust(26)
        lines.append(row)
    vs = comparison.get(f"vs_{baseline}", {})
    for n, d in vs.items():
        parts = [
            f"{m} {d[m]['diff']:+.3f} [{d[m]['ci'][0]:+.3f},{d[m]['ci'][1]:+.3f}] P>{d[m]['prob_better']:.2f}"
            for m in metrics
            if m in d and not m.startswith("f1[")
        ]
        lines.append(f"  {n} - {baseline}: " + "; ".join(parts))
    return "\n".join(lines)
