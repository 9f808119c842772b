"""Administration-status classifier: samples from gold records or extracted events, and the model.

One sample per drug mention: its masked context window (``features.status_sample``) and the rule status of
the matching extracted event. The model is a ``FeatureUnion`` of a word n-gram ``TfidfVectorizer`` over the
masked window and a ``DictVectorizer`` over positional/rule features, followed by a
``CalibratedClassifierCV`` around ``LogisticRegression`` so that ``predict_proba`` is a usable confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infucode.models.features import LineIndex, status_context_dicts, status_sample, status_window_texts
from infucode.models.linking import event_spans, match_events
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer


@dataclass(slots=True)
class StatusSet:
    """Status samples of many notes with gold labels, rule labels and note ids."""

    samples: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rule_labels: list[str | None] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)


def gold_status_set(
    records: Iterable[dict[str, Any]],
    rule_events: dict[str, Sequence[Any]] | None = None,
    window_lines: int = 0,
) -> StatusSet:
    """Build status samples from gold records.

    Parameters
    ----------
    records
        Gold records (``annotations/gold.py`` format).
    rule_events
        Extracted events per note id (``None``: no rules available; rule status ``"none"``).
    window_lines
        Extra context lines around the mention's line.
    """
    out = StatusSet()
    for rec in records:
        text = rec["text"]
        li = LineIndex.of(text)
        drugs: list[tuple[int, int]] = []
        statuses: list[str] = []
        for ev in rec.get("gold_events", []):
            d = next((s for s in ev["spans"] if s["label"] == "DRUG"), None)
            if d is not None:
                drugs.append((d["start"], d["end"]))
                statuses.append(ev.get("status", "given"))
        events = list(rule_events.get(str(rec["id"]), [])) if rule_events is not None else []
        matched = match_events(drugs, events) if events else [None] * len(drugs)
        all_drugs = sorted(set(drugs) | {d for d in (event_spans(e)[0] for e in events) if d})
        for d, y, j in zip(drugs, statuses, matched, strict=True):
            rule = _status_of(events[j]) if j is not None else None
            out.samples.append(status_sample(text, li, d, all_drugs, rule, window_lines))
            out.labels.append(y)
            out.rule_labels.append(rule)
            out.note_ids.append(str(rec["id"]))
    return out


def _status_of(event: Any) -> str:
    return str(event.get("status") if isinstance(event, dict) else event.status)


def event_status_samples(
    text: str, events: Sequence[Any], window_lines: int = 0
) -> tuple[list[dict[str, Any]], list[int]]:
    """Build status samples for extracted events of one note (runtime).

    Returns
    -------
    tuple
        The samples and, for each, the index of its event (events without a drug span are skipped).
    """
    li = LineIndex.of(text)
    spans = [event_spans(e)[0] for e in events]
    all_drugs = sorted({d for d in spans if d})
    samples, idx = [], []
    for i, (e, d) in enumerate(zip(events, spans, strict=True)):
        if d is None:
            continue
        samples.append(status_sample(text, li, d, all_drugs, _status_of(e), window_lines))
        idx.append(i)
    return samples, idx


def calibration_folds(labels: Sequence[str], max_folds: int = 3) -> int:
    """Return the calibration folds the labels allow (at most ``max_folds``, at least 2)."""
    counts = Counter(labels)
    return max(2, min(max_folds, min(counts.values()) if counts else 2))


def build_status_pipeline(
    C: float = 4.0,
    ngram_max: int = 2,
    min_df: int = 1,
    folds: int = 3,
    calibration: str = "sigmoid",
    class_weight: str | None = "balanced",
    random_state: int = 0,
    cues: tuple[tuple[str, str], ...] = (),
    ensemble: bool = False,
) -> Pipeline:
    """Return the unfitted status pipeline (text n-grams + context features -> calibrated LogReg).

    Parameters
    ----------
    C
        Inverse regularisation strength of the logistic regression.
    ngram_max
        Largest word n-gram of the window text.
    min_df
        Minimum document frequency of an n-gram.
    folds
        Calibration folds of ``CalibratedClassifierCV`` (stratified, not shuffled: deterministic).
    calibration
        ``"temperature"`` (one scalar for all classes: keeps the logistic regression's decisions),
        ``"sigmoid"`` or ``"isotonic"`` (one-vs-rest; need more examples per class).
    class_weight
        ``None`` or ``"balanced"``.
    random_state
        Seed of the logistic regression.
    cues
        Status cue lexicon ``((cue, category), ...)`` (``features.load_cues``); stored in the pipeline so
        that a saved model carries the lexicon it was trained with.
    ensemble
        ``CalibratedClassifierCV(ensemble=...)``: ``False`` fits one classifier on all training data and
        calibrates it on out-of-fold predictions.
    """
    text = Pipeline(
        [
            ("get", FunctionTransformer(status_window_texts)),
            ("tfidf", TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, sublinear_tf=True,
                                      token_pattern=r"(?u)\b\w+\b")),
        ]
    )
    ctx = Pipeline(
        [
            ("get", FunctionTransformer(status_context_dicts, kw_args={"cues": tuple(cues)})),
            ("vec", DictVectorizer(sort=True)),
        ]
    )
    base = LogisticRegression(C=C, class_weight=class_weight, max_iter=5000, random_state=random_state)
    return Pipeline(
        [
            ("features", FeatureUnion([("text", text), ("ctx", ctx)])),
            ("clf", CalibratedClassifierCV(base, cv=folds, method=calibration, ensemble=ensemble)),
        ]
    )
