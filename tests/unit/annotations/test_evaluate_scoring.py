"""Unit tests of the claim-scoring functions of ``infucode evaluate`` on hand-built records."""

import json

import pytest
from infucode.annotations.evaluate import (
    cpt_mod_key,
    hcpcs_key,
    main,
    normalize_cpt_modifiers,
    score_claims,
    strip_expected,
)


def _exp(cid="c1", cpt=(), hcpcs=(), rule=("R10",), **extra):
    return {"id": cid, "text": "x", "setting": "facility", "rule": list(rule),
            "expected_cpt": [dict(c) for c in cpt], "expected_hcpcs": [dict(h) for h in hcpcs], **extra}


def _out(cid="c1", cpt=(), hcpcs=(), status="ok", events=()):
    return {"id": cid, "status": status, "setting": "facility", "cpt": [dict(c) for c in cpt],
            "hcpcs": [dict(h) for h in hcpcs], "events": list(events)}


PUSH = {"code": "96374", "units": 1, "modifiers": []}
ZOFRAN = {"code": "J2405", "units": 4}


def test_perfect_match_scores_one_everywhere():
    s = score_claims([_exp(cpt=[PUSH], hcpcs=[ZOFRAN])], [_out(cpt=[PUSH], hcpcs=[ZOFRAN])])
    assert s["cpt"]["f1"] == 1.0 and s["hcpcs"]["f1"] == 1.0 and s["cpt_modifiers"]["f1"] == 1.0
    assert s["exact_match_rate"] == 1.0
    assert s["cases"][0]["missing"] == [] and s["cases"][0]["extra"] == []


def test_missing_line_lowers_recall_not_precision():
    s = score_claims([_exp(cpt=[PUSH, {"code": "96375", "units": 1}], hcpcs=[ZOFRAN])],
                     [_out(cpt=[PUSH], hcpcs=[ZOFRAN])])
    assert s["cpt"]["precision"] == 1.0
    assert s["cpt"]["recall"] == 0.5
    assert s["cpt"]["fn"] == 1
    assert s["exact_match_rate"] == 0.0
    assert s["cases"][0]["missing"] == ["96375 x1"]


def test_extra_line_lowers_precision_not_recall():
    s = score_claims([_exp(cpt=[PUSH], hcpcs=[ZOFRAN])],
                     [_out(cpt=[PUSH], hcpcs=[ZOFRAN, {"code": "J7030", "units": 1}])])
    assert s["hcpcs"]["recall"] == 1.0
    assert s["hcpcs"]["precision"] == 0.5
    assert s["cases"][0]["extra"] == ["J7030 x1"]
    assert not s["cases"][0]["exact"]


def test_unit_mismatch_is_both_a_miss_and_an_extra():
    s = score_claims([_exp(cpt=[{"code": "96366", "units": 2}])], [_out(cpt=[{"code": "96366", "units": 1}])])
    assert s["cpt"]["tp"] == 0 and s["cpt"]["fp"] == 1 and s["cpt"]["fn"] == 1
    assert s["cpt"]["f1"] == 0.0


def test_duplicate_lines_count_as_a_multiset():
    exp = _exp(cpt=[{"code": "96365", "units": 1}, {"code": "96365", "units": 1, "modifiers": ["59"]}])
    s = score_claims([exp], [_out(cpt=[{"code": "96365", "units": 1}])])
    assert s["cpt"]["tp"] == 1 and s["cpt"]["fn"] == 1


@pytest.mark.parametrize("produced_mod", ["59", "XE", "XS", "XU", "xs"])
def test_distinct_service_modifiers_are_one_class(produced_mod):
    exp = _exp(cpt=[PUSH, {"code": "96372", "units": 1, "modifiers": ["59"]}])
    out = _out(cpt=[PUSH, {"code": "96372", "units": 1, "modifiers": [produced_mod]}])
    s = score_claims([exp], [out])
    assert s["cpt_modifiers"]["f1"] == 1.0
    assert s["exact_match_rate"] == 1.0


def test_missing_modifier_counts_only_in_modifier_metric():
    exp = _exp(cpt=[PUSH, {"code": "96372", "units": 1, "modifiers": ["59"]}])
    out = _out(cpt=[PUSH, {"code": "96372", "units": 1, "modifiers": []}])
    s = score_claims([exp], [out])
    assert s["cpt"]["f1"] == 1.0
    assert s["cpt_modifiers"]["tp"] == 1 and s["cpt_modifiers"]["fn"] == 1
    assert s["exact_match_rate"] == 0.0


def test_other_modifiers_are_not_in_the_distinct_class():
    assert normalize_cpt_modifiers(["XS", "53"]) == ("53", "59")
    assert cpt_mod_key({"code": "96413", "units": 1, "modifiers": ["53"]}) != cpt_mod_key(
        {"code": "96413", "units": 1, "modifiers": ["59"]})


