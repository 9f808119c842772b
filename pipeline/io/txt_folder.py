"""A folder of ``.txt`` files, one note per file, id = file stem.

Files are taken in sorted name order (top level only, hidden files skipped) so that the output order and a
resumed run are reproducible. Each file is decoded on its own (UTF-8, BOM allowed); a file that is not UTF-8
gives one ``invalid_encoding`` error record with its stem as the id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from infucode.pipeline.io.records import InputFormatError, InputItem, ReaderBase

#: Files larger than this (bytes) are not read; they become ``note_too_large`` error records.
MAX_FILE_BYTES = 64 * 1024 * 1024


class TxtFolderReader(ReaderBase):
    """Read every ``*.txt`` file of a folder.

    Parameters
    ----------
    path
        The folder.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise InputFormatError(f"input folder not found: {self.path}")
        self.files = sorted(
            p for p in self.path.iterdir()
            if p.suffix.lower() == ".txt" and not p.name.startswith(".") and p.is_file()
        )
        self.total: int | None = len(self.files)
        self._of = self.total  # progress by files

    def iter_items(self, start: int = 0) -> Iterator[InputItem]:
        """Yield one item per file, skipping the first ``start`` files."""
        for seq, path in enumerate(self.files):
            self._done = seq + 1
            if seq < start:
                continue
            rid = path.stem
            try:
                size = path.stat().st_size
                if size > MAX_FILE_BYTES:
                    yield InputItem(seq, seq + 1, {"id": rid},
                                    ("note_too_large", f"file has {size} bytes; limit {MAX_FILE_BYTES}"))
                    continue
                raw = path.read_bytes()
            except OSError as exc:
                yield InputItem(seq, seq + 1, {"id": rid}, ("unreadable_file", type(exc).__name__))
                continue
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                yield InputItem(seq, seq + 1, {"id": rid},
                                ("invalid_encoding", f"file is not valid UTF-8 (byte {exc.start})"))
                continue
            yield InputItem(seq, seq + 1, {"id": rid, "text": text})
