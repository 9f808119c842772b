import pytest
from infucode.pipeline.extract.drugs import DRUG_KEY, edit_distance
from infucode.pipeline.extract.resources import load_lexicon


def drugs(nlp, text):
    doc = nlp(text)
    lex = load_lexicon()
    return [(s.text, lex[s.kb_id_].drug) for s in doc.spans[DRUG_KEY]]


@pytest.mark.parametrize("text,drug", [
    ("Zofran", "ondansetron"), ("ondansatron", "ondansetron"), ("zofren", "ondansetron"),
    ("rocefin", "ceftriaxone"), ("toredol", "ketorolac"), ("dilaudad", "hydromorphone"),
    ("vanco", "vancomycin"), ("pip-tazo", "piperacillin/tazobactam"), ("Zosyn", "piperacillin/tazobactam"),
    ("MgSO4", "magnesium sulfate"), ("MSO4", "morphine"), ("APAP", "acetaminophen"), ("NTG", "nitroglycerin"),
    ("KCl", "potassium chloride"), ("K+", "potassium chloride"), ("NaHCO3", "sodium bicarbonate"),
    ("bicarb", "sodium bicarbonate"), ("Ca gluconate", "calcium gluconate"),
    ("solumedrol", "methylprednisolone"),
    ("LR", "lactated ringer's"), ("D5W", "dextrose 5%"), ("1/2NS", "sodium chloride 0.45%"),
    ("D5 1/2NS", "dextrose 5%/sodium chloride 0.45%"), ("0.9NS", "sodium chloride 0.9%"),
    ("amiodarone", "amiodarone"), ("adenosine", "adenosine"),
])
def test_abbreviations_brands_and_misspellings_normalize(nlp, text, drug):
    found = drugs(nlp, f"{text} given")
    assert found and found[0][1] == drug


def test_a_ingredients_have_rxcui():
    lex = load_lexicon()
    assert lex["acetaminophen"].rxcui == "161"
    assert lex["amiodarone"].rxcui == "703"
    assert lex["zofran"].rxcui == "26225"


def test_fuzzy_fallback_needs_a_following_dose(nlp):
    assert drugs(nlp, "toradoll 30 mg IV") == [("toradoll", "ketorolac")]
    assert drugs(nlp, "pt was toradoll today") == []


def test_edit_distance_limit():
    assert edit_distance("zofran", "zofren", 1) == 1
    assert edit_distance("zofran", "xxxxxx", 1) == 2


def test_plain_clinical_text_has_no_drug_mentions(nlp):
    text = ("Pt resting comfortably today, call light in reach. Plan B discussed with family. Ambulating "
            "with "
            "steady gait. Vitals stable, afebrile. Patient denies pain at this time. Will activate care team "
            "if needed. Discharged home with instructions, follow up with primary care in one week. "
            "Affinity for water noted. Relief of symptoms reported. Balance and strength intact.")
    assert drugs(nlp, text) == []


def test_mixture_components_are_separate_mentions(nlp):
    assert [d for _, d in drugs(nlp, "D5 1/2NS with 20 mEq KCl at 125 mL/hr")] == [
        "dextrose 5%/sodium chloride 0.45%", "potassium chloride"]
