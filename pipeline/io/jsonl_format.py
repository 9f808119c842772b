"""JSON Lines: one note per line in (plain or ``.jsonl.gz``), one output record per line out.

Lines are read as bytes and decoded one at a time, so one line that is not UTF-8 or not JSON gives one
error record and the run goes on. Blank lines are not records. A line longer than ``MAX_LINE_BYTES`` is
skipped in pieces (memory stays bounded) and reported as ``note_too_large``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from infucode.pipeline.io.atomic import CompressedInput
from infucode.pipeline.io.records import InputFormatError, InputItem, ReaderBase, jsonable

#: Longest JSONL line read into memory (bytes). Longer lines become ``note_too_large`` error records.
MAX_LINE_BYTES = 64 * 1024 * 1024
_SKIP_BLOCK = 1024 * 1024


def _read_line(stream: IO[bytes]) -> tuple[bytes, bool]:
    """Read one line; return ``(line, too_long)``. A too-long line is consumed but not returned."""
    line = stream.readline(MAX_LINE_BYTES + 1)
    if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
        return line, False
    while True:  # discard the rest of the oversized line
        rest = stream.readline(_SKIP_BLOCK)
        if not rest or rest.endswith(b"\n"):
            return b"x", True


def parse_json_line(raw: bytes, seq: int, line_no: int) -> InputItem:
    """Turn one raw JSONL line into an ``InputItem`` (error set when it is not a UTF-8 JSON object)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # recover the id (not the text) when the rest of the line is still JSON
        rid = None
        try:
            rec = json.loads(raw.decode("utf-8", errors="replace"))
            if isinstance(rec, dict) and rec.get("id") is not None:
                rid = rec.get("id")
        except ValueError:
            pass
        return InputItem(
            seq, line_no, {"id": rid} if rid is not None else None,
            ("invalid_encoding", f"line {line_no} is not valid UTF-8 (byte {exc.start})"),
        )
    try:
        rec = json.loads(text)
    except ValueError as exc:
        return InputItem(seq, line_no, None, ("invalid_json", f"line {line_no} is not JSON ({exc.msg})"))
    if not isinstance(rec, dict):
        return InputItem(
            seq, line_no, None, ("invalid_record", f"line {line_no} is JSON but not an object")
        )
    return InputItem(seq, line_no, rec)


class JsonlReader(ReaderBase):
    """Read a ``.jsonl`` file (or standard input when ``path`` is ``"-"``).

    Parameters
    ----------
    path
        File path or ``"-"``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != "-" and not Path(self.path).is_file():
            raise InputFormatError(f"input file not found: {self.path}")
        self.size = None if self.path == "-" else os.path.getsize(self.path)
        self.total: int | None = None
        self._of = self.size  # progress by bytes; unknown for stdin

    def _is_json_array(self) -> bool:
        if self.path == "-" or not self.path.lower().endswith(".json"):
            return False
        src = CompressedInput(self.path)
        try:
            head = src.stream.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        finally:
            src.close()
        return head.startswith(b"[")

    def _iter_array(self, start: int) -> Iterator[InputItem]:
        """Read a ``.json`` file holding one array of records (loaded whole: meant for small files)."""
        raw = Path(self.path).read_bytes()
        self._done = len(raw)
        try:
            records = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            msg = f"the JSON array file cannot be read ({type(exc).__name__})"
            yield InputItem(0, 1, None, ("invalid_json", msg))
            return
        for seq, rec in enumerate(records):
            if seq < start:
                continue
            if isinstance(rec, dict):
                yield InputItem(seq, seq + 1, rec)
            else:
                msg = f"array element {seq + 1} is not an object"
                yield InputItem(seq, seq + 1, None, ("invalid_record", msg))

    def iter_items(self, start: int = 0) -> Iterator[InputItem]:
        """Yield items in order; the first ``start`` records are skipped without being decoded."""
        if self._is_json_array():
            yield from self._iter_array(start)
            return
        own = self.path != "-"
        src = CompressedInput(self.path) if own else None
        stream: IO[bytes] = src.stream if src is not None else sys.stdin.buffer
        try:
            seq = 0
            line_no = 0
            while True:
                try:
                    raw, too_long = _read_line(stream)
                except (OSError, EOFError) as exc:  # truncated/corrupt .gz: report once, then stop
                    yield InputItem(seq, line_no + 1, None, (
                        "unreadable_input", f"input unreadable after line {line_no} ({type(exc).__name__})"))
                    break
                if not raw:
                    break
                line_no += 1
                if src is not None:
                    self._done = src.position()
                if not too_long and not raw.strip():
                    continue
                if seq < start:
                    seq += 1
                    continue
                if too_long:
                    yield InputItem(seq, line_no, None, (
                        "note_too_large", f"line {line_no} is longer than {MAX_LINE_BYTES} bytes"))
                else:
                    yield parse_json_line(raw, seq, line_no)
                seq += 1
        finally:
            if src is not None:
                src.close()


def dumps(record: dict[str, Any]) -> str:
    """Serialise one output record as a single JSONL line (with the newline)."""
    return json.dumps(record, ensure_ascii=False, default=jsonable, separators=(",", ":")) + "\n"


class JsonlWriter:
    """Write output records as JSON Lines to a stream (``-o`` absent: standard output)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, record: dict[str, Any]) -> None:
        """Write one record."""
        self.stream.write(dumps(record))

    def close(self) -> None:
        """Flush the stream (standard output is never closed)."""
        self.stream.flush()
