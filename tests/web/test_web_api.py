"""API tests of the web app (FastAPI TestClient, fake pipeline, in-memory or temp-file SQLite)."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from infucode.annotations.review import formats
from infucode.annotations.review.app import create_app, main


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.fixture
def client(fake_pipeline: Any, tmp_path: Path) -> TestClient:
    app = create_app(pipeline=fake_pipeline, db_url=f"sqlite:///{tmp_path / 'review.db'}")
    return TestClient(app)


def _create(client: TestClient, notes: list[dict[str, Any]], **form: str) -> dict[str, Any]:
    r = client.post(
        "/api/sessions", files={"file": ("notes.jsonl", _jsonl(notes))}, data={"name": "t", **form}
    )
    assert r.status_code == 201, r.text
    return r.json()


# ------------------------------------------------------------------------------------------ pre-bill API
def test_code_returns_contract_record(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    r = client.post("/api/code", json={"text": sample_notes[0]["text"], "encounter_date": "2026-11-20"})
    assert r.status_code == 200
    rec = r.json()
    assert rec["status"] == "ok"
    assert {"events", "cpt", "hcpcs", "flags", "versions"} <= rec.keys()
    assert [c["code"] for c in rec["cpt"]] == ["96365", "96375"]
    drug = rec["events"][0]["spans"][0]
    assert sample_notes[0]["text"][drug["start"] : drug["end"]] == "Zofran"


@pytest.mark.parametrize(
    "body",
    [
        {},  # no text
        {"text": 42},
        {"text": "x", "setting": "hospital"},
        {"text": "x", "encounter_date": "20/11/2026"},
        [1, 2, 3],
    ],
)
def test_malformed_code_requests_get_422_without_echoing_input(client: TestClient, body: Any) -> None:
    r = client.post("/api/code", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["type"] == "invalid_request"
    assert "input" not in json.dumps(detail["errors"])


def test_invalid_json_body_gets_422(client: TestClient) -> None:
    r = client.post("/api/code", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_empty_note_gets_422(client: TestClient) -> None:
    r = client.post("/api/code", json={"text": "   \n "})
    assert r.status_code == 422
    assert r.json()["detail"]["type"] == "empty_note"


def test_one_megabyte_note_gets_413_and_server_keeps_serving(client: TestClient) -> None:
    big = "Zofran 4 mg IVP given. " * (1_048_576 // 23 + 1)
    r = client.post("/api/code", json={"text": big})
    assert r.status_code == 413
    assert r.json()["detail"]["type"] == "request_too_large"
    ok = client.post("/api/code", json={"text": "1410 Zofran 4 mg IVP\n"})
    assert ok.status_code == 200


def test_note_over_char_limit_but_under_body_limit_gets_413(fake_pipeline: Any) -> None:
    app = create_app(pipeline=fake_pipeline, db_url="sqlite://", max_note_chars=1000)
    c = TestClient(app)
    r = c.post("/api/code", json={"text": "a" * 1001})
    assert r.status_code == 413
    assert r.json()["detail"]["type"] == "note_too_large"


def test_chunked_oversized_body_gets_413(client: TestClient) -> None:
    def gen() -> Any:
        for _ in range(40):
            yield b"x" * 50_000

    r = client.post("/api/code", content=gen(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_pipeline_error_record_becomes_4xx(tmp_path: Path) -> None:
    def broken(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": record["id"],
            "status": "error",
            "error": {"type": "binary_content", "message": "binary"},
            "events": [],
            "cpt": [],
            "hcpcs": [],
            "flags": [],
        }

    c = TestClient(create_app(pipeline=broken, db_url="sqlite://"))
    r = c.post("/api/code", json={"text": "abc"})
    assert r.status_code == 422
    assert r.json()["detail"]["type"] == "binary_content"


def test_pipeline_exception_gives_500_without_note_text(caplog: pytest.LogCaptureFixture) -> None:
    def crash(record: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError(record["text"])  # an exception message holding PHI must not leak

    c = TestClient(create_app(pipeline=crash, db_url="sqlite://"), raise_server_exceptions=False)
    with caplog.at_level(logging.DEBUG):
        r = c.post("/api/code", json={"text": "SECRET-PATIENT-NAME Zofran"})
    assert r.status_code == 500
    assert "SECRET-PATIENT-NAME" not in r.text
    assert "SECRET-PATIENT-NAME" not in caplog.text
    assert c.get("/healthz").status_code == 200


def test_access_log_has_path_but_never_note_text(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/code", json={"text": "PATIENT-JANE-DOE 1410 Zofran 4 mg IVP\n"})
    assert "POST /api/code 200" in caplog.text
    assert "JANE-DOE" not in caplog.text


def test_claim_export_csv_excludes_rejected_lines(client: TestClient) -> None:
    lines = [
        {"kind": "cpt", "code": "96374", "units": 1, "decision": "accepted", "event_ids": ["e1"]},
        {"kind": "cpt", "code": "96375", "units": 1, "decision": "rejected"},
        {
            "kind": "hcpcs",
            "code": "J2405",
            "units": 8,
            "decision": "edited",
            "original_code": "J2405",
            "original_units": 4,
        },
    ]
    r = client.post("/api/claim/export?format=csv", json={"id": "n1", "lines": lines})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["code"], x["units"], x["decision"]) for x in rows] == [
        ("96374", "1", "accepted"),
        ("J2405", "8", "edited"),
    ]
    j = client.post(
        "/api/claim/export?format=json", json={"id": "n1", "lines": lines, "include_rejected": True}
    )
    assert [ln["code"] for ln in j.json()["lines"]] == ["96374", "96375", "J2405"]


def test_claim_export_rejects_bad_lines(client: TestClient) -> None:
    r = client.post(
        "/api/claim/export", json={"id": "n1", "lines": [{"kind": "cpt", "code": "", "units": -1}]}
    )
    assert r.status_code == 422


def test_openapi_docs_list_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/code", "/api/sessions", "/api/sessions/{sid}/export"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


# ------------------------------------------------------------------------------------------ pages / XSS
def test_pages_render_and_escape_note_text(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    s = _create(
        client, [{"id": "<b>x</b>", "text": sample_notes[2]["text"]}], name="<script>alert(1)</script>"
    )
    for path in ("/", "/sessions", f"/sessions/{s['id']}", f"/sessions/{s['id']}/review/0"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<script>alert(1)" not in r.text
        assert "<b>x</b>" not in r.text
        assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/sessions").text


def test_unknown_session_page_is_404(client: TestClient) -> None:
    assert client.get("/sessions/999").status_code == 404
    assert client.get("/api/sessions/999/notes/0").status_code == 404


# ------------------------------------------------------------------------------------------ token
def test_token_required_for_api_and_pages_when_set(fake_pipeline: Any) -> None:
    c = TestClient(create_app(pipeline=fake_pipeline, db_url="sqlite://", token="s3cret"))
    assert c.get("/healthz").status_code == 200
    assert c.post("/api/code", json={"text": "Zofran 4 mg IVP"}).status_code == 401
    assert c.get("/api/sessions").status_code == 401
    page = c.get("/sessions")
    assert page.status_code == 401 and "Access token required" in page.text
    assert c.get("/openapi.json").status_code == 401
    ok = c.post("/api/code", json={"text": "Zofran 4 mg IVP"}, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert c.get("/api/sessions", headers={"X-Infucode-Token": "wrong"}).status_code == 401
    bad = c.post("/login", data={"token": "nope", "next": "/sessions"}, follow_redirects=False)
    assert bad.status_code == 401
    good = c.post("/login", data={"token": "s3cret", "next": "/sessions"}, follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/sessions"
    assert c.get("/sessions").status_code == 200  # cookie now set


def test_serve_refuses_public_host_without_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("INFUCODE_TOKEN", raising=False)
    assert main(["--host", "0.0.0.0", "--port", "1"]) == 2
    assert "token" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ sessions
def test_session_create_preannotates_and_lists(
    client: TestClient, sample_notes: list[dict[str, Any]], fake_pipeline: Any
) -> None:
    s = _create(client, sample_notes)
    assert s["notes"] == 3 and s["preannotated"] == 3
    assert fake_pipeline.calls == 3
    info = client.get(f"/api/sessions/{s['id']}").json()
    assert [n["note_id"] for n in info["notes"]] == ["n1", "n2", "n3"]
    assert client.get("/api/sessions").json()[0]["notes"] == 3


def test_session_upload_errors_are_clear_4xx(client: TestClient) -> None:
    r = client.post("/api/sessions", files={"file": ("x.jsonl", b"{bad json\n")}, data={"format": "gold"})
    assert r.status_code == 422 and "line 1" in r.json()["detail"]["message"]
    r = client.post("/api/sessions", files={"file": ("x.jsonl", b"\n\n")}, data={"format": "gold"})
    assert r.status_code == 422
    r = client.post("/api/sessions", files={"file": ("x.zip", b"PKnot a zip")}, data={"format": "auto"})
    assert r.status_code == 422
    r = client.post("/api/sessions", files={"file": ("x.jsonl", b"{}")}, data={"format": "xml"})
    assert r.status_code == 422
    assert client.post("/api/sessions").status_code == 422


def _review(client: TestClient, sid: int, pos: int, who: str) -> dict[str, Any]:
    r = client.get(f"/api/sessions/{sid}/notes/{pos}", params={"reviewer": who})
    assert r.status_code == 200
    return r.json()


def test_reviewer_edits_are_saved_and_survive_a_restart(
    fake_pipeline: Any, tmp_path: Path, sample_notes: list[dict[str, Any]]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    c = TestClient(create_app(pipeline=fake_pipeline, db_url=url))
    sid = _create(c, sample_notes)["id"]
    d = _review(c, sid, 0, "alice")
    assert d["annotation"]["saved"] is False and d["total"] == 3
    ann = d["annotation"]
    ann["events"][0]["spans"][0]["label"] = "PURPOSE"  # change a label
    ann["events"][1]["status"] = "not_given"  # change an attribute
    del ann["events"][2]  # delete an event
    ann["events"][0]["spans"].append({"start": 21, "end": 27, "label": "SITE"})  # add a span ("L AC 2")
    ann["cpt"][0]["decision"] = "rejected"
    r = c.put(
        f"/api/sessions/{sid}/notes/0/annotation",
        params={"reviewer": "alice"},
        json={**ann, "done": True, "action": "edit", "revision": 0},
    )
    assert r.status_code == 200 and r.json()["revision"] == 1
    # a new app on the same database = a server restart
    c2 = TestClient(create_app(pipeline=fake_pipeline, db_url=url))
    got = _review(c2, sid, 0, "alice")["annotation"]
    assert got["saved"] and got["done"] and got["revision"] == 1
    assert got["events"][0]["spans"][0]["label"] == "PURPOSE"
    assert got["events"][1]["status"] == "not_given"
    assert len(got["events"]) == 2
    assert got["cpt"][0]["decision"] == "rejected"
    # another reviewer still starts from the pre-annotation
    assert _review(c2, sid, 0, "bob")["annotation"]["saved"] is False
    assert _review(c2, sid, 1, "alice")["progress"] == {"done": 1, "total": 3}


def test_stale_revision_gets_409(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes)["id"]
    ann = _review(client, sid, 0, "alice")["annotation"]
    url = f"/api/sessions/{sid}/notes/0/annotation"
    assert client.put(url, params={"reviewer": "alice"}, json={**ann, "revision": 0}).status_code == 200
    assert client.put(url, params={"reviewer": "alice"}, json={**ann, "revision": 0}).status_code == 409


@pytest.mark.parametrize(
    ("mutate", "kind"),
    [
        (
            lambda a: a["events"][0]["spans"].append({"start": 5, "end": 10_000, "label": "DRUG"}),
            "invalid_span",
        ),
        (lambda a: a["events"][0]["spans"].append({"start": 5, "end": 9, "label": "BOGUS"}), "invalid_span"),
        (lambda a: a["events"][0].update(status="maybe"), "invalid_status"),
        (lambda a: a["events"][0].update(route="IV_DRIP"), "invalid_route"),
        (lambda a: a["cpt"].append({"code": "", "units": 1}), "invalid_code_line"),
    ],
)
def test_invalid_annotation_is_refused(
    client: TestClient, sample_notes: list[dict[str, Any]], mutate: Any, kind: str
) -> None:
    sid = _create(client, sample_notes)["id"]
    ann = _review(client, sid, 0, "alice")["annotation"]
    mutate(ann)
    r = client.put(f"/api/sessions/{sid}/notes/0/annotation", params={"reviewer": "alice"}, json=ann)
    assert r.status_code == 422 and r.json()["detail"]["type"] == kind


def test_bad_reviewer_name_is_refused(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes)["id"]
    r = client.get(f"/api/sessions/{sid}/notes/0", params={"reviewer": "<img src=x>"})
    assert r.status_code == 422


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_session_export_then_import_round_trips(
    client: TestClient, sample_notes: list[dict[str, Any]], fmt: str
) -> None:
    sid = _create(client, sample_notes)["id"]
    ann = _review(client, sid, 1, "alice")["annotation"]
    ann["events"][0]["spans"][0]["label"] = "PURPOSE"
    client.put(
        f"/api/sessions/{sid}/notes/1/annotation", params={"reviewer": "alice"}, json={**ann, "done": True}
    )
    exp = client.get(f"/api/sessions/{sid}/export", params={"format": fmt, "reviewer": "alice"})
    assert exp.status_code == 200
    assert fmt in exp.headers["content-disposition"]
    docs = formats.IMPORTERS[fmt](exp.content)
    assert [d["id"] for d in docs] == ["n1", "n2", "n3"]
    assert "PURPOSE" in {sp["label"] for sp in docs[1]["events"][0]["spans"]}
    # import the export as a new session, owned by the reviewer named in the file (or given)
    imp = client.post(
        "/api/sessions",
        files={"file": (f"x.{formats.FORMATS[fmt][1]}", exp.content)},
        data={"format": "auto", "reviewer": "alice"},
    )
    assert imp.status_code == 201, imp.text
    assert imp.json()["format"] == fmt and imp.json()["preannotated"] == 0
    sid2 = imp.json()["id"]
    again = client.get(f"/api/sessions/{sid2}/export", params={"format": fmt, "reviewer": "alice"})
    docs2 = formats.IMPORTERS[fmt](again.content)
    # notes alice never opened carry no reviewer in the first export; after import they are hers
    assert docs[1]["reviewer"] == "alice" and docs[0]["reviewer"] is None
    assert {d["reviewer"] for d in docs2} == {"alice"}
    strip = [{k: v for k, v in d.items() if k not in ("meta", "reviewer")} for d in docs]
    strip2 = [{k: v for k, v in d.items() if k not in ("meta", "reviewer")} for d in docs2]
    assert strip2 == strip


def test_export_needs_reviewer_when_several(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes)["id"]
    for who in ("alice", "bob"):
        ann = _review(client, sid, 0, who)["annotation"]
        client.put(f"/api/sessions/{sid}/notes/0/annotation", params={"reviewer": who}, json=ann)
    assert client.get(f"/api/sessions/{sid}/export").status_code == 422
    only = client.get(f"/api/sessions/{sid}/export", params={"reviewer": "bob", "only_done": True})
    assert only.status_code == 200 and only.text == ""
    assert client.get(f"/api/sessions/{sid}/export", params={"format": "xml"}).status_code == 422


def test_agreement_between_two_reviewers(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes)["id"]
    for who in ("alice", "bob"):
        for pos in range(3):
            ann = _review(client, sid, pos, who)["annotation"]
            if who == "bob" and pos == 0:
                ann["events"][0]["status"] = "not_given"  # one status disagreement
                ann["events"][0]["spans"].pop()  # one span fewer
            r = client.put(f"/api/sessions/{sid}/notes/{pos}/annotation", params={"reviewer": who}, json=ann)
            assert r.status_code == 200
    res = client.get(f"/api/sessions/{sid}/agreement", params={"a": "alice", "b": "bob"}).json()
    assert res["notes"] == 3
    assert res["spans_a"] == res["spans_b"] + 1
    assert res["span_f1"] == pytest.approx(2 * res["spans_b"] / (res["spans_a"] + res["spans_b"]))
    assert res["events_paired"] == 6
    assert res["status_agreement"] == pytest.approx(5 / 6)
    assert 0 < res["status_kappa"] < 1


def test_delete_session(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes)["id"]
    assert client.delete(f"/api/sessions/{sid}").status_code == 204
    assert client.get(f"/api/sessions/{sid}").status_code == 404


def test_claim_export_form_post_used_by_the_page(client: TestClient) -> None:
    body = {"id": "n9", "lines": [{"kind": "cpt", "code": "96374", "units": 1, "decision": "accepted"}]}
    r = client.post("/claim/export", data={"payload": json.dumps(body), "format": "json"})
    assert r.status_code == 200 and r.json()["lines"][0]["code"] == "96374"
    assert client.post("/claim/export", data={"payload": "{oops", "format": "csv"}).status_code == 422
    assert (
        client.post("/claim/export", data={"payload": json.dumps(body), "format": "xml"}).status_code == 422
    )


def test_validate_reports_gold_problems_by_id(client: TestClient, sample_notes: list[dict[str, Any]]) -> None:
    sid = _create(client, sample_notes[:1])["id"]
    ann = _review(client, sid, 0, "alice")["annotation"]
    ok = client.put(f"/api/sessions/{sid}/notes/0/annotation", params={"reviewer": "alice"}, json=ann)
    assert ok.status_code == 200
    assert client.get(f"/api/sessions/{sid}/validate").json()["valid"] is True
    ann["events"][0]["spans"] = [s for s in ann["events"][0]["spans"] if s["label"] != "DRUG"]
    ann["revision"] = 1
    client.put(f"/api/sessions/{sid}/notes/0/annotation", params={"reviewer": "alice"}, json=ann)
    res = client.get(f"/api/sessions/{sid}/validate", params={"reviewer": "alice"}).json()
    assert res["valid"] is False
    assert any("DRUG span" in p for p in res["problems"])
    assert all("Zofran" not in p for p in res["problems"])  # ids only, no note text


def test_recode_runs_the_coder_on_corrected_events(
    client: TestClient, sample_notes: list[dict[str, Any]]
) -> None:
    pytest.importorskip("infucode.pipeline.coding", reason="coder not installed")
    sid = _create(client, sample_notes[:1])["id"]
    ann = _review(client, sid, 0, "alice")["annotation"]
    r = client.post(f"/api/sessions/{sid}/notes/0/recode", json=ann)
    assert r.status_code == 200, r.text
    before = {c["code"] for c in r.json()["cpt"]}
    for ev in ann["events"]:
        ev["status"] = "not_given"  # nothing given -> nothing billable
    r2 = client.post(f"/api/sessions/{sid}/notes/0/recode", json=ann)
    assert r2.status_code == 200
    assert before and r2.json()["cpt"] == [] and r2.json()["hcpcs"] == []


def test_docs_page_uses_local_swagger_files_when_installed(client: TestClient) -> None:
    pytest.importorskip("swagger_ui_bundle", reason="swagger-ui-bundle-v2 not installed (docs use the CDN)")
    page = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in page and "cdn." not in page
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200


def test_session_is_created_even_when_some_notes_fail_preannotation(fake_pipeline: Any) -> None:
    def flaky(record: dict[str, Any]) -> dict[str, Any]:
        if "BOOM" in record["text"]:
            raise RuntimeError("boom")
        return fake_pipeline.process(record)

    c = TestClient(create_app(pipeline=flaky, db_url="sqlite://"))
    notes = [{"id": "a", "text": "1410 Zofran 4 mg IVP\n"}, {"id": "b", "text": "BOOM"}]
    s = _create(c, notes)
    assert (s["notes"], s["preannotated"], s["preannotation_errors"]) == (2, 1, 1)
    assert _review(c, s["id"], 1, "alice")["annotation"]["events"] == []


def test_session_without_pipeline_still_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    from infucode.annotations.review import app as app_mod

    def unavailable(self: Any, setting: str) -> Any:
        raise app_mod.PipelineUnavailable("pipeline could not be loaded (ImportError)")

    monkeypatch.setattr(app_mod.PipelineAdapter, "_resolve", unavailable)
    c = TestClient(create_app(db_url="sqlite://"))
    s = _create(c, [{"id": "a", "text": "Zofran 4 mg IVP"}])
    assert s["preannotation_errors"] == 1
    r = c.post("/api/code", json={"text": "Zofran 4 mg IVP"})
    assert r.status_code == 503 and r.json()["detail"]["type"] == "pipeline_unavailable"
