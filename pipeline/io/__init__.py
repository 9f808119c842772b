"""Readers and writers for ``infucode code``: one format per module, chosen from the path.

Inputs: ``.jsonl``/``.ndjson`` (or ``-`` for standard input), ``.csv``/``.tsv`` (these also gzipped,
``.csv.gz``), ``.parquet``, a folder of
``.txt``. Outputs: ``.jsonl`` (or standard output), ``.csv`` (one row per code line), ``.parquet`` (three
tables). See ``README.md`` in this folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from infucode.pipeline.io.records import InputFormatError, InputItem, parse_columns

__all__ = [
    "InputFormatError",
    "InputItem",
    "InputReader",
    "OutputWriter",
    "input_format",
    "open_input",
    "open_output",
    "output_format",
    "parse_columns",
]


class InputReader(Protocol):
    """What every reader offers."""

    total: int | None

    def iter_items(self, start: int = 0) -> Any:
        """Yield ``InputItem`` in input order from record ``start`` on."""

    def fraction(self) -> float | None:
        """Share of the input read so far, if known."""


class OutputWriter(Protocol):
    """What every final-output writer offers."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one output record."""

    def close(self) -> None:
        """Complete the output (atomically for files)."""


def input_format(path: str) -> str:
    """Return ``jsonl``, ``csv``, ``parquet`` or ``txt_folder`` for an input path (``-`` is JSONL).

    Raises
    ------
    InputFormatError
        When the path does not exist or its extension is not supported.
    """
    if path == "-":
        return "jsonl"
    p = Path(path)
    if p.is_dir():
        return "txt_folder"
    if not p.exists():
        raise InputFormatError(f"input not found: {path}")
    suffixes = [x.lower() for x in p.suffixes]
    gz = suffixes[-1:] == [".gz"]
    suffix = suffixes[-2] if gz and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".tab"):
        return "csv"
    if suffix in (".parquet", ".pq") and not gz:
        return "parquet"
    raise InputFormatError(
        f"unsupported input format {''.join(suffixes[-2:])!r} "
        "(use .jsonl, .csv, .tsv (optionally .gz), .parquet or a folder of .txt)"
    )


def open_input(path: str, columns: dict[str, str] | None = None) -> Any:
    """Open a reader for ``path`` (see ``input_format``)."""
    fmt = input_format(path)
    if fmt == "jsonl":
        from infucode.pipeline.io.jsonl_format import JsonlReader

        if columns:
            raise InputFormatError("--columns applies to CSV and Parquet input only")
        return JsonlReader(path)
    if fmt == "csv":
        from infucode.pipeline.io.csv_format import CsvReader

        return CsvReader(path, columns)
    if fmt == "parquet":
        from infucode.pipeline.io.parquet_format import ParquetReader

        return ParquetReader(path, columns)
    from infucode.pipeline.io.txt_folder import TxtFolderReader

    if columns:
        raise InputFormatError("--columns applies to CSV and Parquet input only")
    return TxtFolderReader(path)


def output_format(path: str | None) -> str:
    """Return ``jsonl``, ``csv`` or ``parquet`` for an output path (``None``/``-``: JSONL on stdout).

    Raises
    ------
    InputFormatError
        For an unsupported extension.
    """
    if path in (None, "-"):
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise InputFormatError(f"unsupported output format {suffix!r} (use .jsonl, .csv or .parquet)")


def open_output(path: str, fmt: str | None = None) -> Any:
    """Open an atomic final-output writer for a file path."""
    fmt = fmt or output_format(path)
    if fmt == "csv":
        from infucode.pipeline.io.csv_format import CsvWriter

        return CsvWriter(path)
    if fmt == "parquet":
        from infucode.pipeline.io.parquet_format import ParquetWriter

        return ParquetWriter(path)
    from infucode.pipeline.io.atomic import AtomicFile
    from infucode.pipeline.io.jsonl_format import JsonlWriter

    af = AtomicFile(path, "w")
    writer = JsonlWriter(af.fh)
    writer.close = af.commit  # type: ignore[method-assign]
    writer.abort = af.abort  # type: ignore[attr-defined]
    return writer
