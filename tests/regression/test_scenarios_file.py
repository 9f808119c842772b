"""Validate the coding scenario set (coding_scenarios.v1.jsonl) without running the pipeline.

These checks keep the reference answers internally consistent with the rules digest and the CMS HCPCS
descriptors: fields and formats, rule citations, setting conventions (digest 5, 25, 43), and drug units
recomputed from ``expected_given`` (digest 41).
"""

import csv
import json
import math
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from infucode.annotations.schema import DOSE_UNITS, ROUTES

SCEN = files("infucode.annotations") / "scenarios"
SHARED_HCPCS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hcpcs_drugs.csv"
FACILITY_POS = {"19", "21", "22", "23"}
DISTINCT = {"59", "XE", "XS", "XU"}
#: digest items the set deliberately avoids (contested 18; conflict 45)
AVOIDED_RULES = {"R18", "R45"}
INITIALS = {"96360", "96365", "96374", "96409", "96413", "96369"}
ADDON_PRIMARIES = {  # digest item 39 (CMS NCCI add-on code edits)
    "96361": {"96360", "96365", "96374", "96409", "96413"},
    "96366": {"96360", "96365", "96367", "96413"},
    "96367": {"96360", "96365", "96374", "96409", "96413"},
    "96368": {"96360", "96365", "96366", "96413", "96415", "96416", "C8957"},
    "96370": {"96369"},
    "96371": {"96369"},
    "96375": {"96360", "96365", "96374", "96409", "96413"},
    "96376": {"96365", "96374", "96409", "96413"},
    "96411": {"96409", "96413"},
    "96415": {"96413"},
    "96417": {"96413"},
}
TO_BASE = {"mg": ("mass", 1.0), "g": ("mass", 1000.0), "mcg": ("mass", 0.001), "mL": ("vol", 1.0),
           "L": ("vol", 1000.0), "units": ("units", 1.0), "mEq": ("meq", 1.0)}


