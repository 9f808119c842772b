"""`infucode code` with the real NotePipeline on a few dozen synthetic notes (slow: loads spaCy)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import make_synthetic_dump  # noqa: E402
from infucode.pipeline import batch  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("real") / "notes.jsonl"
    make_synthetic_dump.write_dump(path, 30, seed=11)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "empty", "text": " "}) + "\n")
        fh.write("not json\n")
        fh.write(json.dumps({"id": "plain", "text": "Zofran 4 mg IV push given at 1410 for nausea."}) + "\n")
    return path


def test_one_and_two_workers_give_byte_identical_output(dump, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert batch.main([str(dump), "-o", str(one), "-q"]) == 0
    assert batch.main([str(dump), "-o", str(two), "-q", "--workers", "2", "--batch-size", "4"]) == 0
    assert one.read_bytes() == two.read_bytes()
    recs = [json.loads(line) for line in one.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 33
    assert [r["id"] for r in recs[-3:]] == ["empty", "line:32", "plain"]
    assert sum(r["status"] == "ok" for r in recs) == 31
    plain = recs[-1]
    assert plain["events"] and plain["events"][0]["drug"] == "ondansetron"
    assert "96374" in {c["code"] for c in plain["cpt"]}


def test_csv_output_has_a_row_for_every_code_line_and_every_note(dump, tmp_path):
    jl, cs = tmp_path / "o.jsonl", tmp_path / "o.csv"
    assert batch.main([str(dump), "-o", str(jl), "-q"]) == 0
    assert batch.main([str(dump), "-o", str(cs), "-q"]) == 0
    recs = [json.loads(line) for line in jl.read_text(encoding="utf-8").splitlines()]
    rows = list(csv.DictReader(io.StringIO(cs.read_text(encoding="utf-8"))))
    assert len(rows) == sum(max(1, len(r["cpt"]) + len(r["hcpcs"])) for r in recs)
    assert {r["id"] for r in rows} == {r["id"] for r in recs}
