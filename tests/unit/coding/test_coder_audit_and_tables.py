"""Audit flags (rules 21, 24, 25, 29, 35, 39, 40, 27) and the table loader's validation."""

from dataclasses import replace
from pathlib import Path

import pytest
from coding_helpers import codes, copy_tables, ev, flag_codes, fluid, run
from infucode.annotations.schema import CodeLine
from infucode.pipeline.coding import TableError, code_events, load_tables
from infucode.pipeline.coding.audit import audit_claim

TABLES = load_tables()


def _line(code: str, units: int = 1, mods: tuple[str, ...] = (), ids: tuple[str, ...] = ("e1",)) -> CodeLine:
    return CodeLine(code, units, list(mods), list(ids), "R0", "test line.")


def test_r39_add_on_without_its_primary_is_an_error():
    flags = audit_claim([_line("96375")], [], [], "facility", TABLES)
    assert [f.code for f in flags] == ["ADDON_WITHOUT_PRIMARY"]
    assert audit_claim([_line("96374"), _line("96375")], [], [], "facility", TABLES) == []


def test_r39_96376_is_not_an_add_on_of_96360():
    flags = audit_claim([_line("96360"), _line("96376", ids=("e2",))], [], [], "facility", TABLES)
    assert "ADDON_WITHOUT_PRIMARY" in {f.code for f in flags}


def test_r40_units_above_the_practitioner_mue_are_flagged():
    flags = audit_claim([_line("96372", 5)], [], [], "professional", TABLES)
    assert any(f.code == "MUE_EXCEEDED" and f.severity == "warning" for f in flags)


def test_r31_second_initial_on_a_professional_claim_exceeds_the_mue():
    events = [
        ev("vancomycin", 1, "g", "IV_INFUSION", "09:00", minutes=60, access_id="A1"),
        ev(
            "potassium chloride",
            20,
            "mEq",
            "IV_INFUSION",
            "09:00",
            minutes=60,
            access_id="A2",
            indication="hypokalemia",
        ),
    ]
    result = run(events, "professional", "11")
    assert codes(result) == {"96365": 2}
    assert "MUE_EXCEEDED" in flag_codes(result)


def test_seed_denial_two_initials_without_distinct_site_or_encounter():
    flags = audit_claim([_line("96365"), _line("96365", ids=("e2",))], [], [], "facility", TABLES)
    assert "DUPLICATE_INITIAL" in {f.code for f in flags}
    ok = audit_claim([_line("96365"), _line("96365", mods=("59",), ids=("e2",))], [], [], "facility", TABLES)
    assert "DUPLICATE_INITIAL" not in {f.code for f in ok}


def test_seed_denial_96368_billed_more_than_once():
    flags = audit_claim([_line("96365"), _line("96368", 2)], [], [], "facility", TABLES)
    assert "CONCURRENT_MORE_THAN_ONCE" in {f.code for f in flags}


def test_seed_denial_96376_without_a_previous_push_of_the_same_drug():
    events = [
        ev("ondansetron", 4, "mg", "IV_PUSH", "10:00", event_id="e1"),
        ev("ketorolac", 30, "mg", "IV_PUSH", "10:40", event_id="e2"),
    ]
    flags = audit_claim([_line("96374"), _line("96376", ids=("e2",))], [], events, "facility", TABLES)
    assert "REPEAT_PUSH_WITHOUT_PREVIOUS" in {f.code for f in flags}


def test_r25_96376_on_a_professional_claim_is_an_error():
    flags = audit_claim([_line("96374"), _line("96376", ids=("e2",))], [], [], "professional", TABLES)
    assert "REPEAT_PUSH_ON_PROFESSIONAL_CLAIM" in {f.code for f in flags}


def test_r27_ptp_pair_without_modifier_is_flagged():
    flags = audit_claim([_line("96374"), _line("96372", ids=("e2",))], [], [], "facility", TABLES)
    assert "NCCI_PTP_MODIFIER_NEEDED" in {f.code for f in flags}
    ok = audit_claim([_line("96374"), _line("96372", mods=("59",), ids=("e2",))], [], [], "facility", TABLES)
    assert "NCCI_PTP_MODIFIER_NEEDED" not in {f.code for f in ok}


def test_r35_hydration_without_a_documented_reason_is_flagged():
    result = run([fluid(start="10:00", minutes=60)])
    assert codes(result) == {"96360": 1}
    assert "HYDRATION_REASON_NOT_DOCUMENTED" in flag_codes(result)
    ok = run([fluid(start="10:00", minutes=60, indication="dehydration")])
    assert "HYDRATION_REASON_NOT_DOCUMENTED" not in flag_codes(ok)


def test_r35_routine_maintenance_fluid_is_not_billable_hydration():
    result = run([fluid("lactated ringer's", start="07:00", minutes=105, indication="maintenance while NPO")])
    assert result.cpt == []
    assert [h.code for h in result.hcpcs] == ["J7120"]


def test_decisions_take_the_table_object_thresholds_are_data():
    events = [ev("ceftriaxone", 1, "g", "IV_INFUSION", "10:00", minutes=20)]
    assert codes(code_events(events, tables=TABLES)) == {"96365": 1}
    wider = replace(TABLES, thresholds={**TABLES.thresholds, "push_max_min": 20.0})
    assert codes(code_events(events, tables=wider)) == {"96374": 1}


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError):
        code_events([], setting="inpatient")


def test_loader_reads_a_folder_of_tables(tmp_path):
    folder = copy_tables(tmp_path)
    assert load_tables(folder).categories["tpd_push"].initial_code == "96374"


def test_loader_error_names_file_row_and_column(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "thresholds.v1.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",15,", ",fifteen,")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TableError, match=r"thresholds\.v1\.csv row 2 column 'value'"):
        load_tables(folder)


def test_loader_error_for_a_bad_code(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "admin_categories.v1.csv"
    path.write_text(path.read_text().replace("96374", "9637X", 1))
    with pytest.raises(TableError, match=r"admin_categories\.v1\.csv row \d+ column 'initial_code'"):
        load_tables(folder)


def test_loader_error_for_a_missing_file(tmp_path):
    folder = copy_tables(tmp_path)
    (folder / "mue.v1.csv").unlink()
    with pytest.raises(TableError, match="mue.v1.csv"):
        load_tables(folder)


def test_no_spacy_import_under_coding():
    root = Path(__file__).resolve().parents[3] / "pipeline" / "coding"
    for py in root.glob("*.py"):
        assert "spacy" not in py.read_text(), py.name
