"""Parquet in (streamed by record batch) and Parquet out as three tables.

Output for ``-o out.parquet``:

* ``out.parquet``: one row per note (``id``, ``status``, error, counts, flag codes, and the full
  ``events``/``cpt``/``hcpcs``/``flags``/``meta`` as JSON strings, so this one file holds everything);
* ``out.events.parquet``: one row per event (flat columns);
* ``out.codes.parquet``: one row per CPT/HCPCS line.

Each file is written with a streaming ``ParquetWriter`` under a temporary name and renamed when complete;
``out.parquet`` is renamed last, so its presence means the other two are complete.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from infucode.pipeline.io.atomic import fsync_dir, temp_path
from infucode.pipeline.io.records import (
    InputFormatError,
    InputItem,
    ReaderBase,
    clean_cell,
    jsonable,
    resolve_columns,
)

READ_BATCH_ROWS = 512


class ParquetReader(ReaderBase):
    """Read a Parquet file one record batch at a time.

    Parameters
    ----------
    path
        The file (a single Parquet file).
    columns
        ``{contract field: source column}`` from ``--columns``.
    """

    def __init__(self, path: str | Path, columns: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputFormatError(f"input file not found: {self.path}")
        try:
            self._pf = pq.ParquetFile(self.path)
        except Exception as exc:
            raise InputFormatError(f"cannot read Parquet file {self.path}: {type(exc).__name__}") from None
        self.header = list(self._pf.schema_arrow.names)
        self.rename = resolve_columns(self.header, dict(columns or {}))
        self.total: int | None = self._pf.metadata.num_rows
        self._of = self.total  # progress by rows

    def iter_items(self, start: int = 0) -> Iterator[InputItem]:
        """Yield one item per row, skipping the first ``start`` rows (whole row groups are not decoded)."""
        seq = 0
        self._done = 0
        for rg in range(self._pf.metadata.num_row_groups):
            n = self._pf.metadata.row_group(rg).num_rows
            if seq + n <= start:
                seq += n
                self._done = seq
                continue
            for batch in self._pf.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=[rg]):
                rows = batch.to_pylist()
                for row in rows:
                    if seq >= start:
                        record = {self.rename[k]: clean_cell(v) for k, v in row.items()}
                        if record.get("id") is None:
                            record.pop("id", None)
                        yield InputItem(seq, seq + 1, record)
                    seq += 1
                    self._done = seq


NOTE_SCHEMA = pa.schema([
    ("id", pa.string()), ("status", pa.string()), ("setting", pa.string()),
    ("error_type", pa.string()), ("error_message", pa.string()),
    ("n_events", pa.int32()), ("n_given", pa.int32()), ("n_cpt", pa.int32()), ("n_hcpcs", pa.int32()),
    ("flag_codes", pa.list_(pa.string())),
    ("events_json", pa.string()), ("cpt_json", pa.string()), ("hcpcs_json", pa.string()),
    ("flags_json", pa.string()), ("versions_json", pa.string()), ("meta_json", pa.string()),
])

EVENT_SCHEMA = pa.schema([
    ("note_id", pa.string()), ("event_id", pa.string()), ("drug", pa.string()), ("drug_text", pa.string()),
    ("rxcui", pa.string()), ("dose_value", pa.float64()), ("dose_unit", pa.string()),
    ("volume_ml", pa.float64()), ("rate_ml_hr", pa.float64()), ("route", pa.string()),
    ("status", pa.string()), ("start", pa.string()), ("end", pa.string()), ("duration_min", pa.float64()),
    ("site", pa.string()), ("purpose", pa.string()), ("time_source", pa.string()),
    ("access_id", pa.string()), ("encounter_id", pa.string()), ("infusate_id", pa.string()),
    ("confidence", pa.float64()), ("event_json", pa.string()),
])

CODE_SCHEMA = pa.schema([
    ("note_id", pa.string()), ("code_type", pa.string()), ("code", pa.string()), ("units", pa.int32()),
    ("modifiers", pa.list_(pa.string())), ("event_ids", pa.list_(pa.string())),
    ("rule", pa.string()), ("rationale", pa.string()),
])


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _f(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=jsonable)


def note_row(rec: dict[str, Any]) -> dict[str, Any]:
    """One row of the notes table."""
    err = rec.get("error") or {}
    events = rec.get("events") or []
    return {
        "id": _s(rec.get("id")), "status": rec.get("status"), "setting": rec.get("setting"),
        "error_type": err.get("type"), "error_message": err.get("message"),
        "n_events": len(events), "n_given": sum(1 for e in events if e.get("status") == "given"),
        "n_cpt": len(rec.get("cpt") or []), "n_hcpcs": len(rec.get("hcpcs") or []),
        "flag_codes": [f.get("code") for f in rec.get("flags") or []],
        "events_json": _j(events), "cpt_json": _j(rec.get("cpt") or []),
        "hcpcs_json": _j(rec.get("hcpcs") or []), "flags_json": _j(rec.get("flags") or []),
        "versions_json": _j(rec.get("versions") or {}), "meta_json": _j(rec.get("meta") or {}),
    }


def event_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the events table for one note."""
    out = []
    for e in rec.get("events") or []:
        dose = e.get("dose") or {}
        out.append({
            "note_id": _s(rec.get("id")), "event_id": _s(e.get("event_id")), "drug": _s(e.get("drug")),
            "drug_text": _s(e.get("drug_text")), "rxcui": _s(e.get("rxcui")),
            "dose_value": _f(dose.get("value")), "dose_unit": _s(dose.get("unit")),
            "volume_ml": _f(e.get("volume_ml")), "rate_ml_hr": _f(e.get("rate_ml_hr")),
            "route": _s(e.get("route")), "status": _s(e.get("status")), "start": _s(e.get("start")),
            "end": _s(e.get("end")), "duration_min": _f(e.get("duration_min")), "site": _s(e.get("site")),
            "purpose": _s(e.get("purpose")), "time_source": _s(e.get("time_source")),
            "access_id": _s(e.get("access_id")), "encounter_id": _s(e.get("encounter_id")),
            "infusate_id": _s(e.get("infusate_id")), "confidence": _f(e.get("confidence")),
            "event_json": _j(e),
        })
    return out


