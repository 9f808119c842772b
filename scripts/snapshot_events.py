"""Snapshot the extraction output of every bundled note, and compare two snapshots.

A speed change to the extraction pipeline must not change what it extracts. This script writes, for every
note of ``annotations/corpus/*.jsonl``, ``annotations/samples/*.jsonl``, the coding scenarios and a fixed set
of synthetic notes (also long ones), the events of ``doc_events(nlp(text))`` as one JSON line, and compares
two such files note by note.

The snapshot holds note text-derived spans (offsets and labels), so write it outside the repository
(``/tmp``); it is a development aid, never shipped.

Usage::

    .venv/bin/python scripts/snapshot_events.py write /tmp/before.jsonl
    .venv/bin/python scripts/snapshot_events.py write /tmp/after.jsonl
    .venv/bin/python scripts/snapshot_events.py compare /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))


def iter_notes(n_synthetic: int) -> Iterator[tuple[str, str]]:
    """Yield ``(key, text)`` for every bundled note and ``n_synthetic`` generated ones."""
    files = sorted((ROOT / "annotations" / "corpus").glob("*.jsonl"))
    files += sorted((ROOT / "annotations" / "samples").glob("*.jsonl"))
    files += sorted((ROOT / "annotations" / "scenarios").glob("*.jsonl"))
    for path in files:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec.get("text") if isinstance(rec, dict) else None
            if not isinstance(text, str):
                text = rec.get("note", {}).get("text") if isinstance(rec.get("note"), dict) else None
            if isinstance(text, str):
                yield f"{path.name}:{rec.get('id', i)}", text
    from synthetic_notes import generate

    synth = generate(n_synthetic)
    for i, text in enumerate(synth):
        yield f"synthetic:{i}", text
    # long notes: several synthetic notes joined (the length-scaling case)
    for k in (5, 20):
        yield f"synthetic-long:{k}", "\n\n".join(synth[:k])


def write(path: Path, n_synthetic: int) -> int:
    """Write the snapshot; return the number of notes."""
    from infucode.pipeline.extract import build_nlp, doc_events

    nlp = build_nlp(fresh=True)
    n = 0
    with path.open("w", encoding="utf-8") as out:
        for key, text in iter_notes(n_synthetic):
            events = [e.to_dict() if hasattr(e, "to_dict") else _plain(e) for e in doc_events(nlp(text))]
            out.write(json.dumps({"key": key, "events": events}, sort_keys=True, default=str) + "\n")
            n += 1
    return n


def _plain(obj: object) -> object:
    from dataclasses import asdict, is_dataclass

    return asdict(obj) if is_dataclass(obj) else obj  # type: ignore[arg-type]


def compare(a: Path, b: Path, show: int) -> int:
    """Print the notes whose events differ; return the number of differing notes."""
    left = {r["key"]: r["events"] for r in map(json.loads, a.read_text(encoding="utf-8").splitlines())}
    right = {r["key"]: r["events"] for r in map(json.loads, b.read_text(encoding="utf-8").splitlines())}
    diff = [k for k in left if left[k] != right.get(k)] + [k for k in right if k not in left]
    for k in diff[:show]:
        print(f"differs: {k}")
        la, rb = left.get(k, []), right.get(k, [])
        print(f"  events {len(la)} -> {len(rb)}")
        for i, (x, y) in enumerate(zip(la, rb, strict=False)):
            if x != y:
                keys = sorted(k2 for k2 in set(x) | set(y) if x.get(k2) != y.get(k2))
                print(f"  event {i}: fields differ: {', '.join(keys)}")
                break
    print(f"{len(left)} notes before, {len(right)} after, {len(diff)} differ")
    return len(diff)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("path", type=Path)
    w.add_argument("--synthetic", type=int, default=300)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    c.add_argument("--show", type=int, default=20)
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)
    if args.cmd == "write":
        print(f"{write(args.path, args.synthetic)} notes written to {args.path}")
        return 0
    return 1 if compare(args.a, args.b, args.show) else 0


if __name__ == "__main__":
    raise SystemExit(main())
