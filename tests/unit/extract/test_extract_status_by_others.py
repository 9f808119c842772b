"""Status round 6: doses given by someone else before this record, and repeats without a new drug mention.

The sentences are written for these tests (fictional, no corpus text).
"""

import pytest


def _statuses(evs, drug):
    return [e.status for e in evs if e.drug == drug]


def _times(evs, drug):
    return [[t.text for t in e.time_mentions] for e in evs if e.drug == drug]


# -- 1. intra-op doses reported in a PACU / post-op record are historical ---------------------------------


@pytest.mark.parametrize("line", [
    "Handoff from CRNA: fentanyl 100 mcg and ondansetron 4 mg given intra-op.",
    "Intraoperatively pt received fentanyl 100 mcg, ondansetron 4 mg.",
    "Per anesthesia, fentanyl 100 mcg and ondansetron 4 mg were given in the OR.",
    "Intraop meds: fentanyl 100 mcg IV, ondansetron 4 mg IV",
])
def test_intra_op_doses_in_a_pacu_record_are_historical_and_pacu_doses_given(extract, line):
    evs = extract(f"PACU arrival 1405.\n{line}\n1415 hydromorphone 0.4 mg IV given for pain 6/10.")
    assert _statuses(evs, "fentanyl") == ["historical"]
    assert _statuses(evs, "ondansetron") == ["historical"]
    assert _statuses(evs, "hydromorphone") == ["given"]


# -- 2. another facility, EMS and caregivers ----------------------------------------------------------


@pytest.mark.parametrize("line", [
    "Phone report from referring ED: ketorolac 30 mg IV at 0810.",
    "At the referring hospital pt got ketorolac 30 mg IV at 0810.",
    "Per transfer report, ketorolac 30 mg IV given 0810.",
    "EMS handoff: ketorolac 30 mg IV 0810.",
    "Per medics, ketorolac 30 mg IV given 0810.",
])
def test_doses_reported_from_another_team_before_arrival_are_historical(extract, line):
    evs = extract(f"{line}\n0900 ondansetron 4 mg IV given.")
    assert _statuses(evs, "ketorolac") == ["historical"]
    assert _statuses(evs, "ondansetron") == ["given"]


@pytest.mark.parametrize("line", [
    "Per dad, he gave ibuprofen 200 mg at 0500.",
    "Per grandmother, she gave ibuprofen 200 mg at 0500.",
    "Ibuprofen 200 mg given by caregiver at 0500.",
])
def test_a_dose_a_caregiver_gave_at_home_is_historical(extract, line):
    evs = extract(f"{line} 0830 acetaminophen 325 mg PO given.")
    assert _statuses(evs, "ibuprofen") == ["historical"]
    assert _statuses(evs, "acetaminophen") == ["given"]


def test_per_relative_without_a_giving_verb_keeps_a_dose_given_here(extract):
    evs = extract("Per mom pt vomited twice, ondansetron 4 mg ODT given 0915.")
    assert _statuses(evs, "ondansetron") == ["given"]


def test_a_doubled_dose_by_ems_is_two_historical_events(extract):
    evs = extract("Prior to arrival EMS gave nitroglycerin 0.4 mg SL x2.")
    assert _statuses(evs, "nitroglycerin") == ["historical", "historical"]


def test_a_doubled_outside_dose_at_two_times_is_two_historical_events(extract):
    evs = extract("Per outside records: lorazepam 1 mg IV at 0440 and 0455.")
    assert _statuses(evs, "lorazepam") == ["historical", "historical"]
    assert _times(evs, "lorazepam") == [["0440"], ["0455"]]


def test_a_home_regimen_twice_daily_is_one_historical_event(extract):
    evs = extract("Home meds: metoprolol 25 mg PO x2 daily.")
    assert _statuses(evs, "metoprolol") == ["historical"]


# -- 3. admission medication lists and current medications ----------------------------------------------


def test_admission_medication_list_is_historical(extract):
    evs = extract("Admission medications: amlodipine 5 mg daily, sertraline 50 mg daily\n"
                  "1000 furosemide 40 mg IV given.")
    assert _statuses(evs, "amlodipine") == ["historical"]
    assert _statuses(evs, "sertraline") == ["historical"]
    assert _statuses(evs, "furosemide") == ["given"]


def test_also_on_names_a_current_medication(extract):
    evs = extract("Also on rivaroxaban 20 mg daily. 1130 ketorolac 15 mg IV given.")
    assert _statuses(evs, "rivaroxaban") == ["historical"]
    assert _statuses(evs, "ketorolac") == ["given"]


