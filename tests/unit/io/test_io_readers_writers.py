"""Readers, writers and the resume journal of `infucode code`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infucode.pipeline.batch import Journal
from infucode.pipeline.io import input_format, open_input, output_format
from infucode.pipeline.io import jsonl_format as jf
from infucode.pipeline.io.csv_format import CsvReader, code_rows
from infucode.pipeline.io.records import InputFormatError, parse_columns, resolve_columns
from infucode.pipeline.progress import Progress, RunStats


def test_jsonl_reader_skips_blank_lines_and_resumes_from_a_record_index(tmp_path: Path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"id": 1, "text": "a"}\n\n   \n{"id": 2, "text": "b"}\r\n{"id": 3, "text": "c"}')
    items = list(open_input(str(p)).iter_items())
    assert [(i.seq, i.line, i.record["id"]) for i in items] == [(0, 1, 1), (1, 4, 2), (2, 5, 3)]
    assert [i.record["id"] for i in open_input(str(p)).iter_items(2)] == [3]


def test_jsonl_line_longer_than_the_limit_is_one_error_and_reading_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(jf, "MAX_LINE_BYTES", 100)
    monkeypatch.setattr(jf, "_SKIP_BLOCK", 7)
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "big", "text": "x" * 1000}) + "\n" + json.dumps({"id": "ok", "text": "y"})
                 + "\n", encoding="utf-8")
    items = list(jf.JsonlReader(p))
    assert items[0].error[0] == "note_too_large" and items[0].fallback_id == "line:1"
    assert items[1].record == {"id": "ok", "text": "y"}


def test_invalid_utf8_keeps_the_id_but_not_the_text(tmp_path):
    item = jf.parse_json_line(b'{"id": "z9", "text": "abc \xc3\x28 def"}', 0, 1)
    assert item.error[0] == "invalid_encoding"
    assert item.record == {"id": "z9"}


def test_csv_reader_handles_quoted_multiline_notes_crlf_bom_and_reports_start_line(tmp_path):
    p = tmp_path / "n.csv"
    p.write_bytes(b'\xef\xbb\xbfID,Text,extra\r\n1,"line one\r\nline two",x\r\n2,"single",y\r\n')
    items = list(CsvReader(p))
    assert [(i.line, i.record["id"]) for i in items] == [(2, "1"), (4, "2")]
    assert items[0].record["text"] == "line one\r\nline two"
    assert items[0].record["extra"] == "x"


def test_csv_reader_reads_a_five_megabyte_field(tmp_path):
    p = tmp_path / "big.csv"
    big = "NS 1000 mL " * 500_000
    p.write_text(f'id,text\n1,"{big}"\n2,small\n', encoding="utf-8")
    items = list(CsvReader(p))
    assert len(items[0].record["text"]) == len(big)
    assert items[1].record["text"] == "small"


def test_columns_option_parsing_and_resolution():
    assert parse_columns("id=ROW_ID, text=TEXT ,encounter_date=CHARTDATE") == {
        "id": "ROW_ID", "text": "TEXT", "encounter_date": "CHARTDATE"}
    with pytest.raises(InputFormatError):
        parse_columns("identifier=ROW_ID")
    with pytest.raises(InputFormatError):
        parse_columns("id")
    rename = resolve_columns(["ROW_ID", "Text", "id"], {"id": "ROW_ID"})
    assert rename == {"ROW_ID": "id", "Text": "text", "id": "src:id"}
    with pytest.raises(InputFormatError):
        resolve_columns(["a"], {"text": "TEXT"})


def test_formats_are_chosen_from_the_path(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"")
    assert input_format("-") == "jsonl"
    assert input_format(str(tmp_path)) == "txt_folder"
    assert input_format(str(tmp_path / "x.parquet")) == "parquet"
    assert output_format(None) == "jsonl" and output_format("o.CSV") == "csv"
    with pytest.raises(InputFormatError):
        input_format(str(tmp_path / "missing.jsonl"))
    with pytest.raises(InputFormatError):
        output_format("o.xlsx")


def test_csv_code_rows_keep_a_note_without_lines():
    rec = {"id": "n", "status": "ok", "setting": "facility", "events": [], "cpt": [], "hcpcs": [],
           "flags": [],
           "meta": {}}
    rows = code_rows(rec)
    assert len(rows) == 1 and rows[0]["code"] == "" and rows[0]["id"] == "n"
    rec["cpt"] = [{"code": "96365", "units": 1, "modifiers": ["59"], "event_ids": ["e1", "e2"]}]
    rec["hcpcs"] = [{"code": "J2405", "units": 4, "modifiers": [], "event_ids": ["e1"]}]
    rows = code_rows(rec)
    assert [(r["code_type"], r["code"], r["modifiers"], r["event_ids"]) for r in rows] == [
        ("cpt", "96365", "59", "e1;e2"), ("hcpcs", "J2405", "", "e1")]


def test_journal_ignores_a_torn_last_line_and_a_part_file_with_the_wrong_size(tmp_path):
    j = Journal(tmp_path / "run")
    j.create({"input": {"path": "x"}})
    s = RunStats()
    s.add({"status": "ok", "events": [{"status": "given"}], "cpt": [{"code": "96374"}], "flags": []})
    j.commit(['{"id": "a"}\n'], s)
    j.commit(['{"id": "b"}\n', '{"id": "c"}\n'], RunStats())
    j.commit(['{"id": "d"}\n'], RunStats())
    (j.dir / "part-000002.jsonl").write_bytes(b"trunc")  # damaged third part
    with open(j.path, "a", encoding="utf-8") as fh:
        fh.write('{"chunk": 3, "sta')  # torn append
    (j.dir / "part-000009.jsonl.tmp").write_bytes(b"leftover")
    k = Journal(tmp_path / "run")
    assert k.load()
    assert [c["file"] for c in k.chunks] == ["part-000000.jsonl", "part-000001.jsonl"]
    assert k.next_seq == 3
    assert sorted(f.name for f in k.dir.iterdir()) == ["journal.jsonl", "part-000000.jsonl",
                                                       "part-000001.jsonl"]
    assert k.stats().cpt_lines == 1 and k.stats().notes == 1
    k.commit(['{"id": "d"}\n'], RunStats())  # appends cleanly after the cut
    m = Journal(tmp_path / "run")
    assert m.load() and m.next_seq == 4


def test_progress_line_shows_rate_and_eta_and_is_off_when_not_a_tty():
    import io

    buf = io.StringIO()
    p = Progress(total=100, stream=buf)
    assert p.enabled is False
    p.update(50)
    line = p.line(p.t0 + 10)
    assert "50/100 notes" in line and "5.0 notes/s" in line and "ETA 0:00:10" in line
    assert buf.getvalue() == ""


def test_run_stats_roundtrip_and_summary():
    s = RunStats()
    s.add({"status": "error", "error": {"type": "invalid_json"}})
    s.add({"status": "ok", "events": [], "cpt": [{"code": "96360"}], "hcpcs": [{"code": "J7050"}],
           "flags": [{"code": "MISSING_STOP_TIME"}]})
    t = RunStats.from_dict(json.loads(json.dumps(s.to_dict())))
    assert t == s
    text = t.summary()
    assert "notes: 2 (1 ok, 1 error)" in text and "MISSING_STOP_TIME 1" in text


def test_parquet_reader_resumes_mid_row_group_and_after_whole_groups(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from infucode.pipeline.io.parquet_format import ParquetReader

    p = tmp_path / "n.parquet"
    pq.write_table(pa.table({"ID": [str(i) for i in range(10)], "TEXT": [f"t{i}" for i in range(10)]}), p,
                   row_group_size=3)
    r = ParquetReader(p)
    assert r.total == 10
    assert [(i.seq, i.record["id"], i.record["text"]) for i in r.iter_items(4)][:2] == [(4, "4", "t4"),
                                                                                         (5, "5", "t5")]
    assert [i.seq for i in r.iter_items(7)] == [7, 8, 9]
    assert r.fraction() == 1.0


def test_txt_folder_reader_resumes_by_sorted_file_order(tmp_path):
    from infucode.pipeline.io.txt_folder import TxtFolderReader

    for name in ("c", "a", "b"):
        (tmp_path / f"{name}.txt").write_text(name, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("h", encoding="utf-8")
    assert [i.record["id"] for i in TxtFolderReader(tmp_path).iter_items(1)] == ["b", "c"]


def test_gzipped_jsonl_and_csv_are_read_and_a_truncated_gzip_ends_with_one_error(tmp_path):
    import gzip

    rows = [{"id": str(i), "text": f"note {i}"} for i in range(200)]
    jl = tmp_path / "n.jsonl.gz"
    with gzip.open(jl, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    assert [i.record["id"] for i in open_input(str(jl)).iter_items()] == [r["id"] for r in rows]
    cs = tmp_path / "n.csv.gz"
    with gzip.open(cs, "wt", encoding="utf-8", newline="") as fh:
        fh.write("ROW_ID,TEXT\n" + "".join(f'{r["id"]},"{r["text"]}\nmore"\n' for r in rows))
    items = list(open_input(str(cs), {"id": "ROW_ID", "text": "TEXT"}).iter_items())
    assert [i.record["id"] for i in items] == [r["id"] for r in rows]
    assert items[1].line == 4
    data = jl.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    got = list(open_input(str(cut)).iter_items())
    assert got[-1].error[0] == "unreadable_input"
    assert all(i.error is None for i in got[:-1]) and len(got) < len(rows)


def test_a_json_array_file_is_read_as_records(tmp_path):
    p = tmp_path / "notes.json"
    data = [{"id": "a", "text": "x"}, 5, {"id": "b", "text": "y"}]
    p.write_text(json.dumps(data, indent=2), encoding="utf-8")
    items = list(open_input(str(p)).iter_items())
    assert [(i.record or {}).get("id") for i in items] == ["a", None, "b"]
    assert items[1].error[0] == "invalid_record" and items[1].fallback_id == "line:2"
    assert [i.record["id"] for i in open_input(str(p)).iter_items(2)] == ["b"]
