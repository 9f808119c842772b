"""Compile the hand-written gold sources into the gold corpus JSONL with character offsets.

Reads ``annotations/corpus/src/*.notes`` (format: ``infucode.annotations.gold`` docstring), locates every
annotated substring in its note, validates ``text[start:end]`` for every span, and writes
``annotations/corpus/gold_dev.v1.jsonl`` and ``annotations/corpus/splits.v1.json``.

Usage::

    python scripts/make_corpus_offsets.py            # rebuild
    python scripts/make_corpus_offsets.py --check    # exit 1 if the committed files are stale

Prints counts only, never note text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from infucode.annotations.gold import CORPUS_DIR, compile_sources, splits_manifest

OUT_NAME = "gold_dev.v1.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=CORPUS_DIR / "src", help="folder of *.notes sources")
    ap.add_argument("--out", type=Path, default=CORPUS_DIR, help="corpus folder to write")
    ap.add_argument("--check", action="store_true", help="only check that the written files are up to date")
    args = ap.parse_args(argv)

    sources = sorted(args.src.glob("*.notes"))
    if not sources:
        print(f"no *.notes files in {args.src}", file=sys.stderr)
        return 2
    records = compile_sources(sources)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    splits = json.dumps(splits_manifest(records), indent=1) + "\n"
    out_file, split_file = args.out / OUT_NAME, args.out / "splits.v1.json"
    if args.check:
        stale = [p.name for p, want in ((out_file, lines), (split_file, splits))
                 if not p.exists() or p.read_text(encoding="utf-8") != want]
        if stale:
            print(f"stale: {', '.join(stale)} (run scripts/make_corpus_offsets.py)", file=sys.stderr)
            return 1
        print("corpus up to date")
        return 0
    out_file.write_text(lines, encoding="utf-8")
    split_file.write_text(splits, encoding="utf-8")
    n_ev = sum(len(r["gold_events"]) for r in records)
    by_split = Counter(r["split"] for r in records)
    by_status = Counter(e["status"] for r in records for e in r["gold_events"])
    print(f"{len(records)} notes ({dict(by_split)}), {n_ev} events {dict(by_status)} -> {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
