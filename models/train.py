"""``infucode train``: fit the linking and status models on the gold train split.

It compares them with the rules on the test split and saves skops artifacts with metadata (including the
use-in-pipeline decision).

Usage::

    infucode train [--corpus FILE ...] [--out DIR] [--compare] [--no-rules] [--n-boot N]

The shipped artifacts are the models fitted on the train split only, so the held-out numbers in their
metadata are honest. Training is deterministic: same data and config -> identical predictions.
Only note ids, counts and scores are printed, never note text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from infucode.annotations.gold import CORPUS_DIR
from infucode.models import compare as cmp
from infucode.models.features import load_cues
from infucode.models.linking import build_link_pipeline, gold_link_set, nearest_drug_links, rule_links
from infucode.models.persist import ARTIFACT_DIR, save_artifact
from infucode.models.status import StatusSet, build_status_pipeline, calibration_folds, gold_status_set

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
#: The blind challenge set (evaluation only; ``annotations/corpus/CHALLENGE.md``).
CHALLENGE_FILE = CORPUS_DIR / "challenge.v1.jsonl"
LINK_CONFIG = "link_clf.v1.toml"
STATUS_CONFIG = "status_clf.v1.toml"


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------
def load_config(name: str, directory: Path | None = None) -> dict[str, Any]:
    """Read one TOML model config from ``models/configs``."""
    with ((directory or CONFIG_DIR) / name).open("rb") as fh:
        return tomllib.load(fh)


def data_sha256(records: Sequence[dict[str, Any]]) -> str:
    """Hash of the training/evaluation data: canonical JSON of id, split, text and gold events, by id."""
    h = hashlib.sha256()
    for rec in sorted(records, key=lambda r: str(r["id"])):
        core = {k: rec.get(k) for k in ("id", "split", "text", "gold_events", "encounter_date", "setting")}
        h.update(json.dumps(core, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def git_sha() -> str | None:
    """Return the current commit of the work tree, when git is available (read-only)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def split_of(rec: dict[str, Any]) -> str:
    """Return a gold record's split (its ``split`` field, else the deterministic hash split)."""
    from infucode.annotations.gold import split_for

    return str(rec.get("split") or split_for(str(rec["id"])))


def extract_rule_events(records: Sequence[dict[str, Any]]) -> dict[str, list[Any]] | None:
    """Run the rule-based extraction on every record; ``None`` when extraction is unavailable.

    A note that fails gets no events (logged by id only).
    """
    try:
        from infucode.pipeline.extract import build_nlp, doc_events
    except Exception as exc:  # extraction not installed / broken: no rule baseline
        log.warning("rule extraction unavailable (%s); training without rule features", type(exc).__name__)
        return None
    try:
        nlp = build_nlp()
    except Exception as exc:
        log.warning("rule extraction could not be built (%s: %s)", type(exc).__name__, exc)
        return None
    out: dict[str, list[Any]] = {}
    for rec in records:
        try:
            out[str(rec["id"])] = list(doc_events(nlp(rec["text"])))
        except Exception as exc:
            log.warning("extraction failed on note %s (%s)", rec["id"], type(exc).__name__)
            out[str(rec["id"])] = []
    return out


