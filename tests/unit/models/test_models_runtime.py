from __future__ import annotations

import json
import logging

import pytest
from infucode.annotations.schema import AdminEvent, Span
from infucode.models import runtime
from infucode.models.persist import save_artifact
from infucode.models.train import load_config, train_status

TEXT = "Pt refused Dilaudid 1 mg IV.\n1300 Toradol 15 mg IV push given.\nHome meds: atorvastatin 40 mg daily"


class FakeDoc:
    """Stands in for a spaCy Doc: the runtime reads only ``.text``."""

    def __init__(self, text: str) -> None:
        self.text = text


def _events() -> list[AdminEvent]:
    out = []
    for n, word in enumerate(("Dilaudid", "Toradol", "atorvastatin"), 1):
        s = TEXT.index(word)
        out.append(AdminEvent(f"e{n}", word.lower(), drug_text=word, status="given", status_cue="rule",
                              mention_start=s, spans=[Span(s, s + len(word), "DRUG")]))
    return out


@pytest.fixture()
def artifact_dir(tiny_split, tmp_path):
    train, test = tiny_split
    cfg = load_config("status_clf.v1.toml")
    cfg["decision"]["n_boot"] = 20
    cfg["model"].pop("search", None)
    model, rep = train_status(train, test, None, cfg)
    save_artifact(model, "status_clf.v1", {"config": cfg, "decision": rep["decision"]}, tmp_path)
    runtime.load_model.cache_clear()
    yield tmp_path
    runtime.load_model.cache_clear()


def _set_decision(d, **decision):
    p = d / "status_clf.v1.json"
    meta = json.loads(p.read_text())
    meta["decision"].update(decision)
    p.write_text(json.dumps(meta))
    runtime.load_model.cache_clear()


def test_confidence_is_set_but_status_kept_when_model_did_not_beat_rules(artifact_dir):
    events = runtime.apply_models(FakeDoc(TEXT), _events(), artifact_dir=str(artifact_dir))
    assert [e.status for e in events] == ["given"] * 3
    assert all(e.status_cue == "rule" for e in events)
    assert all(0.0 <= e.confidence <= 1.0 for e in events)
    assert any(e.confidence < 1.0 for e in events)


def test_model_status_replaces_rules_when_metadata_says_it_wins(artifact_dir):
    _set_decision(artifact_dir, use_in_pipeline=True, mode="model")
    events = runtime.apply_models(TEXT, _events(), artifact_dir=str(artifact_dir))
    by = {e.drug_text: e for e in events}
    assert by["Dilaudid"].status == "not_given"
    assert by["Dilaudid"].status_cue == "model:status_clf.v1"
    assert by["atorvastatin"].status == "historical"
    assert by["Toradol"].status == "given" and by["Toradol"].status_cue == "rule"
    for e in events:  # confidence is the probability of the final status
        assert 0.0 < e.confidence <= 1.0


def test_combined_mode_only_replaces_confident_predictions(artifact_dir):
    _set_decision(artifact_dir, use_in_pipeline=True, mode="combined", threshold=1.01)
    events = runtime.apply_models(TEXT, _events(), artifact_dir=str(artifact_dir))
    assert [e.status for e in events] == ["given"] * 3


def test_version_mismatch_falls_back_to_rules_with_a_warning(artifact_dir, caplog):
    p = artifact_dir / "status_clf.v1.json"
    meta = json.loads(p.read_text())
    meta["sklearn_version"] = "0.1.0"
    p.write_text(json.dumps(meta))
    runtime.load_model.cache_clear()
    before = [e.to_dict() for e in _events()]
    with caplog.at_level(logging.WARNING, logger="infucode.models.runtime"):
        events = runtime.apply_models(TEXT, _events(), artifact_dir=str(artifact_dir))
    assert [e.to_dict() for e in events] == before
    assert "falling back to rules" in caplog.text and "scikit-learn" in caplog.text
    assert "Dilaudid" not in caplog.text


def test_missing_artifacts_and_empty_notes_are_harmless(tmp_path):
    runtime.load_model.cache_clear()
    assert runtime.apply_models("", [], artifact_dir=str(tmp_path)) == []
    evs = _events()
    assert runtime.apply_models(TEXT, evs, artifact_dir=str(tmp_path)) is evs
    assert all(e.confidence == 1.0 for e in evs)
    runtime.load_model.cache_clear()


def test_batch_application_equals_note_by_note(artifact_dir):
    _set_decision(artifact_dir, use_in_pipeline=True, mode="model")
    texts = [TEXT, TEXT.replace("refused", "was given"), TEXT]
    one = [runtime.apply_models(t, _events_for(t), artifact_dir=str(artifact_dir)) for t in texts]
    many = runtime.apply_models_many([(t, _events_for(t)) for t in texts] + [("", [])],
                                     artifact_dir=str(artifact_dir))
    assert len(many) == 4 and many[3] == []
    assert [[e.to_dict() for e in evs] for evs in one] == [[e.to_dict() for e in evs] for evs in many[:3]]


def _events_for(text: str) -> list[AdminEvent]:
    out = []
    for n, word in enumerate(("Dilaudid", "Toradol", "atorvastatin"), 1):
        s = text.index(word)
        out.append(AdminEvent(f"e{n}", word.lower(), drug_text=word, status="given", status_cue="rule",
                              mention_start=s, spans=[Span(s, s + len(word), "DRUG")]))
    return out
