from __future__ import annotations

import json

import numpy as np
import pytest
import sklearn
from infucode.annotations.schema import AdminEvent, Span
from infucode.models import persist
from infucode.models.linking import gold_link_set
from infucode.models.persist import ModelLoadError, ModelVersionError, load_artifact, save_artifact
from infucode.models.status import gold_status_set
from infucode.models.train import load_config, main, train_link, train_status


def _cfg(kind: str) -> dict:
    cfg = load_config(f"{kind}_clf.v1.toml")
    cfg["decision"]["n_boot"] = 50
    cfg["model"].pop("search", None)  # one parameter point: fast; the CLI test runs the full grid
    return cfg


def test_status_training_is_deterministic(tiny_split):
    train, test = tiny_split
    m1, r1 = train_status(train, test, None, _cfg("status"))
    m2, r2 = train_status(train, test, None, _cfg("status"))
    samples = gold_status_set(test).samples
    assert np.array_equal(m1.predict_proba(samples), m2.predict_proba(samples))
    assert r1["comparison"] == r2["comparison"]
    assert r1["decision"]["use_in_pipeline"] is False  # no rule baseline -> never used


def test_link_training_is_deterministic(tiny_split):
    train, test = tiny_split
    m1, _ = train_link(train, test, None, _cfg("link"))
    m2, _ = train_link(train, test, None, _cfg("link"))
    cands = gold_link_set(test).candidates
    assert np.array_equal(m1.predict_proba(cands), m2.predict_proba(cands))


def _rule_events(records, status="given"):
    """Fake rule output: every gold drug and span found, but every TIME of a note linked to its first drug."""
    out = {}
    for rec in records:
        evs = []
        times = sorted({(s["start"], s["end"]) for ev in rec["gold_events"] for s in ev["spans"]
                        if s["label"] == "TIME"})
        for n, ev in enumerate(rec["gold_events"], 1):
            spans = [Span(s["start"], s["end"], s["label"]) for s in ev["spans"] if s["label"] != "TIME"]
            if n == 1:
                spans += [Span(s, e, "TIME") for s, e in times]
            d = next(s for s in ev["spans"] if s["label"] == "DRUG")
            evs.append(AdminEvent(f"e{n}", ev["drug"], drug_text=ev["drug_text"], status=status,
                                  mention_start=d["start"], spans=spans))
        out[rec["id"]] = evs
    return out


def test_comparison_with_rules_records_a_decision(tiny_split):
    train, test = tiny_split
    rules = _rule_events(train + test)
    _, rep = train_link(train, test, rules, _cfg("link"))
    systems = rep["comparison"]["systems"]
    assert {"rules", "model", "combined", "nearest_drug"} <= set(systems)
    # the fake rules put every time on the first drug: wrong links both ways
    assert systems["rules"]["precision"]["value"] < 1.0
    assert systems["rules"]["recall"]["value"] < 1.0
    per_label = rep["per_label"]
    assert per_label["DOSE"]["rules"]["f1"]["value"] == 1.0
    assert per_label["TIME"]["rules"]["f1"]["value"] < per_label["TIME"]["model"]["f1"]["value"]
    assert "use_in_pipeline" in rep["decision"] and "reason" in rep["decision"]
    _, srep = train_status(train, test, rules, _cfg("status"))
    assert srep["comparison"]["systems"]["rules"]["f1[given]"]["value"] > 0
    assert "vs_rules" in srep["comparison"]


def test_skops_round_trip_keeps_predictions_and_metadata(tiny_split, tmp_path):
    train, test = tiny_split
    model, rep = train_status(train, test, None, _cfg("status"))
    path = save_artifact(model, "status_clf.v1", {"decision": rep["decision"], "data_sha256": "x"}, tmp_path)
    assert path.suffix == ".skops"
    assert not list(tmp_path.glob("*.pkl"))
    loaded, meta = load_artifact("status_clf.v1", tmp_path)
    samples = gold_status_set(test).samples
    assert np.array_equal(model.predict_proba(samples), loaded.predict_proba(samples))
    assert meta["sklearn_version"] == sklearn.__version__
    assert meta["data_sha256"] == "x" and meta["name"] == "status_clf.v1"
    assert len(meta["artifact_sha256"]) == 64


def test_loading_refuses_another_sklearn_minor_version(tiny_split, tmp_path):
    train, test = tiny_split
    model, _ = train_link(train, test, None, _cfg("link"))
    save_artifact(model, "link_clf.v1", {}, tmp_path)
    meta_path = tmp_path / "link_clf.v1.json"
    meta = json.loads(meta_path.read_text())
    major, minor = sklearn.__version__.split(".")[:2]
    meta["sklearn_version"] = f"{major}.{int(minor) + 1}.0"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelVersionError, match="minor versions must match"):
        load_artifact("link_clf.v1", tmp_path)
    # a patch-level difference is accepted
    persist.check_version({"sklearn_version": f"{major}.{minor}.99"})


def test_loading_refuses_a_tampered_artifact(tiny_split, tmp_path):
    train, test = tiny_split
    model, _ = train_link(train, test, None, _cfg("link"))
    path = save_artifact(model, "link_clf.v1", {}, tmp_path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelLoadError, match="checksum"):
        load_artifact("link_clf.v1", tmp_path)


def test_train_command_writes_both_artifacts(tiny_records, tmp_path, capsys):
    corpus = tmp_path / "gold.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in tiny_records))
    out = tmp_path / "art"
    argv = ["--corpus", str(corpus), "--out", str(out), "--no-rules", "--n-boot", "20", "--compare"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "link: saved link_clf.v1.skops" in printed and "status: saved status_clf.v1.skops" in printed
    assert "Zofran" not in printed and "refused" not in printed  # no note text in the output
    for name in ("link_clf.v1", "status_clf.v1"):
        meta = json.loads((out / f"{name}.json").read_text())
        assert meta["decision"]["use_in_pipeline"] is False
        assert meta["test_notes"] == 2 and meta["config"]["name"] == name
        assert "comparison" in meta and meta["training_date"]
