"""Fixtures for the web app tests: a small deterministic fake pipeline, an app factory and sample notes."""

from __future__ import annotations

import re
from typing import Any

import pytest

_DRUG = re.compile(r"\b(ondansetron|zofran|morphine|ceftriaxone|normal saline|ns)\b", re.I)
_DOSE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(mg|g|mL)\b")
_TIME = re.compile(r"\b([01]\d|2[0-3])([0-5]\d)\b")
_ROUTE = re.compile(r"\b(IVP|IV push|IVPB|infusion)\b", re.I)
_NORM = {"zofran": "ondansetron", "ns": "sodium chloride 0.9%", "normal saline": "sodium chloride 0.9%"}
_HCPCS = {"ondansetron": ("J2405", 1.0), "morphine": ("J2270", 10.0), "ceftriaxone": ("J0696", 250.0)}


class FakePipeline:
    """Stands in for ``NotePipeline``: one event per drug line, pushes -> 96374/96375, IVPB -> 96365.

    Only shape and plumbing matter here; it never looks at anything a real note would need.
    """

    def __init__(self) -> None:
        self.calls = 0

    def process(self, record: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        text = record["text"]
        day = record.get("encounter_date") or "2026-11-20"
        events: list[dict[str, Any]] = []
        offset = 0
        for line in text.splitlines(keepends=True):
            m = _DRUG.search(line)
            if m:
                spans = [{"start": offset + m.start(), "end": offset + m.end(), "label": "DRUG"}]
                drug = _NORM.get(m.group(1).lower(), m.group(1).lower())
                ev: dict[str, Any] = {
                    "event_id": f"e{len(events) + 1}",
                    "drug": drug,
                    "drug_text": m.group(1),
                    "rxcui": None,
                    "dose": None,
                    "volume_ml": None,
                    "rate_ml_hr": None,
                    "route": None,
                    "status": "not_given" if "held" in line.lower() else "given",
                    "start": None,
                    "end": None,
                    "duration_min": None,
                    "site": None,
                    "purpose": None,
                    "access_id": "A1",
                    "spans": spans,
                }
                d = _DOSE.search(line)
                if d:
                    spans.append({"start": offset + d.start(), "end": offset + d.end(), "label": "DOSE"})
                    ev["dose"] = {"value": float(d.group(1)), "unit": d.group(2)}
                r = _ROUTE.search(line)
                if r:
                    spans.append({"start": offset + r.start(), "end": offset + r.end(), "label": "ROUTE"})
                    ev["route"] = "IV_INFUSION" if r.group(1).upper() in ("IVPB", "INFUSION") else "IV_PUSH"
                times = list(_TIME.finditer(line))
                for t in times:
                    spans.append({"start": offset + t.start(), "end": offset + t.end(), "label": "TIME"})
                if times and ev["status"] == "given":  # only given events carry times
                    ev["start"] = f"{day}T{times[0].group(1)}:{times[0].group(2)}:00"
                if len(times) > 1 and ev["status"] == "given":
                    ev["end"] = f"{day}T{times[-1].group(1)}:{times[-1].group(2)}:00"
                events.append(ev)
            offset += len(line)
        given = [e for e in events if e["status"] == "given"]
        cpt: list[dict[str, Any]] = []
        hcpcs: list[dict[str, Any]] = []
        pushes = [e for e in given if e["route"] == "IV_PUSH"]
        infs = [e for e in given if e["route"] == "IV_INFUSION"]
        if infs:
            cpt.append(
                {
                    "code": "96365",
                    "units": 1,
                    "modifiers": [],
                    "event_ids": [infs[0]["event_id"]],
                    "rule": "R10-initial-infusion",
                    "rationale": "Initial therapeutic infusion.",
                }
            )
        if pushes:
            code = "96375" if infs else "96374"
            cpt.append(
                {
                    "code": code,
                    "units": 1,
                    "modifiers": [],
                    "event_ids": [pushes[0]["event_id"]],
                    "rule": "R20-push",
                    "rationale": "IV push.",
                }
            )
        for e in given:
            if e["drug"] in _HCPCS and e["dose"]:
                code, per = _HCPCS[e["drug"]]
                hcpcs.append(
                    {
                        "code": code,
                        "units": max(1, round(e["dose"]["value"] / per)),
                        "modifiers": [],
                        "event_ids": [e["event_id"]],
                        "rule": "H1",
                        "rationale": "Drug supply.",
                    }
                )
        flags = [
            {
                "code": "MISSING_STOP_TIME",
                "severity": "warning",
                "message": "infusion without a stop time",
                "event_ids": [e["event_id"]],
            }
            for e in infs
            if not e["end"]
        ]
        return {
            "id": record["id"],
            "status": "ok",
            "error": None,
            "setting": record.get("setting", "facility"),
            "events": events,
            "cpt": cpt,
            "hcpcs": hcpcs,
            "flags": flags,
            "versions": {"infucode": "test"},
            "meta": {},
        }


SAMPLE_NOTE = (
    "ED nursing note\n"
    "1410 Zofran 4 mg IVP given L AC 20g\n"
    "1425 ceftriaxone 1 g IVPB started 1425, completed 1455\n"
    "1500 morphine 4 mg IVP held, pt declined\n"
)

XSS_NOTE = "1410 <script>window.__pwned=1</script> Zofran 4 mg IVP <img src=x onerror=window.__pwned=2>\n"


@pytest.fixture
def fake_pipeline() -> FakePipeline:
    return FakePipeline()


@pytest.fixture
def sample_notes() -> list[dict[str, Any]]:
    return [
        {"id": "n1", "text": SAMPLE_NOTE, "encounter_date": "2026-11-20", "setting": "facility"},
        {
            "id": "n2",
            "text": "0900 NS 1000 mL infusion started 0900 stopped 1030\n0915 Zofran 4 mg IVP\n",
            "encounter_date": "2026-11-21",
            "setting": "facility",
        },
        {"id": "n3", "text": XSS_NOTE, "encounter_date": "2026-11-22", "setting": "professional"},
    ]


@pytest.fixture(scope="session")
def fake_pipeline_cls() -> type[FakePipeline]:
    return FakePipeline


@pytest.fixture(scope="session")
def note_texts() -> dict[str, str]:
    return {"sample": SAMPLE_NOTE, "xss": XSS_NOTE}