def _cues(cfg: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    name = cfg.get("features", {}).get("cues_file")
    return load_cues(CONFIG_DIR / name) if name else ()


def _cw(value: str | None) -> str | None:
    return None if value in (None, "none", "") else value


def grid_points(base: dict[str, Any], search: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Expand ``search`` (parameter -> candidate values) over ``base`` into a deterministic list."""
    points = [dict(base)]
    for key in sorted(search):
        points = [{**p, key: v} for p in points for v in search[key]]
    return points


def select_by_grouped_cv(
    build: Callable[[dict[str, Any], Sequence[Any]], Any],
    points: Sequence[dict[str, Any]],
    X: Sequence[Any],
    y: Sequence[Any],
    groups: Sequence[str],
    score: Callable[[Sequence[Any], Sequence[Any]], float],
    n_splits: int = 4,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pick the parameter point with the best out-of-fold score on the TRAIN split (folds grouped by note).

    ``build(params, y_fold)`` returns an unfitted estimator for one fold's labels. Ties keep the earlier
    point. Returns the best point and the score of every point.
    """
    from sklearn.model_selection import GroupKFold

    k = min(n_splits, len(set(groups)))
    if len(points) == 1 or k < 2:
        return points[0], []
    folds = list(GroupKFold(n_splits=k).split(X, y, groups))
    table: list[dict[str, Any]] = []
    best, best_score = points[0], -1.0
    for p in points:
        pred: list[Any] = [None] * len(y)
        for tr_idx, te_idx in folds:
            y_tr = [y[i] for i in tr_idx]
            if len(set(y_tr)) < 2:
                continue
            est = build(p, y_tr)
            est.fit([X[i] for i in tr_idx], y_tr)
            for i, v in zip(te_idx, est.predict([X[i] for i in te_idx]), strict=True):
                pred[i] = v
        sc = float(score(y, pred))
        table.append({"params": p, "cv_score": round(sc, 4)})
        if sc > best_score:
            best, best_score = p, sc
    return best, table


# ---------------------------------------------------------------------------------------------
# linking
# ---------------------------------------------------------------------------------------------
def _link_counts(ls: Any) -> dict[str, Any]:
    return {"candidates": len(ls.labels), "positives": int(sum(ls.labels)), "notes": len(set(ls.note_ids)),
            "gold_links_outside_window": int(sum(ls.missed_gold.values()))}


def _sets(test: Sequence[dict[str, Any]], extra: dict[str, Sequence[dict[str, Any]]] | None,
          ) -> dict[str, Sequence[dict[str, Any]]]:
    """Return the held-out evaluation sets: ``test``, every extra set, and ``heldout_pooled`` of all."""
    sets: dict[str, Sequence[dict[str, Any]]] = {"test": test}
    for name, recs in (extra or {}).items():
        if recs:
            sets[name] = recs
    if len(sets) > 1:
        sets["heldout_pooled"] = [r for recs in list(sets.values()) for r in recs]
    return sets


def _decide(report: dict[str, Any], cfg: dict[str, Any], have_rules: bool) -> dict[str, Any]:
    """Apply ``cmp.decide`` to the configured evaluation set (``decision.set``, falling back to ``test``)."""
    dcfg = cfg["decision"]
    if not have_rules:
        return {"use_in_pipeline": False, "mode": None, "metric": dcfg["metric"],
                "reason": "rule extraction unavailable: no rule baseline to beat"}
    comps = report.get("comparisons", {})
    name = dcfg.get("set", "test") if dcfg.get("set", "test") in comps else "test"
    if name not in comps:
        return {"use_in_pipeline": False, "mode": None, "metric": dcfg["metric"],
                "reason": "empty test split"}
    d = cmp.decide(comps[name]["comparison"], dcfg["metric"], min_prob_better=dcfg["min_prob_better"])
    d["evaluation_set"] = name
    return d


def evaluate_link(model: Any, records: Sequence[dict[str, Any]], rule_events: dict[str, list[Any]] | None,
                  cfg: dict[str, Any], n_boot: int) -> dict[str, Any] | None:
    """Compare the fitted linking model with the rules (and a nearest-drug baseline) on ``records``.

    Returns ``None`` when the records give no candidates.
    """
    cand_cfg = cfg["candidates"]
    te = gold_link_set(records, cand_cfg["max_line_dist"], cand_cfg["max_char_dist"])
    if not te.labels:
        return None
    proba = model.predict_proba(te.candidates)[:, 1]
    model_pred = (proba >= 0.5).astype(int).tolist()
    rules: list[int | None] | None = None
    if rule_events is not None:
        by_note: dict[str, list[int]] = {}
        for i, n in enumerate(te.note_ids):
            by_note.setdefault(n, []).append(i)
        rules = [None] * len(te.labels)
        for n, idx in by_note.items():
            decided = rule_links([te.candidates[i] for i in idx], rule_events.get(n, []))
            for i, d in zip(idx, decided, strict=True):
                rules[i] = d
    margin = cfg["combined"]["margin"]
    seed = cfg["decision"]["seed"]
    keep = list(range(len(te.labels))) if rules is None else [i for i, r in enumerate(rules) if r is not None]
    counts = _link_counts(te)
    counts["rule_drug_found_candidates"] = len(keep) if rules is not None else None
    systems: dict[str, list[Any]] = {}
    if rules is not None:
        systems["rules"] = [rules[i] for i in keep]
    systems["nearest_drug"] = [nearest_drug_links([te.candidates[i]])[0] for i in keep]
    systems["model"] = [model_pred[i] for i in keep]
    if rules is not None:
        systems["combined"] = [model_pred[i] if abs(proba[i] - 0.5) >= margin else rules[i] for i in keep]
    y = [te.labels[i] for i in keep]
    notes = [te.note_ids[i] for i in keep]
    baseline = "rules" if rules is not None else "nearest_drug"
    comp = cmp.compare_systems(y, systems, notes, [0, 1], baseline=baseline, positive=1, n_boot=n_boot,
                               seed=seed)
    per_label: dict[str, Any] = {}
    for lab in sorted({te.candidates[i]["label"] for i in keep}):
        idx = [j for j, i in enumerate(keep) if te.candidates[i]["label"] == lab]
        sub = {k: [v[j] for j in idx] for k, v in systems.items()}
        c = cmp.compare_systems([y[j] for j in idx], sub, [notes[j] for j in idx], [0, 1], baseline=baseline,
                                positive=1, n_boot=min(n_boot, 200), seed=seed)
        per_label[lab] = {name: {"f1": c["systems"][name]["f1"], "n": c["n_samples"]} for name in sub}
    return {"counts": counts, "comparison": comp, "per_label": per_label}


def train_link(train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]],
               rule_events: dict[str, list[Any]] | None, cfg: dict[str, Any],
               n_boot: int | None = None,
               extra: dict[str, Sequence[dict[str, Any]]] | None = None) -> tuple[Any, dict[str, Any]]:
    """Fit the linking model on ``train``; compare it with the rules on ``test`` (and on ``extra`` sets).

    Returns
    -------
    tuple
        The fitted pipeline and a report dict: counts, the chosen parameters with their train-CV scores,
        ``comparison`` (test split), ``comparisons`` (every held-out set) and the ``decision``.
    """
    cand_cfg = cfg["candidates"]
    tr = gold_link_set(train, cand_cfg["max_line_dist"], cand_cfg["max_char_dist"])
    if len(set(tr.labels)) < 2:
        raise ValueError("linking: the train split needs both linked and unlinked candidates")
    m = {k: v for k, v in cfg["model"].items() if k != "search"}

    def build(p: dict[str, Any], _y: Sequence[Any]) -> Any:
        return build_link_pipeline(C=p["C"], class_weight=_cw(p.get("class_weight")),
                                   random_state=p.get("random_state", 0))

    def f1_pos(yt: Sequence[Any], yp: Sequence[Any]) -> float:
        tp = sum(1 for a, b in zip(yt, yp, strict=True) if a == 1 and b == 1)
        fp = sum(1 for a, b in zip(yt, yp, strict=True) if a != 1 and b == 1)
        fn = sum(1 for a, b in zip(yt, yp, strict=True) if a == 1 and b != 1)
        return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)

    chosen, cv_table = select_by_grouped_cv(build, grid_points(m, cfg["model"].get("search", {})),
                                            tr.candidates, tr.labels, tr.note_ids, f1_pos)
    model = build(chosen, tr.labels)
    model.fit(tr.candidates, tr.labels)
    nb = n_boot if n_boot is not None else cfg["decision"]["n_boot"]
    report: dict[str, Any] = {"train": _link_counts(tr), "chosen_params": chosen, "train_cv": cv_table,
                              "comparisons": {}}
    for name, recs in _sets(test, extra).items():
        ev = evaluate_link(model, recs, rule_events, cfg, nb)
        if ev is not None:
            report["comparisons"][name] = ev
    if "test" in report["comparisons"]:
        report["test"] = report["comparisons"]["test"]["counts"]
        report["comparison"] = report["comparisons"]["test"]["comparison"]
        report["per_label"] = report["comparisons"]["test"]["per_label"]
    report["decision"] = _decide(report, cfg, rule_events is not None)
    return model, report


