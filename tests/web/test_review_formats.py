"""Round trips and foreign-file imports for the review export formats (gold, BRAT, Prodigy, Label Studio)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infucode.annotations import gold
from infucode.annotations.review import formats
from infucode.annotations.schema import SPAN_LABELS, STATUSES

TEXT = "1410 Zofran 4 mg IVP\nL AC 20g\n1425 ceftriaxone 1 g IVPB over 30 min — pt tolerated\n"


def _at(surface: str, label: str) -> dict[str, Any]:
    start = TEXT.index(surface)
    return {"start": start, "end": start + len(surface), "label": label}


def _doc() -> dict[str, Any]:
    return {
        "id": "note/α 1",
        "text": TEXT,
        "encounter_date": "2026-11-20",
        "setting": "facility",
        "events": [
            {
                "event_id": "e1",
                "drug": "ondansetron",
                "status": "given",
                "route": "IV_PUSH",
                "dose": {"value": 4.0, "unit": "mg"},
                "start": "2026-11-20T14:10:00",
                "end": None,
                "spans": [
                    {"start": 5, "end": 11, "label": "DRUG"},
                    {"start": 12, "end": 16, "label": "DOSE"},
                    {"start": 0, "end": 4, "label": "TIME"},
                    _at("IVP\nL AC", "SITE"),
                ],
            },  # crosses the line break
            {"event_id": "e2", "drug": "heparin", "status": "historical", "spans": []},  # no spans at all
            {
                "event_id": "e3",
                "drug": "ceftriaxone",
                "status": "given",
                "route": "IV_INFUSION",
                "spans": [
                    _at("ceftriaxone", "DRUG"),
                    _at("1425", "TIME"),
                    _at("over 30 min", "DURATION"),
                    _at("30 min", "DURATION"),
                ],
            },  # overlapping spans, same label twice
        ],
        "cpt": [{"code": "96374", "units": 1, "modifiers": [], "event_ids": ["e1"], "decision": "accepted"}],
        "hcpcs": [{"code": "J2405", "units": 4, "modifiers": [], "event_ids": ["e1"], "decision": "edited"}],
        "reviewer": "alice",
        "meta": {"source": "unit"},
    }


NATIVE = [f for f in formats.FORMATS if f != "gold"]


@pytest.mark.parametrize("fmt", NATIVE)
def test_round_trip_keeps_spans_events_attributes_and_codes(fmt: str) -> None:
    doc = formats.normalize_doc(_doc())
    other = formats.normalize_doc(
        {
            **_doc(),
            "id": "n2",
            "text": "plain note, nothing given\n",
            "events": [],
            "cpt": [],
            "hcpcs": [],
            "reviewer": "alice",
            "meta": {},
        }
    )
    data = formats.EXPORTERS[fmt]([doc, other])
    back = formats.IMPORTERS[fmt](data)
    assert back == [doc, other]


def test_gold_export_is_canonical_valid_and_stable() -> None:
    [back] = formats.from_gold(formats.to_gold([_doc()]))
    assert formats.from_gold(formats.to_gold([back])) == [back]
    evs = back["events"]
    assert [e["event_id"] for e in evs] == ["g1", "g2", "g3"]  # text order, spanless event last
    assert [e["drug"] for e in evs] == ["ondansetron", "ceftriaxone", "heparin"]
    assert evs[0]["spans"] == formats.normalize_doc(_doc())["events"][0]["spans"]
    assert evs[0]["drug_text"] == "Zofran" and evs[0]["dose"] == {"value": 4.0, "unit": "mg"}
    assert back["cpt"][0]["event_ids"] == ["g1"] and back["cpt"][0]["decision"] == "accepted"
    assert back["meta"]["style"] == "reviewed"
    rec = json.loads(formats.to_gold([back]).splitlines()[0])
    assert set(gold.EVENT_KEYS) <= set(rec["gold_events"][0])
    # the spanless event is the only thing the project's validator objects to
    problems = gold.validate_gold_record(rec)
    assert problems and all("g3" in p for p in problems)
    clean = {**_doc(), "events": [e for e in _doc()["events"] if e["spans"]]}
    assert formats.gold_problems([clean]) == []


def test_brat_files_are_valid_standoff() -> None:
    data = formats.to_brat([_doc()])
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    assert {"note_1.txt", "note_1.ann", "annotation.conf", "documents.jsonl"} <= names
    ann_name = "note_1.ann"
    txt = zf.read(ann_name.replace(".ann", ".txt")).decode()
    assert txt == TEXT
    for line in zf.read(ann_name).decode().splitlines():
        key, rest = line.split("\t", 1)
        if key.startswith("T"):
            typ_offs, surface = rest.split("\t")
            typ, offs = typ_offs.split(" ", 1)
            frags = [tuple(map(int, f.split())) for f in offs.split(";")]
            assert " ".join(txt[a:b] for a, b in frags) == surface
            assert all("\n" not in txt[a:b] for a, b in frags)
        else:
            assert key[0] in "EA#"


def test_brat_import_without_manifest_uses_file_stem() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("docs/abc.txt", "Gave Zofran 4 mg")
        zf.writestr(
            "docs/abc.ann",
            "T1\tAdministration 5 11\tZofran\nT2\tDRUG 5 11\tZofran\n"
            "T3\tDOSE 12 16\t4 mg\nE1\tAdministration:T1 DRUG:T2 DOSE:T3\n"
            "A1\tStatus E1 not_given\n",
        )
    [doc] = formats.from_brat(buf.getvalue())
    assert doc["id"] == "abc"
    [ev] = doc["events"]
    assert ev["status"] == "not_given"
    assert [(s["label"], s["start"], s["end"]) for s in ev["spans"]] == [("DRUG", 5, 11), ("DOSE", 12, 16)]


def test_prodigy_import_without_event_ids_groups_spans_after_each_drug() -> None:
    rec = {
        "text": "Zofran 4 mg IVP; morphine 2 mg",
        "meta": {"id": "p1"},
        "spans": [
            {"start": 0, "end": 6, "label": "DRUG"},
            {"start": 7, "end": 11, "label": "DOSE"},
            {"start": 17, "end": 25, "label": "DRUG"},
            {"start": 26, "end": 30, "label": "DOSE"},
        ],
    }
    [doc] = formats.from_prodigy(json.dumps(rec))
    assert doc["id"] == "p1"
    assert [e["drug"] for e in doc["events"]] == ["zofran", "morphine"]
    assert [len(e["spans"]) for e in doc["events"]] == [2, 2]


def test_labelstudio_import_of_plain_labels_without_relations() -> None:
    tasks = [
        {
            "id": 7,
            "data": {"text": "Zofran 4 mg"},
            "annotations": [
                {
                    "result": [
                        {
                            "id": "a",
                            "type": "labels",
                            "from_name": "label",
                            "to_name": "text",
                            "value": {"start": 0, "end": 6, "text": "Zofran", "labels": ["DRUG"]},
                        }
                    ]
                }
            ],
        }
    ]
    [doc] = formats.from_labelstudio(json.dumps(tasks))
    assert doc["id"] == "7"
    assert doc["events"][0]["drug"] == "zofran" and doc["events"][0]["status"] == "given"


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("gold", b"not json\n"),
        ("gold", b'{"id": "x"}\n'),
        ("gold", b'{"id": "x", "text": "t", "gold_events": [{"spans": [{"start": 0}]}]}\n'),
        ("brat", b"not a zip"),
        ("prodigy", b'{"spans": []}\n'),
        ("labelstudio", b"{oops"),
        ("labelstudio", b'[{"data": {}}]'),
    ],
)
def test_malformed_imports_raise_format_error(fmt: str, data: bytes) -> None:
    with pytest.raises(formats.FormatError):
        formats.IMPORTERS[fmt](data)


_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60)


@st.composite
def _docs(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(_texts)
    events = []
    for i in range(draw(st.integers(0, 3))):
        spans = []
        for _ in range(draw(st.integers(0, 3))):
            a = draw(st.integers(0, len(text) - 1))
            b = draw(st.integers(a + 1, len(text)))
            if not text[a:b].strip() or text[a:b] != text[a:b].strip("\r\n"):
                continue  # BRAT cannot hold a span that starts or ends on a line break
            spans.append({"start": a, "end": b, "label": draw(st.sampled_from(SPAN_LABELS))})
        events.append(
            {
                "event_id": f"e{i + 1}",
                "drug": draw(st.sampled_from(["ondansetron", "x"])),
                "status": draw(st.sampled_from(STATUSES)),
                "spans": spans,
            }
        )
    return formats.normalize_doc(
        {
            "id": draw(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True)),
            "text": text,
            "events": events,
            "encounter_date": None,
            "setting": "facility",
        }
    )


@pytest.mark.parametrize("fmt", NATIVE)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_docs())
def test_round_trip_property(fmt: str, doc: dict[str, Any]) -> None:
    assert formats.IMPORTERS[fmt](formats.EXPORTERS[fmt]([doc])) == [doc]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_docs())
def test_gold_round_trip_property(doc: dict[str, Any]) -> None:
    once = formats.from_gold(formats.to_gold([doc]))
    assert formats.from_gold(formats.to_gold(once)) == once
    spans = sorted((s["start"], s["end"], s["label"]) for e in doc["events"] for s in e["spans"])
    assert sorted((s["start"], s["end"], s["label"]) for e in once[0]["events"] for s in e["spans"]) == spans
    assert sorted(e["status"] for e in once[0]["events"]) == sorted(e["status"] for e in doc["events"])
