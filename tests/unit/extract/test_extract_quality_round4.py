"""Extraction quality round 4: outside-facility med lists and non-administration drug mentions.

The sentences are written for these tests (fictional, no corpus text).
"""

import pytest


def _statuses(evs, drug):
    return [e.status for e in evs if e.drug == drug]


# -- 1. medication lists from home / another facility are historical; drugs given here stay given -----


@pytest.mark.parametrize("heading", [
    "MAR from facility:", "Transfer meds:", "SNF medications:", "Nursing home MAR:",
    "Medications prior to admission", "Meds from NH:", "Facility medication list:",
])
def test_outside_medication_list_heading_is_historical(extract, heading):
    text = f"{heading}\n1) cefepime 2 g IV q12h\n2) pantoprazole 40 mg IV daily\n"
    evs = extract(text)
    assert _statuses(evs, "cefepime") == ["historical"]
    assert _statuses(evs, "pantoprazole") == ["historical"]


@pytest.mark.parametrize("line", [
    "3. acetaminophen 650 mg PO q6h PRN - last given 1300 at facility",
    "Ativan 1 mg IV last given 0500 at the nursing home.",
    "levetiracetam 500 mg IV - given 0600 per SNF MAR",
])
def test_last_given_at_outside_place_is_historical(extract, line):
    evs = extract(line)
    assert evs and all(e.status == "historical" for e in evs)


def test_drug_given_here_after_outside_list_stays_given(extract):
    text = ("Transfer meds:\n1) ceftriaxone 1 g IV daily - last given 0800 at SNF\n\n"
            "ED course:\nCeftriaxone 1 g IV given 1500. Zofran 4 mg IV given 1510.\n")
    evs = extract(text)
    assert "historical" in _statuses(evs, "ceftriaxone")
    assert "given" in _statuses(evs, "ceftriaxone")
    assert _statuses(evs, "ondansetron") == ["given"]


def test_last_given_in_ed_mar_without_outside_place_stays_given(extract):
    evs = extract("MAR:\nMorphine 4 mg IV q4h PRN - last given 1430\n")
    assert _statuses(evs, "morphine") == ["given"]


# -- 2. lab/test mentions of a drug and the anaesthesia ASA class produce no event --------------------


@pytest.mark.parametrize("text, drug", [
    ("Vanc trough 14.8 drawn at 0600.", "vancomycin"),
    ("Vancomycin level pending.", "vancomycin"),
    ("Lithium level ordered.", "lithium"),
    ("Digoxin lvl 1.1 this am.", "digoxin"),
    ("Acetaminophen/salicylate levels negative.", "acetaminophen"),
    ("Heparin level to be rechecked at 2200.", "heparin"),
])
def test_lab_of_a_drug_is_no_event(extract, text, drug):
    assert _statuses(extract(text), drug) == []


def test_lab_mention_does_not_hide_administration_in_same_note(extract):
    evs = extract("Vancomycin trough 12. Vancomycin 1.25 g IV given at 1400.")
    assert _statuses(evs, "vancomycin") == ["given"]


def test_lab_mention_with_held_dose_keeps_its_status(extract):
    evs = extract("Vanc trough pending, 2300 vancomycin dose held per pharmacy.")
    assert "given" not in _statuses(evs, "vancomycin")


@pytest.mark.parametrize("text", [
    "Pre-op eval: ASA III. Propofol 100 mg IV given at 0810.",
    "ASA class 2, Mallampati II. Propofol 100 mg IV given at 0810.",
    "Anesthesia: ASA IIE. Propofol 100 mg IV given at 0810.",
])
def test_asa_physical_status_is_not_aspirin(extract, text):
    evs = extract(text)
    assert _statuses(evs, "aspirin") == []
    assert _statuses(evs, "propofol") == ["given"]


def test_asa_as_aspirin_still_extracted(extract):
    evs = extract("ASA 325 mg PO given at 1015 for chest pain.")
    assert _statuses(evs, "aspirin") == ["given"]


# -- 3. lowercase brand shorthand with a bare number before the route -------------------------------


@pytest.mark.parametrize("text, drug, dose, route", [
    ("toradol 15 iv", "ketorolac", (15.0, "mg"), "IV"),
    ("benadryl 25 iv\n", "diphenhydramine", (25.0, "mg"), "IV"),
    ("zofran 4 ivp", "ondansetron", (4.0, "mg"), "IV_PUSH"),
    ("mag 2 iv over 1 hr", "magnesium sulfate", (2.0, "g"), None),
])
def test_brand_shorthand_bare_dose_and_route(extract, text, drug, dose, route):
    evs = [e for e in extract(text) if e.drug == drug]
    assert len(evs) == 1
    assert (evs[0].dose.value, evs[0].dose.unit) == dose
    if route is not None:
        assert evs[0].route == route


def test_lab_value_without_route_is_still_no_event(extract):
    assert extract("Labs: Mag 1.6, K 3.2") == []
