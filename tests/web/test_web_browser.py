"""End-to-end browser tests: headless Debian Chromium + Playwright against uvicorn on 127.0.0.1.

Uses the real pipeline when it can be loaded, else the fake from conftest. Screenshots of the main pages
go to ``tests/artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"
    ),
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) not installed")
expect = playwright_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pipeline_or_fake(fake: Any) -> tuple[Any, str]:
    """The real pipeline when it loads and codes a note, else the fake."""
    try:
        from infucode.pipeline.runner import get_pipeline

        p = get_pipeline("facility")
        out = p.process({"id": "probe", "text": "1410 Zofran 4 mg IVP given", "encounter_date": "2026-11-20"})
        if out.get("status") == "ok":
            return p, "real"
    except Exception:  # noqa: S110 - any failure means "not ready yet": use the fake
        pass
    return fake, "fake"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake_pipeline_cls: type) -> Iterator[dict[str, Any]]:
    import uvicorn
    from infucode.annotations.review.app import create_app

    pipeline, kind = _pipeline_or_fake(fake_pipeline_cls())
    db = tmp_path_factory.mktemp("web") / "review.db"
    app = create_app(pipeline=pipeline, db_url=f"sqlite:///{db}")
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    srv = uvicorn.Server(config)
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:  # pragma: no cover
        pytest.fail("server did not start")
    yield {"base": base, "kind": kind}
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    ctx.close()
    assert errors == [], f"JavaScript errors: {errors}"


def _shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


def _select_text(pg: Any, needle: str) -> bool:
    return bool(
        pg.evaluate(
            """(needle) => {
        const root = document.getElementById('note-view');
        const full = root.textContent;
        const at = full.indexOf(needle);
        if (at < 0) return false;
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let pos = 0, n, r = document.createRange(), started = false;
        while ((n = walker.nextNode())) {
            const len = n.textContent.length;
            if (!started && at < pos + len) { r.setStart(n, at - pos); started = true; }
            if (started && at + needle.length <= pos + len) { r.setEnd(n, at + needle.length - pos); break; }
            pos += len;
        }
        const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
        return true;
    }""",
            needle,
        )
    )


def test_prebill_highlights_codes_accept_and_export(
    server: dict[str, Any], page: Any, note_texts: dict[str, str]
) -> None:
    pg = page
    pg.goto(server["base"] + "/")
    _shot(pg, "prebill-empty")
    pg.fill("#note-text", note_texts["sample"])
    pg.fill("#encounter-date", "2026-11-20")
    pg.click("#code-btn")
    pg.wait_for_selector("#lines-table tbody tr")
    # evidence highlighted, with a legend
    drug_marks = pg.locator("#note-view mark.lab-DRUG")
    assert drug_marks.count() >= 2
    assert "Zofran" in drug_marks.all_inner_texts()
    assert pg.locator("#legend .chip").count() >= 2
    # timeline drawn as inline SVG
    assert pg.locator("#timeline svg .tl-event").count() >= 2
    # proposed CPT lines
    codes = [c.strip() for c in pg.locator("#lines-table tbody td.code").all_inner_texts()]
    assert any(c.startswith("963") for c in codes), codes
    first = pg.locator("#lines-table tbody tr").first
    first_code = first.get_attribute("data-code")
    first.get_by_role("button", name="Accept").click()
    assert "accepted" in (pg.locator("#lines-table tbody tr").first.get_attribute("class") or "")
    # reject the last line; it must not be exported
    last = pg.locator("#lines-table tbody tr").last
    last_code = last.get_attribute("data-code")
    last.get_by_role("button", name="Reject").click()
    _shot(pg, "prebill-coded")
    with pg.expect_download() as dl:
        pg.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text())))
    decided = {(r["code"], r["decision"]) for r in rows}
    assert (first_code, "accepted") in decided
    assert (last_code, "rejected") not in decided
    assert len(rows) == len(codes) - 1
    with pg.expect_download() as dl:
        pg.click("#export-json")
    assert json.loads(Path(dl.value.path()).read_text())["lines"][0]["decision"] == "accepted"


def test_prebill_pick_note_from_dump_and_edit_line(
    server: dict[str, Any], page: Any, sample_notes: list[dict[str, Any]]
) -> None:
    pg = page
    pg.goto(server["base"] + "/")
    assert not pg.is_visible("#dump-row")
    dump = "".join(json.dumps(n) + "\n" for n in sample_notes).encode()
    upload = {"name": "dump.jsonl", "mimeType": "application/x-ndjson", "buffer": dump}
    pg.set_input_files("#file-input", files=[upload])
    pg.wait_for_selector("#dump-row:not([hidden])")
    assert pg.locator("#dump-select option").count() == 3
    assert pg.input_value("#note-text") == sample_notes[0]["text"]
    pg.select_option("#dump-select", "1")  # picking a note codes it
    pg.wait_for_selector("#lines-table tbody tr")
    assert pg.input_value("#note-text") == sample_notes[1]["text"]
    assert pg.input_value("#encounter-date") == sample_notes[1]["encounter_date"]
    assert pg.inner_text("#note-meta").startswith("n2 ")
    row = pg.locator("#lines-table tbody tr").first
    row.get_by_role("button", name="Edit").click()
    pg.fill("#lines-table tbody tr >> nth=0 >> input.edit-units", "3")
    pg.fill("#lines-table tbody tr >> nth=0 >> input.edit-mods", "59")
    pg.locator("#lines-table tbody tr").first.get_by_role("button", name="Save").click()
    row = pg.locator("#lines-table tbody tr").first
    assert "edited" in (row.get_attribute("class") or "")
    assert row.locator("td").nth(2).inner_text() == "3"
    assert row.locator("td").nth(3).inner_text() == "59"


def test_note_with_script_tag_renders_as_text(
    server: dict[str, Any], page: Any, note_texts: dict[str, str]
) -> None:
    pg = page
    pg.goto(server["base"] + "/")
    pg.fill("#note-text", note_texts["xss"])
    pg.click("#code-btn")
    pg.wait_for_selector("#note-view mark, #note-view span")
    pg.wait_for_timeout(200)
    assert pg.evaluate("window.__pwned === undefined")
    assert "<script>window.__pwned=1</script>" in pg.inner_text("#note-view")
    assert pg.locator("#note-view script, #note-view img").count() == 0


def test_review_session_edit_span_reload_keeps_it_and_export(
    server: dict[str, Any], page: Any, sample_notes: list[dict[str, Any]]
) -> None:
    base = server["base"]
    data = "".join(json.dumps(n) + "\n" for n in sample_notes).encode()
    pg = page
    # create the session through the page's upload form
    pg.goto(f"{base}/sessions")
    pg.fill("#create-form input[name=name]", "Browser e2e")
    upload = {"name": "notes.jsonl", "mimeType": "application/x-ndjson", "buffer": data}
    pg.set_input_files("#session-file", files=[upload])
    pg.click("#create-btn")
    pg.wait_for_url("**/sessions/*")
    sid = int(pg.url.rstrip("/").rsplit("/", 1)[1])
    assert pg.inner_text("#session-name") == "Browser e2e"
    assert pg.locator("#notes-table tbody tr").count() == 3
    pg.goto(f"{base}/sessions")
    assert pg.get_by_role("link", name="Browser e2e").count() == 1
    _shot(pg, "sessions")
    pg.goto(f"{base}/sessions/{sid}/review/0")
    assert pg.is_visible("#need-reviewer")
    pg.fill("#reviewer", "alice")
    pg.press("#reviewer", "Enter")
    pg.wait_for_selector(".event-card")
    assert pg.inner_text("#progress-text") == "0 of 3 done"
    # change the label of the first span of the first event
    chip = pg.locator(".event-card").first.locator(".span-chip").first
    chip_text = chip.locator(".txt").inner_text()
    chip.locator("select").select_option("PURPOSE")
    expect(pg.locator("#save-state")).to_have_text("Saved · rev 1")
    # add a span from a text selection with the keyboard
    pg.select_option("#new-label", "STATUS")
    pg.select_option("#new-event", "0")
    pg.evaluate("document.activeElement.blur()")  # a reviewer's mouse selection leaves the dropdown
    assert _select_text(pg, "given")
    pg.keyboard.press("s")
    expect(pg.locator("#save-state")).to_have_text("Saved · rev 2")
    _shot(pg, "review-edited")
    # reload: the edits are still there (saved to SQLite, not the page)
    pg.reload()
    pg.wait_for_selector(".event-card")
    card = pg.locator(".event-card").first
    labels = card.locator(".span-chip select").evaluate_all("els => els.map(e => e.value)")
    texts = card.locator(".span-chip .txt").all_inner_texts()
    assert (chip_text, "PURPOSE") in list(zip(texts, labels, strict=True))
    assert ("given", "STATUS") in list(zip(texts, labels, strict=True))
    assert "given" in pg.locator("#note-view mark.lab-STATUS").all_inner_texts()
    # accept a code line and mark the note done with the keyboard (goes to note 2)
    first_line = pg.locator("#codes-table tbody tr").first
    if first_line.get_by_role("button", name="✓").count():
        first_line.get_by_role("button", name="✓").click()
        expect(pg.locator("#save-state")).to_have_text("Saved · rev 3")
    pg.locator("body").click(position={"x": 5, "y": 5})
    pg.keyboard.press("a")
    pg.wait_for_url(f"**/sessions/{sid}/review/1")
    pg.wait_for_selector(".event-card")
    assert pg.inner_text("#progress-text") == "1 of 3 done"
    pg.keyboard.press("k")
    pg.wait_for_url(f"**/sessions/{sid}/review/0")
    pg.wait_for_selector("#done-badge:not([hidden])")
    # session page: progress and export in the project gold format
    pg.goto(f"{base}/sessions/{sid}")
    assert "alice" in pg.inner_text("#notes-table")
    _shot(pg, "session")
    pg.select_option("#export-form select[name=format]", "gold")
    with pg.expect_download() as dl:
        pg.click("#export-btn")
    recs = [json.loads(x) for x in Path(dl.value.path()).read_text().splitlines() if x.strip()]
    assert [x["id"] for x in recs] == ["n1", "n2", "n3"]
    spans = [
        (s["label"], recs[0]["text"][s["start"] : s["end"]])
        for e in recs[0]["gold_events"]
        for s in e["spans"]
    ]
    assert ("PURPOSE", chip_text) in spans and ("STATUS", "given") in spans
    assert recs[0]["reviewer"] == "alice"


def test_agreement_panel_between_two_reviewers(
    server: dict[str, Any], page: Any, sample_notes: list[dict[str, Any]]
) -> None:
    base = server["base"]
    data = "".join(json.dumps(n) + "\n" for n in sample_notes[:2]).encode()
    sid = httpx.post(base + "/api/sessions", files={"file": ("n.jsonl", data)}, data={"name": "IAA"}).json()[
        "id"
    ]
    for who in ("alice", "bob"):
        for pos in range(2):
            ann = httpx.get(f"{base}/api/sessions/{sid}/notes/{pos}", params={"reviewer": who}).json()[
                "annotation"
            ]
            if who == "bob" and pos == 0 and ann["events"]:
                ann["events"][0]["status"] = "uncertain"
            put = httpx.put(
                f"{base}/api/sessions/{sid}/notes/{pos}/annotation", params={"reviewer": who}, json=ann
            )
            assert put.status_code == 200
    pg = page
    pg.goto(f"{base}/sessions/{sid}")
    pg.click("#iaa-form button")
    pg.wait_for_selector("#iaa-table")
    txt = pg.inner_text("#iaa-table")
    assert "cohen" in txt.lower() and "1.000" in txt  # identical spans -> span F1 1.000
    _shot(pg, "session-agreement")


def test_login_page_when_token_set(browser: Any, tmp_path: Path, fake_pipeline_cls: type) -> None:
    import uvicorn
    from infucode.annotations.review.app import create_app

    app = create_app(pipeline=fake_pipeline_cls(), db_url=f"sqlite:///{tmp_path / 't.db'}", token="tok-123")
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        ctx = browser.new_context()
        pg = ctx.new_page()
        pg.goto(base + "/sessions")
        assert "Access token required" in pg.inner_text("main")
        _shot(pg, "login")
        pg.fill("input[name=token]", "tok-123")
        pg.click("button[type=submit]")
        pg.wait_for_url("**/sessions")
        assert pg.get_by_role("heading", name="Annotation review sessions").count() == 1
        ctx.close()
    finally:
        srv.should_exit = True
        th.join(timeout=10)


def test_api_docs_render_offline(server: dict[str, Any], page: Any) -> None:
    pytest.importorskip("swagger_ui_bundle", reason="swagger-ui-bundle-v2 not installed (docs use the CDN)")
    pg = page
    pg.route(
        "**/*", lambda route: route.abort() if "127.0.0.1" not in route.request.url else route.continue_()
    )
    pg.goto(server["base"] + "/docs")
    pg.wait_for_selector(".opblock")
    assert pg.locator(".opblock-summary-path", has_text="/api/code").count() >= 1
    _shot(pg, "api-docs")
