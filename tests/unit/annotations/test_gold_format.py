"""The gold corpus format: compiling sources, offsets, validation, split, round trip."""

from __future__ import annotations

import copy
import json

import pytest
from infucode.annotations.gold import (
    SAMPLES_FILE,
    SPLITS_FILE,
    GoldError,
    compile_source,
    load_corpus,
    locate,
    read_gold,
    split_for,
    splits_manifest,
    to_input_record,
    validate_gold_record,
    write_gold,
)

SOURCE = """\
@@ note t-1
date: 2026-03-14
setting: facility
style: terse
<<<
2350 Zofran 4mg IVP L AC.
2355 NS 1L bolus started, 4mg not relevant.
0040 NS done. Allergies: morphine.
>>>
drug=ondansetron | text=Zofran | dose=4 mg | route=IV_PUSH | start=23:50 | site=L AC | DOSE=4mg | ROUTE=IVP | TIME=2350
drug=sodium chloride 0.9% | text=NS | dose=1 L | route=IV_INFUSION | start=23:55 | end=+1 00:40 | DOSE=1L | TIME=0040
"""  # noqa: E501


def test_compile_source_fills_offsets_that_cover_the_annotated_text():
    (rec,) = compile_source(SOURCE)
    text = rec["text"]
    ev1, ev2 = rec["gold_events"]
    labels = {s["label"]: text[s["start"]:s["end"]] for s in ev1["spans"]}
    assert labels == {"DRUG": "Zofran", "DOSE": "4mg", "ROUTE": "IVP", "TIME": "2350"}
    # the DOSE of event 1 is the one on its own line, not the later "4mg"
    dose_span = next(s for s in ev1["spans"] if s["label"] == "DOSE")
    assert dose_span["start"] < text.index("\n")
    assert ev2["dose"] == {"value": 1.0, "unit": "L"} and ev2["volume_ml"] == 1000.0


def test_compile_source_rolls_times_past_midnight():
    (rec,) = compile_source(SOURCE)
    ev2 = rec["gold_events"][1]
    assert ev2["start"] == "2026-03-14T23:55:00"
    assert ev2["end"] == "2026-03-15T00:40:00"


def test_compile_source_records_split_and_ids_in_text_order():
    (rec,) = compile_source(SOURCE)
    assert rec["split"] == split_for("t-1")
    assert [e["event_id"] for e in rec["gold_events"]] == ["g1", "g2"]
    assert validate_gold_record(rec) == []


def test_compile_source_rejects_a_drug_text_absent_from_the_note():
    bad = SOURCE.replace("text=Zofran", "text=Zofram")
    with pytest.raises(GoldError, match="t-1"):
        compile_source(bad)


def test_compile_source_rejects_a_bad_route():
    with pytest.raises(GoldError):
        compile_source(SOURCE.replace("route=IV_PUSH", "route=IVP"))


def test_locate_respects_word_boundaries_and_occurrence_numbers():
    text = "ARRIVED. Zofran IV. Later Zofran IV again."
    assert locate(text, "IV") == text.index("IV.")
    assert locate(text, "Zofran", occurrence=2) == text.rindex("Zofran")
    with pytest.raises(GoldError):
        locate(text, "Zofran", occurrence=3)
    assert locate(text, "IV", near=text.rindex("Zofran")) == text.rindex("IV")
    assert locate(text, "IV", near=text.rindex("Zofran"), direction="<") == text.index("IV.")


def test_validate_flags_a_span_that_no_longer_matches_drug_text():
    (rec,) = compile_source(SOURCE)
    broken = copy.deepcopy(rec)
    drug = next(s for s in broken["gold_events"][0]["spans"] if s["label"] == "DRUG")
    drug["start"] += 1
    drug["end"] += 1
    problems = validate_gold_record(broken)
    assert problems
    # messages never contain note text
    assert all("Zofran" not in p for p in problems)


def test_validate_rejects_times_on_events_that_were_not_given():
    (rec,) = compile_source(SOURCE)
    rec["gold_events"][0]["status"] = "not_given"
    assert any("only given events" in p for p in validate_gold_record(rec))


def test_split_is_deterministic_and_roughly_seventy_thirty():
    ids = [f"note-{i}" for i in range(2000)]
    assert [split_for(i) for i in ids] == [split_for(i) for i in ids]
    share = sum(split_for(i) == "test" for i in ids) / len(ids)
    assert 0.25 < share < 0.35


def test_write_then_read_round_trips(tmp_path):
    recs = compile_source(SOURCE)
    path = tmp_path / "g.jsonl"
    assert write_gold(recs, path) == 1
    assert read_gold(path) == recs
    assert to_input_record(recs[0]) == {"id": "t-1", "text": recs[0]["text"], "setting": "facility",
                                        "encounter_date": "2026-03-14"}


def test_the_shipped_corpus_is_valid_and_has_at_least_100_notes():
    records = load_corpus(split="all")
    assert len(records) >= 100
    problems = [p for r in records for p in validate_gold_record(r)]
    assert problems == []
    assert len({r["id"] for r in records}) == len(records)


def test_every_span_of_the_shipped_corpus_lies_inside_its_note():
    for rec in load_corpus(split="all"):
        for ev in rec["gold_events"]:
            drug = [s for s in ev["spans"] if s["label"] == "DRUG"]
            assert rec["text"][drug[0]["start"]:drug[0]["end"]] == ev["drug_text"]
            for s in ev["spans"]:
                assert 0 <= s["start"] < s["end"] <= len(rec["text"])
                assert rec["text"][s["start"]:s["end"]].strip() == rec["text"][s["start"]:s["end"]]


def test_splits_file_matches_the_records():
    records = load_corpus(split="all")
    stored = json.loads(SPLITS_FILE.read_text(encoding="utf-8"))
    assert stored == splits_manifest(records)
    assert set(stored["test"]).isdisjoint(stored["train"])
    assert {r["id"] for r in load_corpus(split="test")} == set(stored["test"])


def test_sample_notes_are_contract_input_records():
    lines = [json.loads(x) for x in SAMPLES_FILE.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert 8 <= len(lines) <= 10
    corpus_texts = {r["text"] for r in load_corpus(split="all")}
    for rec in lines:
        assert rec["id"] and rec["text"] and rec["setting"] in ("facility", "professional")
        assert rec["text"] not in corpus_texts