# -- 4. repeats written without a new drug mention ----------------------------------------------------


@pytest.mark.parametrize("repeat", ["1340 repeat x1.", "1340 2nd dose given.", "Same again at 1340."])
def test_drugless_repeat_line_is_a_new_given_dose_of_the_last_push(extract, repeat):
    evs = extract(f"1310 hydromorphone 0.5 mg IV given.\n{repeat}")
    assert _statuses(evs, "hydromorphone") == ["given", "given"]
    assert _times(evs, "hydromorphone") == [["1310"], ["1340"]]
    assert all(e.dose is not None and e.dose.value == 0.5 for e in evs)


@pytest.mark.parametrize("line", [
    "Repeat if pain persists.",
    "2nd dose held, RR 10.",
    "1340 repeat EKG done.",
    "May repeat x1 in 30 min.",
])
def test_repeat_wording_that_documents_no_dose_adds_no_event(extract, line):
    evs = extract(f"1310 hydromorphone 0.5 mg IV given.\n{line}")
    assert _statuses(evs, "hydromorphone") == ["given"]


def test_a_drugless_repeat_does_not_repeat_an_infusion(extract):
    evs = extract("1310 NS 1000 mL bolus started.\n1400 repeat x1.")
    assert _statuses(evs, "sodium chloride 0.9%") == ["given"]


def test_numbered_neb_is_a_new_dose_and_numbered_bags_update_their_bag(extract):
    evs = extract("0900 albuterol 2.5 mg neb given.\n0920 albuterol #2 given.")
    assert _times(evs, "albuterol") == [["0900"], ["0920"]]
    assert [e.route for e in evs if e.drug == "albuterol"] == ["INHALED", "INHALED"]
    bags = extract("2100 LR 1000 mL bolus #1 started.\n2130 LR bolus #1 complete.")
    assert len([e for e in bags if e.drug == "lactated ringer's"]) == 1


# -- 5. home medications held this stay ------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "Home medications: sertraline 50 mg daily, losartan 50 mg daily - held for AKI",
    "Home meds: sertraline 50 mg daily, losartan 50 mg daily (held)",
])
def test_a_listed_home_medication_held_this_stay_is_not_given(extract, line):
    evs = extract(line)
    assert _statuses(evs, "losartan") == ["not_given"]
    assert _statuses(evs, "sertraline") == ["historical"]


def test_a_home_medication_held_during_a_past_admission_stays_historical(extract):
    evs = extract("Home losartan was held during the previous admission and resumed after.")
    assert _statuses(evs, "losartan") == ["historical"]


# -- 6. a dose and its repeat at a second time; re-offers and home-use instructions --------------------


def test_again_at_a_second_time_after_a_leading_time_is_two_doses(extract):
    evs = extract("1310 hydromorphone 0.5 mg IV given, again at 1345.")
    assert _times(evs, "hydromorphone") == [["1310"], ["1345"]]


@pytest.mark.parametrize("text, drug", [
    ("Declined ondansetron at 0800; will offer again at noon.", "ondansetron"),
    ("Will offer acetaminophen 650 mg PO after lunch.", "acetaminophen"),
    ("May use albuterol inhaler at home as needed.", "albuterol"),
])
def test_reoffers_and_home_use_instructions_are_not_given_doses(extract, text, drug):
    assert "given" not in _statuses(extract(text), drug)


# -- 7. unit-less medication lists and hospital-course wording -------------------------------------------


@pytest.mark.parametrize("text", [
    "Home meds: amlodipine 5 daily, sertraline 50 daily",
    "Per husband: amlodipine 5, sertraline 50.",
])
def test_unitless_doses_in_a_medication_list_are_historical_events(extract, text):
    evs = extract(text)
    assert _statuses(evs, "amlodipine") == ["historical"]
    assert _statuses(evs, "sertraline") == ["historical"]


def test_a_bare_number_after_a_drug_outside_a_list_is_still_a_lab(extract):
    assert _statuses(extract("Mg 1.8, K 3.9. Pt resting."), "magnesium sulfate") == []


def test_hospital_course_diuresis_documents_a_given_dose(extract):
    evs = extract("Hospital course: she was diuresed with IV bumetanide and improved.")
    assert [(e.status, e.route) for e in evs if e.drug == "bumetanide"] == [("given", "IV")]


def test_a_drug_that_will_be_continued_is_planned(extract):
    evs = extract("Discharge: apixaban will be continued at the same dose.")
    assert _statuses(evs, "apixaban") == ["planned"]
