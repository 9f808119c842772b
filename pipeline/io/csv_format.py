"""CSV in (including MIMIC-style NOTEEVENTS dumps) and CSV out (one row per code line).

Input: the file is read as bytes and each physical line decoded on its own (``surrogateescape``), so an
invalid UTF-8 byte only spoils the record it is in. Quoted multi-line fields (note texts) are handled by the
``csv`` module; the field size limit is raised so a 5 MB note is read (the pipeline then decides whether it is
too large). ``.tsv`` files are read tab-separated; ``.csv.gz``/``.tsv.gz`` are decompressed on the fly.

Output: one row per CPT/HCPCS line; a note with no lines (or an error) still gets one row with an empty
``code`` so that no note vanishes.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infucode.pipeline.io.atomic import AtomicFile, CompressedInput
from infucode.pipeline.io.records import InputFormatError, InputItem, ReaderBase, jsonable, resolve_columns

_SURROGATE = re.compile("[\udc80-\udcff]")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class CsvReader(ReaderBase):
    """Read a CSV/TSV file with a header row.

    Parameters
    ----------
    path
        The file.
    columns
        ``{contract field: source column}`` from ``--columns``; unmapped contract fields are matched
        case-insensitively, other columns pass through under ``meta``.
    """

    def __init__(self, path: str | Path, columns: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputFormatError(f"input file not found: {self.path}")
        name = self.path.name.lower().removesuffix(".gz")
        self.delimiter = "\t" if name.endswith((".tsv", ".tab")) else ","
        self.columns = dict(columns or {})
        self.size = os.path.getsize(self.path)
        self.total: int | None = None
        self._of = self.size  # progress by bytes
        src = CompressedInput(self.path)
        try:
            first = self._lines(src)
            reader = csv.reader(first, delimiter=self.delimiter)
            try:
                header = next(reader)
            except StopIteration:
                header = []
            except (csv.Error, OSError, EOFError) as exc:
                raise InputFormatError(f"cannot read the CSV header: {exc}") from None
        finally:
            src.close()
        self.header = [_SURROGATE.sub("\ufffd", h) for h in header]
        if not self.header:
            raise InputFormatError(f"CSV input has no header row: {self.path}")
        self.rename = resolve_columns(self.header, self.columns)
        self.has_text = any(v in ("text", "note") for v in self.rename.values())

    def _lines(self, src: CompressedInput) -> Iterator[str]:
        first = True
        for raw in src.stream:
            if first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            first = False
            self._done = src.position()
            yield raw.decode("utf-8", errors="surrogateescape")

    def iter_items(self, start: int = 0) -> Iterator[InputItem]:
        """Yield one item per data row, in order, skipping the first ``start`` rows."""
        self._done = 0
        src = CompressedInput(self.path)
        try:
            reader = csv.reader(self._lines(src), delimiter=self.delimiter)
            try:
                next(reader)  # header
            except (StopIteration, csv.Error):
                return
            seq = 0
            last_line = reader.line_num
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except (OSError, EOFError) as exc:  # truncated/corrupt .gz: report once, then stop
                    msg = f"input unreadable after line {last_line} ({type(exc).__name__})"
                    yield InputItem(seq, last_line + 1, None, ("unreadable_input", msg))
                    break
                except csv.Error as exc:
                    line_no = last_line + 1
                    last_line = reader.line_num
                    if seq >= start:
                        yield InputItem(seq, line_no, None, ("invalid_csv_row", f"line {line_no}: {exc}"))
                    seq += 1
                    continue
                line_no = last_line + 1
                last_line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip() and len(self.header) > 1):
                    continue  # blank line
                if seq < start:
                    seq += 1
                    continue
                yield self._item(row, seq, line_no)
                seq += 1
        finally:
            src.close()

    def _item(self, row: list[str], seq: int, line_no: int) -> InputItem:
        record: dict[str, Any] = {}
        bad_text = False
        for i, col in enumerate(self.header):
            key = self.rename[col]
            if i >= len(row):
                continue  # short row: the field is missing
            value = row[i]
            if _SURROGATE.search(value):
                if key in ("text", "note"):
                    bad_text = True
                value = _SURROGATE.sub("\ufffd", value)
            record[key] = value
        if bad_text:
            rid = record.get("id") or None
            return InputItem(seq, line_no, {"id": rid} if rid else None,
                             ("invalid_encoding", f"line {line_no}: note text is not valid UTF-8"))
        if not record.get("id"):
            record.pop("id", None)
        return InputItem(seq, line_no, record)


#: Columns of the CSV output (one row per code line).
CSV_OUTPUT_COLUMNS: tuple[str, ...] = (
    "id", "status", "setting", "error_type", "error_message", "code_type", "code", "units", "modifiers",
    "event_ids", "rule", "rationale", "n_events", "n_given", "flags", "meta",
)


def code_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Flatten one output record into CSV rows: one per code line, at least one per note."""
    err = record.get("error") or {}
    events = record.get("events") or []
    base = {
        "id": record.get("id"),
        "status": record.get("status"),
        "setting": record.get("setting"),
        "error_type": err.get("type", ""),
        "error_message": err.get("message", ""),
        "n_events": len(events),
        "n_given": sum(1 for e in events if e.get("status") == "given"),
        "flags": ";".join(f.get("code", "") for f in record.get("flags") or []),
        "meta": json.dumps(record.get("meta") or {}, ensure_ascii=False, default=jsonable, sort_keys=True),
    }
    rows = []
    for kind in ("cpt", "hcpcs"):
        for line in record.get(kind) or []:
            rows.append({
                **base,
                "code_type": kind,
                "code": line.get("code", ""),
                "units": line.get("units", ""),
                "modifiers": ";".join(line.get("modifiers") or []),
                "event_ids": ";".join(line.get("event_ids") or []),
                "rule": line.get("rule", ""),
                "rationale": line.get("rationale", ""),
            })
    if not rows:
        rows.append({**base, "code_type": "", "code": "", "units": "", "modifiers": "", "event_ids": "",
                     "rule": "", "rationale": ""})
    return rows


class CsvWriter:
    """Write output records to a CSV file atomically (temporary file, fsync, rename on ``close``)."""

    def __init__(self, path: str | Path) -> None:
        self.file = AtomicFile(path, "w")
        self.writer = csv.DictWriter(self.file.fh, fieldnames=list(CSV_OUTPUT_COLUMNS))
        self.writer.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        """Write the rows of one output record."""
        self.writer.writerows(code_rows(record))

    def close(self) -> None:
        """Commit the file."""
        self.file.commit()

    def abort(self) -> None:
        """Drop the temporary file."""
        self.file.abort()