# ---------------------------------------------------------------------------------------------
# status
# ---------------------------------------------------------------------------------------------
def _drop_rare(ss: StatusSet, min_count: int) -> tuple[StatusSet, list[str]]:
    counts = Counter(ss.labels)
    rare = sorted(c for c, n in counts.items() if n < min_count)
    if not rare:
        return ss, []
    out = StatusSet()
    for s, y, r, n in zip(ss.samples, ss.labels, ss.rule_labels, ss.note_ids, strict=True):
        if y in rare:
            continue
        out.samples.append(s)
        out.labels.append(y)
        out.rule_labels.append(r)
        out.note_ids.append(n)
    return out, rare


class _DropRareWrapper:
    """Fit-time helper for CV folds: drop classes too rare in the fold, then fit the real pipeline."""

    def __init__(self, build: Callable[[dict[str, Any], Sequence[Any]], Any], params: dict[str, Any],
                 min_count: int) -> None:
        self.build, self.params, self.min_count = build, params, min_count
        self.est: Any = None

    def fit(self, X: Sequence[Any], y: Sequence[Any]) -> _DropRareWrapper:
        counts = Counter(y)
        keep = [i for i, v in enumerate(y) if counts[v] >= max(self.min_count, 2)]
        yk = [y[i] for i in keep]
        self.est = self.build(self.params, yk)
        self.est.fit([X[i] for i in keep], yk)
        return self

    def predict(self, X: Sequence[Any]) -> Any:
        return self.est.predict(X)


