"""The fourth held-out set: compiled apart from the dev corpus and the other held-out sets; floors on the real pipeline.

``annotations/corpus/blind3.v1.jsonl`` (30 notes, ids ``blind3-*``, split ``blind3``, sources
``src/unseen*.notes``, written by yet another hand in documentation styles none of the other sets use;
composition, scores and error analysis in ``annotations/corpus/BLIND3.md``) is an honest generalisation
check: never train or tune rules on it. The floors are a little below what was measured when it was written
(2026-11-23 18:47 UTC, after the one gold name correction listed in BLIND3.md: drug F1 0.872, status F1 0.770,
0 failed notes); raise them as extraction improves, never lower them to make a change pass.
"""

from __future__ import annotations

import pytest
from infucode.annotations.gold import (
    BLIND2_FILE,
    BLIND3_FILE,
    BLIND3_SPLIT,
    BLIND_FILE,
    CHALLENGE_FILE,
    CORPUS_DIR,
    default_corpus_paths,
    is_blind2_source,
    is_blind3_source,
    is_blind_source,
    is_challenge_source,
    is_heldout_source,
    load_corpus,
    read_gold,
    split_for,
)
from infucode.annotations.scoring import predict, score_records

DRUG_F1_FLOOR = 0.85
STATUS_F1_FLOOR = 0.74


def _blind3_sources():
    return sorted(p for p in (CORPUS_DIR / "src").glob("*.notes") if is_blind3_source(p))


def _other_heldout():
    return read_gold(CHALLENGE_FILE) + read_gold(BLIND_FILE) + read_gold(BLIND2_FILE)


def test_blind3_file_is_compiled_from_its_sources_and_up_to_date(assert_heldout_file_is_current):
    sources = _blind3_sources()
    assert sources, "no src/unseen*.notes sources"
    assert all(is_heldout_source(p) for p in sources)
    assert not any(is_challenge_source(p) or is_blind_source(p) or is_blind2_source(p) for p in sources)
    assert_heldout_file_is_current(sources, BLIND3_FILE)


def test_blind3_records_have_valid_offsets_ids_and_split(assert_heldout_records_are_valid):
    records = assert_heldout_records_are_valid(BLIND3_FILE, BLIND3_SPLIT)
    statuses = {ev["status"] for r in records for ev in r["gold_events"]}
    assert {"given", "not_given", "historical", "planned", "ordered"} <= statuses


def test_blind3_styles_are_new_to_every_other_set():
    records = read_gold(BLIND3_FILE)
    styles = {r["style"] for r in records}
    assert len(styles) == len(records)
    others = load_corpus(split="all") + _other_heldout()
    assert not styles & {r["style"] for r in others}


def test_blind3_set_is_separate_from_the_dev_corpus_and_the_other_heldout_sets():
    records = read_gold(BLIND3_FILE)
    assert BLIND3_FILE not in default_corpus_paths()
    dev = load_corpus(split="all")
    assert all(r["split"] in ("train", "test") for r in dev)
    texts, ids = {r["text"] for r in records}, {r["id"] for r in records}
    for other in (dev, read_gold(CHALLENGE_FILE), read_gold(BLIND_FILE), read_gold(BLIND2_FILE)):
        assert not {r["id"] for r in other} & ids
        assert not {r["text"] for r in other} & texts
    assert load_corpus([BLIND3_FILE], split=BLIND3_SPLIT) == records
    for split in ("train", "test", "challenge", "blind", "blind2"):
        assert load_corpus([BLIND3_FILE], split=split) == []
    assert split_for("blind3-001") == BLIND3_SPLIT
    assert split_for("blind2-001") != BLIND3_SPLIT and split_for("blind-001") != BLIND3_SPLIT


@pytest.fixture(scope="module")
def blind3_result():
    gold = read_gold(BLIND3_FILE)
    return score_records(predict(gold), gold)


@pytest.mark.slow
def test_every_blind3_note_is_processed_without_error(blind3_result):
    assert blind3_result["errors"] == []
    assert blind3_result["notes"] == len(read_gold(BLIND3_FILE))


@pytest.mark.slow
def test_blind3_drug_f1_stays_above_floor(blind3_result):
    assert blind3_result["attributes"]["drug"]["f1"] >= DRUG_F1_FLOOR


@pytest.mark.slow
def test_blind3_status_f1_stays_above_floor(blind3_result):
    assert blind3_result["attributes"]["status"]["f1"] >= STATUS_F1_FLOOR
