"""A one-line progress display on standard error (notes done, notes/s, ETA) and the end-of-run summary.

The bar only draws on a terminal; when standard error is a file or a pipe it stays quiet, so logs do not fill
with carriage returns. It never shows note text, only counts.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any


def _fmt_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}"


class Progress:
    """Redraw ``done/total notes  rate notes/s  ETA`` at most every ``interval`` seconds.

    Parameters
    ----------
    total
        Number of notes to do, when known.
    fraction
        Callable giving the share of the input read (used for the ETA when ``total`` is unknown).
    already
        Notes already done by an earlier run (resume); not counted in the rate.
    stream
        Where to draw (standard error by default).
    enabled
        Force on/off; by default on only when ``stream`` is a terminal.
    """

    def __init__(self, total: int | None = None, fraction: Callable[[], float | None] | None = None,
                 already: int = 0, stream: IO[str] | None = None, enabled: bool | None = None,
                 interval: float = 0.5) -> None:
        self.stream = stream or sys.stderr
        is_tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.enabled = is_tty if enabled is None else enabled
        self.total = total
        self.fraction = fraction
        self.already = already
        self.done = 0
        self.interval = interval
        self.t0 = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, n: int) -> None:
        """Count ``n`` more notes done and redraw if due."""
        self.done += n
        now = time.monotonic()
        if self.enabled and now - self._last >= self.interval:
            self._last = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        """Return the text of the progress line."""
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.t0, 1e-9)
        rate = self.done / elapsed
        done = self.already + self.done
        eta = "?"
        if self.total:
            left = max(self.total - done, 0)
            if rate > 0:
                eta = _fmt_duration(left / rate)
            head = f"{done:,}/{self.total:,} notes ({100.0 * done / self.total:5.1f}%)"
        else:
            frac = self.fraction() if self.fraction else None
            if frac and frac > 0 and elapsed > 0:
                eta = _fmt_duration(elapsed * (1 - frac) / frac)
            head = f"{done:,} notes" + (f" ({100.0 * frac:5.1f}%)" if frac is not None else "")
        return f"{head}  {rate:,.1f} notes/s  elapsed {_fmt_duration(elapsed)}  ETA {eta}"

    def _draw(self, now: float) -> None:
        text = self.line(now)
        pad = max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


_COUNTS = ("notes", "ok", "error", "events", "given", "cpt_lines", "hcpcs_lines")
_COUNTERS = ("error_types", "flags", "codes")


@dataclass
class RunStats:
    """Counts over output records, mergeable across chunks (stored in the resume journal)."""

    notes: int = 0
    ok: int = 0
    error: int = 0
    events: int = 0
    given: int = 0
    cpt_lines: int = 0
    hcpcs_lines: int = 0
    error_types: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        """Count one output record."""
        self.notes += 1
        if record.get("status") == "ok":
            self.ok += 1
        else:
            self.error += 1
            self.error_types[(record.get("error") or {}).get("type", "unknown")] += 1
        events = record.get("events") or []
        self.events += len(events)
        self.given += sum(1 for e in events if e.get("status") == "given")
        cpt = record.get("cpt") or []
        hcpcs = record.get("hcpcs") or []
        self.cpt_lines += len(cpt)
        self.hcpcs_lines += len(hcpcs)
        for line in cpt + hcpcs:
            self.codes[str(line.get("code"))] += 1
        for f in record.get("flags") or []:
            self.flags[str(f.get("code"))] += 1

    def merge(self, other: RunStats) -> None:
        """Add another chunk's counts."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in _COUNTERS:
            getattr(self, name).update(getattr(other, name))

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for the journal)."""
        return {**{k: getattr(self, k) for k in _COUNTS}, **{k: dict(getattr(self, k)) for k in _COUNTERS}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunStats:
        """Inverse of ``to_dict``."""
        return cls(
            **{k: int(d.get(k, 0)) for k in _COUNTS},
            **{k: Counter(d.get(k) or {}) for k in _COUNTERS},
        )

    def summary(self, seconds: float | None = None, processed: int | None = None, top: int = 5) -> str:
        """Multi-line human summary (counts only, never note text)."""
        lines = [f"notes: {self.notes:,} ({self.ok:,} ok, {self.error:,} error)"]
        if seconds is not None and processed is not None:
            rate = processed / seconds if seconds > 0 else 0.0
            lines[0] += f" in {seconds:,.1f} s; {processed:,} processed now ({rate:,.1f} notes/s)"
        if self.error_types:
            lines.append("errors: " + ", ".join(f"{k} {v:,}" for k, v in self.error_types.most_common(top)))
        lines.append(f"events: {self.events:,} ({self.given:,} given); code lines: {self.cpt_lines:,} CPT, "
                     f"{self.hcpcs_lines:,} HCPCS")
        if self.codes:
            lines.append("top codes: " + ", ".join(f"{k} {v:,}" for k, v in self.codes.most_common(top)))
        if self.flags:
            lines.append("top flags: " + ", ".join(f"{k} {v:,}" for k, v in self.flags.most_common(top)))
        return "\n".join(lines)