def _records():
    text = (SCEN / "coding_scenarios.v1.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _subset():
    with (SCEN / "hcpcs_subset.v1.csv").open(encoding="utf-8") as fh:
        return {r["code"]: r for r in csv.DictReader(fh)}


RECORDS = _records()
IDS = [r["id"] for r in RECORDS]


def test_scenario_set_is_large_and_ids_are_unique():
    assert len(RECORDS) >= 90
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_record_has_contract_fields(rec):
    for key in ("id", "text", "expected_cpt", "expected_hcpcs", "expected_given", "rule", "rationale",
                "style"):
        assert key in rec, key
    assert isinstance(rec["text"], str) and rec["text"].strip()
    assert rec["setting"] in ("facility", "professional")
    assert rec["rationale"].strip()
    if "encounter_date" in rec:
        date.fromisoformat(rec["encounter_date"])
    if rec["setting"] == "professional":
        assert rec.get("place_of_service"), "professional cases state the place of service"


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_rules_cite_codable_digest_items(rec):
    assert rec["rule"], "each case cites at least one digest item"
    for rule in rec["rule"]:
        m = re.fullmatch(r"R(\d+)", rule)
        assert m and 1 <= int(m.group(1)) <= 45, rule
        assert rule not in AVOIDED_RULES


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_code_lines_are_well_formed(rec):
    for line in rec["expected_cpt"]:
        assert set(line) == {"code", "units", "modifiers"}
        assert re.fullmatch(r"96(3[6-7]\d|4[0-1]\d|5[0-4]\d)|C8957", line["code"]), line
        assert isinstance(line["units"], int) and line["units"] >= 1
        assert all(m in DISTINCT or m in {"53", "52", "73", "74"} for m in line["modifiers"])
        assert not (set(line["modifiers"]) & {"XE", "XS", "XU"}), "scenarios use 59 (digest 32)"
    for line in rec["expected_hcpcs"]:
        assert set(line) <= {"code", "units", "modifiers"}
        assert isinstance(line["units"], int) and line["units"] >= 1
        assert set(line.get("modifiers", [])) <= {"JW", "JZ"}
        if "modifiers" in line:
            assert line["modifiers"], "modifiers only when JW/JZ apply"


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_expected_given_uses_contract_values(rec):
    for g in rec["expected_given"]:
        assert set(g) == {"drug", "dose_value", "dose_unit", "route", "start", "end"}
        assert g["drug"] == g["drug"].lower()
        assert g["dose_unit"] in DOSE_UNITS
        assert g["route"] in ROUTES
        for key in ("start", "end"):
            if g[key] is not None:
                datetime.fromisoformat(g[key])
        if g["start"] and g["end"]:
            assert datetime.fromisoformat(g["end"]) > datetime.fromisoformat(g["start"])


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_setting_conventions(rec):
    codes = Counter()
    for line in rec["expected_cpt"]:
        codes[line["code"]] += line["units"]
    if rec["setting"] == "professional" and rec.get("place_of_service") in FACILITY_POS:
        assert rec["expected_cpt"] == [] and rec["expected_hcpcs"] == []  # digest 5, 43
    if rec["setting"] == "professional":
        assert "96376" not in codes  # digest 25
    assert codes.get("96368", 0) <= 1  # digest 21: once per encounter
    # one initial per encounter unless the second carries a distinct-service modifier (digest 29)
    plain_initials = [ln for ln in rec["expected_cpt"]
                      if ln["code"] in INITIALS and not set(ln["modifiers"]) & DISTINCT]
    assert len(plain_initials) <= 1


@pytest.mark.parametrize("rec", RECORDS, ids=IDS)
def test_add_on_codes_have_a_listed_primary(rec):
    present = {ln["code"] for ln in rec["expected_cpt"]}
    for code in present:
        if code in ADDON_PRIMARIES:
            assert present & ADDON_PRIMARIES[code], f"{code} without a primary from digest item 39"


def test_every_expected_hcpcs_code_is_in_the_packaged_subset():
    subset = _subset()
    used = {ln["code"] for r in RECORDS for ln in r["expected_hcpcs"]}
    assert used <= set(subset), used - set(subset)


#: codes still current but without an ASP payment limit (Medicare does not price contraceptive injections)
NOT_ASP_PRICED_OK = {"J1050"}


def test_expected_hcpcs_codes_are_current_asp_codes():
    """Deleted 2025 codes (J3370, J1170, J2930, J9070, J1940, J0171) stay in the CMS table; do not use them.

    A code absent from the Oct 2025 ASP pricing file while a priced code for the same drug exists has been
    replaced (e.g. J3370 vancomycin 500 mg -> J3373 vancomycin 10 mg).
    """
    stale = {code for code, row in _subset().items() if row["in_asp_2025q4"] != "Y"} - NOT_ASP_PRICED_OK
    assert not stale, stale


def test_packaged_subset_matches_shared_cms_table():
    if not SHARED_HCPCS.exists():
        pytest.skip("../shared/data/hcpcs_drugs.csv not present beside the repo")
    with SHARED_HCPCS.open(encoding="utf-8") as fh:
        shared = {r["code"]: r for r in csv.DictReader(fh)}
    for code, row in _subset().items():
        assert code in shared
        assert row["dose_amount"] == shared[code]["dose_amount"]
        assert row["dose_unit"] == shared[code]["dose_unit"]


@pytest.mark.parametrize("rec", [r for r in RECORDS if r["expected_hcpcs"]],
                         ids=[r["id"] for r in RECORDS if r["expected_hcpcs"]])
def test_drug_units_follow_the_descriptor_rounded_up(rec):
    """Digest 41: units = total dose given / descriptor amount, rounded up (JW lines are the discard)."""
    subset = _subset()
    codes_per_drug = defaultdict(set)
    for ln in rec["expected_hcpcs"]:
        codes_per_drug[subset[ln["code"]]["drug"]].add(ln["code"])
    for ln in rec["expected_hcpcs"]:
        if "JW" in ln.get("modifiers", []):
            continue
        row = subset[ln["code"]]
        if len(codes_per_drug[row["drug"]]) > 1:
            continue
        fam, per_unit = TO_BASE[row["dose_unit"]]
        total = 0.0
        for g in rec["expected_given"]:
            if g["drug"] == row["drug"] and g["route"] not in ("PO", "SL"):
                gfam, factor = TO_BASE[g["dose_unit"]]
                assert gfam == fam, (g, row)
                total += g["dose_value"] * factor
        assert total > 0, f"{ln['code']} billed but no {row['drug']} given"
        expected_units = max(1, math.ceil(total / (float(row["dose_amount"]) * per_unit) - 1e-9))
        assert ln["units"] == expected_units, (ln, total)


def test_readme_counts_match_the_file():
    readme = (SCEN / "README.md").read_text(encoding="utf-8")
    per_rule = Counter(rule for r in RECORDS for rule in r["rule"])
    table = dict(re.findall(r"^\| (R\d+) \| (\d+) \|", readme, flags=re.M))
    assert table == {k: str(v) for k, v in per_rule.items()}
    assert f"{len(RECORDS)} cases" in readme
