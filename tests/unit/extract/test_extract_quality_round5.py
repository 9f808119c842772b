"""Extraction quality round 5: given-event precision on medication lists and self-reported doses.

The sentences are written for these tests (fictional, no corpus text).
"""

import pytest


def _statuses(evs, drug):
    return [e.status for e in evs if e.drug == drug]


# -- 1. a dose the patient took before coming in is historical -----------------------------------------


@pytest.mark.parametrize("text, drug", [
    ("Pt states he took his lisinopril 10 mg this morning.", "lisinopril"),
    ("Took 2 tabs of Tylenol around 0600.", "acetaminophen"),
    ("She took her metoprolol 25 mg before coming in.", "metoprolol"),
])
def test_dose_the_patient_took_is_historical(extract, text, drug):
    assert _statuses(extract(text), drug) == ["historical"]


def test_took_does_not_reach_the_next_sentence_given_here(extract):
    evs = extract("Pt states she took her metoprolol this AM. Zofran 4 mg IV given 1010.")
    assert _statuses(evs, "metoprolol") == ["historical"]
    assert _statuses(evs, "ondansetron") == ["given"]


def test_leading_per_ems_attribution_scopes_over_the_clause_after_its_comma(extract):
    evs = extract("Per EMS, pt received fentanyl 50 mcg IV at 0920.")
    assert _statuses(evs, "fentanyl") == ["historical"]


def test_per_md_attribution_keeps_a_dose_given_here(extract):
    evs = extract("Per MD, prednisone 60 mg PO given 1330.")
    assert _statuses(evs, "prednisone") == ["given"]


# -- 2. clinic medication lists and lists from another facility ------------------------------------------


@pytest.mark.parametrize("heading", ["Meds:", "Medications:", "Meds reviewed:", "Home:"])
def test_clinic_medication_list_line_is_historical(extract, heading):
    text = f"S: f/u visit.\n{heading} lisinopril 20 mg daily, atorvastatin 40 mg qhs\nBP 150/92.\n"
    evs = extract(text)
    assert _statuses(evs, "lisinopril") == ["historical"]
    assert _statuses(evs, "atorvastatin") == ["historical"]


def test_meds_line_with_dose_and_clock_time_is_given_here(extract):
    evs = extract("Meds: Zofran 4 mg IV 1010, Toradol 15 mg IV 1015\n")
    assert _statuses(evs, "ondansetron") == ["given"]
    assert _statuses(evs, "ketorolac") == ["given"]


def test_meds_line_with_given_cue_is_given(extract):
    evs = extract("Medications: ceftriaxone 1 g IM given L glute 1420.\n")
    assert _statuses(evs, "ceftriaxone") == ["given"]


def test_last_given_time_in_outside_facility_list_is_historical(extract):
    text = ("Current medications (per facility MAR):\n1. amlodipine 10 mg PO daily - last given 0900\n"
            "2. insulin glargine 20 units SQ qhs\n\nED course:\nZofran 4 mg IV given 1510.\n")
    evs = extract(text)
    assert _statuses(evs, "amlodipine") == ["historical"]
    assert _statuses(evs, "insulin glargine") == ["historical"]
    assert _statuses(evs, "ondansetron") == ["given"]


@pytest.mark.parametrize("text, drug", [
    ("Patient's medications include levothyroxine 75 mcg daily.", "levothyroxine"),
    ("Continue home metoprolol 25 mg BID.", "metoprolol"),
])
def test_medication_list_phrases_are_historical(extract, text, drug):
    assert _statuses(extract(text), drug) == ["historical"]


def test_continue_daily_med_is_not_given(extract):
    assert _statuses(extract("Continue aspirin 81 mg daily."), "aspirin") == ["planned"]


def test_prescribed_after_the_drug_is_planned(extract):
    assert _statuses(extract("Keflex 500 mg PO QID x 7 days prescribed."), "cephalexin") == ["planned"]


def test_unclear_whether_given_is_uncertain(extract):
    evs = extract("Unclear whether ED gave her Toradol before transfer.")
    assert _statuses(evs, "ketorolac") == ["uncertain"]


# -- 3. time roles ------------------------------------------------------------------------------------------


def test_time_after_an_arrow_is_not_the_start_of_the_line_before_it(extract):
    evs = extract("1541 Ceftriaxone 1 g IVPB started -> 1626 complete\n")
    roles = {t.text: t.role for e in evs if e.drug == "ceftriaxone" for t in e.time_mentions}
    assert roles.get("1626") == "end"


def test_numbered_second_bag_with_its_own_volume_is_a_new_event(extract):
    evs = extract("1400 NS 1 L bolus #1 started.\n1541 NS 1 L bolus #2 -> complete 1626\n")
    assert _statuses(evs, "sodium chloride 0.9%") == ["given", "given"]


def test_numbered_bag_completion_without_volume_closes_that_bag(extract):
    evs = extract("2045 LR 1000 mL bolus #2 started L AC.\n2215 LR bolus #2 complete.\n")
    assert _statuses(evs, "lactated ringer's") == ["given"]


# -- 4. prehospital lists, status cells after a dash, other places --------------------------------------


@pytest.mark.parametrize("heading", ["EMS:", "Prehospital:", "PTA:", "OSH:"])
def test_prehospital_list_is_historical_even_with_given_wording(extract, heading):
    evs = extract(f"{heading} ASA 324 mg PO, fentanyl 50 mcg IV given 1410.\n\nZofran 4 mg IV given 1500.\n")
    assert _statuses(evs, "aspirin") == ["historical"]
    assert _statuses(evs, "fentanyl") == ["historical"]
    assert _statuses(evs, "ondansetron") == ["given"]


def test_dash_before_held_keeps_the_status_on_its_line(extract):
    evs = extract("0900 metoprolol 25 mg PO - HELD (HR 52)\n")
    assert _statuses(evs, "metoprolol") == ["not_given"]


def test_where_she_got_is_another_place(extract):
    evs = extract("Sent from clinic where she got Toradol 60 mg IM at 1300.\n")
    assert _statuses(evs, "ketorolac") == ["historical"]


def test_meds_list_without_doses_gives_historical_events(extract):
    evs = extract("Meds: ASA, Plavix, Lipitor\n")
    assert _statuses(evs, "clopidogrel") == ["historical"]


def test_meds_line_with_parenteral_route_is_given_here(extract):
    evs = extract("Meds: Zofran 4 mg IV, Toradol 30 mg IM\n")
    assert _statuses(evs, "ondansetron") == ["given"]
    assert _statuses(evs, "ketorolac") == ["given"]
