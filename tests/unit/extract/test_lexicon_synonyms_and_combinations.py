"""Drug names on charts written elsewhere: British/INN names, regional brands, abbreviations, combination
products written as their parts, concentrations of saline, dictation splits, English words near a brand."""

import csv

import pytest
from infucode.pipeline.extract.drugs import DRUG_KEY, combination_index
from infucode.pipeline.extract.resources import load_fuzzy_english_words, load_lexicon, resource_path


def drugs(nlp, text):
    doc = nlp(text)
    lex = load_lexicon()
    return [(s.text, lex[s.kb_id_].drug) for s in doc.spans[DRUG_KEY]]


@pytest.mark.parametrize("name,drug", [
    ("salbutamol", "albuterol"), ("adrenaline", "epinephrine"), ("noradrenaline", "norepinephrine"),
    ("frusemide", "furosemide"), ("glyceryl trinitrate", "nitroglycerin"), ("pethidine", "meperidine"),
    ("lignocaine", "lidocaine"), ("co-amoxiclav", "amoxicillin/clavulanate"),
    ("co-codamol", "acetaminophen/codeine"), ("benzylpenicillin", "penicillin g"),
    ("Hartmann's", "lactated ringer's"), ("cefalexin", "cephalexin"), ("ciclosporin", "cyclosporine"),
])
def test_british_and_inn_names_map_to_the_us_generic(nlp, name, drug):
    assert drugs(nlp, f"{name} 5 mg given")[0][1] == drug


@pytest.mark.parametrize("text,drug", [
    ("NAC 150 mg/kg IV", "acetylcysteine"), ("DHE 1 mg IV", "dihydroergotamine"),
    ("MTX 15 mg PO", "methotrexate"), ("5-FU 400 mg/m2", "fluorouracil"),
    ("flovent 2 puffs", "fluticasone"), ("EMLA cream applied", "lidocaine/prilocaine"),
    ("silver sulfadiazine to burns", "silver sulfadiazine"), ("santyl to wound bed", "collagenase"),
    ("activated charcoal 50 g PO", "activated charcoal"), ("glucose gel 15 g PO", "glucose"),
    ("trelegy 1 inh", "fluticasone/umeclidinium/vilanterol"),
])
def test_chart_abbreviations_topicals_and_antidotes_are_drugs(nlp, text, drug):
    assert drugs(nlp, text)[0][1] == drug


def test_a_lowercase_abbreviation_that_is_an_ordinary_word_is_not_a_drug(nlp):
    assert drugs(nlp, "mtx and dhe were discussed") == []  # case-sensitive abbreviations only


@pytest.mark.parametrize("text,drug", [
    ("lidocaine 1% w/ epi 3 mL", "lidocaine/epinephrine"),
    ("bupivacaine 0.5% with epinephrine 1:200,000 5 mL", "bupivacaine/epinephrine"),
    ("hydrocodone/APAP 5/325 1 tab", "hydrocodone/acetaminophen"),
    ("bictegravir/emtricitabine/tenofovir alafenamide 1 tab", "bictegravir/emtricitabine/tenofovir"),
])
def test_a_combination_written_as_its_parts_is_one_named_product(nlp, text, drug):
    assert [d for _, d in drugs(nlp, text)] == [drug]


def test_two_drugs_that_form_no_named_combination_stay_two(nlp):
    assert [d for _, d in drugs(nlp, "ceftriaxone 1 g with lidocaine 1% 2 mL IM")] == ["ceftriaxone", "lidocaine"]


def test_every_indexed_combination_is_named_by_a_lexicon_term():
    lex = load_lexicon()
    combos, parts = combination_index(lex)
    assert combos[frozenset({"lidocaine", "epinephrine"})] in lex
    assert all(lex[key].drug.count("/") + 1 == len(p) for p, key in combos.items())
    assert "epinephrine" in parts


def test_an_ester_word_is_dropped_from_the_drug_name():
    lex = load_lexicon()
    assert lex["triamcinolone acetonide"].drug == "triamcinolone"
    assert lex["testosterone cypionate"].drug == "testosterone"


@pytest.mark.parametrize("text,drug", [
    ("3% NaCl 250 mL", "sodium chloride 3%"), ("NaCl 3% 250 mL", "sodium chloride 3%"),
    ("23.4% NaCl 30 mL", "sodium chloride 23.4%"), ("0.9% NaCl 1000 mL", "sodium chloride 0.9%"),
    ("NaCl 1000 mL", "sodium chloride 0.9%"),
])
def test_a_saline_strength_names_the_solution_and_only_plain_saline_is_normal_saline(nlp, text, drug):
    assert [d for _, d in drugs(nlp, text)] == [drug]


def test_an_english_word_is_never_fuzzy_corrected_into_a_brand(nlp):
    assert "program" in load_fuzzy_english_words()
    assert drugs(nlp, "hospital at home program 3 days") == []
    assert drugs(nlp, "convert 2 units") == []


def test_a_capitalized_english_word_before_a_dose_with_unit_is_read_as_the_misspelt_drug(nlp):
    assert "raglan" in load_fuzzy_english_words()  # an English word (a sleeve) one edit from Reglan
    assert drugs(nlp, "Raglan 10 mg IV") == [("Raglan", "metoclopramide")]
    assert drugs(nlp, "raglan 10 mg IV") == []
    assert drugs(nlp, "Raglan sleeve 2 inches") == []


def test_a_real_misspelling_is_still_corrected(nlp):
    assert drugs(nlp, "Vancomicin 1 g IV") == [("Vancomicin", "vancomycin")]


def test_a_name_dictated_as_two_words_is_matched_joined(nlp):
    assert drugs(nlp, "Tora doll 30 mg IV") == [("Tora doll", "ketorolac")]
    assert drugs(nlp, "Zo fran 4 mg IV") == [("Zo fran", "ondansetron")]


def test_two_ordinary_words_before_a_dose_are_not_joined_into_a_drug(nlp):
    assert drugs(nlp, "patient received 4 mg") == []
    assert drugs(nlp, "pain scale 8 of 10") == []


def test_synonym_file_rows_are_complete_and_unique():
    with resource_path("lexicons/synonyms.v1.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = [r["term"] if r["case_sensitive"] == "Y" else r["term"].lower() for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["drug"] == r["drug"].lower() and r["drug"].strip() and r["source"].strip() for r in rows)


def test_a_weight_based_dose_does_not_make_the_diluent_bag_an_infusion(extract):
    events = extract("1130 NAC 50 mg/kg in 500 mL D5W infusion started over 4 hr.")
    assert [e.drug for e in events] == ["acetylcysteine"]
    assert events[0].volume_ml == 500
