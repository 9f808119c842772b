"""Compile the hand-written gold sources into the gold corpus JSONL with character offsets.

Reads ``annotations/corpus/src/*.notes`` (format: ``infucode.annotations.gold`` docstring), locates every
annotated substring in its note, validates ``text[start:end]`` for every span, and writes
``annotations/corpus/gold_dev.v1.jsonl`` and ``annotations/corpus/splits.v1.json``. The blind challenge set
(``src/challenge*.notes``, ids ``chal-*``, split ``challenge``) goes to its own
``annotations/corpus/challenge.v1.jsonl`` and never into the dev corpus or its splits; the second blind set
(``src/blind*.notes``, ids ``blind-*``, split ``blind``) likewise goes to
``annotations/corpus/blind.v1.jsonl``; the third blind set (``src/fresh*.notes``, ids ``blind2-*``, split
``blind2``) goes to ``annotations/corpus/blind2.v1.jsonl``; the fourth (``src/unseen*.notes``, ids
``blind3-*``, split ``blind3``) goes to ``annotations/corpus/blind3.v1.jsonl``.

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

from infucode.annotations.gold import (
    BLIND2_FILE,
    BLIND2_SPLIT,
    BLIND3_FILE,
    BLIND3_SPLIT,
    BLIND_FILE,
    BLIND_SPLIT,
    CHALLENGE_FILE,
    CHALLENGE_SPLIT,
    CORPUS_DIR,
    GoldError,
    compile_sources,
    is_blind2_source,
    is_blind3_source,
    is_blind_source,
    is_challenge_source,
    is_heldout_source,
    splits_manifest,
)

OUT_NAME = "gold_dev.v1.jsonl"
CHALLENGE_OUT_NAME = CHALLENGE_FILE.name
BLIND_OUT_NAME = BLIND_FILE.name
BLIND2_OUT_NAME = BLIND2_FILE.name
BLIND3_OUT_NAME = BLIND3_FILE.name


def compile_partitioned(sources: list[Path]) -> tuple[list[dict], list[dict]]:
    """Compile the dev sources and the challenge sources separately; return ``(dev, challenge)`` records.

    Raises
    ------
    GoldError
        When a challenge source holds a non-challenge id or a dev source a challenge id.
    """
    dev_src = [p for p in sources if not is_heldout_source(p)]
    chal_src = [p for p in sources if is_challenge_source(p)]
    dev = compile_sources(dev_src)
    challenge = compile_sources(chal_src)
    if {r["id"] for r in dev} & {r["id"] for r in challenge}:
        raise GoldError("a note id is used in both the dev and the challenge sources")
    if any(r["split"] == CHALLENGE_SPLIT for r in dev):
        raise GoldError("a dev source uses a challenge id (chal-*)")
    if any(r["split"] != CHALLENGE_SPLIT for r in challenge):
        raise GoldError("a challenge source uses an id outside the challenge prefix (chal-*)")
    return dev, challenge


def compile_blind(sources: list[Path], others: list[dict]) -> list[dict]:
    """Compile the second blind set (``blind*.notes``); its ids must be ``blind-*`` and unused by ``others``.

    Raises
    ------
    GoldError
        When a blind source holds a non-blind id, or a blind id appears among ``others``.
    """
    blind = compile_sources([p for p in sources if is_blind_source(p)])
    if any(r["split"] != BLIND_SPLIT for r in blind):
        raise GoldError("a blind source uses an id outside the blind prefix (blind-*)")
    if any(r["split"] == BLIND_SPLIT for r in others) or {r["id"] for r in blind} & {r["id"] for r in others}:
        raise GoldError("a blind id (blind-*) is used outside the blind sources")
    return blind


def compile_blind2(sources: list[Path], others: list[dict]) -> list[dict]:
    """Compile the third blind set (``fresh*.notes``); its ids must be ``blind2-*`` and unused by ``others``.

    Raises
    ------
    GoldError
        When a blind2 source holds a non-blind2 id, or a blind2 id appears among ``others``.
    """
    blind2 = compile_sources([p for p in sources if is_blind2_source(p)])
    if any(r["split"] != BLIND2_SPLIT for r in blind2):
        raise GoldError("a blind2 source uses an id outside the blind2 prefix (blind2-*)")
    other_ids = {r["id"] for r in others}
    if any(r["split"] == BLIND2_SPLIT for r in others) or {r["id"] for r in blind2} & other_ids:
        raise GoldError("a blind2 id (blind2-*) is used outside the blind2 sources (fresh*.notes)")
    return blind2


def compile_blind3(sources: list[Path], others: list[dict]) -> list[dict]:
    """Compile the fourth held-out set (``unseen*.notes``); ids must be ``blind3-*`` and unused by ``others``.

    Raises
    ------
    GoldError
        When a blind3 source holds a non-blind3 id, or a blind3 id appears among ``others``.
    """
    blind3 = compile_sources([p for p in sources if is_blind3_source(p)])
    if any(r["split"] != BLIND3_SPLIT for r in blind3):
        raise GoldError("a blind3 source uses an id outside the blind3 prefix (blind3-*)")
    other_ids = {r["id"] for r in others}
    if any(r["split"] == BLIND3_SPLIT for r in others) or {r["id"] for r in blind3} & other_ids:
        raise GoldError("a blind3 id (blind3-*) is used outside the blind3 sources (unseen*.notes)")
    return blind3


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
    records, challenge = compile_partitioned(sources)
    blind = compile_blind(sources, records + challenge)
    blind2 = compile_blind2(sources, records + challenge + blind)
    blind3 = compile_blind3(sources, records + challenge + blind + blind2)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    chal_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in challenge)
    blind_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in blind)
    blind2_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in blind2)
    blind3_lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in blind3)
    splits = json.dumps(splits_manifest(records), indent=1) + "\n"
    out_file, split_file = args.out / OUT_NAME, args.out / "splits.v1.json"
    chal_file = args.out / CHALLENGE_OUT_NAME
    outputs = [(out_file, lines), (split_file, splits)] + ([(chal_file, chal_lines)] if challenge else [])
    outputs += [(args.out / BLIND_OUT_NAME, blind_lines)] if blind else []
    outputs += [(args.out / BLIND2_OUT_NAME, blind2_lines)] if blind2 else []
    outputs += [(args.out / BLIND3_OUT_NAME, blind3_lines)] if blind3 else []
    if args.check:
        stale = [p.name for p, want in outputs
                 if not p.exists() or p.read_text(encoding="utf-8") != want]
        if stale:
            print(f"stale: {', '.join(stale)} (run scripts/make_corpus_offsets.py)", file=sys.stderr)
            return 1
        print("corpus up to date")
        return 0
    for path, content in outputs:
        path.write_text(content, encoding="utf-8")
    n_ev = sum(len(r["gold_events"]) for r in records)
    by_split = Counter(r["split"] for r in records)
    by_status = Counter(e["status"] for r in records for e in r["gold_events"])
    print(f"{len(records)} notes ({dict(by_split)}), {n_ev} events {dict(by_status)} -> {out_file}")
    if challenge:
        n_ch = sum(len(r["gold_events"]) for r in challenge)
        ch_status = Counter(e["status"] for r in challenge for e in r["gold_events"])
        print(f"{len(challenge)} challenge notes, {n_ch} events {dict(ch_status)} -> {chal_file}")
    if blind:
        n_bl = sum(len(r["gold_events"]) for r in blind)
        bl_status = Counter(e["status"] for r in blind for e in r["gold_events"])
        print(f"{len(blind)} blind notes, {n_bl} events {dict(bl_status)} -> {args.out / BLIND_OUT_NAME}")
    if blind2:
        n_b2 = sum(len(r["gold_events"]) for r in blind2)
        b2_status = Counter(e["status"] for r in blind2 for e in r["gold_events"])
        print(f"{len(blind2)} blind2 notes, {n_b2} events {dict(b2_status)} -> {args.out / BLIND2_OUT_NAME}")
    if blind3:
        n_b3 = sum(len(r["gold_events"]) for r in blind3)
        b3_status = Counter(e["status"] for r in blind3 for e in r["gold_events"])
        print(f"{len(blind3)} blind3 notes, {n_b3} events {dict(b3_status)} -> {args.out / BLIND3_OUT_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
