"""Runtime hook: apply the trained models to the extraction's events of one note.

``apply_models(doc, events)``:

* **linking** (only when ``link_clf.v1`` metadata says it beat the rules on the held-out split): every
  attribute span the rules attached to an event is scored against every event's drug mentions; where the
  model is confident (``|p - 0.5| >= margin``, the "combined" system that was evaluated) that the span
  belongs to another event that has no value for that attribute, the value moves there (ROUTE, SITE, RATE,
  TIME are shared instead when the model says both events own it). DOSE/VOLUME are only moved, never
  shared. Pure removals are not done (a value is never dropped without a new owner).
* **status**: sets each event's ``confidence`` to the status model's probability of the event's (final)
  status and, only where the metadata says the model beat the rules (``decision.use_in_pipeline``),
  replaces the rule status with the model's (``status_cue`` becomes ``"model:status_clf.v1"``).

When an artifact is missing, made with another scikit-learn minor version or otherwise unusable, a warning
is logged once and the events keep the rule output.

spaCy is not imported here: ``doc`` is only read for ``doc.text`` (a plain string is accepted too).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import sklearn
from infucode.annotations.schema import AdminEvent
from infucode.models.linking import apply_relink, plan_relink
from infucode.models.persist import ARTIFACT_DIR, ModelLoadError, load_artifact
from infucode.models.status import event_status_samples

log = logging.getLogger(__name__)

STATUS_MODEL = "status_clf.v1"
LINK_MODEL = "link_clf.v1"


class LoadedModel:
    """A loaded artifact with the parts of its metadata the runtime needs."""

    def __init__(self, model: Any, meta: dict[str, Any]) -> None:
        self.model = model
        self.meta = meta
        self.name: str = meta.get("name", "")
        decision = meta.get("decision") or {}
        self.use: bool = bool(decision.get("use_in_pipeline"))
        self.mode: str | None = decision.get("mode")
        self.threshold: float = float(decision.get("threshold", meta.get("config", {}).get("combined", {})
                                                   .get("threshold", 0.0)))
        cfg = meta.get("config", {})
        self.window_lines: int = int(cfg.get("features", {}).get("window_lines", 0))
        self.margin: float = float(cfg.get("combined", {}).get("margin", 0.3))
        self.max_line_dist: int = int(cfg.get("candidates", {}).get("max_line_dist", 3))
        self.max_char_dist: int = int(cfg.get("candidates", {}).get("max_char_dist", 600))
        self.classes: list[str] = [str(c) for c in getattr(model, "classes_", [])]


@lru_cache(maxsize=8)
def load_model(name: str, directory: str | None = None) -> LoadedModel | None:
    """Load one artifact once per process; ``None`` (with a logged warning) when it cannot be used."""
    try:
        model, meta = load_artifact(name, Path(directory) if directory else ARTIFACT_DIR)
    except ModelLoadError as exc:
        log.warning("model %s not used, falling back to rules: %s", name, exc)
        return None
    except Exception as exc:  # a corrupt artifact must never stop the pipeline
        log.warning("model %s not used, falling back to rules: %s", name, type(exc).__name__)
        return None
    return LoadedModel(model, meta)


def _text_of(doc: Any) -> str:
    return doc if isinstance(doc, str) else str(doc.text)


def apply_status_model(text: str, events: list[AdminEvent], lm: LoadedModel) -> list[AdminEvent]:
    """Set confidence (and, when the metadata allows, the status) of ``events`` in place; return them."""
    _status_many([(text, events)], lm)
    return events


def _status_many(notes: list[tuple[str, list[AdminEvent]]], lm: LoadedModel) -> None:
    """Score every event of several notes with one ``predict_proba`` call, then update them in place."""
    samples: list[dict[str, Any]] = []
    where: list[AdminEvent] = []
    for text, events in notes:
        s, idx = event_status_samples(text, events, lm.window_lines)
        samples += s
        where += [events[i] for i in idx]
    if not samples:
        return
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        proba = lm.model.predict_proba(samples)
    col = {c: i for i, c in enumerate(lm.classes)}
    for row, ev in zip(proba, where, strict=True):
        best = int(row.argmax())
        if lm.use and lm.classes[best] != ev.status:
            if lm.mode == "model" or (lm.mode == "combined" and row[best] >= lm.threshold):
                ev.status = lm.classes[best]
                ev.status_cue = f"model:{lm.name}"
        if ev.status in col:
            ev.confidence = float(row[col[ev.status]])


def _relink_many(notes: list[tuple[str, list[AdminEvent]]], lm: LoadedModel) -> None:
    """Re-link the events of several notes with one ``predict_proba`` call."""
    plans = [(plan_relink(text, events, lm.max_line_dist, lm.max_char_dist), events)
             for text, events in notes]
    cands = [c for plan, _ in plans if plan is not None for c in plan.candidates]
    if not cands:
        return
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        proba = lm.model.predict_proba(cands)[:, 1]
    pos = 0
    for plan, events in plans:
        if plan is None:
            continue
        n = len(plan.candidates)
        apply_relink(plan, events, proba[pos : pos + n], lm.margin)
        pos += n


def apply_models_many(items: Sequence[tuple[Any, list[AdminEvent]]],
                      artifact_dir: str | None = None) -> list[list[AdminEvent]]:
    """Apply the models to several notes at once (one ``predict_proba`` per model for the whole batch).

    Parameters
    ----------
    items
        ``(doc, events)`` per note (``doc`` a spaCy ``Doc`` or the note text).
    artifact_dir
        Folder of the artifacts (default: the shipped ``models/artifacts``).

    Returns
    -------
    list of list of AdminEvent
        The events of each note, changed in place exactly as :func:`apply_models` would.
    """
    notes = [(_text_of(doc), events) for doc, events in items if events]
    out = [events for _, events in items]
    if not notes:
        return out
    link = load_model(LINK_MODEL, artifact_dir)
    if link is not None and link.use:
        try:
            _relink_many(notes, link)
        except Exception as exc:  # never crash the pipeline because of a model
            log.warning("model %s failed on a batch (%s); keeping rule links", link.name, type(exc).__name__)
    lm = load_model(STATUS_MODEL, artifact_dir)
    if lm is not None:
        try:
            _status_many(notes, lm)
        except Exception as exc:
            log.warning("model %s failed on a batch (%s); keeping rule output", lm.name, type(exc).__name__)
    return out


def apply_models(doc: Any, events: list[AdminEvent], artifact_dir: str | None = None) -> list[AdminEvent]:
    """Apply the trained models to one note's events (in place) and return the events.

    Parameters
    ----------
    doc
        The spaCy ``Doc`` of the note (only ``doc.text`` is read) or the note text itself.
    events
        The extraction's events of that note.
    artifact_dir
        Folder of the artifacts (default: the shipped ``models/artifacts``).

    Returns
    -------
    list of AdminEvent
        The same events: attribute values moved between events where the linking model is used and
        confident (moved evidence spans carry ``rule="model:link_clf.v1"``); ``confidence`` = model
        probability of the final status; ``status`` and ``status_cue`` replaced only where the status
        model beat the rules on the held-out split.
    """
    return apply_models_many([(doc, events)], artifact_dir)[0]
