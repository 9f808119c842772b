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


def test_package_strength_is_not_the_dose_given(extract):
    evs = extract("Hydromorphone 2 mg/1 mL carpuject: 0.5 mg IV push at 2210")
    assert [(e.dose.value, e.dose.unit) for e in evs] == [(0.5, "mg")]


def test_drug_of_an_indication_phrase_is_context_not_the_anchor(extract):
    evs = extract("PCC ordered for INR 4.2 on Coumadin - given 0130 via R FA, 1500 units IV, done 0145")
    by_drug = {e.drug: e for e in evs}
    pcc = by_drug["prothrombin complex concentrate"]
    assert (pcc.dose.value, pcc.route, pcc.site, pcc.status) == (1500.0, "IV", "R FA", "given")
    assert by_drug["warfarin"].status == "historical" and by_drug["warfarin"].dose is None


def test_repeat_count_gives_one_event_per_dose(extract):
    evs = extract("Haldol 5 mg IM x2 for agitation, given")
    assert [(e.drug, e.route, e.status) for e in evs] == [("haloperidol", "IM", "given")] * 2


def test_repeat_count_does_not_expand_courses_or_nebs(extract):
    assert len(extract("Prednisone 40 mg PO daily x 5 days prescribed")) == 1
    assert len(extract("Albuterol neb x3 back to back started 0700")) == 1


def test_completion_line_closes_the_running_infusion(extract):
    evs = extract("0910 Cefepime 2 g IVPB started.\n0940 CEFEPIME INFUSED")
    assert len(evs) == 1
    assert [(t.text, t.role) for t in evs[0].time_mentions] == [("0910", "start"), ("0940", "end")]


def test_discharge_prescription_after_a_given_dose_is_its_own_planned_event(extract):
    evs = extract("Zofran 4 mg IV given 0815. Sent home with Zofran ODT 4 mg Rx, 10 tabs.")
    assert [(e.status, e.route) for e in evs] == [("given", "IV"), ("planned", "PO")]


def test_not_yet_given_order_is_ordered(extract):
    evs = extract("Cefepime 2 g IV ordered, not yet started - awaiting pharmacy.")
    assert [e.status for e in evs] == ["ordered"]


@pytest.mark.parametrize(("text", "route"), [
    ("Imitrex 20 mg nasal spray given 0930", "OTHER"),
    ("Bupivacaine 0.5% 8 mL hematoma block at 1105", "LOCAL_INFILTRATION"),
    ("Reglan ODT 10 mg given 0700", "PO"),
])
def test_route_cue_classes(extract, text, route):
    assert [e.route for e in extract(text)] == [route]


def test_brand_then_generic_in_one_clause_is_one_event(extract):
    evs = extract("Xgeva this visit - denosumab 120 mg SQ given 1015 L arm")
    assert [(e.drug, e.dose.value) for e in evs] == [("denosumab", 120.0)]


def test_two_dosed_mentions_of_one_drug_stay_two_events(extract):
    evs = extract("Tylenol 650 mg PO given 0800; acetaminophen 1 g IV given 1400")
    assert len(evs) == 2


def test_reconstitution_diluent_is_not_an_administration(extract):
    evs = extract("Cefazolin 1 g reconstituted with 1% lidocaine 2 mL, IM given R glute 1120")
    assert [(e.drug, e.route, e.site) for e in evs] == [("cefazolin", "IM", "R glute")]


def test_repeated_dose_under_a_prn_order_is_given(extract):
    evs = extract("0900 Reglan 10 mg IV push.\n0940 Reglan 10 mg IV push repeated per PRN order.")
    assert [e.status for e in evs] == ["given", "given"]


def test_timed_dose_in_a_plan_section_is_given(extract):
    evs = extract("A/P: Otitis. Amoxicillin 500 mg PO 15:10 in clinic. Rx amoxicillin x10 days.")
    assert evs[0].status == "given" and evs[0].time_mentions[0].text == "15:10"


def test_oral_intake_is_not_a_route(extract):
    evs = extract("Got 30 mg of Toradol IV. Later tolerating oral fluids.")
    assert [e.route for e in evs] == ["IV"]


def test_order_line_followed_by_the_documented_dose_is_one_event(extract):
    evs = extract("1015 MD orders LR 1 L for dehydration.\n1020 LR 1 L started via R AC, completed 1120.")
    assert len(evs) == 1 and evs[0].status == "given"


def test_negated_before_arrival_is_not_given(extract):
    evs = extract("No Advil or Tylenol PTA.")
    assert [(e.drug, e.status) for e in evs] == [("ibuprofen", "not_given"), ("acetaminophen", "not_given")]


def test_denies_taking_is_not_given(extract):
    assert [e.status for e in extract("Denies taking any aspirin today.")] == ["not_given"]


def test_no_before_a_symptom_does_not_negate_a_given_dose(extract):
    evs = extract("No relief after Tylenol 650 mg PO given 1300.")
    assert [e.status for e in evs] == ["given"]


def test_plan_to_start_after_the_drug_is_planned(extract):
    assert [e.status for e in extract("Eliquis 5 mg PO to start tomorrow AM.")] == ["planned"]


def test_iv_access_statement_is_not_a_route(extract):
    evs = extract("No IV access yet; Zofran ODT 4 mg given 1300.")
    assert [e.route for e in evs] == ["PO"]


def test_unitless_amount_after_a_slash_alias_takes_the_drug_unit(extract):
    evs = extract("Motrin/ibuprofen 600 PO given 1130")
    assert [(e.dose.value, e.dose.unit, e.route) for e in evs] == [(600.0, "mg", "PO")]


def test_question_answered_no_is_not_given(extract):
    evs = extract("Meropenem 1 g IV next dose? - NO, not due yet per pharmacy.")
    assert [e.status for e in evs] == ["not_given"]


def test_med_held_and_resumed_during_a_past_admission_is_historical(extract):
    evs = extract("Home glipizide was held during that admission and resumed at discharge.")
    assert [e.status for e in evs] == ["historical"]


def test_order_set_checkboxes(extract):
    evs = extract("Sepsis order set\n[x] cefepime 2 g IV q8h\n[ ] vancomycin 1 g IV q12h\n[X] Tylenol 650 mg PO q6h")
    assert [(e.drug, e.status) for e in evs] == [("cefepime", "ordered"), ("acetaminophen", "ordered")]


def test_checked_box_with_a_documented_administration_stays_given(extract):
    evs = extract("[x] Zofran 4 mg IV given 1310")
    assert [e.status for e in evs] == ["given"]


@pytest.mark.parametrize(("text", "dose"), [
    ("Zofran for milligrams IV push given", (4.0, "mg")),
    ("Ativan too milligrams IV given", (2.0, "mg")),
    ("Toradol fourteen milligrams IM given", (14.0, "mg")),
])
def test_dictated_amounts_and_asr_homophones(extract, text, dose):
    evs = extract(text)
    assert [(e.dose.value, e.dose.unit) for e in evs] == [dose]


def test_homophone_is_not_an_amount_before_an_abbreviated_unit(extract):
    evs = extract("Tylenol given for mg pain relief at 1300")
    assert all(e.dose is None for e in evs)


def test_oral_liquid_volume_is_the_dose(extract):
    evs = extract("Mylanta 30 mL PO given 0215")
    assert [(e.dose.value, e.dose.unit) for e in evs] == [(30.0, "mL")]


def test_repeat_count_of_a_schedule_is_not_expanded(extract):
    evs = extract("Fentanyl 25 mcg IV push q5 min x3 given per sedation protocol.")
    assert len(evs) == 1 and evs[0].status == "given"
