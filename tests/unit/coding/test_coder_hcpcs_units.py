"""Digest rules 41-44: drug code by ingredient/route/form, units rounded up, conversions, fluids, JW/JZ."""

import pytest
from coding_helpers import ev, flag_codes, fluid, hcpcs, run
from infucode.annotations.schema import Dose, Waste
from infucode.pipeline.coding import load_tables
from infucode.pipeline.coding.hcpcs import convert, select_code


@pytest.mark.parametrize(
    ("drug", "dose", "unit", "route", "code", "units"),
    [
        ("ondansetron", 4, "mg", "IV_PUSH", "J2405", 4),
        ("ketorolac", 30, "mg", "IV_PUSH", "J1885", 2),
        ("ketorolac", 10, "mg", "IM", "J1885", 1),
        ("ceftriaxone", 1, "g", "IV_INFUSION", "J0696", 4),
        ("morphine", 4, "mg", "IV_PUSH", "J2270", 1),
        ("potassium chloride", 20, "mEq", "IV_INFUSION", "J3480", 10),
        ("magnesium sulfate", 2, "g", "IV_INFUSION", "J3475", 4),
        ("acetaminophen", 1000, "mg", "IV_INFUSION", "J0131", 100),
        ("infliximab", 350, "mg", "IV_INFUSION", "J1745", 35),
    ],
)
def test_r41_units_are_dose_over_descriptor_rounded_up(drug, dose, unit, route, code, units):
    result = run([ev(drug, dose, unit, route, "10:00", minutes=30 if route == "IV_INFUSION" else None)])
    assert hcpcs(result) == [(code, units, ())]


def test_r41_ondansetron_injection_code_never_the_oral_q_code():
    dc, _ = select_code(ev("ondansetron", 4, "mg", "IV_PUSH", "10:00"), load_tables())
    assert dc is not None and dc.code == "J2405"


def test_r41_oral_drugs_get_no_drug_code():
    assert hcpcs(run([ev("ondansetron", 4, "mg", "PO", "10:00")])) == []


def test_r41_generic_injection_code_preferred_over_biosimilar_and_brand_specific_codes():
    dc, _ = select_code(ev("rituximab", 700, "mg", "IV_INFUSION", "09:00"), load_tables())
    assert dc is not None and dc.code == "J9312"
    dc2, _ = select_code(ev("pemetrexed", 500, "mg", "IV_INFUSION", "09:00"), load_tables())
    assert dc2 is not None and "not therapeutically equivalent" not in dc2.description.lower()


def test_r41_documented_brand_selects_the_brand_specific_code():
    e = ev("immune globulin", 8, "g", "SQ", "10:00", minutes=70, volume_ml=40, drug_text="Hizentra")
    assert hcpcs(run([e])) == [("J1559", 80, ())]


def test_r41_unit_conversions_g_mg_mcg_and_l_ml():
    assert convert(1, "g", "mg") == 1000
    assert convert(250, "mcg", "mg") == pytest.approx(0.25)
    assert convert(1, "L", "mL") == 1000
    assert convert(5, "mEq", "mg") is None


def test_r41_dose_in_a_unit_that_cannot_convert_is_flagged_not_guessed():
    result = run([ev("ondansetron", 2, "mL", "IV_PUSH", "10:00")])
    assert hcpcs(result) == []
    assert "DOSE_UNIT_NOT_CONVERTIBLE" in flag_codes(result)


def test_r41_ml_dose_with_a_documented_concentration_converts():
    result = run([ev("ondansetron", 2, "mL", "IV_PUSH", "10:00", concentration="2 mg/mL")])
    assert hcpcs(result) == [("J2405", 4, ())]


def test_r41_missing_dose_is_flagged_with_no_units():
    result = run([ev("ondansetron", None, route="IV_PUSH", start="10:00")])
    assert hcpcs(result) == []
    assert "MISSING_DOSE" in flag_codes(result)


