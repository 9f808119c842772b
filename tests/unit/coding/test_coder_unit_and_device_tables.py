"""Dose-unit conversions and IV-device cues come from data tables, validated on load."""

import pytest
from coding_helpers import codes, copy_tables, ev, run
from infucode.pipeline.coding import TableError, load_tables
from infucode.pipeline.coding.classify import effective_route
from infucode.pipeline.coding.hcpcs import convert


def test_units_of_one_kind_convert_through_the_table():
    tables = load_tables()
    assert convert(2, "g", "mg", tables) == 2000
    assert convert(1, "IU", "units", tables) == 1
    assert convert(10, "cc", "mL", tables) == 10


def test_units_of_different_kinds_or_unknown_units_do_not_convert():
    tables = load_tables()
    assert convert(1, "mg", "mL", tables) is None
    assert convert(1, "tablet", "mg", tables) is None


def test_a_dose_unit_factor_must_be_positive(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "dose_units.v1.csv"
    path.write_text(path.read_text().replace("g,mass,1000,", "g,mass,0,", 1))
    with pytest.raises(TableError, match=r"dose_units\.v1\.csv row \d+ column 'factor'"):
        load_tables(folder)


def test_a_catheter_gauge_in_the_device_text_makes_an_unrouted_drug_iv():
    e = ev("ondansetron", 4, "mg", route=None, device="20g")
    assert effective_route(e, load_tables()) == "IV"


def test_a_device_with_no_iv_cue_leaves_the_route_unknown():
    # "g" inside a word is not a gauge: the cue is "g " with its space
    e = ev("ondansetron", 4, "mg", route=None, device="oxygen mask")
    assert effective_route(e, load_tables()) is None


def test_device_cues_are_read_from_a_tables_folder(tmp_path):
    folder = copy_tables(tmp_path)
    path = folder / "device_cues.v1.csv"
    path.write_text("cue,kind,note\nneb,iv_access,test-only cue\n")
    e = ev("ondansetron", 4, "mg", route=None, device="nebulizer")
    assert effective_route(e, load_tables(folder)) == "IV"


def test_an_untimed_small_sq_dose_through_a_pump_is_a_subcutaneous_infusion_not_an_injection():
    on_pump = ev("immune globulin", 2, "g", "SQ", "10:00", volume_ml=2, device="CADD pump")
    by_syringe = ev("immune globulin", 2, "g", "SQ", "10:00", volume_ml=2, device="syringe")
    assert codes(run([on_pump])) == {"96369": 1}
    assert codes(run([by_syringe])) == {"96372": 1}
