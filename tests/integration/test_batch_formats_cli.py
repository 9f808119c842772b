"""`infucode code` end to end with a fake pipeline: formats, malformed input, workers, exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from infucode.pipeline import batch  # noqa: E402

FAKE = ["--pipeline-factory", "test_batch_fakes:fake_factory", "-q"]
SECRET = "ZZSECRETPHIZZ"


def _code(*args: str) -> int:
    return batch.main([*args, *FAKE])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def messy_jsonl(tmp_path: Path) -> Path:
    p = tmp_path / "messy.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": "Zofran 4 mg IV push", "mrn": 7}).encode(),
        b"{this is not json " + SECRET.encode(),
        json.dumps({"id": "a2", "text": ""}).encode(),
        b'{"id": "a3", "text": "morphine 2 mg ' + SECRET.encode() + b' \xff\xfe push"}',
        b"",
        json.dumps({"text": "no id here 5 mg"}).encode(),
        json.dumps({"id": "a4"}).encode(),
        json.dumps({"id": "a5", "text": "bin\x00ary " + SECRET * 3}).encode(),
        json.dumps({"id": "a6", "text": ("NS 1000 mL bolus " + SECRET + "\n") * 300_000}).encode(),  # ~10 MB
        json.dumps({"id": "a7", "text": "ketorolac 15 mg push @@RAISE@@ " + SECRET}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps({"id": "a8", "text": "done 1 mg push"}).encode(),
    ]
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p


def test_malformed_jsonl_rows_become_error_records_and_the_run_goes_on(messy_jsonl, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert _code(str(messy_jsonl), "-o", str(out)) == 0
    recs = _jsonl(out)
    assert [r["id"] for r in recs] == ["a1", "line:2", "a2", "a3", "line:6", "a4", "a5", "a6", "a7",
                                       "line:11", "a8"]
    status = {r["id"]: (r["status"], (r["error"] or {}).get("type")) for r in recs}
    assert status["a1"] == ("ok", None)
    assert status["line:2"] == ("error", "invalid_json")
    assert status["a2"] == ("error", "empty_text")
    assert status["a3"] == ("error", "invalid_encoding")
    assert status["line:6"] == ("error", "missing_id")
    assert status["a4"] == ("error", "missing_text")
    assert status["a5"] == ("error", "binary_content")
    assert status["a6"] == ("error", "note_too_large")
    assert status["a7"][0] == "error"
    assert status["line:11"] == ("error", "invalid_record")
    assert status["a8"] == ("ok", None)
    assert recs[0]["meta"] == {"mrn": 7}
    captured = capsys.readouterr()
    assert SECRET not in out.read_text(encoding="utf-8")
    assert SECRET not in captured.err + captured.out


def test_output_is_identical_with_one_and_two_workers(messy_jsonl, tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert _code(str(messy_jsonl), "-o", str(one), "--batch-size", "2") == 0
    assert _code(str(messy_jsonl), "-o", str(two), "--workers", "2", "--batch-size", "2") == 0
    assert one.read_bytes() == two.read_bytes()


def test_worker_crash_is_isolated_to_its_note(tmp_path):
    inp = tmp_path / "crash.jsonl"
    rows = [{"id": f"c{i}", "text": f"x {i} mg push" + (" @@CRASH@@" if i == 5 else "")} for i in range(12)]
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _code(str(inp), "-o", str(out), "--workers", "2", "--batch-size", "3") == 0
    recs = _jsonl(out)
    assert [r["id"] for r in recs] == [r["id"] for r in rows]
    assert [r["id"] for r in recs if r["status"] == "error"] == ["c5"]
    assert recs[5]["error"]["type"] == "worker_crashed"


MIMIC_CSV = (
    'ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CATEGORY,TEXT\n'
    '101,1,11,2151-08-04,Nursing,"Zofran 4 mg IV push\nNS 1000 mL bolus ""wide open"""\n'
    '102,2,12,2151-08-05,Nursing,\n'
    '103,3,13,2151-08-06,Nursing\n'
    '104,4,14,2151-08-07,Nursing,"morphine 2 mg push"\n'
)


def test_mimic_style_csv_with_column_mapping(tmp_path):
    inp = tmp_path / "NOTEEVENTS.csv"
    data = MIMIC_CSV.encode() + b'105,5,15,2151-08-08,Nursing,"bad \xff byte 2 mg"\n'
    inp.write_bytes(data)
    out = tmp_path / "out.jsonl"
    assert _code(str(inp), "-o", str(out), "--columns", "id=ROW_ID,text=TEXT,encounter_date=CHARTDATE") == 0
    recs = _jsonl(out)
    assert [r["id"] for r in recs] == ["101", "102", "103", "104", "105"]
    assert recs[0]["status"] == "ok" and len(recs[0]["events"]) == 1
    assert recs[0]["meta"] == {"SUBJECT_ID": "1", "HADM_ID": "11", "CATEGORY": "Nursing"}
    assert (recs[1]["status"], recs[1]["error"]["type"]) == ("error", "empty_text")
    assert (recs[2]["status"], recs[2]["error"]["type"]) == ("error", "missing_text")
    assert recs[3]["status"] == "ok"
    assert recs[4]["error"]["type"] == "invalid_encoding"


