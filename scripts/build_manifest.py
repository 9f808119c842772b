"""Write pipeline/resources/MANIFEST.json: sha256, size and provenance of every resource file.

Provenance comes from pipeline/resources/PROVENANCE.csv (glob pattern -> source, licence); a file matching no
pattern fails the build, so nothing enters the package without a stated source.

Usage: python scripts/build_manifest.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "pipeline" / "resources"


def build() -> dict:
    prov_rows = list(csv.DictReader((ROOT / "PROVENANCE.csv").open(encoding="utf-8")))
    files: dict[str, dict] = {}
    missing = []
    for path in sorted(p for p in ROOT.rglob("*") if p.is_file()):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "MANIFEST.json" or "__pycache__" in rel or path.name.startswith("."):
            continue
        data = path.read_bytes()
        prov = next((r for r in prov_rows if fnmatch.fnmatch(rel, r["pattern"])), None)
        if prov is None:
            missing.append(rel)
            continue
        entry = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "source": prov["source"],
                 "licence": prov["licence"]}
        if rel.endswith((".csv", ".jsonl")):
            entry["rows"] = max(0, data.count(b"\n") - (1 if rel.endswith(".csv") else 0))
        files[rel] = entry
    if missing:
        sys.exit("no PROVENANCE.csv pattern for: " + ", ".join(missing))
    return {"schema": 1, "files": files}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="fail if MANIFEST.json is out of date")
    args = ap.parse_args()
    manifest = build()
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    target = ROOT / "MANIFEST.json"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print("MANIFEST.json is out of date: run python scripts/build_manifest.py")
            return 1
        print("MANIFEST.json is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(manifest['files'])} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
