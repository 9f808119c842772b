"""The extraction scorer: matching, per-attribute P/R/F1, timing metrics, CLI on saved predictions."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest
from infucode.annotations import scoring
from infucode.annotations.gold import load_corpus
from infucode.annotations.scoring import match_events, score_records


def _gold(events, rid="n1"):
    return {"id": rid, "text": "x" * 200, "gold_events": events}


def _ev(eid, drug, start_off, status="given", dose=None, route=None, start=None, end=None, site=None):
    return {"event_id": eid, "drug": drug, "drug_text": drug, "dose": dose, "route": route, "status": status,
            "start": start, "end": end, "site": site,
            "spans": [{"start": start_off, "end": start_off + 5, "label": "DRUG"}]}


def _as_pred(gold_records):
    return [{"id": r["id"], "status": "ok", "events": copy.deepcopy(r["gold_events"])} for r in gold_records]


def test_gold_against_itself_scores_perfectly_on_the_whole_corpus():
    gold = load_corpus(split="all")
    res = score_records(_as_pred(gold), gold)
    for attr, m in res["attributes"].items():
        assert m["f1"] == pytest.approx(1.0), attr
    assert res["timing"]["start_accuracy"] == 1.0
    assert res["timing"]["duration_mae_min"] == 0.0
    assert res["mismatches"] == [] and res["errors"] == []


def test_match_prefers_overlapping_drug_span_then_text_order():
    gold = [_ev("g1", "morphine", 10), _ev("g2", "morphine", 50), _ev("g3", "ketorolac", 90)]
    pred = [_ev("e1", "morphine", 52), _ev("e2", "morphine", 150), _ev("e3", "ondansetron", 90)]
    pairs = match_events(pred, gold)
    # e1 overlaps g2; e2 is paired with the remaining morphine by order; ondansetron != ketorolac
    assert pairs == [(0, 1), (1, 0)]


def test_missed_and_spurious_events_lower_recall_and_precision():
    gold = [_gold([_ev("g1", "ondansetron", 0), _ev("g2", "ketorolac", 20), _ev("g3", "morphine", 40),
                   _ev("g4", "sodium chloride 0.9%", 60)])]
    pred = [{"id": "n1", "events": [_ev("e1", "ondansetron", 0), _ev("e2", "ketorolac", 20),
                                    _ev("e3", "fentanyl", 100)]}]
    m = score_records(pred, gold)["attributes"]["drug"]
    assert (m["tp"], m["pred"], m["gold"]) == (2, 3, 4)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_attribute_scores_compare_values_of_matched_events():
    gold = [_gold([
        _ev("g1", "ondansetron", 0, dose={"value": 4, "unit": "mg"}, route="IV_PUSH", site="L AC",
            start="2026-01-01T14:10:00"),
        _ev("g2", "ceftriaxone", 30, dose={"value": 1, "unit": "g"}, route="IV_INFUSION",
            start="2026-01-01T14:20:00", end="2026-01-01T14:50:00"),
        _ev("g3", "morphine", 60, status="not_given", dose={"value": 4, "unit": "mg"}),
    ])]
    pred = [{"id": "n1", "events": [
        _ev("e1", "ondansetron", 0, dose={"value": 8, "unit": "mg"}, route="IV_PUSH", site="l. ac",
            start="2026-01-01T14:10:00"),
        _ev("e2", "ceftriaxone", 30, dose={"value": 1000, "unit": "mg"}, route="IV",
            start="2026-01-01T14:20:00", end="2026-01-01T15:00:00"),
        _ev("e3", "morphine", 60, status="given", dose={"value": 4, "unit": "mg"},
            start="2026-01-01T14:30:00"),
    ]}]
    res = score_records(pred, gold)
    a = res["attributes"]
    assert (a["dose"]["tp"], a["dose"]["gold"], a["dose"]["pred"]) == (2, 3, 3)  # 1 g == 1000 mg
    assert (a["route"]["tp"], a["route"]["gold"], a["route"]["pred"]) == (1, 2, 2)
    assert a["status"]["tp"] == 2 and a["status"]["f1"] == pytest.approx(2 / 3)
    assert a["site"]["tp"] == 1 and a["site"]["f1"] == 1.0  # punctuation/case-insensitive
    assert (a["start"]["tp"], a["start"]["gold"], a["start"]["pred"]) == (2, 2, 3)
    assert (a["end"]["tp"], a["end"]["gold"], a["end"]["pred"]) == (0, 1, 1)
    assert a["drug_given"]["tp"] == 2 and a["drug_given"]["gold"] == 2 and a["drug_given"]["pred"] == 3
    t = res["timing"]
    assert t["matched_given"] == 2  # timing figures use pairs whose gold event was given
    assert t["start_accuracy"] == 1.0
    assert t["end_accuracy"] == pytest.approx(0.5)
    assert t["duration_pairs"] == 1 and t["duration_mae_min"] == pytest.approx(10.0)
    kinds = {(m["gold_event"], m["attribute"]) for m in res["mismatches"]}
    assert ("g1", "dose") in kinds and ("g2", "route") in kinds and ("g3", "status") in kinds


def test_perturbed_corpus_scores_below_perfect_by_the_expected_amount():
    gold = load_corpus(split="all")
    pred = _as_pred(gold)
    dropped = shifted = 0
    for rec in pred:
        if rec["events"]:
            rec["events"].pop()  # drop the last event of every note
            dropped += 1
        for ev in rec["events"]:
            if ev["start"] and ev["status"] == "given" and shifted < 20:
                ev["start"] = (datetime.fromisoformat(ev["start"]) + timedelta(minutes=1)).isoformat()
                shifted += 1
    res = score_records(pred, gold)
    n_gold = sum(len(r["gold_events"]) for r in gold)
    drug = res["attributes"]["drug"]
    assert drug["precision"] == 1.0
    assert drug["recall"] == pytest.approx((n_gold - dropped) / n_gold)
    assert shifted == 20
    assert res["attributes"]["start"]["tp"] <= res["attributes"]["start"]["gold"] - shifted
    assert res["timing"]["start_accuracy"] == pytest.approx(1 - shifted / res["timing"]["matched_given"])


def test_missing_or_error_predictions_count_as_no_events():
    gold = [_gold([_ev("g1", "ondansetron", 0)], rid="a"), _gold([_ev("g1", "morphine", 0)], rid="b")]
    pred = [{"id": "b", "status": "error", "events": []}]
    res = score_records(pred, gold)
    assert res["errors"] == ["a", "b"]
    assert res["attributes"]["drug"]["recall"] == 0.0


def test_cli_scores_saved_predictions_and_prints_json(tmp_path, capsys):
    gold = load_corpus(split="test")
    pred_file = tmp_path / "pred.jsonl"
    pred_file.write_text("".join(json.dumps(r) + "\n" for r in _as_pred(gold)), encoding="utf-8")
    assert scoring.main(["--split", "test", "--pred", str(pred_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["notes"] == len(gold)
    assert out["attributes"]["drug"]["f1"] == 1.0
    assert "mismatches" not in out


def test_cli_table_lists_every_attribute(tmp_path, capsys):
    gold = load_corpus(split="train")
    preds = _as_pred(gold)
    preds[0]["events"] = []
    pred_file = tmp_path / "pred.jsonl"
    pred_file.write_text("".join(json.dumps(r) + "\n" for r in preds), encoding="utf-8")
    assert scoring.main(["--split", "train", "--pred", str(pred_file), "--verbose"]) == 0
    out = capsys.readouterr().out
    for attr in scoring.ATTRIBUTES:
        assert f"\n{attr} " in out
    assert preds[0]["id"] in out  # verbose lists the missed events of that note


def test_cli_rejects_a_missing_corpus_file(tmp_path, capsys):
    assert scoring.main([str(tmp_path / "nope.jsonl")]) == 2