def train_status(train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]],
                 rule_events: dict[str, list[Any]] | None, cfg: dict[str, Any],
                 n_boot: int | None = None,
                 extra: dict[str, Sequence[dict[str, Any]]] | None = None) -> tuple[Any, dict[str, Any]]:
    """Fit the status classifier on ``train``; compare it with the rule status on ``test`` (and ``extra``).

    Returns
    -------
    tuple
        The fitted pipeline and a report dict: counts, chosen parameters with train-CV scores,
        ``comparison``/``calibration`` (test split), ``comparisons`` (every held-out set), ``decision``.
    """
    wl = cfg["features"]["window_lines"]
    m = cfg["model"]
    tr, rare = _drop_rare(gold_status_set(train, rule_events, wl), m.get("min_class_count", 2))
    if len(set(tr.labels)) < 2:
        raise ValueError("status: the train split needs at least two statuses with enough examples")
    cues = _cues(cfg)
    base = {k: v for k, v in m.items() if k != "search"}

    def build(p: dict[str, Any], y_fit: Sequence[Any]) -> Any:
        return build_status_pipeline(C=p["C"], ngram_max=p["ngram_max"], min_df=p["min_df"],
                                     folds=calibration_folds(y_fit, p.get("max_folds", 3)),
                                     calibration=p["calibration"], class_weight=_cw(p.get("class_weight")),
                                     random_state=p.get("random_state", 0), cues=cues,
                                     ensemble=bool(p.get("ensemble", False)))

    def macro_f1(yt: Sequence[Any], yp: Sequence[Any]) -> float:
        classes = sorted(set(yt))
        _, mat = cmp.confusion_by_note(yt, yp, ["all"] * len(yt), classes)
        return float(cmp.metrics_from_confusion(mat[0], classes)["macro_f1"])

    # inside a CV fold a class may be too rare to calibrate: those fold samples are dropped by the builder's
    # caller below (the outer model keeps every class with >= min_class_count examples)
    def build_fold(p: dict[str, Any], y_fit: Sequence[Any]) -> Any:
        return _DropRareWrapper(build, p, m.get("min_class_count", 2))

    chosen, cv_table = select_by_grouped_cv(build_fold, grid_points(base, m.get("search", {})),
                                            tr.samples, tr.labels, tr.note_ids, macro_f1)
    model = build(chosen, tr.labels)
    folds = calibration_folds(tr.labels, chosen.get("max_folds", 3))
    model.fit(tr.samples, tr.labels)
    nb = n_boot if n_boot is not None else cfg["decision"]["n_boot"]
    report: dict[str, Any] = {
        "train": {"samples": len(tr.labels), "notes": len(set(tr.note_ids)),
                  "class_counts": dict(sorted(Counter(tr.labels).items())), "rare_classes_left_out": rare,
                  "calibration_folds": folds},
        "chosen_params": chosen,
        "train_cv": cv_table,
        "comparisons": {},
    }
    for name, recs in _sets(test, extra).items():
        ev = evaluate_status(model, recs, rule_events, cfg, nb, tr.labels)
        if ev is not None:
            report["comparisons"][name] = ev
    if "test" in report["comparisons"]:
        t = report["comparisons"]["test"]
        report["test"], report["comparison"] = t["counts"], t["comparison"]
        report["calibration"] = t["calibration"]
    report["decision"] = _decide(report, cfg, rule_events is not None)
    report["decision"]["threshold"] = cfg["combined"]["threshold"]
    return model, report


