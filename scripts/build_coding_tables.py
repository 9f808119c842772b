"""Build the coder's versioned tables in ``pipeline/resources/coding/`` from ``../shared/data``.

Generated files (do not edit by hand; re-run this script):
  drug_hcpcs.v1.csv      one row per HCPCS drug code: names it answers to, dosage descriptor, form, priority
  chemo_drugs.v1.csv     ingredients that take chemotherapy administration codes (J9xxx + curated biologics)
  addon_primaries.v1.csv CMS add-on code edits (add-on -> allowed primaries)
  mue.v1.csv             practitioner MUEs for administration codes and drug codes
  ptp.v1.csv             active NCCI PTP pairs among administration codes
  PROVENANCE.json        sha256 and source of every coding table (curated ones included)

Curated (hand-edited): thresholds, admin_categories, routes, place_of_service, modifiers, fluids,
hydration_reasons, not_hydration_cues, hcpcs_overrides, device_cues, dose_units; build inputs
chemo_curated (chemo_drugs) and salt_words (drug_hcpcs names).

Usage: ``.venv/bin/python scripts/build_coding_tables.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

from infucode.pipeline.coding.tables import DRUG_HCPCS_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pipeline" / "resources" / "coding"
DEFAULT_SHARED = ROOT.parent / "shared" / "data"

ADMIN_CODE = re.compile(r"^(96[34]\d\d|C8957)$")
DRUG_UNITS = {"mg", "mcg", "g", "mL", "units", "IU", "mEq", "mmol"}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, fields: list[str], rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})


def _salt_words() -> frozenset[str]:
    """Salt/formulation words dropped from a drug name (curated ``salt_words.v1.csv``)."""
    return frozenset(r["word"].strip().lower() for r in _read(OUT / "salt_words.v1.csv") if r["word"].strip())


def _strip_salts(name: str, salts: frozenset[str]) -> str:
    """Drop salt words from each component of a mixture name.

    "ampicillin sodium/sulbactam sodium" -> "ampicillin/sulbactam" (the name extraction gives the mixture).
    """
    parts = [" ".join(w for w in part.split() if w not in salts).strip() for part in name.split("/")]
    return "/".join(p for p in parts if p)


def parse_names(desc: str, salts: frozenset[str]) -> list[str]:
    """Return the names a code answers to, parsed from its long description ("Injection, X, 10 mg" -> X).

    Parameters
    ----------
    desc
        HCPCS long description.
    salts
        Salt words to drop for the base name ("ondansetron hydrochloride" -> "ondansetron").

    Returns
    -------
    list of str
        The description's drug name, then its salt-free base name when that differs.
    """
    d = desc.lower().strip()
    d = re.sub(r"\([^)]*\)", " ", d)
    d = re.sub(r"^(injection|infusion|inj\.?)\s*,?\s*", "", d)
    first = d.split(",")[0]
    first = re.sub(
        r"\b(for injection|injection|infusion|per|up to|\d[\d.]*\s*(mg|mcg|gm|g|ml|cc|units?)\b).*$",
        "",
        first,
    ).strip(" ,.-")
    names = []
    if first and not re.search(r"\d", first):
        names.append(re.sub(r"\s+", " ", first))
        base = _strip_salts(first, salts)
        if base and base != first:
            names.append(base)
    return names


def form_of(code: str, desc: str) -> str:
    """Dosage form class of a HCPCS drug code from its description."""
    d = desc.lower()
    if re.search(r"\boral\b|tablet|capsule", d) or code.startswith("J8"):
        return "oral"
    if "inhalation" in d:
        return "inhalation"
    if "rectal" in d or "suppositor" in d:
        return "rectal"
    if "implant" in d or "intravitreal" in d or "ophthalmic" in d or "intravesical" in d or "topical" in d:
        return "other"
    if d.startswith(("injection", "infusion", "inj")) or "injection" in d or "infusion" in d:
        return "injection"
    if code[0] == "J" or code[0] in "CQ":
        return "injection"  # J0-J3/J7/J9 drug codes without an oral/inhalation/other wording are parenteral
    return "other"


def priority_of(row: dict[str, str]) -> int:
    """Lower is preferred: current (ASP) generic 'Injection, X' codes before brand/biosimilar/NDC-specific."""
    d = row["long_description"].lower()
    p = 0
    if not row["asp_payment_limit_2025q4"]:
        p += 2
    if "biosimilar" in d and "excludes biosimilar" not in d:
        p += 4
    if "not therapeutically equivalent" in d or re.search(r"\([a-z .'&-]+\)", d):
        p += 2
    if "hyaluronidase" in d:
        p += 3
    if row["code"][0] in "CQ":
        p += 1
    if not d.startswith(("injection", "infusion")):
        p += 1
    return p


def mark_replaced(rows: list[dict[str, object]]) -> None:
    """Fill ``replaced_by`` for codes the CMS files show as terminated or replaced.

    A code absent from the Oct 2025 ASP pricing file while a priced code of the same form answers to the same
    description name has been replaced (J3370 vancomycin 500 mg -> J3373 vancomycin 10 mg; J2930 -> J2919;
    J9310 -> J9312; pass-through C-codes -> their J-codes). The HCPCS file's own termination fields were too
    garbled in the shared copy to use (see ``shared/data/README.md``), so the ASP file is the evidence. The
    replacement named is the preferred priced sibling of the most specific shared name (lowest priority,
    then the code).

    Parameters
    ----------
    rows
        ``drug_hcpcs`` rows (``code``, ``desc_names``, ``form``, ``priority``, ``current_asp``); changed
        in place.
    """
    by_name: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        r["replaced_by"] = ""
        for n in str(r["desc_names"]).split(";"):
            if n:
                by_name.setdefault(n, []).append(r)
    for r in rows:
        if r["current_asp"] == "Y":
            continue
        # the full description name first ("methylprednisolone sodium succinate"), then the salt-free base
        for n in (n for n in str(r["desc_names"]).split(";") if n):
            priced = [
                s
                for s in by_name.get(n, ())
                if s["current_asp"] == "Y" and s["form"] == r["form"] and s["code"] != r["code"]
            ]
            if priced:
                best = min(priced, key=lambda s: (int(str(s["priority"])), str(s["code"])))
                r["replaced_by"] = best["code"]
                break


def build_drug_hcpcs(shared: Path) -> list[dict[str, object]]:
    """Return one ``drug_hcpcs`` row per HCPCS drug code in ``shared/hcpcs_drugs.csv``."""
    rows = _read(shared / "hcpcs_drugs.csv")
    salts = _salt_words()
    out: list[dict[str, object]] = []
    for r in rows:
        desc_names = parse_names(r["long_description"], salts)
        names: set[str] = set()
        for n in (r["ingredient_name"] or "").split(";"):
            n = n.strip().lower()
            if n:
                names.add(n)
                names.add(n.replace(" / ", "/"))
        out.append(
            {
                "code": r["code"],
                "desc_names": ";".join(desc_names),
                "names": ";".join(sorted(names - set(desc_names))),
                "rxcuis": r["ingredient_rxcui"],
                "dose_amount": r["dose_amount"],
                "dose_unit": r["dose_unit"],
                "form": form_of(r["code"], r["long_description"]),
                "priority": priority_of(r),
                "current_asp": "Y" if r["asp_payment_limit_2025q4"] else "N",
                "description": r["long_description"],
            }
        )
    mark_replaced(out)
    return out


def build_chemo(shared: Path, drug_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Return the chemotherapy ingredients: injectable J9xxx names, then the curated rows (which win)."""
    curated = {r["ingredient"].lower(): r for r in _read(OUT / "chemo_curated.v1.csv")}
    found: dict[str, dict[str, object]] = {}
    for r in drug_rows:
        code = str(r["code"])
        if not code.startswith("J9") or code in ("J9999",) or r["form"] != "injection":
            continue
        for n in (str(r["desc_names"]) + ";" + str(r["names"])).split(";"):
            if n and "/" not in n and n not in found:
                found[n] = {"ingredient": n, "admin_class": "chemo", "source": f"HCPCS {code} (J9000-J9999)"}
    for n, c in curated.items():
        found[n] = {"ingredient": n, "admin_class": c["admin_class"], "source": f"curated: {c['note']}"}
    return sorted(found.values(), key=lambda x: str(x["ingredient"]))


