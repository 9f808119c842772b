from __future__ import annotations

import json

import numpy as np
import pytest
from infucode.annotations.schema import AdminEvent, Dose, Span, TimeMention
from infucode.models import runtime
from infucode.models.linking import relink_events
from infucode.models.persist import save_artifact
from infucode.models.train import load_config, train_link

TEXT = "1410 Zofran 4 mg IVP L AC\n1500 Toradol 15 mg IVP"


def _at(needle: str, nth: int = 1) -> tuple[int, int]:
    i = -1
    for _ in range(nth):
        i = TEXT.index(needle, i + 1)
    return i, i + len(needle)


def _events() -> list[AdminEvent]:
    """Rule output with a linking error: both clock times were put on Zofran, none on Toradol."""
    z, t = _at("Zofran"), _at("Toradol")
    t1, t2 = _at("1410"), _at("1500")
    zofran = AdminEvent("e1", "ondansetron", drug_text="Zofran", dose=Dose(4, "mg"), route="IV_PUSH",
                        mention_start=z[0],
                        spans=[Span(*z, "DRUG"), Span(*_at("4 mg"), "DOSE"), Span(*_at("IVP"), "ROUTE"),
                               Span(*t1, "TIME"), Span(*t2, "TIME")],
                        time_mentions=[TimeMention(*t1, "at", "1410"), TimeMention(*t2, "at", "1500")])
    toradol = AdminEvent("e2", "ketorolac", drug_text="Toradol", dose=Dose(15, "mg"), route="IV_PUSH",
                         mention_start=t[0],
                         spans=[Span(*t, "DRUG"), Span(*_at("15 mg"), "DOSE"), Span(*_at("IVP", 2), "ROUTE")])
    return [zofran, toradol]


class SameLineModel:
    """A stand-in linking model: confident 'linked' for same-line pairs, confident 'not linked' otherwise."""

    def predict_proba(self, cands):
        p = np.array([0.95 if c["attr_line"] == c["drug_line"] else 0.05 for c in cands])
        return np.column_stack([1 - p, p])


def test_relink_moves_a_time_to_the_drug_the_model_prefers():
    events = _events()
    changes = relink_events(TEXT, events, SameLineModel(), margin=0.3)
    zofran, toradol = events
    assert changes == [{"label": "TIME", "from": "e1", "to": "e2", "shared": False}]
    assert [t.text for t in zofran.time_mentions] == ["1410"]
    assert [t.text for t in toradol.time_mentions] == ["1500"]
    moved = [s for s in toradol.spans if s.label == "TIME"]
    assert len(moved) == 1 and moved[0].rule == "model:link_clf.v1"
    assert not any(s.label == "TIME" and s.start == _at("1500")[0] for s in zofran.spans)


def test_relink_keeps_rule_links_when_the_model_is_not_confident():
    class Unsure:
        def predict_proba(self, cands):
            return np.full((len(cands), 2), 0.5)

    events = _events()
    before = [e.to_dict() for e in events]
    assert relink_events(TEXT, events, Unsure(), margin=0.3) == []
    assert [e.to_dict() for e in events] == before


def test_relink_never_overwrites_an_existing_value():
    events = _events()
    events[1].time_mentions = [TimeMention(*_at("1500"), "at", "1500")]
    relink_events(TEXT, events, SameLineModel(), margin=0.3)
    assert len(events[0].time_mentions) == 2  # no receiver without a time: nothing moves


def test_trained_link_model_fixes_the_rule_error_through_apply_models(tiny_split, tmp_path):
    train, test = tiny_split
    cfg = load_config("link_clf.v1.toml")
    cfg["decision"]["n_boot"] = 20
    cfg["model"].pop("search", None)
    model, rep = train_link(train, test, None, cfg)
    meta = {"config": cfg, "decision": {"use_in_pipeline": True, "mode": "combined"}}
    save_artifact(model, "link_clf.v1", meta, tmp_path)
    runtime.load_model.cache_clear()
    try:
        events = runtime.apply_models(TEXT, _events(), artifact_dir=str(tmp_path))
        assert [t.text for t in events[1].time_mentions] == ["1500"]
        assert [t.text for t in events[0].time_mentions] == ["1410"]
        # with the decision off, the same artifact changes nothing
        p = tmp_path / "link_clf.v1.json"
        m = json.loads(p.read_text())
        m["decision"]["use_in_pipeline"] = False
        p.write_text(json.dumps(m))
        runtime.load_model.cache_clear()
        events = runtime.apply_models(TEXT, _events(), artifact_dir=str(tmp_path))
        assert len(events[0].time_mentions) == 2 and not events[1].time_mentions
    finally:
        runtime.load_model.cache_clear()


@pytest.mark.parametrize("label", ["DOSE", "ROUTE"])
def test_relink_moves_values_with_their_evidence(label):
    text = "Zofran and Toradol 15 mg IVP"
    z, t = (0, 6), (11, 18)
    dose, route = (19, 24), (25, 28)
    a = AdminEvent("e1", "ondansetron", drug_text="Zofran", mention_start=0,
                   dose=Dose(15, "mg"), route="IV_PUSH", route_text="IVP",
                   spans=[Span(*z, "DRUG"), Span(*dose, "DOSE"), Span(*route, "ROUTE")])
    b = AdminEvent("e2", "ketorolac", drug_text="Toradol", mention_start=11, spans=[Span(*t, "DRUG")])

    class TakesToradol:
        def predict_proba(self, cands):
            p = np.array([0.95 if c["drug_start"] == 11 else 0.05 for c in cands])
            return np.column_stack([1 - p, p])

    relink_events(text, [a, b], TakesToradol(), margin=0.3)
    if label == "DOSE":
        assert b.dose == Dose(15, "mg") and a.dose is None
    else:
        assert b.route == "IV_PUSH" and b.route_text == "IVP" and a.route is None
    assert {s.label for s in b.spans} == {"DRUG", "DOSE", "ROUTE"}
