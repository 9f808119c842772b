"""Compile the hand-written gold sources into the gold corpus JSONL with character offsets.

Reads ``annotations/corpus/src/*.notes`` (format: ``infucode.annotations.gold`` docstring), locates every
annotated substring in its note, validates ``text[start:end]`` for every span, and writes
``annotations/corpus/gold_dev.v1.jsonl`` and ``annotations/corpus/splits.v1.json``. The blind challenge set
(``src/challenge*.notes``, ids ``chal-*``, split ``challenge``) goes to its own
``annotations/corpus/challenge.v1.jsonl`` and never into the dev corpus or its splits; the second blind set
(``src/blind*.notes``, ids ``blind-*``, split ``blind``) likewise goes to
``annotations/corpus/blind.v1.jsonl``; the third blind set (``src/fresh*.notes``, ids ``blind2-*``, split
``blind2``) goes to ``annotations/corpus/blind2.v1.jsonl``; the fourth (``src/unseen*.notes``, ids
``blind3-*``, split ``blind3``) goes to ``annotations/corpus/blind3.v1.jsonl``; the fifth
(``src/novel*.notes``, ids ``blind4-*``, split ``blind4``) goes to ``annotations/corpus/blind4.v1.jsonl``.

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
from collections.abc import Callable
from pathlib import Path

from infucode.annotations.gold import (
    BLIND2_FILE,
    BLIND2_SOURCE_GLOB,
    BLIND2_SPLIT,
    BLIND3_FILE,
    BLIND3_SOURCE_GLOB,
    BLIND3_SPLIT,
    BLIND4_FILE,
    BLIND4_SOURCE_GLOB,
    BLIND4_SPLIT,
    BLIND_FILE,
    BLIND_SOURCE_GLOB,
    BLIND_SPLIT,
    CHALLENGE_FILE,
    CHALLENGE_SPLIT,
    CORPUS_DIR,
    GoldError,
    compile_sources,
    is_blind2_source,
    is_blind3_source,
    is_blind4_source,
    is_blind_source,
    is_challenge_source,
    is_heldout_source,
    splits_manifest,
)

OUT_NAME = "gold_dev.v1.jsonl"
CHALLENGE_OUT_NAME = CHALLENGE_FILE.name


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


#: The blind sets after the challenge set, in the order they were written: (split, source test, source glob,
#: compiled file). Each is compiled on its own and checked against every set before it.
BLIND_SETS: tuple[tuple[str, Callable[[Path], bool], str, Path], ...] = (
    (BLIND_SPLIT, is_blind_source, BLIND_SOURCE_GLOB, BLIND_FILE),
    (BLIND2_SPLIT, is_blind2_source, BLIND2_SOURCE_GLOB, BLIND2_FILE),
    (BLIND3_SPLIT, is_blind3_source, BLIND3_SOURCE_GLOB, BLIND3_FILE),
    (BLIND4_SPLIT, is_blind4_source, BLIND4_SOURCE_GLOB, BLIND4_FILE),
)


def compile_heldout(sources: list[Path], others: list[dict], split: str, is_source: Callable[[Path], bool],
                    glob: str) -> list[dict]:
    """Compile one blind set: its sources (``glob``) must use ids of ``split`` only, unused by ``others``.

    Raises
    ------
    GoldError
        When a source of the set holds an id of another split, or an id of the set appears among ``others``.
    """
    held = compile_sources([p for p in sources if is_source(p)])
    if any(r["split"] != split for r in held):
        raise GoldError(f"a {split} source ({glob}) uses an id outside the {split} prefix ({split}-*)")
    if any(r["split"] == split for r in others) or {r["id"] for r in held} & {r["id"] for r in others}:
        raise GoldError(f"a {split} id ({split}-*) is used outside the {split} sources ({glob})")
    return held


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _summary(records: list[dict], what: str, path: Path) -> str:
    n_ev = sum(len(r["gold_events"]) for r in records)
    status = Counter(e["status"] for r in records for e in r["gold_events"])
    return f"{len(records)} {what} notes, {n_ev} events {dict(status)} -> {path}"


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
    seen = records + challenge
    blinds: list[tuple[str, list[dict], Path]] = []
    for split, is_source, glob, path in BLIND_SETS:
        held = compile_heldout(sources, seen, split, is_source, glob)
        blinds.append((split, held, args.out / path.name))
        seen = seen + held
    splits = json.dumps(splits_manifest(records), indent=1) + "\n"
    out_file, split_file = args.out / OUT_NAME, args.out / "splits.v1.json"
    chal_file = args.out / CHALLENGE_OUT_NAME
    outputs = [(out_file, _jsonl(records)), (split_file, splits)]
    outputs += [(chal_file, _jsonl(challenge))] if challenge else []
    outputs += [(path, _jsonl(held)) for _, held, path in blinds if held]
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
        print(_summary(challenge, "challenge", chal_file))
    for split, held, path in blinds:
        if held:
            print(_summary(held, split, path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
