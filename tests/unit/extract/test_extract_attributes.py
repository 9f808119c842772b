from infucode.pipeline.extract.attributes import (
    dose_of,
    duration_min_of,
    find_attributes,
    rate_ml_hr_of,
    time_role,
    volume_ml_of,
)


def attrs(text, label):
    return [a for a in find_attributes(text) if a.label == label]


def test_doses_glued_to_units():
    assert [dose_of(a) for a in attrs("Zofran 4mg IVP, Rocephin 1gm, vanc 1.25 g, KCl 20 mEq", "dose")] == [
        (4.0, "mg"), (1.0, "g"), (1.25, "g"), (20.0, "mEq")]


def test_weight_and_bsa_based_amounts_are_not_doses():
    assert attrs("oxaliplatin 85 mg/m2 = 160 mg", "dose")[0].text == "160 mg"
    assert attrs("30 mL/kg LR", "volume") == []


def test_volumes_and_liters():
    assert [volume_ml_of(a) for a in attrs("NS 1L bolus then 1,000 mL and 500cc", "volume")] == [
        1000.0, 1000.0, 500.0]
    assert attrs("pain 8/10 L flank", "volume") == []


def test_rate_ml_per_hour():
    assert [rate_ml_hr_of(a) for a in attrs("NS @ 125ml/hr, LR at 999 mL/hr", "rate")] == [125.0, 999.0]


def test_concentration_gives_dose_and_volume():
    (a,) = attrs("Mg 2 g/50 mL IVPB", "concentration")
    assert dose_of(a) == (2.0, "g") and volume_ml_of(a) == 50.0


def test_routes():
    text = "IVP, IV push, slow IV push, IVPB, piggyback, gtt, IM, SQ, subcut, PO, SL, neb, IV"
    assert [a.value for a in attrs(text, "route")] == [
        "IV_PUSH", "IV_PUSH", "IV_PUSH", "IV_INFUSION", "IV_INFUSION", "IV_INFUSION", "IM", "SQ", "SQ", "PO",
        "SL", "INHALED", "IV"]


def test_sites_and_devices():
    text = "20g PIV placed L AC; R FA; port accessed; RAC"
    assert [a.text for a in attrs(text, "site")] == ["L AC", "R FA", "RAC"]
    assert "20g PIV" in [a.text for a in attrs(text, "device")]
    assert attrs(text, "dose") == []


def test_clock_times_and_roles():
    text = "started 1410, completed 1450 and 2:10 PM @1500 Stop: 1042 (1410-1450)"
    found = attrs(text, "time")
    assert [a.text for a in found] == ["1410", "1450", "2:10 PM", "1500", "1042", "1410-1450"]
    assert [time_role(text, a, 0) for a in found] == ["start", "end", "at", "at", "end", "range"]


def test_four_digit_volumes_are_not_times():
    assert attrs("NS 1000 mL bolus", "time") == []


def test_durations():
    assert [duration_min_of(a) for a in attrs("over 30 min, x 2 hrs, over an hour", "duration")] == [
        30.0, 120.0, 60.0]


def test_line_cues_and_purposes():
    text = "y-site with NS; same line; separate IV; KVO; flushed with 10 mL NS; for hydration"
    assert [a.value for a in attrs(text, "line_cue")] == ["y_site", "same_line", "separate_line"]
    assert [a.value for a in attrs(text, "purpose")] == ["kvo", "flush", "hydration"]
