"""``infucode show``: code notes and print a readable table per note (events, then claim lines).

Meant for people at a terminal (the README's first command). Machines should use ``infucode code``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _fmt_dose(ev: dict[str, Any]) -> str:
    d = ev.get("dose")
    if not d:
        return ""
    v = d["value"]
    return f"{v:g} {d['unit']}"


def _fmt_time(value: str | None) -> str:
    return value[11:16] if value else ""


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [len(h) for h in headers]
    for r in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def render(record: dict[str, Any]) -> str:
    """Render one output record as text (events table, CPT/HCPCS lines, flags)."""
    head = f"== note {record.get('id')}  [{record.get('setting')}]  status: {record.get('status')}"
    if record.get("status") != "ok":
        err = record.get("error") or {}
        return f"{head}\n   error {err.get('type')}: {err.get('message')}\n"
    parts = [head]
    events = record.get("events", [])
    if events:
        rows = [
            [
                e["event_id"],
                (e.get("drug") or "")[:34],
                _fmt_dose(e),
                e.get("route") or "",
                _fmt_time(e.get("start")),
                _fmt_time(e.get("end")),
                "" if e.get("duration_min") is None else f"{e['duration_min']:g}",
                e.get("status") or "",
                (e.get("site") or "")[:12],
            ]
            for e in events
        ]
        parts.append(
            _table(rows, ["event", "drug", "dose", "route", "start", "end", "min", "status", "site"])
        )
    else:
        parts.append("   (no drug administration found)")
    lines = [
        [kind, c["code"], str(c["units"]), ",".join(c.get("modifiers", [])), ",".join(c.get("event_ids", [])),
         c.get("rule", "")]
        for kind, key in (("CPT", "cpt"), ("HCPCS", "hcpcs"))
        for c in record.get(key, [])
    ]
    if lines:
        parts.append(_table(lines, ["claim", "code", "units", "mod", "events", "rule"]))
    for f in record.get("flags", []):
        parts.append(f"   ! {f['severity']:<7} {f['code']}: {f['message']}")
    return "\n".join(parts) + "\n"


def _read_jsonl(path: Path) -> Iterator[Any]:
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                yield {"id": f"line-{n}", "_invalid": True}


def main(argv: list[str] | None = None) -> int:
    """Run ``infucode show``."""
    ap = argparse.ArgumentParser(prog="infucode show", description=__doc__)
    ap.add_argument("input", type=Path, help="JSONL file of notes (contract input records)")
    ap.add_argument("--setting", choices=("facility", "professional"), default="facility")
    args = ap.parse_args(argv)
    if not args.input.is_file():
        print(f"infucode show: cannot read {args.input}", file=sys.stderr)
        return 2
    from infucode.pipeline.runner import NoteError, NotePipeline, error_record

    pipe = NotePipeline(args.setting)
    for rec in _read_jsonl(args.input):
        if isinstance(rec, dict) and rec.get("_invalid") is True:
            out = error_record({"id": rec["id"]}, NoteError("invalid_json", "line is not valid JSON"))
        else:
            out = pipe.process(rec)
        sys.stdout.write(render(out) + "\n")
    return 0
