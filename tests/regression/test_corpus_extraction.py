"""The real pipeline on the held-out test split of the gold corpus must stay above measured floors.

Floors are set a little below the numbers measured when the corpus was written (2026-11-23:
test split drug F1 0.869, status F1 0.817); raise them as extraction improves, never lower them to
make a change pass.
"""

from __future__ import annotations

import pytest
from infucode.annotations.gold import load_corpus
from infucode.annotations.scoring import predict, score_records

DRUG_F1_FLOOR = 0.80
STATUS_F1_FLOOR = 0.75


@pytest.fixture(scope="module")
def test_split_result():
    try:
        from infucode.pipeline.extract import build_nlp, doc_events  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only while extraction is being built
        pytest.skip(f"extraction is not importable yet: {exc}")
    gold = load_corpus(split="test")
    preds = predict(gold)
    return score_records(preds, gold)


@pytest.mark.slow
def test_every_test_note_is_processed_without_error(test_split_result):
    assert test_split_result["errors"] == []


@pytest.mark.slow
def test_drug_event_detection_f1_stays_above_floor(test_split_result):
    assert test_split_result["attributes"]["drug"]["f1"] >= DRUG_F1_FLOOR


@pytest.mark.slow
def test_status_f1_stays_above_floor(test_split_result):
    assert test_split_result["attributes"]["status"]["f1"] >= STATUS_F1_FLOOR
