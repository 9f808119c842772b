from __future__ import annotations

import numpy as np
from infucode.models.compare import compare_systems, confusion_by_note, decide, metrics_from_confusion


def test_confusion_counts_missing_predictions_as_wrong():
    notes, m = confusion_by_note(["a", "b", "a"], ["a", None, "b"], ["n1", "n1", "n2"], ["a", "b"])
    assert notes == ["n1", "n2"]
    total = m.sum(0)
    assert total[0, 0] == 1 and total[1, 2] == 1 and total[0, 1] == 1
    met = metrics_from_confusion(total, ["a", "b"])
    assert met["accuracy"] == 1 / 3
    assert met["per_class"]["b"]["recall"] == 0.0


def test_better_system_gets_positive_difference_with_ci_and_decision():
    rng = np.random.default_rng(1)
    y = rng.choice(["given", "not_given"], size=300, p=[0.7, 0.3]).tolist()
    notes = [f"n{i // 10}" for i in range(300)]
    model = list(y)
    rules = ["given"] * 300
    comp = compare_systems(y, {"rules": rules, "model": model}, notes, ["given", "not_given"], n_boot=200)
    vs = comp["vs_rules"]["model"]["macro_f1"]
    assert vs["diff"] > 0 and vs["prob_better"] == 1.0 and vs["ci"][0] > 0
    lo, hi = comp["systems"]["model"]["accuracy"]["ci"]
    assert lo == hi == 1.0
    d = decide(comp, "macro_f1")
    assert d["use_in_pipeline"] and d["mode"] == "model"


def test_equal_systems_are_not_used():
    y = ["a", "b"] * 50
    notes = [f"n{i}" for i in range(100)]
    comp = compare_systems(y, {"rules": y, "model": y}, notes, ["a", "b"], n_boot=100)
    assert comp["vs_rules"]["model"]["accuracy"]["diff"] == 0
    assert not decide(comp, "macro_f1")["use_in_pipeline"]


def test_no_baseline_means_no_use():
    comp = compare_systems([1, 0], {"model": [1, 0]}, ["a", "b"], [0, 1], positive=1, n_boot=10)
    assert "vs_rules" not in comp
    assert decide(comp, "f1")["use_in_pipeline"] is False


def test_bootstrap_is_reproducible():
    y = [1, 0, 1, 1, 0, 0, 1, 0] * 5
    p = [1, 0, 0, 1, 1, 0, 1, 0] * 5
    notes = [f"n{i % 7}" for i in range(40)]
    a = compare_systems(y, {"rules": y[::-1], "model": p}, notes, [0, 1], positive=1, n_boot=50, seed=3)
    b = compare_systems(y, {"rules": y[::-1], "model": p}, notes, [0, 1], positive=1, n_boot=50, seed=3)
    assert a == b
