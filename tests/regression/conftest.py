"""Checks shared by the held-out set tests (blind, blind2, blind3, blind4): one definition of a valid held-out file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from infucode.annotations.gold import compile_sources, read_gold, split_for, validate_gold_record


def _assert_file_is_current(sources: list[Path], path: Path) -> None:
    """The shipped JSONL equals what ``compile_sources`` makes of the set's sources."""
    records = compile_sources(sources)
    shipped = path.read_text(encoding="utf-8")
    assert shipped == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), (
        "run: python scripts/make_corpus_offsets.py"
    )


def _assert_records_are_valid(path: Path, split: str) -> list[dict]:
    """At least 30 notes with valid offsets, unique ids of ``split``, times only on given events, both settings
    and both date modes (date in the record / only in the text). Returns the records."""
    records = read_gold(path)
    assert len(records) >= 30
    assert [p for r in records for p in validate_gold_record(r)] == []
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(f"{split}-") and split_for(i) == split for i in ids)
    assert {r["split"] for r in records} == {split}
    for r in records:
        text = r["text"]
        for ev in r["gold_events"]:
            drug_spans = [s for s in ev["spans"] if s["label"] == "DRUG"]
            assert [text[s["start"]:s["end"]] for s in drug_spans] == [ev["drug_text"]], (r["id"], ev["event_id"])
            if ev["status"] != "given":
                assert ev["start"] is None and ev["end"] is None, (r["id"], ev["event_id"])
    assert {r["setting"] for r in records} == {"facility", "professional"}
    assert any("encounter_date" not in r for r in records)
    assert sum("encounter_date" in r for r in records) > len(records) // 2
    return records


@pytest.fixture(scope="session")
def assert_heldout_file_is_current() -> Callable[[list[Path], Path], None]:
    """``check(sources, path)``: the compiled held-out file is up to date with its sources."""
    return _assert_file_is_current


@pytest.fixture(scope="session")
def assert_heldout_records_are_valid() -> Callable[[Path, str], list[dict]]:
    """``check(path, split) -> records``: the held-out file's records are valid (see above)."""
    return _assert_records_are_valid