def test_r41_total_dose_of_the_day_on_one_line():
    events = [
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "08:00", minutes=30),
        ev("ceftriaxone", 1, "g", "IV_INFUSION", "19:00", minutes=30),
    ]
    assert hcpcs(run(events)) == [("J0696", 8, ())]


@pytest.mark.parametrize(
    ("drug", "ml", "code", "units"),
    [
        ("sodium chloride 0.9%", 1000, "J7030", 1),
        ("sodium chloride 0.9%", 2000, "J7030", 2),
        ("sodium chloride 0.9%", 500, "J7040", 1),
        ("sodium chloride 0.9%", 250, "J7050", 1),
        ("lactated ringer's", 1000, "J7120", 1),
        ("dextrose 5%", 1000, "J7070", 1),
        ("dextrose 5%/sodium chloride 0.9%", 1000, "J7042", 2),
    ],
)
def test_r44_fluid_bag_codes_by_volume(drug, ml, code, units):
    assert hcpcs(run([fluid(drug, ml, start="10:00", minutes=60, indication="dehydration")])) == [
        (code, units, ())
    ]


def test_r44_kvo_bag_is_charged_but_not_billed_as_hydration():
    result = run(
        [
            fluid(start="08:00", minutes=240, purpose="kvo", rate_ml_hr=20),
            ev("morphine", 4, "mg", "IV_PUSH", "08:15"),
        ]
    )
    assert [c.code for c in result.cpt] == ["96374"]
    assert ("J7030", 1, ()) in hcpcs(result)


def test_r44_flushes_get_no_line():
    result = run([fluid(ml=10, start="10:00", purpose="flush", route="IV_PUSH")])
    assert result.cpt == [] and result.hcpcs == []


def test_r44_diluent_of_a_drug_bag_gets_no_line():
    events = [
        ev("potassium chloride", 40, "mEq", None, None, infusate_id="i1"),
        fluid(ml=500, start="09:00", minutes=240, infusate_id="i1", rate_ml_hr=125),
    ]
    result = run(events)
    assert hcpcs(result) == [("J3480", 20, ())]


def test_r42_single_dose_vial_waste_goes_on_a_jw_line():
    e = ev(
        "infliximab",
        350,
        "mg",
        "IV_INFUSION",
        "10:00",
        minutes=135,
        waste=Waste(single_dose_vial=True, discarded=Dose(50, "mg")),
    )
    assert hcpcs(run([e])) == [("J1745", 35, ()), ("J1745", 5, ("JW",))]


def test_r42_single_dose_vial_without_waste_gets_jz():
    e = ev(
        "zoledronic acid",
        4,
        "mg",
        "IV_INFUSION",
        "13:00",
        minutes=15,
        waste=Waste(single_dose_vial=True, discarded=Dose(0, "mg")),
    )
    assert hcpcs(run([e])) == [("J3489", 4, ("JZ",))]


def test_r42_no_jw_jz_without_documented_waste():
    e = ev(
        "infliximab",
        350,
        "mg",
        "IV_INFUSION",
        "10:00",
        minutes=135,
        waste=Waste(single_dose_vial=True, discarded=None),
    )
    assert hcpcs(run([e])) == [("J1745", 35, ())]


def test_r42_documented_discard_counts_even_if_single_dose_wording_was_missed():
    e = ev(
        "pegfilgrastim", 6, "mg", "SQ", "14:00", waste=Waste(single_dose_vial=False, discarded=Dose(0, "mg"))
    )
    assert hcpcs(run([e])) == [("J2506", 12, ("JZ",))]


def test_hcpcs_lines_are_ordered_by_first_event():
    events = [
        ev("ketorolac", 30, "mg", "IV_PUSH", "09:00"),
        ev("ondansetron", 4, "mg", "IV_PUSH", "09:05"),
        ev("ketorolac", 15, "mg", "IV_PUSH", "10:00"),
    ]
    assert [h[0] for h in hcpcs(run(events))] == ["J1885", "J2405"]
