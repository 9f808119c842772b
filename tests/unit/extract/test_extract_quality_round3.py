"""Extraction quality round 3: one test per reported error class.

The sentences are written for these tests (fictional, no corpus text).
"""

import pytest


def _by_drug(evs):
    return {e.drug: e for e in evs}


# -- 1. a refusal clause after an offer reaches the drug across the sentence split ------------------


@pytest.mark.parametrize("text, drug", [
    ("1400 Offered Zofran 4 mg IV?  Pt declined.", "ondansetron"),
    ("1400 Tylenol offered, pt refused", "acetaminophen"),
    ("1400 Offered Zofran 4 mg IV?\nPt declined.", "ondansetron"),
    ("2215 Morphine 2 mg IV offered for pain 7/10. Patient refused at this time.", "morphine"),
])
def test_follow_on_refusal_reaches_offered_drug(extract, text, drug):
    ev = _by_drug(extract(text))[drug]
    assert ev.status == "not_given"


def test_follow_on_refusal_does_not_cross_timestamped_entries(extract):
    ev = _by_drug(extract("1400 Offered Zofran 4 mg IV\n1410 Pt declined."))["ondansetron"]
    assert ev.status != "not_given"


def test_refusal_naming_another_drug_stays_with_that_drug(extract):
    evs = _by_drug(extract("0930 Zofran 4 mg IV given, pt refused Tylenol"))
    assert evs["ondansetron"].status == "given"
    assert evs["acetaminophen"].status == "not_given"


def test_given_drug_keeps_status_before_unrelated_refusal(extract):
    ev = _by_drug(extract("1100 Toradol 15 mg IV given. Pt declined."))["ketorolac"]
    assert ev.status == "given"


# -- 2. a per-litre KCl additive is its own event in the bag -----------------------------------------


@pytest.mark.parametrize("text, dose", [
    ("1400 KCl 20 mEq/L in D5 1/2NS at 100 mL/hr started", 20.0),
    ("1400 D5 1/2NS 500 mL with KCl 20 mEq/L at 100 mL/hr started", 10.0),
    ("1400 D5 1/2NS 1000 mL with 20 mEq/L KCl at 125 mL/hr started", 20.0),
    ("1400 D5 1/2NS with 20 mEq KCl at 100 mL/hr started", 20.0),
])
def test_kcl_additive_shares_bag(extract, text, dose):
    evs = _by_drug(extract(text))
    kcl, bag = evs["potassium chloride"], evs["dextrose 5%/sodium chloride 0.45%"]
    assert kcl.dose is not None and kcl.dose.unit == "mEq" and kcl.dose.value == pytest.approx(dose)
    assert kcl.infusate_id is not None and kcl.infusate_id == bag.infusate_id
    assert kcl.status == "given"


def test_potassium_lab_value_per_litre_is_no_event(extract):
    assert extract("Labs: K 3.1 mEq/L, Na 138") == []


# -- 3. a bare current medication is historical ----------------------------------------------------------


@pytest.mark.parametrize("text, drug", [
    ("Pt on Coumadin, INR 2.5.", "warfarin"),
    ("Currently on Eliquis 5 mg BID.", "apixaban"),
    ("Patient takes metoprolol 25 mg daily.", "metoprolol"),
    ("pt on Keppra 500 mg BID", "levetiracetam"),
])
def test_current_medication_is_historical(extract, text, drug):
    ev = _by_drug(extract(text))[drug]
    assert ev.status == "historical"


@pytest.mark.parametrize("text, drug", [
    ("1400 pt on heparin gtt at 12 units/kg/hr", "heparin"),
    ("pt on Keppra 500 mg IV q12h, dose given 0900", "levetiracetam"),
])
def test_running_infusion_or_given_dose_stays_given(extract, text, drug):
    assert _by_drug(extract(text))[drug].status == "given"


# -- 4. MAR status cells that mean the dose was not given -------------------------------------------------


@pytest.mark.parametrize("cell", ["Due - pt discharged", "Not Given - pt off unit", "Missed"])
def test_mar_not_given_cells(extract, cell):
    ev = _by_drug(extract(f"Ondansetron 4 mg IV | 0900 | {cell}"))["ondansetron"]
    assert ev.status == "not_given"


def test_discharge_after_an_infusion_does_not_undo_it(extract):
    ev = _by_drug(extract("0800: cefazolin 2 g IVPB via L FA PIV, 0800-0830, per ID. PIV removed, "
                          "pt discharged home at 0840."))["cefazolin"]
    assert ev.status == "given"


# -- 5. spoken clock times in dictated notes are time mentions ----------------------------------------------


def test_spoken_times_are_linked_to_the_drug(extract):
    evs = _by_drug(extract("Vancomycin one gram IV over sixty minutes, started at fourteen fifteen. "
                           "Morphine four milligrams IV push at two p.m."))
    assert [t.text for t in evs["vancomycin"].time_mentions] == ["fourteen fifteen"]
    assert [t.text for t in evs["morphine"].time_mentions] == ["two p.m."]


def test_spoken_amount_is_no_time(extract):
    ev = _by_drug(extract("Normal saline five hundred mL bolus given"))["sodium chloride 0.9%"]
    assert ev.time_mentions == []


def test_am_pm_abbreviation_does_not_end_the_sentence(extract):
    ev = _by_drug(extract("Pt states she took ibuprofen this morning around six a.m. at home."))["ibuprofen"]
    assert ev.status == "historical"


# -- 6. scenario-style error classes: diluent after a note, clause after ";", waste wording -------------


@pytest.mark.parametrize("text, drug", [
    ("Infliximab 400 mg (4 x 100 mg single-dose vials, no waste) in 250 mL NS IV.", "infliximab"),
    ("1400 | cefTRIAXone (Rocephin) in NS 50 mL | 1 g | IVPB | Given", "ceftriaxone"),
])
def test_small_bag_after_in_is_the_diluent(extract, text, drug):
    evs = extract(text)
    assert [e.drug for e in evs] == [drug]


def test_large_bag_after_in_is_not_folded_into_an_additive(extract):
    evs = _by_drug(extract("1400 KCl 20 mEq in D5 1/2NS 1000 mL at 100 mL/hr started"))
    assert set(evs) == {"potassium chloride", "dextrose 5%/sodium chloride 0.45%"}


def test_administration_clause_after_semicolon_belongs_to_the_drug(extract):
    ev = _by_drug(extract("Velcade 3.5 mg single-dose vial reconstituted; 2.6 mg administered subcut "
                          "R abdomen at 1015; 0.9 mg remaining discarded."))["bortezomib"]
    assert ev.dose.value == pytest.approx(2.6) and ev.route == "SQ"
    assert [t.text for t in ev.time_mentions] == ["1015"]
    assert ev.waste is not None and ev.waste.discarded.value == pytest.approx(0.9)


def test_clause_after_semicolon_without_admin_verb_is_not_linked(extract):
    ev = _by_drug(extract("Toradol 15 mg IV at 1400; pain improved, reassessed at 1500."))["ketorolac"]
    assert [t.text for t in ev.time_mentions] == ["1400"]
