"""Maintenance-fluid purpose, formerly dead attribute patterns, and SQ runs continued on another pump."""

from __future__ import annotations

import pytest
from infucode.pipeline.extract.attributes import find_attributes
from infucode.pipeline.runner import code_note

DAY = "2026-03-02"


def _given(events):
    return [e for e in events if e.status == "given"]


def _cpt(result):
    return [(c["code"], c["units"]) for c in result["cpt"]]


@pytest.mark.parametrize(
    "text",
    [
        "0700 D5 1/2NS 1000 mL maintenance IVF @ 100 mL/hr started, pt NPO for surgery.",
        "LR at 80 mL/hr started 2200 as mIVF overnight.",
        "NS 1 L @ 125 mL/hr maint fluids started 0615.",
    ],
)
def test_routine_maintenance_fluid_gets_the_maintenance_purpose(extract, text):
    (ev,) = _given(extract(text))
    assert ev.purpose == "maintenance"


def test_a_stated_hydration_need_outranks_maintenance(extract):
    (ev,) = _given(extract("0900 NS @ 150 mL/hr maintenance fluids for dehydration started."))
    assert ev.purpose == "hydration"


def test_rehydration_fluid_keeps_the_hydration_purpose(extract):
    (ev,) = _given(extract("1300 LR 1000 mL bolus for rehydration started, done 1400."))
    assert ev.purpose == "hydration"


@pytest.mark.parametrize(
    "text,label,value",
    [
        ("NS 1 L WO via 18g", "rate", "wide_open"),
        ("LR hung as primary line fluid", "purpose", "carrier"),
        ("IV re-sited to R forearm", "line_cue", "new_line"),
        ("D5W at 30 mL/hr mIVF", "purpose", "maintenance"),
    ],
)
def test_attribute_patterns_that_were_dead_now_match_notes(text, label, value):
    found = [a for a in find_attributes(text) if a.label == label]
    assert [a.value for a in found] == [value]


def test_maintenance_fluid_without_a_hydration_need_bills_the_bag_but_no_hydration_code():
    text = "NPO for ORIF in AM. NS 1000 mL maintenance IVF @ 100 mL/hr started 0600 per routine order; done 1600."
    result = code_note(text, setting="facility", encounter_date=DAY)
    assert _cpt(result) == []
    assert [(c["code"], c["units"]) for c in result["hcpcs"]] == [("J7030", 1)]


def test_maintenance_fluid_with_a_documented_hydration_need_is_hydration():
    text = "Pt vomiting x3 days. NS 1000 mL @ 250 mL/hr maintenance fluids for dehydration started 0800; done 1200."
    result = code_note(text, setting="facility", encounter_date=DAY)
    assert _cpt(result)[:1] == [("96360", 1)]


CONTINUED = (
    "SCIG - PI. Cuvitru 10 g (50 mL) SQ via pump, 2 sites abdomen started 1300.\n"
    "1350 sites leaking; pump stopped for those sites. Second pump set up with 2 new sites thighs for the "
    "rest of the dose.\n"
    "1445 infusion complete, sites benign."
)


def test_a_second_pump_set_up_without_a_drug_name_is_a_run_of_its_own(extract):
    first, second = _given(extract(CONTINUED))
    assert first.drug == second.drug
    assert first.dose is not None and second.dose is None
    assert second.route == "SQ" and second.line_cue == "new_line"


def test_a_second_pump_carries_the_sq_infusion_to_its_later_stop_and_adds_96371():
    result = code_note(CONTINUED, setting="facility", encounter_date=DAY)
    first, second = [(e["start"][11:16], e["end"][11:16]) for e in result["events"] if e["status"] == "given"]
    assert (first, second) == (("13:00", "13:50"), ("13:50", "14:45"))
    assert _cpt(result) == [("96369", 1), ("96370", 1), ("96371", 1)]


def test_a_new_site_after_an_sq_injection_is_no_second_run(extract):
    text = "Enoxaparin 40 mg SQ given L abdomen at 0900. New site placed R abdomen for tomorrow's dose."
    assert len(_given(extract(text))) == 1


def test_a_new_pump_in_a_sentence_naming_the_drug_is_that_mention_only(extract):
    text = "Hizentra 8 g SQ, new pump set up with 4 sites abdomen at 1000. Infusion complete 1110."
    assert len(_given(extract(text))) == 1