def build_brands(shared: Path, drug_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Brand/product names -> HCPCS codes: CMS crosswalk drug names + parenthesised names in descriptions."""
    brands: dict[str, set[str]] = {}
    for r in _read(shared / "drug_lexicon.csv"):
        if r["term_type"] == "cms_crosswalk_drug_name" and r["hcpcs_codes"]:
            term = r["term"].strip().lower()
            if len(term) >= 4:
                brands.setdefault(term, set()).update(c for c in r["hcpcs_codes"].split(";") if c)
    for r in drug_rows:
        for m in re.finditer(r"\(([a-z][a-z0-9 .'&/-]{3,})\)", str(r["description"]).lower()):
            for part in m.group(1).split("/"):
                part = part.strip()
                if part and not re.search(r"\d|not otherwise|e\.g\.|i\.e\.|liquid|lyophilized|non-", part):
                    brands.setdefault(part, set()).add(str(r["code"]))
    return [{"term": t, "codes": ";".join(sorted(c))} for t, c in sorted(brands.items())]


def build_addons(shared: Path) -> list[dict[str, object]]:
    """Return the CMS add-on code edits (add-on -> allowed primary)."""
    return [
        {
            "add_on_code": r["add_on_code"],
            "primary_code": r["primary_code"],
            "aoc_edit_type": r["aoc_edit_type"],
        }
        for r in _read(shared / "addon_codes_963xx.csv")
    ]


def build_mue(shared: Path) -> list[dict[str, object]]:
    """Return the practitioner MUEs of administration and drug codes (E/M codes left out)."""
    return [
        {"code": r["code"], "mue_value": r["mue_value"], "mai": r["mai"], "rationale": r["mue_rationale"]}
        for r in _read(shared / "mue_963xx.csv")
        if not r["code"].startswith("99")
    ]


def build_ptp(shared: Path) -> list[dict[str, object]]:
    """Return the active NCCI PTP pairs where both codes are administration codes."""
    return [
        {
            "column1": r["column1"],
            "column2": r["column2"],
            "modifier_indicator": r["modifier_indicator"],
            "rationale": r["ptp_rationale"],
        }
        for r in _read(shared / "ncci_ptp_963xx.csv")
        if r["active_2024_07_01"] == "Y" and ADMIN_CODE.match(r["column1"]) and ADMIN_CODE.match(r["column2"])
    ]


def validate_overrides(drug_rows: list[dict[str, object]]) -> None:
    """Exit with the row number when a curated override names a code missing, replaced or of another size."""
    codes = {str(r["code"]): r for r in drug_rows}
    for i, r in enumerate(_read(OUT / "hcpcs_overrides.v1.csv"), start=2):
        row = codes.get(r["code"])
        if row is None:
            sys.exit(f"hcpcs_overrides.v1.csv row {i}: code {r['code']} not in shared hcpcs_drugs.csv")
        if row["replaced_by"]:
            sys.exit(f"hcpcs_overrides.v1.csv row {i}: code {r['code']} is replaced by {row['replaced_by']}")
        if (float(r["dose_amount"]), r["dose_unit"]) != (float(str(row["dose_amount"])), row["dose_unit"]):
            sys.exit(
                f"hcpcs_overrides.v1.csv row {i}: {r['code']} billing unit {r['dose_amount']} "
                f"{r['dose_unit']} differs from the CMS descriptor {row['dose_amount']} {row['dose_unit']}"
            )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = ap.parse_args(argv)
    shared: Path = args.shared
    drug_rows = build_drug_hcpcs(shared)
    _write(OUT / "drug_hcpcs.v1.csv", list(DRUG_HCPCS_COLUMNS), drug_rows)
    _write(
        OUT / "chemo_drugs.v1.csv", ["ingredient", "admin_class", "source"], build_chemo(shared, drug_rows)
    )
    _write(OUT / "brand_hcpcs.v1.csv", ["term", "codes"], build_brands(shared, drug_rows))
    _write(
        OUT / "addon_primaries.v1.csv", ["add_on_code", "primary_code", "aoc_edit_type"], build_addons(shared)
    )
    _write(OUT / "mue.v1.csv", ["code", "mue_value", "mai", "rationale"], build_mue(shared))
    _write(OUT / "ptp.v1.csv", ["column1", "column2", "modifier_indicator", "rationale"], build_ptp(shared))
    validate_overrides(drug_rows)
    generated = {
        "drug_hcpcs.v1.csv": "shared/data/hcpcs_drugs.csv (CMS HCPCS Oct 2025 + ASP 4Q2025), names parsed",
        "chemo_drugs.v1.csv": "shared/data/hcpcs_drugs.csv J9000-J9999 ingredients + chemo_curated.v1.csv",
        "brand_hcpcs.v1.csv": "shared/data/drug_lexicon.csv crosswalk names + brands in HCPCS descriptions",
        "addon_primaries.v1.csv": "shared/data/addon_codes_963xx.csv (NCCI AOC 2024Q3)",
        "mue.v1.csv": "shared/data/mue_963xx.csv (Medicare practitioner MUE 2024-07-01)",
        "ptp.v1.csv": "shared/data/ncci_ptp_963xx.csv (practitioner PTP v30.2, active admin-code pairs)",
    }
    curated = {
        "salt_words.v1.csv": "curated: salt/formulation words of HCPCS descriptions (build input for names)",
        "dose_units.v1.csv": "curated: SI/pharmacy unit factors (digest item 41 unit conversion)",
        "device_cues.v1.csv": "curated: IV access and pump device words of ED/infusion notes",
    }
    manifest = {}
    for path in sorted(OUT.glob("*.v*.csv")):
        src = generated.get(path.name) or curated.get(
            path.name, "curated from shared/reference/coding-rules.md (see file rows)"
        )
        manifest[path.name] = {
            "sha256": _sha(path),
            "source": src,
            "generated_by": "scripts/build_coding_tables.py" if path.name in generated else None,
        }
    (OUT / "PROVENANCE.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(manifest)} tables to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