def evaluate_status(model: Any, records: Sequence[dict[str, Any]], rule_events: dict[str, list[Any]] | None,
                    cfg: dict[str, Any], n_boot: int, train_labels: Sequence[str]) -> dict[str, Any] | None:
    """Compare the fitted status model with the rule status (and the majority class) on ``records``.

    Returns ``None`` when the records have no events.
    """
    te = gold_status_set(records, rule_events, cfg["features"]["window_lines"])
    if not te.labels:
        return None
    proba = model.predict_proba(te.samples)
    classes = list(model.classes_)
    best = np.argmax(proba, axis=1)
    model_pred = [classes[i] for i in best]
    conf = proba[np.arange(len(best)), best]
    thr = cfg["combined"]["threshold"]
    have_rules = rule_events is not None
    keep = [i for i, r in enumerate(te.rule_labels) if r is not None or not have_rules]
    counts = {"samples": len(te.labels), "notes": len(set(te.note_ids)),
              "class_counts": dict(sorted(Counter(te.labels).items())),
              "rule_drug_found": len(keep) if have_rules else None}
    systems: dict[str, list[Any]] = {}
    if have_rules:
        systems["rules"] = [te.rule_labels[i] for i in keep]
    systems["model"] = [model_pred[i] for i in keep]
    if have_rules:
        systems["combined"] = [model_pred[i] if conf[i] >= thr else te.rule_labels[i] for i in keep]
    majority = Counter(train_labels).most_common(1)[0][0]
    systems["majority"] = [majority] * len(keep)
    y = [te.labels[i] for i in keep]
    eval_classes = sorted(set(te.labels) | set(train_labels))
    comp = cmp.compare_systems(y, systems, [te.note_ids[i] for i in keep], eval_classes,
                               baseline="rules" if have_rules else "majority", n_boot=n_boot,
                               seed=cfg["decision"]["seed"])
    # calibration on this set: mean confidence of the model's choice vs its accuracy (all events)
    correct = np.array([model_pred[i] == te.labels[i] for i in range(len(te.labels))], dtype=float)
    calibration = {"mean_confidence": round(float(conf.mean()), 4),
                   "accuracy": round(float(correct.mean()), 4),
                   "brier_top": round(float(np.mean((conf - correct) ** 2)), 4)}
    return {"counts": counts, "comparison": comp, "calibration": calibration}


