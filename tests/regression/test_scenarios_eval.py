"""Run the whole coding scenario set through the real pipeline and keep CPT/HCPCS F1 above a floor.

The floors sit a little below the scores measured when they were last raised (numbers next to the
constants); raise them as the pipeline improves, never lower them silently.
"""

import json
from importlib.resources import files

import pytest
from infucode.annotations.evaluate import run_pipeline, score_claims

#: measured 2026-11-23 15:05 UTC on 132 cases: CPT F1 0.888, HCPCS F1 0.926, exact 0.773; floors sit below
CPT_F1_FLOOR = 0.83
HCPCS_F1_FLOOR = 0.87
EXACT_MATCH_FLOOR = 0.70


def _scenarios():
    path = files("infucode.annotations") / "scenarios" / "coding_scenarios.v1.jsonl"
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def scores():
    try:
        import infucode.pipeline.coding  # noqa: F401
        import infucode.pipeline.extract  # noqa: F401
        import infucode.pipeline.temporal  # noqa: F401
        from infucode.pipeline.runner import get_pipeline

        get_pipeline("facility")
    except Exception as exc:  # the pipeline parts are built in parallel
        pytest.skip(f"pipeline not importable yet: {type(exc).__name__}: {exc}")
    records = _scenarios()
    return score_claims(records, run_pipeline(records))


@pytest.mark.slow
def test_every_scenario_is_processed_without_error(scores):
    assert scores["n_errors"] == 0
    assert scores["n_missing"] == 0


@pytest.mark.slow
def test_cpt_f1_stays_above_floor(scores):
    assert scores["cpt"]["f1"] >= CPT_F1_FLOOR, scores["cpt"]


@pytest.mark.slow
def test_hcpcs_f1_stays_above_floor(scores):
    assert scores["hcpcs"]["f1"] >= HCPCS_F1_FLOOR, scores["hcpcs"]


@pytest.mark.slow
def test_exact_claim_match_stays_above_floor(scores):
    assert scores["exact_match_rate"] >= EXACT_MATCH_FLOOR, scores["exact_match_rate"]


@pytest.mark.slow
def test_professional_facility_pos_cases_get_no_lines(scores):
    """Digest 5/43: professional claims at POS 19/22/23 carry no 963xx and no J-codes."""
    records = {r["id"]: r for r in _scenarios()}
    for case in scores["cases"]:
        rec = records[case["id"]]
        if rec["setting"] == "professional" and rec.get("place_of_service") in {"19", "22", "23"}:
            assert case["produced"] == {"cpt": [], "hcpcs": []}, case["id"]
