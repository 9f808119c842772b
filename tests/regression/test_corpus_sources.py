"""The compiled gold corpus equals what its hand-written sources compile to (no hand edits, not stale)."""

from __future__ import annotations

import json

from infucode.annotations.gold import (
    CORPUS_DIR,
    SPLITS_FILE,
    compile_sources,
    is_heldout_source,
    splits_manifest,
)


def test_compiled_corpus_matches_its_sources():
    sources = sorted(p for p in (CORPUS_DIR / "src").glob("*.notes") if not is_heldout_source(p))
    records = compile_sources(sources)
    shipped = (CORPUS_DIR / "gold_dev.v1.jsonl").read_text(encoding="utf-8")
    assert shipped == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), (
        "run: python scripts/make_corpus_offsets.py"
    )
    assert json.loads(SPLITS_FILE.read_text(encoding="utf-8")) == splits_manifest(records)