def test_unknown_mapped_column_is_a_bad_argument(tmp_path, capsys):
    inp = tmp_path / "n.csv"
    inp.write_text(MIMIC_CSV, encoding="utf-8")
    assert _code(str(inp), "--columns", "id=NOPE,text=TEXT") == 2
    assert "NOPE" in capsys.readouterr().err


def test_csv_output_has_one_row_per_code_line_and_one_row_for_a_note_without_lines(tmp_path):
    inp = tmp_path / "n.jsonl"
    rows = [{"id": "two", "text": "a 1 mg push\nb 2 mg push"}, {"id": "none", "text": "nothing here"},
            {"id": "err", "text": ""}]
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.csv"
    assert _code(str(inp), "-o", str(out)) == 0
    got = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["id"], r["code"]) for r in got] == [("two", "96374"), ("two", "96374"), ("none", ""),
                                                   ("err", "")]
    assert got[3]["status"] == "error" and got[3]["error_type"] == "empty_text"


def test_parquet_in_and_three_parquet_tables_out(tmp_path):
    inp = tmp_path / "notes.parquet"
    table = pa.table({"note_id": ["p1", "p2", None], "body": ["x 4 mg push", None, "y 2 mg"],
                      "CHARTDATE": pa.array([None, None, None], pa.date32())})
    pq.write_table(table, inp, row_group_size=2)
    out = tmp_path / "coded.parquet"
    assert _code(str(inp), "-o", str(out), "--columns", "id=note_id,text=body") == 0
    notes = pq.read_table(out).to_pylist()
    assert [(n["id"], n["status"], n["error_type"]) for n in notes] == [
        ("p1", "ok", None), ("p2", "error", "missing_text"), ("line:3", "error", "missing_id")]
    events = pq.read_table(tmp_path / "coded.events.parquet").to_pylist()
    codes = pq.read_table(tmp_path / "coded.codes.parquet").to_pylist()
    assert [(e["note_id"], e["dose_value"]) for e in events] == [("p1", 4.0)]
    assert [(c["note_id"], c["code"], c["event_ids"]) for c in codes] == [("p1", "96374", ["e1"])]


def test_folder_of_txt_files_uses_the_file_stem_as_id(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "b_note.txt").write_text("morphine 2 mg push", encoding="utf-8")
    (folder / "a_note.txt").write_bytes(b"\xef\xbb\xbfZofran 4 mg")
    (folder / "c_bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (folder / "ignored.md").write_text("x", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _code(str(folder), "-o", str(out)) == 0
    recs = _jsonl(out)
    assert [(r["id"], r["status"]) for r in recs] == [("a_note", "ok"), ("b_note", "ok"), ("c_bad", "error")]


def test_stdin_to_stdout_via_the_console_command(tmp_path):
    data = json.dumps({"id": "s1", "text": "x 4 mg push"}) + "\nnot json\n"
    env_path = str(Path(__file__).parent)
    res = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {env_path!r}); "
         "from infucode.pipeline.cli import main; sys.exit(main())", "code", "-", *FAKE],
        input=data, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    recs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in recs] == [("s1", "ok"), ("line:2", "error")]


@pytest.mark.parametrize("args", [["does/not/exist.jsonl"], ["{inp}", "--workers", "x"],
                                  ["{inp}", "-o", "{tmp}/out.xlsx"], ["{inp}", "--resume"],
                                  ["{inp}", "-o", "{tmp}/missing_dir/out.jsonl"], ["{inp}", "--bogus"]])
def test_command_errors_exit_non_zero(tmp_path, args):
    inp = tmp_path / "n.jsonl"
    inp.write_text(json.dumps({"id": "1", "text": "x"}) + "\n", encoding="utf-8")
    argv = [a.format(inp=inp, tmp=tmp_path) for a in args]
    assert _code(*argv) == 2


def test_summary_on_stderr_counts_notes_errors_codes_and_flags(tmp_path, capsys):
    inp = tmp_path / "n.jsonl"
    lines = [json.dumps({"id": "1", "text": "x 1 mg push"}), json.dumps({"id": "2", "text": "y"}), "{bad"]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert batch.main([str(inp), "-o", str(tmp_path / "o.jsonl"), "--pipeline-factory",
                       "test_batch_fakes:fake_factory"]) == 0
    err = capsys.readouterr().err
    assert "notes: 3 (2 ok, 1 error)" in err
    assert "invalid_json 1" in err
    assert "96374 1" in err
    assert "FAKE 1" in err
