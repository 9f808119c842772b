from datetime import datetime

from infucode.annotations.schema import AdminEvent, Dose, Relation, Span, TimeMention, Waste


def test_event_to_dict_has_every_contract_field():
    ev = AdminEvent(event_id="e1", drug="ondansetron", dose=Dose(4.0, "mg"), route="IV_PUSH",
                    start=datetime(2026, 11, 20, 14, 10), spans=[Span(45, 51, "DRUG", "lex:zofran")])
    d = ev.to_dict()
    for key in ("event_id", "drug", "drug_text", "rxcui", "dose", "volume_ml", "rate_ml_hr", "route", "status",
                "start", "end", "duration_min", "site", "purpose", "spans"):
        assert key in d
    assert d["start"] == "2026-11-20T14:10:00"
    assert d["dose"] == {"value": 4.0, "unit": "mg"}
    assert d["spans"] == [{"start": 45, "end": 51, "label": "DRUG", "rule": "lex:zofran"}]


def test_event_round_trips_through_its_json_shape():
    ev = AdminEvent(event_id="e2", drug="sodium chloride 0.9%", dose=Dose(1000, "mL"), volume_ml=1000,
                    rate_ml_hr=500, route="IV_INFUSION", start=datetime(2026, 1, 1, 23, 30),
                    end=datetime(2026, 1, 2, 1, 30), duration_min=120, access_id="A1", encounter_id="V1",
                    relations=[Relation("concurrent", "e1", None)], waste=Waste(True, Dose(50, "mg")),
                    time_mentions=[TimeMention(0, 4, "start", "2330")])
    back = AdminEvent.from_dict(ev.to_dict())
    assert back.to_dict() == ev.to_dict()
    assert back.end > back.start
