"""Load the temporal resolver's data files (settings, patterns, site lexicon), cached once per process."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

_PACKAGE = "infucode.pipeline"
_FOLDER = ("resources", "temporal")


def _read_text(name: str) -> str:
    path = resources.files(_PACKAGE)
    for part in _FOLDER:
        path = path / part
    return (path / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    """Return the thresholds and the frozen dateparser settings (``settings.v1.json``)."""
    return json.loads(_read_text("settings.v1.json"))


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    """Return the compiled wording patterns of ``patterns.v1.json`` keyed by name."""
    raw = json.loads(_read_text("patterns.v1.json"))
    out: dict[str, re.Pattern[str]] = {}
    for key, value in raw.items():
        if key in ("version", "provenance") or not isinstance(value, str):
            continue
        out[key] = re.compile(value, re.IGNORECASE | re.MULTILINE)
    return out


@lru_cache(maxsize=1)
def pattern_numbers() -> dict[str, int]:
    """Return the integer parameters stored beside the patterns (e.g. search windows)."""
    raw = json.loads(_read_text("patterns.v1.json"))
    return {k: int(v) for k, v in raw.items() if isinstance(v, int)}


@dataclass(frozen=True, slots=True)
class SiteTerm:
    """One row of the access-site lexicon."""

    pattern: re.Pattern[str]
    kind: str  # side | device | location
    canonical: str


@lru_cache(maxsize=1)
def site_terms() -> tuple[SiteTerm, ...]:
    """Return the access-site lexicon (``sites.v1.csv``) with compiled patterns."""
    rows = csv.DictReader(io.StringIO(_read_text("sites.v1.csv")))
    return tuple(
        SiteTerm(re.compile(r["pattern"], re.IGNORECASE), r["kind"], r["canonical"]) for r in rows
    )
