"""Drug names outside the HCPCS-linked lexicon core, and the guard against confident wrong corrections."""
import pytest
from infucode.pipeline.extract.drugs import DRUG_KEY, edit_distance, plausible_misspelling
from infucode.pipeline.extract.resources import load_lexicon


def drugs(nlp, text):
    doc = nlp(text)
    lex = load_lexicon()
    return [lex[s.kb_id_].drug for s in doc.spans[DRUG_KEY]]


@pytest.mark.parametrize("text,drug", [
    ("Stamaril 0.5 mL SC given", "yellow fever vaccine"),
    ("Vivotif 1 cap PO given", "typhoid vaccine"),
    ("Menveo 0.5 mL IM given", "meningococcal conjugate vaccine"),
    ("shingles vaccine 0.5 mL IM given", "zoster vaccine"),
    ("hep B 1 mL IM given", "hepatitis b vaccine"),
    ("pen G 4 million units IV given", "penicillin g"),
    ("PCN G benzathine 2.4 million units IM", "penicillin g benzathine"),
    ("vitamin D3 1000 units PO", "cholecalciferol"),
    ("Myoview 30 mCi IV", "technetium tc-99m tetrofosmin"),
    ("Isovue 80 mL IV", "iopamidol"),
    ("Alcaine 1 drop each eye", "proparacaine"),
    ("Hibiclens wash", "chlorhexidine"),
    ("Malarone 1 tab PO", "atovaquone/proguanil"),
    ("Xifaxan 550 mg PO", "rifaximin"),
])
def test_names_outside_the_hcpcs_core_are_recognised(nlp, text, drug):
    assert drugs(nlp, text)[:1] == [drug]


def test_brand_of_a_combination_names_the_combination():
    lex = load_lexicon()
    assert lex["symbicort"].drug == "budesonide/formoterol"
    assert lex["sinemet"].drug == "carbidopa/levodopa"


def test_biosimilar_and_ester_variants_name_the_base_ingredient():
    lex = load_lexicon()
    assert lex["inflectra"].drug == "infliximab"
    assert lex["nasacort"].drug == "triamcinolone"


def test_brand_with_single_and_combined_products_stays_unnamed():
    # "Cipro" is sold alone and with hydrocortisone: no confident single name from the shared rows
    lex = load_lexicon()
    assert lex["cipro"].source.startswith("curated") or "cipro" not in lex


def test_a_supplement_near_a_brand_name_is_not_turned_into_that_brand(nlp):
    # "melatonin" is two edits from the pyridoxine brand "Melatonex": it names itself, never the vitamin
    assert drugs(nlp, "melatonin 3 mg PO at HS") == ["melatonin"]


def test_two_edits_must_keep_the_ending():
    assert not plausible_misspelling("melatonin", "melatonex", 2)
    assert plausible_misspelling("vancomicin", "vancomycin", 1)
    assert plausible_misspelling("ceftriaxonne", "ceftriaxone", 1)


def test_a_swap_of_neighbouring_letters_is_one_edit(nlp):
    assert edit_distance("zofarn", "zofran", 1) == 1
    assert edit_distance("ketorloac", "ketorolac", 1) == 1
    assert drugs(nlp, "ketorloac 15 mg IV") == ["ketorolac"]


def test_an_unknown_long_word_before_a_dose_is_not_a_drug(nlp):
    assert drugs(nlp, "glucosamine 1500 mg PO daily") == []
