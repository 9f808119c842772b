"""Atomic file output: write to a temporary file beside the target, fsync, then rename over it.

A reader of the final path sees either the previous file or the complete new one, never a truncated file,
even after ``kill -9`` or a power loss.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO


class CompressedInput:
    """Binary reader for a plain or gzip-compressed (``.gz``) input file that reports raw bytes consumed.

    ``position()`` is the offset in the file on disk (compressed bytes for ``.gz``), for progress display.
    """

    def __init__(self, path: str | Path) -> None:
        import gzip

        self.raw: IO[bytes] = open(path, "rb")  # noqa: SIM115
        self.stream: IO[bytes] = (
            gzip.GzipFile(fileobj=self.raw, mode="rb") if str(path).lower().endswith(".gz") else self.raw
        )

    def position(self) -> int:
        """Bytes of the file on disk read so far."""
        return self.raw.tell()

    def close(self) -> None:
        """Close both streams."""
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()


def fsync_dir(path: str | Path) -> None:
    """Fsync a directory so that a rename inside it is durable (no-op where unsupported)."""
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def temp_path(final: str | Path) -> Path:
    """Temporary sibling of ``final`` used while it is written."""
    final = Path(final)
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


class AtomicFile:
    """A file written under a temporary name and renamed to ``final`` by ``commit``.

    Parameters
    ----------
    final
        Path the file has once committed.
    mode
        ``"w"`` (text, UTF-8, ``newline=""``) or ``"wb"``.
    """

    def __init__(self, final: str | Path, mode: str = "w") -> None:
        self.final = Path(final)
        self.tmp = temp_path(self.final)
        if mode == "wb":
            self.fh: IO = open(self.tmp, "wb")  # noqa: SIM115
        else:
            self.fh = open(self.tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def commit(self) -> None:
        """Flush, fsync and rename the temporary file to its final name."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.final)
        fsync_dir(self.final.parent)

    def abort(self) -> None:
        """Close and delete the temporary file."""
        with contextlib.suppress(Exception):
            self.fh.close()
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()


def write_atomic(final: str | Path, data: bytes) -> None:
    """Write ``data`` to ``final`` atomically and durably (temporary file, fsync, rename, fsync folder).

    Parameters
    ----------
    final
        Target path.
    data
        The whole content.
    """
    af = AtomicFile(final, "wb")
    try:
        af.fh.write(data)
        af.commit()
    except BaseException:
        af.abort()
        raise
