"""The resource manifest: every data file under ``pipeline/resources/`` with its sha256 and provenance.

``MANIFEST.json`` is written by ``scripts/build_manifest.py``; a test recomputes the hashes, so a changed data
file always comes with a reviewed manifest change. The manifest digest is stamped on every output record.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

MANIFEST_NAME = "MANIFEST.json"


def resources_root() -> Traversable:
    """Return the package's resources folder."""
    return files("infucode.pipeline") / "resources"


def iter_resource_files(root: Traversable | None = None, prefix: str = "") -> list[tuple[str, Traversable]]:
    """List ``(relative path, file)`` for every data file (not the manifest, not caches), sorted."""
    root = resources_root() if root is None else root
    out: list[tuple[str, Traversable]] = []
    for entry in root.iterdir():
        name = entry.name
        if name.startswith(".") or name == "__pycache__" or (not prefix and name == MANIFEST_NAME):
            continue
        rel = f"{prefix}{name}"
        if entry.is_dir():
            out.extend(iter_resource_files(entry, rel + "/"))
        else:
            out.append((rel, entry))
    return sorted(out, key=lambda t: t[0])


def sha256_of(entry: Traversable) -> str:
    """Return the hex sha256 of a resource file."""
    return hashlib.sha256(entry.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, Any]:
    """Read ``MANIFEST.json`` (empty manifest when missing)."""
    path = resources_root() / MANIFEST_NAME
    if not path.is_file():
        return {"files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def manifest_digest() -> str:
    """Short digest identifying the exact resource set (stamped as ``versions.resources``)."""
    path = resources_root() / MANIFEST_NAME
    if not path.is_file():
        return "unversioned"
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
