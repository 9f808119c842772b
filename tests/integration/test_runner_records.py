"""Every input note yields exactly one output record, ok or error, and errors never carry note text."""

import json

import pytest
from infucode.pipeline.runner import MAX_NOTE_CHARS, NotePipeline


@pytest.fixture(scope="module")
def pipe():
    return NotePipeline()


SECRET = "Patient John Q Secretname"


@pytest.mark.parametrize(
    ("record", "error_type"),
    [
        ({"id": "x", "text": None}, "missing_text"),
        ({"id": "x"}, "missing_text"),
        ({"text": "NS 1 L bolus"}, "missing_id"),
        ({"id": "x", "text": 42}, "invalid_text"),
        ({"id": "x", "text": SECRET + "\x00\x01\x02" * 50}, "binary_content"),
        ({"id": "x", "text": b"\xff\xfe" + SECRET.encode()}, "invalid_encoding"),
        ({"id": "x", "text": SECRET, "setting": "hospice"}, "invalid_setting"),
        ({"id": "x", "text": SECRET, "encounter_date": "20/11/2026"}, "invalid_encounter_date"),
        ("not an object", "invalid_record"),
    ],
)
def test_bad_record_gives_one_error_record_without_note_text(pipe, record, error_type):
    out = pipe.process(record)
    assert out["status"] == "error"
    assert out["error"]["type"] == error_type
    assert "Secretname" not in json.dumps(out)
    assert out["events"] == [] and out["cpt"] == [] and out["hcpcs"] == []


def test_empty_note_is_a_valid_empty_result(pipe):
    out = pipe.process({"id": "empty", "text": ""})
    assert out["status"] == "ok"
    assert out["events"] == [] and out["cpt"] == []


def test_oversized_note_is_refused_per_record(pipe):
    out = pipe.process({"id": "big", "text": "NS 1 L bolus given. " * (MAX_NOTE_CHARS // 20 + 10)})
    assert out["status"] == "error" and out["error"]["type"] == "note_too_large"


def test_a_five_megabyte_note_does_not_crash_the_batch(pipe):
    records = [
        {"id": "a", "text": "1410 Zofran 4 mg IV push given."},
        {"id": "huge", "text": "x" * (5 * 1024 * 1024)},
        {"id": "b", "text": "Toradol 30 mg IM given 1500."},
    ]
    outs = list(pipe.process_many(records))
    assert [o["id"] for o in outs] == ["a", "huge", "b"]
    assert outs[1]["status"] == "error"
    assert outs[0]["status"] == "ok" and outs[2]["status"] == "ok"


def test_batch_and_single_processing_agree(pipe):
    records = [
        {"id": "1", "text": "1410 Zofran 4 mg IV push given L AC.", "encounter_date": "2026-11-20"},
        {"id": "2", "text": None},
        {"id": "3", "text": "NS 1000 mL bolus started 0900, completed 1000 for dehydration.",
         "encounter_date": "2026-11-20", "mrn": "123"},
    ]
    batch = list(pipe.process_many(records, batch_size=2))
    single = [pipe.process(r) for r in records]
    assert batch == single
    assert batch[2]["meta"] == {"mrn": "123"}


def test_output_record_has_the_contract_fields(pipe):
    out = pipe.process({"id": "n-1", "text": "1410 ondansetron 4 mg IVP given", "encounter_date": "2026-11-20"})
    for key in ("id", "status", "error", "setting", "events", "cpt", "hcpcs", "flags", "versions"):
        assert key in out
    assert set(out["versions"]) >= {"infucode", "code_set", "resources"}
    json.dumps(out)  # serialisable