def code_line_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the codes table for one note."""
    out = []
    for kind in ("cpt", "hcpcs"):
        for line in rec.get(kind) or []:
            units = line.get("units")
            out.append({
                "note_id": _s(rec.get("id")), "code_type": kind, "code": _s(line.get("code")),
                "units": int(units) if isinstance(units, int | float) else None,
                "modifiers": [str(m) for m in line.get("modifiers") or []],
                "event_ids": [str(x) for x in line.get("event_ids") or []],
                "rule": _s(line.get("rule")), "rationale": _s(line.get("rationale")),
            })
    return out


def sibling_paths(path: str | Path) -> tuple[Path, Path, Path]:
    """Return the ``(notes, events, codes)`` paths for ``-o out.parquet``."""
    path = Path(path)
    stem = path.name[: -len(".parquet")] if path.name.endswith(".parquet") else path.name
    return path, path.with_name(f"{stem}.events.parquet"), path.with_name(f"{stem}.codes.parquet")


class _Table:
    def __init__(self, final: Path, schema: pa.Schema, rows_per_group: int) -> None:
        self.final = final
        self.tmp = temp_path(final)
        self.schema = schema
        self.rows: list[dict[str, Any]] = []
        self.rows_per_group = rows_per_group
        self.writer = pq.ParquetWriter(str(self.tmp), schema, compression="zstd")

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.rows_per_group:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())

    def commit(self) -> None:
        os.replace(self.tmp, self.final)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


class ParquetWriter:
    """Write output records as three Parquet tables (see the module docstring), atomically."""

    def __init__(self, path: str | Path, rows_per_group: int = 2000) -> None:
        notes, events, codes = sibling_paths(path)
        self.dir = notes.parent
        self.notes = _Table(notes, NOTE_SCHEMA, rows_per_group)
        self.events = _Table(events, EVENT_SCHEMA, rows_per_group * 4)
        self.codes = _Table(codes, CODE_SCHEMA, rows_per_group * 4)

    def write(self, record: dict[str, Any]) -> None:
        """Add one output record to the three tables."""
        self.notes.add([note_row(record)])
        self.events.add(event_rows(record))
        self.codes.add(code_line_rows(record))

    def close(self) -> None:
        """Finish the three files and rename them into place (the notes table last)."""
        for t in (self.events, self.codes, self.notes):
            t.close()
        for t in (self.events, self.codes, self.notes):
            t.commit()
        fsync_dir(self.dir)

    def abort(self) -> None:
        """Drop the temporary files."""
        for t in (self.events, self.codes, self.notes):
            t.abort()
