"""The blind challenge set: compiled apart from the dev corpus; the real pipeline stays above floors on it.

The challenge set (``annotations/corpus/challenge.v1.jsonl``, 40 notes in styles the dev corpus lacks,
written by a different hand; error analysis in ``annotations/corpus/CHALLENGE.md``) is a generalisation
check: never train or tune rules on it. Floors are a little below the numbers measured when it was written
(2026-11-23: drug F1 0.885, status F1 0.787, 0 failed notes). Raise them as extraction improves; never lower
them to make a change pass.
"""

from __future__ import annotations

import json

import pytest
from infucode.annotations.gold import (
    CHALLENGE_FILE,
    CHALLENGE_SPLIT,
    CORPUS_DIR,
    compile_sources,
    default_corpus_paths,
    is_challenge_source,
    load_corpus,
    read_gold,
    validate_gold_record,
)
from infucode.annotations.scoring import predict, score_records

DRUG_F1_FLOOR = 0.85
STATUS_F1_FLOOR = 0.75


def _challenge_sources():
    return sorted(p for p in (CORPUS_DIR / "src").glob("*.notes") if is_challenge_source(p))


def test_challenge_file_is_compiled_from_its_sources_and_up_to_date():
    records = compile_sources(_challenge_sources())
    shipped = CHALLENGE_FILE.read_text(encoding="utf-8")
    assert shipped == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), (
        "run: python scripts/make_corpus_offsets.py"
    )


def test_challenge_records_are_valid_and_split_apart_from_the_dev_corpus():
    records = read_gold(CHALLENGE_FILE)
    assert len(records) >= 40
    assert [p for r in records for p in validate_gold_record(r)] == []
    assert {r["split"] for r in records} == {CHALLENGE_SPLIT}
    assert CHALLENGE_FILE not in default_corpus_paths()
    dev = load_corpus(split="all")
    assert not {r["id"] for r in dev} & {r["id"] for r in records}
    assert not {r["text"] for r in dev} & {r["text"] for r in records}
    assert all(r["split"] in ("train", "test") for r in dev)
    assert load_corpus([CHALLENGE_FILE], split=CHALLENGE_SPLIT) == records
    assert load_corpus([CHALLENGE_FILE], split="train") == []


@pytest.fixture(scope="module")
def challenge_result():
    gold = read_gold(CHALLENGE_FILE)
    return score_records(predict(gold), gold)


@pytest.mark.slow
def test_every_challenge_note_is_processed_without_error(challenge_result):
    assert challenge_result["errors"] == []


@pytest.mark.slow
def test_challenge_drug_f1_stays_above_floor(challenge_result):
    assert challenge_result["attributes"]["drug"]["f1"] >= DRUG_F1_FLOOR


@pytest.mark.slow
def test_challenge_status_f1_stays_above_floor(challenge_result):
    assert challenge_result["attributes"]["status"]["f1"] >= STATUS_F1_FLOOR
