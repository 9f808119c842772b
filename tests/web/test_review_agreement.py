"""Inter-annotator agreement: span F1 and Cohen's kappa on status."""

from __future__ import annotations

from typing import Any

import pytest
from infucode.annotations.review.agreement import agreement, cohen_kappa, pair_events


def _ev(start: int, end: int, status: str, *extra: tuple[int, int, str]) -> dict[str, Any]:
    spans = [{"start": start, "end": end, "label": "DRUG"}] + [
        {"start": a, "end": b, "label": c} for a, b, c in extra
    ]
    return {"event_id": f"e{start}", "drug": "x", "status": status, "spans": spans}


def test_kappa_textbook_example() -> None:
    # 50 items: both yes 20, a yes/b no 5, a no/b yes 10, both no 15 -> po=.7, pe=.5, kappa=.4
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["given"] * 4, ["given"] * 4) == 1.0
    assert cohen_kappa(["given", "not_given"], ["not_given", "given"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        cohen_kappa(["a"], [])


def test_span_f1_exact_and_relaxed() -> None:
    a = [{"id": "n1", "events": [_ev(0, 6, "given", (7, 11, "DOSE")), _ev(20, 28, "given")]}]
    b = [
        {"id": "n1", "events": [_ev(0, 6, "given", (7, 12, "DOSE")), _ev(20, 28, "not_given")]},
        {"id": "only-b", "events": [_ev(0, 3, "given")]},
    ]
    r = agreement(a, b)
    assert r["notes"] == 1
    assert (r["spans_a"], r["spans_b"], r["span_matches"]) == (3, 3, 2)
    assert r["span_f1"] == pytest.approx(2 / 3)
    assert r["span_f1_relaxed"] == pytest.approx(1.0)  # the DOSE spans overlap
    assert r["per_label"]["DOSE"]["f1"] == 0.0
    assert r["events_paired"] == 2 and r["status_agreement"] == 0.5
    assert r["status_confusion"] == [["given", "given", 1], ["given", "not_given", 1]]


def test_events_pair_by_overlapping_drug_span_not_by_order() -> None:
    a = [_ev(0, 6, "given"), _ev(20, 28, "held")]
    b = [_ev(21, 28, "held"), _ev(0, 6, "given"), _ev(40, 45, "given")]
    pairs = pair_events(a, b)
    assert [(x["event_id"], y["event_id"]) for x, y in pairs] == [("e0", "e0"), ("e20", "e21")]
    r = agreement([{"id": "n", "events": a}], [{"id": "n", "events": b}])
    assert r["events_unpaired_b"] == 1 and r["status_kappa"] == 1.0
