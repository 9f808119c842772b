"""What every reader yields (``InputItem``) and the checks shared by all input formats.

A reader never raises for one bad record: it yields an ``InputItem`` whose ``error`` is set, and the batch
runner turns it into one ``status: "error"`` output record. Only problems with the input as a whole (path
missing, unknown column in ``--columns``) raise ``InputFormatError``.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

#: Fields of the contract's input record; ``--columns`` may map any of them to a source column.
CONTRACT_FIELDS: tuple[str, ...] = ("id", "text", "note", "setting", "encounter_date", "place_of_service")


class InputFormatError(Exception):
    """The input as a whole cannot be read (missing path, unknown format, unknown mapped column)."""


@dataclass(slots=True)
class InputItem:
    """One input note as read from the source, before any NLP.

    Parameters
    ----------
    seq
        0-based position among the input's records (the output order).
    line
        1-based physical line (JSONL/CSV) or row (Parquet) or file (folder) number, used as the id of an
        error record when the record has no id of its own (``"line:17"``);
        Spark uses ``"p<partition>-<row>"``.
    record
        The input record (contract keys + anything else, passed through under ``meta``), or ``None``.
    error
        ``(type, message)`` when the record could not be read; the message never contains note text.
    """

    seq: int
    line: int | str
    record: dict[str, Any] | None
    error: tuple[str, str] | None = None

    @property
    def fallback_id(self) -> str:
        """Id used for an output record whose input has no usable id."""
        return f"line:{self.line}"


class ReaderBase:
    """What all readers share: iteration from the start and a progress fraction.

    A subclass implements :meth:`iter_items` and keeps ``_done`` (units read so far) against ``_of`` (units in
    the whole input: bytes, rows or files; ``None`` or 0 when unknown, e.g. standard input).
    """

    _done: int = 0
    _of: int | None = None

    def fraction(self) -> float | None:
        """Return the share of the input read so far, or ``None`` when the input size is unknown."""
        return min(1.0, self._done / self._of) if self._of else None

    def __iter__(self) -> Iterator[InputItem]:
        return self.iter_items(0)

    def iter_items(self, start: int = 0) -> Iterator[InputItem]:
        """Yield one item per input record, skipping the first ``start`` records."""
        raise NotImplementedError


def parse_columns(spec: str | None) -> dict[str, str]:
    """Parse ``--columns id=ROW_ID,text=TEXT,...`` into ``{contract field: source column}``.

    Raises
    ------
    InputFormatError
        On a malformed pair or a target that is not a contract field.
    """
    mapping: dict[str, str] = {}
    if not spec:
        return mapping
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputFormatError(f"--columns: expected FIELD=COLUMN, got {part!r}")
        target, source = (s.strip() for s in part.split("=", 1))
        if target not in CONTRACT_FIELDS:
            raise InputFormatError(f"--columns: {target!r} is not one of {', '.join(CONTRACT_FIELDS)}")
        if not source:
            raise InputFormatError(f"--columns: empty column name for {target!r}")
        mapping[target] = source
    return mapping


def resolve_columns(header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Return ``{source column: output key}`` for a table with ``header``.

    Explicitly mapped columns must exist. Contract fields that are not mapped are found by a
    case-insensitive match of the header (``ID``, ``Text``); every other column keeps its name and ends up
    under ``meta`` in the output.

    Raises
    ------
    InputFormatError
        When a column named in ``mapping`` is not in ``header``.
    """
    missing = [src for src in mapping.values() if src not in header]
    if missing:
        raise InputFormatError(
            f"--columns names column(s) not in the input: {', '.join(missing)} (have: {', '.join(header)})"
        )
    rename: dict[str, str] = {}
    for target, src in mapping.items():
        rename[src] = target
    taken = set(rename.values())
    for col in header:
        if col in rename:
            continue
        low = col.strip().lower()
        if low in CONTRACT_FIELDS and low not in taken:
            rename[col] = low
            taken.add(low)
        else:
            rename[col] = col
    # a source column that kept its own name but collides with a mapped target is passed as meta "src:<name>"
    seen: set[str] = set()
    for col in header:
        key = rename[col]
        if key in seen:
            rename[col] = f"src:{col}"
        seen.add(rename[col])
    return rename


def input_problem(record: dict[str, Any]) -> tuple[str, str] | None:
    """Check a record before the pipeline sees it (beyond ``runner.validate_record``).

    Returns ``("empty_text", ...)`` for a note whose text is empty or only whitespace, else ``None``.
    """
    text = record.get("text", record.get("note"))
    if isinstance(text, str | bytes) and not text.strip():
        return ("empty_text", "note text is empty")
    return None


def jsonable(value: Any) -> Any:
    """``json.dumps`` default: make dates, bytes, decimals and numpy scalars serialisable."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(raw).decode("ascii")
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):  # numpy array
        return value.tolist()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def clean_cell(value: Any) -> Any:
    """Normalise a table cell: NaN floats become ``None`` (pandas/Parquet null markers)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
