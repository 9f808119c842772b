"""A tiny hand-made gold corpus (source format of annotations/gold.py) for the model tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from infucode.annotations.gold import compile_source

TINY_SOURCE = (Path(__file__).parent / "data" / "tiny_gold.notes").read_text(encoding="utf-8")
Records = list[dict[str, Any]]


@pytest.fixture(scope="session")
def tiny_records() -> Records:
    """The tiny corpus; tiny-05 and tiny-06 are the held-out notes regardless of the hash split."""
    recs = compile_source(TINY_SOURCE)
    for r in recs:
        r["split"] = "test" if r["id"] in ("tiny-05", "tiny-06") else "train"
    return recs


@pytest.fixture(scope="session")
def tiny_split(tiny_records: Records) -> tuple[Records, Records]:
    """``(train, test)`` records of the tiny corpus."""
    train = [r for r in tiny_records if r["split"] == "train"]
    return train, [r for r in tiny_records if r["split"] == "test"]
