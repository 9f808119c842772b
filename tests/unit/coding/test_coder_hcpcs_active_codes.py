"""Digest 41 with the CMS files: every suggested HCPCS code is active and billed by its CMS descriptor.

Codes the CMS files show as terminated/replaced (absent from the Oct 2025 ASP file while a priced code for the
same drug exists: J3370 -> J3373, J2930 -> J2919, J9310 -> J9312 ...) stay in the table for provenance but are
never suggested; curated overrides state the billing unit they assume and must match the CMS descriptor.
"""

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from coding_helpers import copy_tables, ev, hcpcs, run
from infucode.pipeline.coding import load_tables
from infucode.pipeline.coding.hcpcs import select_code
from infucode.pipeline.coding.tables import TableError, _load

TABLES = load_tables()
SHARED_HCPCS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "hcpcs_drugs.csv"
PARENTERAL = [r for r, ok in TABLES.route_drug_code.items() if ok]


def _emittable() -> dict[str, set[str]]:
    """Every code select_code returns, for every name/brand the table knows, on every drug-code route."""
    names = {n for dc in TABLES.drug_codes.values() for n in dc.desc_names + dc.names} | {
        o.drug for o in TABLES.overrides
    }
    out: dict[str, set[str]] = {}
    for name in sorted(names):
        for route in PARENTERAL:
            for dose in (None, 1.0):
                e = ev(name, dose, "mg", route, "10:00", event_id="e1")
                dc, _ = select_code(e, TABLES, route)
                if dc is not None:
                    out.setdefault(dc.code, set()).add(name)
    for term in TABLES.brands:
        e = ev(term, None, "mg", "IV_INFUSION", "10:00", event_id="e1", drug_text=term)
        dc, _ = select_code(e, TABLES, "IV_INFUSION")
        if dc is not None:
            out.setdefault(dc.code, set()).add(term)
    return out


EMITTABLE = _emittable()


def test_r41_every_code_the_coder_can_emit_is_active_in_the_cms_table():
    inactive = {c: TABLES.drug_codes[c].replaced_by for c in EMITTABLE if not TABLES.drug_codes[c].active}
    assert EMITTABLE and not inactive, inactive


def test_r41_every_code_the_coder_can_emit_has_a_billing_unit_size():
    no_unit = sorted(c for c in EMITTABLE if TABLES.drug_codes[c].dose_amount is None)
    # codes without a numeric descriptor are flagged (no units guessed); they must not be curated choices
    assert not {o.code for o in TABLES.overrides} & set(no_unit)


def test_r41_emittable_codes_match_the_shared_cms_file_descriptor():
    if not SHARED_HCPCS.exists():
        pytest.skip("../shared/data/hcpcs_drugs.csv not present beside the repo")
    with SHARED_HCPCS.open(encoding="utf-8") as fh:
        cms = {r["code"]: r for r in csv.DictReader(fh)}
    for code in EMITTABLE:
        dc = TABLES.drug_codes[code]
        assert code in cms, code
        want = float(cms[code]["dose_amount"]) if cms[code]["dose_amount"] else None
        assert (dc.dose_amount, dc.dose_unit or "") == (want, cms[code]["dose_unit"]), code


def test_r41_curated_overrides_are_active_and_bill_by_the_cms_descriptor():
    for o in TABLES.overrides:
        dc = TABLES.drug_codes[o.code]
        assert dc.active, (o.code, dc.replaced_by)
        assert (o.dose_amount, o.dose_unit) == (dc.dose_amount, dc.dose_unit), o.code


@pytest.mark.parametrize(
    ("old", "new"),
    [("J3370", "J3373"), ("J2930", "J2919"), ("J2920", "J2919"), ("J9310", "J9312"), ("J1170", "J1171")],
)
def test_r41_codes_replaced_in_the_cms_files_are_marked_with_their_replacement(old, new):
    assert TABLES.drug_codes[old].replaced_by == new
    assert TABLES.drug_codes[new].active