# ---------------------------------------------------------------------------------------------
# command
# ---------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="infucode train", description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", nargs="+", type=Path,
                   help="gold JSONL files (default: annotations/corpus/*.jsonl)")
    p.add_argument("--out", type=Path, default=ARTIFACT_DIR,
                   help="artifact folder (default: models/artifacts)")
    p.add_argument("--config-dir", type=Path, default=CONFIG_DIR, help="folder of the model TOML configs")
    p.add_argument("--compare", action="store_true", help="print the rules/model/combined comparison tables")
    p.add_argument("--no-rules", action="store_true",
                   help="do not run the rule extraction (no rule baseline)")
    p.add_argument("--n-boot", type=int, default=None, help="bootstrap resamples (default: from the config)")
    p.add_argument("--only", choices=("link", "status"), help="train one model only")
    p.add_argument("--challenge", nargs="*", type=Path, default=None,
                   help="blind evaluation sets (default: annotations/corpus/challenge.v1.jsonl when "
                        "present); evaluated only, never trained or tuned on")
    p.add_argument("--no-challenge", action="store_true", help="do not evaluate on the challenge set")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``infucode train``; return the exit status."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from infucode.annotations.gold import default_corpus_paths, read_gold

    paths = args.corpus or default_corpus_paths()
    if not paths:
        print("infucode train: no gold corpus found (annotations/corpus/*.jsonl)", file=sys.stderr)
        return 2
    records: list[dict[str, Any]] = []
    for p in paths:
        records += read_gold(p)
    train = [r for r in records if split_of(r) == "train"]
    test = [r for r in records if split_of(r) == "test"]
    challenge = [r for r in records if split_of(r) not in ("train", "test")]
    if not args.no_challenge:
        ch_paths = args.challenge if args.challenge is not None else (
            [CHALLENGE_FILE] if CHALLENGE_FILE.exists() and args.corpus is None else [])
        seen = {str(r["id"]) for r in records}
        for p in ch_paths:
            challenge += [r for r in read_gold(p) if str(r["id"]) not in seen]
    else:
        challenge = []
    print(f"corpus: {len(train)} train notes, {len(test)} test notes, {len(challenge)} challenge notes "
          f"(evaluation only)")
    rule_events = None if args.no_rules else extract_rule_events([*train, *test, *challenge])
    print("rule baseline: " + ("extraction events" if rule_events is not None else "unavailable"))
    common = {
        "data_sha256": data_sha256([*train, *test, *challenge]),
        "train_notes": len(train),
        "test_notes": len(test),
        "challenge_notes": len(challenge),
        "split_method": "record 'split' field (annotations/gold.py split_for: sha256(id) % 100 < 30 -> test)",
        "trained_on": "train split only (parameters by grouped CV on it); scores on the test split and the "
                      "blind challenge set",
        "training_date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_sha": git_sha(),
        "rule_baseline": rule_events is not None,
    }
    jobs = [("link", LINK_CONFIG, train_link), ("status", STATUS_CONFIG, train_status)]
    for kind, cfg_name, fn in jobs:
        if args.only and args.only != kind:
            continue
        cfg = load_config(cfg_name, args.config_dir)
        model, report = fn(train, test, rule_events, cfg, args.n_boot, {"challenge": challenge})
        meta = {**common, "kind": kind, "config": cfg, "config_file": cfg_name, **report}
        path = save_artifact(model, cfg["name"], meta, args.out)
        d = report["decision"]
        print(f"{kind}: saved {path.name}; use_in_pipeline={d['use_in_pipeline']} ({d.get('reason', '')})")
        if args.compare:
            base = "rules" if rule_events is not None else ("nearest_drug" if kind == "link" else "majority")
            for set_name, ev in report["comparisons"].items():
                print(cmp.format_comparison(f"{kind} on {set_name}", ev["comparison"], base))
                for lab, row in ev.get("per_label", {}).items():
                    cells = "  ".join(
                        f"{n}={v['f1']['value']:.3f}[{v['f1']['ci'][0]:.2f}-{v['f1']['ci'][1]:.2f}]"
                        for n, v in row.items()
                    )
                    print(f"  F1 {lab:<14} n={next(iter(row.values()))['n']:<5} {cells}")
                if "calibration" in ev:
                    print(f"  calibration: {ev['calibration']}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
