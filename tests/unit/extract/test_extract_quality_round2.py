"""Extraction quality round 2: lexicon coverage and one test per reported error class.

The sentences are written for these tests (fictional, no corpus text).
"""

import csv
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
COMMON = Path(__file__).resolve().parent / "data" / "common_ed_drugs.v1.csv"
LEXICON = ROOT / "pipeline" / "resources" / "lexicons" / "drugs.v1.jsonl"
DRUG_HCPCS = ROOT / "pipeline" / "resources" / "coding" / "drug_hcpcs.v1.csv"

# HCPCS ingredient names deliberately NOT matched as drug mentions: they are lab analytes or
# components that nurses never chart alone, and matching them produced false events ("LACTATE 2.1").
_NOT_A_MENTION = {"glucose", "lactate", "prothrombin", "protein s", "factor vii",
                  "dibasic potassium phosphate", "sodium phosphate, dibasic", "sodium phosphate, monobasic"}


def _rows() -> list[dict[str, str]]:
    with COMMON.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_common_drug_list_is_large_enough():
    rows = _rows()
    assert len(rows) >= 150
    assert len({r["drug"] for r in rows}) >= 120


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["term"])
def test_common_ed_drug_is_recognised(extract, row):
    evs = extract(f"{row['term']} 1 mg IV given at 1400")
    assert [e.drug for e in evs] == [row["drug"]]


def test_every_hcpcs_ingredient_is_a_lexicon_term_or_generic():
    terms, drugs = set(), set()
    for line in LEXICON.read_text().splitlines():
        r = json.loads(line)
        terms.add(r["term"].lower())
        drugs.add(r["drug"].lower())
    missing = set()
    with DRUG_HCPCS.open(newline="") as fh:
        for r in csv.DictReader(fh):
            for name in re.split(r"[;/]", r["names"]):
                name = name.strip().lower()
                if name and name not in terms and name not in drugs and name not in _NOT_A_MENTION:
                    missing.add(name)
    assert not missing, sorted(missing)


def test_route_after_the_drug_beats_a_route_in_an_earlier_clause(extract):
    evs = extract("Unable to keep down PO meds, Toradol 30 mg IV given 1015.")
    assert [(e.drug, e.route) for e in evs] == [("ketorolac", "IV")]


def test_not_due_is_not_given(extract):
    evs = extract("Lantus: NO - dose not due until bedtime, not given.")
    assert [e.status for e in evs] == ["not_given"]


def test_held_then_resumed_drip_is_given(extract):
    evs = extract("Heparin gtt held 0200 for high PTT, resumed 0300 at 1100 units/hr.")
    assert len(evs) == 1 and evs[0].status == "given"


def test_refusal_closest_to_the_drug_beats_a_home_cue(extract):
    evs = extract("Pt declined ibuprofen, says she has some at home.")
    assert [e.status for e in evs] == ["not_given"]


def test_folic_abbreviation(extract):
    evs = extract("folic 1 mg PO given 0900")
    assert [(e.drug, e.route) for e in evs] == [("folic acid", "PO")]