def test_r41_vancomycin_is_billed_with_the_10_mg_code_never_the_deleted_500_mg_code():
    assert hcpcs(run([ev("vancomycin", 1, "g", "IV_INFUSION", "10:00", minutes=60)])) == [("J3373", 100, ())]


def test_r41_an_ingredient_whose_only_codes_are_replaced_gets_a_flag_not_a_deleted_code():
    name = TABLES.drug_codes["J9371"].desc_names[0]  # vincristine sulfate liposome (J9371, no priced code)
    dc, how = select_code(ev(name, 2, "mg", "IV_INFUSION", "10:00", minutes=60), TABLES, "IV_INFUSION")
    assert dc is None and "replaced" in how


def test_r41_table_loader_refuses_an_override_naming_a_replaced_code(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "hcpcs_overrides.v1.csv"
    path.write_text(path.read_text() + "vancomycin,*,,,J3370,500,mg,deleted 500 mg code\n")
    with pytest.raises(TableError, match="J3370 is replaced by J3373"):
        _load(folder)


def test_r41_table_loader_refuses_an_override_with_another_billing_unit_size(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "hcpcs_overrides.v1.csv"
    path.write_text(path.read_text().replace("J1885,15,mg", "J1885,30,mg"))
    with pytest.raises(TableError, match="billed per 30 mg here but per 15 mg"):
        _load(folder)


def test_r41_mixture_codes_answer_to_the_salt_free_mixture_name():
    e = ev("ampicillin/sulbactam", 3, "g", "IV_INFUSION", "12:00", minutes=30, drug_text="Unasyn")
    assert hcpcs(run([e])) == [("J0295", 2, ())]
    e2 = ev("ampicillin/sulbactam", 1.5, "g", "IV_INFUSION", "12:00", minutes=30)
    assert hcpcs(run([e2])) == [("J0295", 1, ())]


@pytest.mark.parametrize(
    ("dose", "code", "units"),
    [(7.5, "J9217", 1), (3.75, "J1950", 1), (11.25, "J1950", 3)],
)
def test_r41_a_code_whose_fixed_strength_is_the_documented_dose_is_the_product_given(dose, code, units):
    e = ev("leuprolide", dose, "mg", "IM", "09:45", drug_text="Lupron", rxcui="42375")
    assert hcpcs(run([e], setting="professional", pos="11")) == [(code, units, ())]


def test_r41_per_measure_and_range_descriptors_are_not_product_strengths():
    # 10 mL of IM gamma globulin is 10 x J1460 (1 cc), not 1 x J1560 ("over 10 cc")
    dc, _ = select_code(ev("gamma globulin", 10, "mL", "IM", "10:00"), TABLES, "IM")
    assert dc is not None and dc.code == "J1460"


def test_replacing_a_table_object_keeps_the_active_flag():
    dc = TABLES.drug_codes["J3373"]
    assert replace(dc, replaced_by="J9999").active is False


def test_r28_second_pump_continues_one_sq_infusion_hours_count_all_pumps():
    # SCIG 09:00 on pump 1, new sites on a second pump 09:45-10:40: 100 min = 96369 + 96370, pump 2 = 96371
    events = [
        ev("immune globulin", 6, "g", "SQ", "09:00", end="09:45", volume_ml=30, drug_text="Hizentra"),
        ev("immune globulin", 6, "g", "SQ", "09:45", end="10:40", volume_ml=30, drug_text="Hizentra"),
    ]
    result = run(events)
    assert [(c.code, c.units) for c in result.cpt] == [("96369", 1), ("96370", 1), ("96371", 1)]


def test_r28_one_pump_sq_infusion_of_60_minutes_has_no_additional_hour():
    result = run([ev("immune globulin", 8, "g", "SQ", "09:00", end="10:00", volume_ml=40, drug_text="Hizentra")])
    assert [(c.code, c.units) for c in result.cpt] == [("96369", 1)]