def test_jw_and_jz_must_match_on_hcpcs():
    exp = _exp(hcpcs=[{"code": "J1745", "units": 35}, {"code": "J1745", "units": 5, "modifiers": ["JW"]}])
    ok = _out(hcpcs=[{"code": "J1745", "units": 35}, {"code": "J1745", "units": 5, "modifiers": ["JW"]}])
    bad = _out(hcpcs=[{"code": "J1745", "units": 35}, {"code": "J1745", "units": 5, "modifiers": ["JZ"]}])
    assert score_claims([exp], [ok])["hcpcs"]["f1"] == 1.0
    s = score_claims([exp], [bad])
    assert s["hcpcs"]["tp"] == 1 and s["hcpcs"]["fp"] == 1 and s["hcpcs"]["fn"] == 1


def test_jz_missing_is_a_mismatch_but_other_hcpcs_modifiers_are_ignored():
    assert hcpcs_key({"code": "J1745", "units": 40, "modifiers": ["JZ"]}) != hcpcs_key(
        {"code": "J1745", "units": 40})
    assert hcpcs_key({"code": "J2405", "units": 4, "modifiers": ["KX"]}) == hcpcs_key(
        {"code": "J2405", "units": 4})


def test_error_and_missing_records_produce_nothing():
    exps = [_exp("a", cpt=[PUSH]), _exp("b", cpt=[PUSH]), _exp("c", cpt=[], hcpcs=[])]
    outs = [_out("a", status="error"), _out("c")]
    s = score_claims(exps, outs)
    assert s["n_errors"] == 1 and s["n_missing"] == 1
    assert s["cpt"]["fn"] == 2 and s["cpt"]["tp"] == 0
    # a case expecting no lines that produces none is an exact match
    assert [c["exact"] for c in s["cases"]] == [False, False, True]


def test_empty_expectation_with_produced_lines_is_precision_loss():
    s = score_claims([_exp(cpt=[], hcpcs=[])], [_out(cpt=[PUSH])])
    assert s["cpt"]["precision"] == 0.0 and s["cpt"]["fp"] == 1


def test_by_rule_and_by_setting_group_exact_matches():
    exps = [_exp("a", cpt=[PUSH], rule=["R10", "R41"]), _exp("b", cpt=[PUSH], rule=["R10"])]
    outs = [_out("a", cpt=[PUSH]), _out("b")]
    s = score_claims(exps, outs)
    assert s["by_rule"]["R10"] == {"cases": 2, "exact": 1, "exact_rate": 0.5}
    assert s["by_rule"]["R41"]["exact"] == 1
    assert s["by_setting"]["facility"]["cases"] == 2


def test_given_events_are_scored_by_drug_and_attributes():
    exp = _exp(expected_given=[
        {"drug": "ondansetron", "dose_value": 4, "dose_unit": "mg", "route": "IV_PUSH",
         "start": "2026-11-20T14:10:00", "end": None},
        {"drug": "ketorolac", "dose_value": 30, "dose_unit": "mg", "route": "IV_PUSH",
         "start": "2026-11-20T14:20:00", "end": None},
    ])
    events = [
        {"drug": "ondansetron", "dose": {"value": 4.0, "unit": "mg"}, "route": "IV_PUSH", "status": "given",
         "start": "2026-11-20T14:10:00", "end": None},
        {"drug": "ketorolac", "dose": {"value": 15.0, "unit": "mg"}, "route": "IV_PUSH",
         "status": "not_given", "start": None, "end": None},
        {"drug": "morphine", "dose": {"value": 4.0, "unit": "mg"}, "route": "IV_PUSH", "status": "given",
         "start": None, "end": None},
    ]
    s = score_claims([exp], [_out(events=events)])
    g = s["given"]
    assert (g["tp"], g["fp"], g["fn"]) == (1, 1, 1)
    assert g["dose_accuracy"] == 1.0 and g["start_accuracy"] == 1.0


def test_strip_expected_removes_the_answer_fields_only():
    rec = _exp(cpt=[PUSH], expected_given=[], rationale="96374 because ...", style="soap")
    stripped = strip_expected(rec)
    assert not any(k.startswith("expected_") for k in stripped)
    assert "rule" not in stripped and "rationale" not in stripped
    assert stripped["text"] == "x" and stripped["style"] == "soap" and stripped["setting"] == "facility"
    assert "expected_cpt" in rec  # the input record is not modified


def test_main_scores_a_predictions_file(tmp_path, capsys):
    exp = tmp_path / "eval.jsonl"
    pred = tmp_path / "pred.jsonl"
    exp.write_text(json.dumps(_exp(cpt=[PUSH], hcpcs=[ZOFRAN])) + "\n")
    pred.write_text(json.dumps(_out(cpt=[PUSH], hcpcs=[{"code": "J2405", "units": 8}])) + "\n")
    assert main([str(exp), "--predictions", str(pred), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cpt"]["f1"] == 1.0 and data["hcpcs"]["f1"] == 0.0
    assert main([str(exp), "--predictions", str(pred), "--show-failures", "5"]) == 0
    text = capsys.readouterr().out
    assert "J2405 x8" in text and "c1" in text


def test_main_returns_2_for_unreadable_file(tmp_path):
    assert main([str(tmp_path / "nope.jsonl"), "--predictions", str(tmp_path / "nope2.jsonl")]) == 2
