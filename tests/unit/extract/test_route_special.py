"""Routes that are not intravenous although infusion or bolus words are near."""
import pytest
from infucode.pipeline.extract import doc_events


def routes(nlp, text):
    return [(e.drug, e.route) for e in doc_events(nlp(text))]


@pytest.mark.parametrize("text,route", [
    ("0800 ropivacaine 0.2% epidural infusion started @ 8 mL/hr", "EPIDURAL"),
    ("0800 bupivacaine 0.125% infusion via epidural catheter at 6 mL/hr", "EPIDURAL"),
    ("0800 TICE BCG 50 mg intravesical instillation given", "OTHER"),
    ("0800 mitomycin 40 mg instilled into bladder via foley", "OTHER"),
    ("0800 ofloxacin 2 drops into the right eye given", "OTHER"),
    ("0800 bevacizumab 1.25 mg intravitreal injection given", "OTHER"),
    ("0800 enoxaparin 40 mg s.c. given", "SQ"),
    ("0800 ketorolac 30 mg i.m. given", "IM"),
    ("0800 acetaminophen 650 mg p.o. given", "PO"),
])
def test_route(nlp, text, route):
    found = routes(nlp, text)
    assert found and found[0][1] == route


def test_an_iv_infusion_is_still_an_infusion(nlp):
    assert routes(nlp, "0800 vancomycin 1 g infusion started")[0][1] == "IV_INFUSION"
    assert routes(nlp, "0800 NS 1 L bolus")[0][1] == "IV_INFUSION"


def test_a_dose_in_million_units_is_not_a_lab_value(nlp):
    assert [d for d, _ in routes(nlp, "0800 penicillin G 2.4 million units IM given")] == ["penicillin g"]
