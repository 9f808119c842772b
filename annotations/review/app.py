"""``infucode serve``: the pre-bill coding assistant and the annotation review web app.

Start it with ``infucode serve [--host 127.0.0.1] [--port 8000] [--db sqlite:///infucode-review.db]
[--token T]``. Pages are server-rendered Jinja templates with a little vanilla JavaScript (no build step); the
same features are a JSON API (``/api/...``, OpenAPI docs at ``/docs``).

Security: note text is PHI. Jinja autoescapes every page and the scripts build the DOM with ``textContent``;
binding to anything but loopback needs an access token (``--token`` or ``INFUCODE_TOKEN``); request bodies and
notes are size-limited (413); the access log is our own one-line log (method, path without query, status,
time) and no payload or note text is ever logged; validation errors never echo the submitted values.
"""

from __future__ import annotations

import argparse
import csv
import hmac
import io
import ipaddress
import json
import logging
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from infucode.annotations.review import db as dbm
from infucode.annotations.review import formats
from infucode.annotations.review.agreement import agreement
from infucode.annotations.schema import ROUTES, SPAN_LABELS, STATUSES
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("infucode.web")

HERE = Path(__file__).parent
DEFAULT_DB = "sqlite:///infucode-review.db"
#: request bodies above this many bytes get 413 (API/pages), uploads get ``MAX_UPLOAD_BYTES``
MAX_BODY_BYTES = 1_000_000
MAX_UPLOAD_BYTES = 25_000_000
#: a pasted/posted note longer than this many characters gets 413
MAX_NOTE_CHARS = 300_000
MAX_SESSION_NOTES = 5_000
TOKEN_COOKIE = "infucode_token"
SETTINGS = ("facility", "professional")
DECISIONS = ("pending", "accepted", "rejected", "edited")
_REVIEWER_RE = re.compile(r"^[\w .@'-]{1,100}$")
_UPLOAD_PATHS = ("/api/sessions",)


# --------------------------------------------------------------------------------------- pipeline adapter
class PipelineUnavailable(RuntimeError):
    """The NLP pipeline could not be loaded (e.g. a part is not installed yet)."""


class PipelineAdapter:
    """Serialises calls into the per-note pipeline (spaCy objects are not shared across threads).

    Parameters
    ----------
    pipeline
        ``None`` for the real pipeline (``infucode.pipeline.runner.get_pipeline``, loaded on first use),
        an object with ``process(record) -> dict``, or a callable ``record -> dict``.
    """

    def __init__(self, pipeline: Any = None) -> None:
        self._pipeline = pipeline
        self._lock = threading.Lock()

    def _resolve(self, setting: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
        if self._pipeline is None:
            try:
                from infucode.pipeline.runner import get_pipeline

                self._pipeline = get_pipeline(setting)
            except Exception as exc:
                raise PipelineUnavailable(f"pipeline could not be loaded ({type(exc).__name__})") from None
        p = self._pipeline
        return p.process if hasattr(p, "process") else p

    def warm(self) -> None:
        """Load the pipeline now (in a background thread at server start) so the first note is fast."""
        try:
            with self._lock:
                self._resolve("facility")
        except PipelineUnavailable as exc:
            log.warning("pipeline not loaded at start: %s", exc)

    def process(self, record: dict[str, Any]) -> dict[str, Any]:
        """Code one input record; returns the contract output record."""
        with self._lock:
            fn = self._resolve(record.get("setting") or "facility")
            return fn(record)

    def process_many(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Code many records in order (batched through ``process_many`` when the pipeline has it)."""
        if not records:
            return []
        with self._lock:
            fn = self._resolve(records[0].get("setting") or "facility")
            many = getattr(self._pipeline, "process_many", None)
            if callable(many):
                try:
                    return list(many(records))
                except Exception as exc:  # fall back to one at a time
                    log.warning("batch failed (%s); coding one note at a time", type(exc).__name__)
            return [_one(fn, r) for r in records]


def _one(fn: Callable[[dict[str, Any]], dict[str, Any]], record: dict[str, Any]) -> dict[str, Any]:
    try:
        return fn(record)
    except Exception as exc:
        log.warning("note %r failed: %s", record.get("id"), type(exc).__name__)
        return {"id": record.get("id"), "status": "error", "error": {"type": "internal_error"}}


# ------------------------------------------------------------------------------------------- middleware
class BodyLimit:
    """ASGI middleware answering 413 when a request body exceeds its limit (checked while streaming)."""

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: D102
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = self.upload_limit if path in _UPLOAD_PATHS else self.limit
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    if int(v) > limit:
                        await _send_413(send, limit)
                        return
                except ValueError:
                    pass
        messages: list[Message] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            size += len(msg.get("body", b""))
            if size > limit:
                await _send_413(send, limit)
                return
            messages.append(msg)
            if not msg.get("more_body"):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "detail": {
                "type": "request_too_large",
                "message": f"request body exceeds the limit of {limit} bytes",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _get_db(request: Request) -> Any:
    """Yield a database session of the app handling ``request``."""
    with request.app.state.sessions() as s:
        yield s


DbSession = Annotated[Session, Depends(_get_db)]


# --------------------------------------------------------------------------------------------- API models
class CodeRequest(BaseModel):
    """One note to code (the contract's input record)."""

    text: str = Field(description="note text (PHI: never logged)")
    id: str = Field("note", max_length=200)
    setting: Literal["facility", "professional"] = "facility"
    encounter_date: date | None = Field(None, description="YYYY-MM-DD; anchors clock times")
    place_of_service: str | None = Field(None, max_length=4)


class ClaimLine(BaseModel):
    """One reviewed claim line from the pre-bill page."""

    kind: Literal["cpt", "hcpcs"]
    code: str = Field(min_length=1, max_length=12)
    units: int = Field(ge=0, le=9999)
    modifiers: list[str] = Field(default_factory=list, max_length=8)
    event_ids: list[str] = Field(default_factory=list)
    decision: Literal["pending", "accepted", "rejected", "edited"] = "pending"
    rule: str = ""
    rationale: str = ""
    original_code: str | None = None
    original_units: int | None = None


class ClaimExport(BaseModel):
    """The reviewed lines of one note to export."""

    id: str = Field("note", max_length=200)
    setting: Literal["facility", "professional"] = "facility"
    lines: list[ClaimLine]
    include_rejected: bool = False


class SpanIn(BaseModel):
    """One evidence span."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    label: str


class AnnotationIn(BaseModel):
    """A reviewer's full current version of one note (sent on every change)."""

    events: list[dict[str, Any]]
    cpt: list[dict[str, Any]] = Field(default_factory=list)
    hcpcs: list[dict[str, Any]] = Field(default_factory=list)
    done: bool = False
    action: str = Field("edit", max_length=60)
    revision: int | None = Field(None, description="the revision this edit is based on (409 when stale)")


# ------------------------------------------------------------------------------------------------ helpers
def _check_reviewer(name: str | None) -> str:
    if not name or not _REVIEWER_RE.match(name.strip()):
        raise HTTPException(
            422,
            {"type": "invalid_reviewer", "message": "reviewer name: 1-100 letters, digits, space . @ ' -"},
        )
    return name.strip()


def _validate_events(events: list[dict[str, Any]], text_len: int) -> list[dict[str, Any]]:
    out = []
    for i, ev in enumerate(events, start=1):
        if not isinstance(ev, dict):
            raise HTTPException(422, {"type": "invalid_event", "message": f"event {i} is not an object"})
        e = dict(ev)
        e["event_id"] = str(e.get("event_id") or f"e{i}")
        e["drug"] = str(e.get("drug") or "")
        if e.get("status") not in STATUSES:
            raise HTTPException(
                422,
                {
                    "type": "invalid_status",
                    "message": f"event {e['event_id']}: status must be one of {list(STATUSES)}",
                },
            )
        if e.get("route") not in (None, "", *ROUTES):
            raise HTTPException(
                422, {"type": "invalid_route", "message": f"event {e['event_id']}: unknown route"}
            )
        spans = []
        for s in e.get("spans") or []:
            try:
                sp = SpanIn.model_validate(s)
            except Exception:
                raise HTTPException(
                    422, {"type": "invalid_span", "message": f"event {e['event_id']}: malformed span"}
                ) from None
            if sp.end <= sp.start or sp.end > text_len:
                raise HTTPException(
                    422,
                    {
                        "type": "invalid_span",
                        "message": f"event {e['event_id']}: span "
                        f"{sp.start}-{sp.end} is outside the note (length {text_len})",
                    },
                )
            if sp.label not in SPAN_LABELS:
                raise HTTPException(
                    422, {"type": "invalid_span", "message": f"unknown span label {sp.label!r}"}
                )
            spans.append(sp.model_dump())
        e["spans"] = spans
        out.append(e)
    return out


def _validate_lines(lines: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    out = []
    for ln in lines:
        if not isinstance(ln, dict) or not str(ln.get("code") or "").strip():
            raise HTTPException(422, {"type": "invalid_code_line", "message": f"{kind} line without a code"})
        d = dict(ln)
        if d.get("decision", "pending") not in DECISIONS:
            raise HTTPException(
                422, {"type": "invalid_code_line", "message": f"decision must be one of {DECISIONS}"}
            )
        try:
            d["units"] = int(d.get("units", 1))
        except (TypeError, ValueError):
            raise HTTPException(
                422, {"type": "invalid_code_line", "message": "units must be an integer"}
            ) from None
        d["decision"] = d.get("decision", "pending")
        d["modifiers"] = [str(m) for m in d.get("modifiers") or []]
        out.append(d)
    return out


def _with_decisions(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**ln, "decision": ln.get("decision", "pending")} for ln in lines]


def _note_doc(note: dbm.SessionNote, ann: dbm.Annotation | None, reviewer: str | None) -> dict[str, Any]:
    src_events = ann.events if ann else note.pre_events
    return {
        "id": note.note_id,
        "text": note.text,
        "encounter_date": note.encounter_date,
        "setting": note.setting,
        "events": src_events,
        "cpt": ann.cpt if ann else note.pre_cpt,
        "hcpcs": ann.hcpcs if ann else note.pre_hcpcs,
        "reviewer": reviewer if ann else None,
        "meta": note.meta or {},
    }


def _detect_format(filename: str, data: bytes) -> str:
    name = filename.lower()
    if name.endswith(".zip") or data[:2] == b"PK":
        return "brat"
    if name.endswith(".json") or data.lstrip()[:1] == b"[":
        return "labelstudio"
    first = next((ln for ln in data.splitlines() if ln.strip()), b"")
    try:
        obj = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "gold"
    if isinstance(obj, dict) and "spans" in obj and "meta" in obj:
        return "prodigy"
    return "gold"


def _safe_filename(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s)[:80] or "export"


# ------------------------------------------------------------------------------------------------ factory
def create_app(
    pipeline: Any = None,
    db_url: str = DEFAULT_DB,
    token: str | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    max_note_chars: int = MAX_NOTE_CHARS,
    warm: bool = False,
) -> FastAPI:
    """Build the web app.

    Parameters
    ----------
    pipeline
        See :class:`PipelineAdapter` (``None`` = the real pipeline, loaded on first use).
    db_url
        SQLAlchemy URL of the review database (created if missing).
    token
        Access token; when set every page and API call needs it (``Authorization: Bearer``,
        ``X-Infucode-Token`` header, or the cookie set by ``/login``).
    max_body_bytes, max_upload_bytes, max_note_chars
        Size limits answered with 413.
    warm
        Load the pipeline in a background thread at start-up (``infucode serve`` does).

    Returns
    -------
    FastAPI
        The application (serve with uvicorn).
    """
    engine = dbm.make_engine(db_url)
    Sessions: sessionmaker[Session] = dbm.make_sessionmaker(engine)
    adapter = PipelineAdapter(pipeline)
    if warm:
        threading.Thread(target=adapter.warm, name="infucode-warm", daemon=True).start()
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    swagger_dir = _swagger_ui_dir()
    app = FastAPI(
        title="infucode web",
        version=_version(),
        description="Pre-bill drug-administration coding assistant and annotation review sessions.",
        docs_url=None if swagger_dir else "/docs",
        redoc_url=None,
    )
    if swagger_dir:
        # Swagger UI served from the installed package: /docs works without internet access
        app.mount("/docs-static", StaticFiles(directory=swagger_dir), name="docs-static")

        @app.get("/docs", include_in_schema=False)
        def docs() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url="/openapi.json",
                title="infucode web - API docs",
                swagger_js_url="/docs-static/swagger-ui-bundle.js",
                swagger_css_url="/docs-static/swagger-ui.css",
                swagger_favicon_url="data:,",
            )

    app.state.engine = engine
    app.state.sessions = Sessions
    app.state.pipeline = adapter
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # -- middleware (outermost last) ------------------------------------------------------------
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        t0 = time.perf_counter()
        path = request.url.path
        if token and not _is_open_path(path) and not _authorised(request, token):
            if path.startswith("/api") or path in ("/openapi.json", "/docs", "/redoc"):
                resp: Response = JSONResponse(
                    {"detail": {"type": "unauthorized", "message": "missing or wrong access token"}}, 401
                )
            else:
                resp = templates.TemplateResponse(
                    request, "login.html", {"next": path, "error": None}, status_code=401
                )
        else:
            resp = await call_next(request)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if not path.startswith("/static"):
            resp.headers.setdefault("Cache-Control", "no-store")
        if path not in ("/docs", "/redoc"):
            resp.headers.setdefault("Content-Security-Policy", _CSP)
        log.info("%s %s %d %.0fms", request.method, path, resp.status_code, (time.perf_counter() - t0) * 1000)
        return resp

    app.add_middleware(BodyLimit, limit=max_body_bytes, upload_limit=max_upload_bytes)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # never echo the submitted values (they may be note text)
        errs = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(
            {"detail": {"type": "invalid_request", "message": "request validation failed", "errors": errs}},
            422,
        )

    # -- pages ----------------------------------------------------------------------------------
    def page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        base = {"labels": SPAN_LABELS, "statuses": STATUSES, "routes": ROUTES, "version": _version()}
        return templates.TemplateResponse(request, name, {**base, **ctx})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def prebill_page(request: Request) -> HTMLResponse:
        return page(request, "prebill.html", active="prebill")

    @app.get("/sessions", response_class=HTMLResponse, include_in_schema=False)
    def sessions_page(request: Request, db: DbSession) -> HTMLResponse:
        return page(request, "sessions.html", active="sessions", sessions=_list_sessions(db))

    @app.get("/sessions/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def session_page(request: Request, sid: int, db: DbSession) -> HTMLResponse:
        info = _session_info(db, sid)
        return page(request, "session.html", active="sessions", s=info, formats=list(formats.FORMATS))

    @app.get("/sessions/{sid}/review/{pos}", response_class=HTMLResponse, include_in_schema=False)
    def review_page(request: Request, sid: int, pos: int, db: DbSession) -> HTMLResponse:
        sess = db.get(dbm.ReviewSession, sid)
        if sess is None or dbm.get_note(db, sid, pos) is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session or note"})
        total = (
            db.scalar(
                select(func.count()).select_from(dbm.SessionNote).where(dbm.SessionNote.session_id == sid)
            )
            or 0
        )
        return page(
            request, "review.html", active="sessions", sid=sid, pos=pos, total=total, session_name=sess.name
        )

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", next=next, error=None)

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request, token_in: Annotated[str, Form(alias="token")], next: Annotated[str, Form()] = "/"
    ) -> Response:
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        if not token or not hmac.compare_digest(token_in.encode(), token.encode()):
            return templates.TemplateResponse(
                request, "login.html", {"next": target, "error": "Wrong token."}, status_code=401
            )
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return resp

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- pre-bill API ---------------------------------------------------------------------------
    @app.post("/api/code", tags=["pre-bill"], summary="Code one note (contract output record)")
    def api_code(req: CodeRequest) -> JSONResponse:
        if len(req.text) > max_note_chars:
            raise HTTPException(
                413,
                {
                    "type": "note_too_large",
                    "message": f"note has {len(req.text)} characters; limit {max_note_chars}",
                },
            )
        if not req.text.strip():
            raise HTTPException(422, {"type": "empty_note", "message": "note text is empty"})
        record: dict[str, Any] = {"id": req.id, "text": req.text, "setting": req.setting}
        if req.encounter_date:
            record["encounter_date"] = req.encounter_date.isoformat()
        if req.place_of_service:
            record["place_of_service"] = req.place_of_service
        out = _run_pipeline(adapter, record)
        if out.get("status") == "error":
            err = out.get("error") or {}
            code = 500 if err.get("type") == "internal_error" else 422
            return JSONResponse({"detail": err, "record": out}, code)
        return JSONResponse(out)

    @app.post("/api/claim/export", tags=["pre-bill"], summary="Export reviewed claim lines as CSV or JSON")
    def api_claim_export(body: ClaimExport, format: Literal["csv", "json"] = "csv") -> Response:
        return _claim_file(body, format)

    @app.post("/claim/export", include_in_schema=False)
    def claim_export_form(
        payload: Annotated[str, Form()], format: Annotated[str, Form()] = "csv"
    ) -> Response:
        # the page submits a plain form so the browser treats the answer as a user-initiated download
        if format not in ("csv", "json"):
            raise HTTPException(422, {"type": "invalid_format", "message": "format must be csv or json"})
        try:
            body = ClaimExport.model_validate_json(payload)
        except ValueError:
            raise HTTPException(
                422, {"type": "invalid_request", "message": "malformed claim lines"}
            ) from None
        return _claim_file(body, format)

    def _claim_file(body: ClaimExport, format: str) -> Response:
        lines = [ln for ln in body.lines if body.include_rejected or ln.decision != "rejected"]
        fname = _safe_filename(f"claim-{body.id}")
        if format == "json":
            payload = {"id": body.id, "setting": body.setting, "lines": [ln.model_dump() for ln in lines]}
            return Response(
                json.dumps(payload, indent=1),
                media_type="application/json",
                headers={"Content-Disposition": f'attachment; filename="{fname}.json"'},
            )
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "note_id",
                "setting",
                "kind",
                "code",
                "units",
                "modifiers",
                "event_ids",
                "decision",
                "rule",
                "original_code",
                "original_units",
            ]
        )
        for ln in lines:
            w.writerow(
                [
                    body.id,
                    body.setting,
                    ln.kind,
                    ln.code,
                    ln.units,
                    " ".join(ln.modifiers),
                    " ".join(ln.event_ids),
                    ln.decision,
                    ln.rule,
                    ln.original_code or "",
                    "" if ln.original_units is None else ln.original_units,
                ]
            )
        return Response(
            buf.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{fname}.csv"'},
        )

    # -- sessions API ---------------------------------------------------------------------------
    @app.get("/api/sessions", tags=["review"], summary="List review sessions")
    def api_sessions(db: DbSession) -> list[dict[str, Any]]:
        return _list_sessions(db)

    @app.post(
        "/api/sessions",
        tags=["review"],
        status_code=201,
        summary="Create a session from notes (JSONL), or import a reviewed set in one of the formats",
    )
    def api_create_session(
        file: Annotated[UploadFile, File(description="JSONL notes, or an export in one of the formats")],
        db: DbSession,
        name: Annotated[str, Form(max_length=200)] = "",
        format: Annotated[str, Form()] = "auto",
        preannotate: Annotated[bool, Form()] = True,
        reviewer: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        data = file.file.read()
        fmt = _detect_format(file.filename or "", data) if format == "auto" else format
        if fmt not in formats.IMPORTERS:
            raise HTTPException(
                422,
                {"type": "invalid_format", "message": f"format must be one of {['auto', *formats.FORMATS]}"},
            )
        try:
            docs = formats.IMPORTERS[fmt](data)
        except formats.FormatError as exc:
            raise HTTPException(422, {"type": "invalid_file", "message": str(exc)}) from None
        if not docs:
            raise HTTPException(422, {"type": "empty_file", "message": "no notes in the upload"})
        if len(docs) > MAX_SESSION_NOTES:
            raise HTTPException(
                413, {"type": "too_many_notes", "message": f"limit {MAX_SESSION_NOTES} notes"}
            )
        imported_reviewer = _check_reviewer(reviewer) if reviewer.strip() else None
        sess = dbm.ReviewSession(
            name=name.strip() or (file.filename or "session"),
            source="upload" if fmt == "gold" else f"import:{fmt}",
        )
        db.add(sess)
        db.flush()
        n_pre = n_err = 0
        todo: list[tuple[dbm.SessionNote, dict[str, Any]]] = []
        for pos, d in enumerate(docs):
            if len(d["text"]) > max_note_chars:
                raise HTTPException(
                    413,
                    {
                        "type": "note_too_large",
                        "message": f"note {pos + 1} exceeds {max_note_chars} characters",
                    },
                )
            setting = d["setting"] if d["setting"] in SETTINGS else "facility"
            note = dbm.SessionNote(
                session_id=sess.id,
                position=pos,
                note_id=d["id"],
                text=d["text"],
                encounter_date=_iso_date(d["encounter_date"]),
                setting=setting,
                pre_events=d["events"],
                pre_cpt=_with_decisions(d["cpt"]),
                pre_hcpcs=_with_decisions(d["hcpcs"]),
                pre_flags=[],
                meta=d["meta"],
            )
            has_annotation = bool(d["events"] or d["cpt"] or d["hcpcs"])
            if not has_annotation and preannotate:
                rec = {"id": d["id"], "text": d["text"], "setting": setting}
                if note.encounter_date:
                    rec["encounter_date"] = note.encounter_date
                todo.append((note, rec))
            db.add(note)
            who = imported_reviewer or (d["reviewer"] if d["reviewer"] and has_annotation else None)
            if who and has_annotation:
                db.flush()
                db.add(
                    dbm.Annotation(
                        note_pk=note.id,
                        reviewer=_check_reviewer(who),
                        events=d["events"],
                        cpt=_with_decisions(d["cpt"]),
                        hcpcs=_with_decisions(d["hcpcs"]),
                        done=True,
                        revision=1,
                    )
                )
        outs = _run_pipeline_many(adapter, [rec for _, rec in todo])
        for (note, _), out in zip(todo, outs, strict=True):
            if out.get("status") == "ok":
                note.pre_events = out.get("events", [])
                note.pre_cpt = _with_decisions(out.get("cpt", []))
                note.pre_hcpcs = _with_decisions(out.get("hcpcs", []))
                note.pre_flags = out.get("flags", [])
                n_pre += 1
            else:
                n_err += 1
        db.commit()
        log.info("session %d created: %d notes, format %s", sess.id, len(docs), fmt)
        return {
            "id": sess.id,
            "name": sess.name,
            "notes": len(docs),
            "format": fmt,
            "preannotated": n_pre,
            "preannotation_errors": n_err,
        }

    @app.get("/api/sessions/{sid}", tags=["review"], summary="Session overview with progress per reviewer")
    def api_session(sid: int, db: DbSession) -> dict[str, Any]:
        return _session_info(db, sid)

    @app.delete("/api/sessions/{sid}", tags=["review"], status_code=204, summary="Delete a session")
    def api_delete_session(sid: int, db: DbSession) -> Response:
        sess = db.get(dbm.ReviewSession, sid)
        if sess is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session"})
        db.delete(sess)
        db.commit()
        return Response(status_code=204)

    @app.get(
        "/api/sessions/{sid}/notes/{pos}", tags=["review"], summary="One note with the reviewer's version"
    )
    def api_note(sid: int, pos: int, db: DbSession, reviewer: str | None = None) -> dict[str, Any]:
        note = dbm.get_note(db, sid, pos)
        if note is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session or note"})
        total = (
            db.scalar(
                select(func.count()).select_from(dbm.SessionNote).where(dbm.SessionNote.session_id == sid)
            )
            or 0
        )
        ann = dbm.get_annotation(db, note, _check_reviewer(reviewer)) if reviewer else None
        done = 0
        if reviewer:
            done = (
                db.scalar(
                    select(func.count())
                    .select_from(dbm.Annotation)
                    .join(dbm.SessionNote, dbm.Annotation.note_pk == dbm.SessionNote.id)
                    .where(
                        dbm.SessionNote.session_id == sid,
                        dbm.Annotation.reviewer == reviewer.strip(),
                        dbm.Annotation.done.is_(True),
                    )
                )
                or 0
            )
        return {
            "session": sid,
            "position": pos,
            "total": total,
            "note": {
                "id": note.note_id,
                "text": note.text,
                "encounter_date": note.encounter_date,
                "setting": note.setting,
            },
            "pre": {
                "events": note.pre_events,
                "cpt": note.pre_cpt,
                "hcpcs": note.pre_hcpcs,
                "flags": note.pre_flags,
            },
            "annotation": {
                "events": ann.events if ann else note.pre_events,
                "cpt": ann.cpt if ann else note.pre_cpt,
                "hcpcs": ann.hcpcs if ann else note.pre_hcpcs,
                "done": ann.done if ann else False,
                "revision": ann.revision if ann else 0,
                "updated_at": ann.updated_at.isoformat(timespec="seconds") + "Z" if ann else None,
                "saved": ann is not None,
            },
            "progress": {"done": done, "total": total},
        }

    @app.put(
        "/api/sessions/{sid}/notes/{pos}/annotation",
        tags=["review"],
        summary="Save the reviewer's current version of a note (every change)",
    )
    def api_save(
        sid: int, pos: int, body: AnnotationIn, reviewer: Annotated[str, Query()], db: DbSession
    ) -> dict[str, Any]:
        who = _check_reviewer(reviewer)
        note = dbm.get_note(db, sid, pos)
        if note is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session or note"})
        events = _validate_events(body.events, len(note.text))
        cpt, hcpcs = _validate_lines(body.cpt, "cpt"), _validate_lines(body.hcpcs, "hcpcs")
        ann = dbm.get_annotation(db, note, who)
        if ann is not None and body.revision is not None and body.revision != ann.revision:
            raise HTTPException(
                409,
                {
                    "type": "stale_revision",
                    "message": f"saved revision is {ann.revision}, "
                    f"this edit is based on {body.revision}; reload the note",
                },
            )
        if ann is None:
            ann = dbm.Annotation(note_pk=note.id, reviewer=who, revision=0)
            db.add(ann)
        ann.events, ann.cpt, ann.hcpcs, ann.done = events, cpt, hcpcs, body.done
        ann.revision = (ann.revision or 0) + 1
        db.add(dbm.DecisionLog(note_pk=note.id, reviewer=who, action=body.action[:60], revision=ann.revision))
        db.commit()
        return {
            "revision": ann.revision,
            "updated_at": ann.updated_at.isoformat(timespec="seconds") + "Z",
            "done": ann.done,
        }

    @app.post(
        "/api/sessions/{sid}/notes/{pos}/recode",
        tags=["review"],
        summary="Re-run the coder on the reviewer's corrected events (suggested lines, not saved)",
    )
    def api_recode(sid: int, pos: int, body: AnnotationIn, db: DbSession) -> dict[str, Any]:
        note = dbm.get_note(db, sid, pos)
        if note is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session or note"})
        events = _validate_events(body.events, len(note.text))
        try:
            from infucode.annotations.schema import AdminEvent
            from infucode.pipeline.coding import code_events

            evs = [AdminEvent.from_dict(e) for e in events]
            res = code_events(evs, setting=note.setting, place_of_service=None)
        except ImportError:
            raise HTTPException(
                503, {"type": "coder_unavailable", "message": "the coder is not installed"}
            ) from None
        except Exception as exc:
            raise HTTPException(
                422,
                {"type": "recode_failed", "message": f"coder failed on these events ({type(exc).__name__})"},
            ) from None
        return {
            "cpt": _with_decisions([c.to_dict() for c in res.cpt]),
            "hcpcs": _with_decisions([h.to_dict() for h in res.hcpcs]),
            "flags": [f.to_dict() for f in res.flags],
        }

    @app.get(
        "/api/sessions/{sid}/export",
        tags=["review"],
        summary="Export one reviewer's reviewed set (gold, brat, prodigy, labelstudio)",
    )
    def api_export(
        sid: int, db: DbSession, format: str = "gold", reviewer: str | None = None, only_done: bool = False
    ) -> Response:
        if format not in formats.EXPORTERS:
            raise HTTPException(
                422, {"type": "invalid_format", "message": f"format must be one of {list(formats.FORMATS)}"}
            )
        sess = db.get(dbm.ReviewSession, sid)
        if sess is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session"})
        who = _pick_reviewer(db, sid, reviewer)
        docs = []
        for note in sess.notes:
            ann = dbm.get_annotation(db, note, who) if who else None
            if only_done and not (ann and ann.done):
                continue
            docs.append(_note_doc(note, ann, who))
        data = formats.EXPORTERS[format](docs)
        media, ext = formats.FORMATS[format]
        fname = _safe_filename(f"session-{sid}-{who or 'pre'}-{format}")
        return Response(
            data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{fname}.{ext}"'}
        )

    @app.get(
        "/api/sessions/{sid}/validate",
        tags=["review"],
        summary="Check one reviewer's set against the project's gold validator (note/event ids only)",
    )
    def api_validate(sid: int, db: DbSession, reviewer: str | None = None) -> dict[str, Any]:
        sess = db.get(dbm.ReviewSession, sid)
        if sess is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session"})
        who = _pick_reviewer(db, sid, reviewer)
        docs = [_note_doc(n, dbm.get_annotation(db, n, who) if who else None, who) for n in sess.notes]
        problems = formats.gold_problems(docs)
        return {"reviewer": who, "notes": len(docs), "valid": not problems, "problems": problems}

    @app.get(
        "/api/sessions/{sid}/agreement",
        tags=["review"],
        summary="Inter-annotator agreement (span F1, Cohen's kappa on status) of two reviewers",
    )
    def api_agreement(sid: int, a: str, b: str, db: DbSession) -> dict[str, Any]:
        ra, rb = _check_reviewer(a), _check_reviewer(b)
        sess = db.get(dbm.ReviewSession, sid)
        if sess is None:
            raise HTTPException(404, {"type": "not_found", "message": "no such session"})
        docs_a, docs_b = [], []
        for note in sess.notes:
            xa, xb = dbm.get_annotation(db, note, ra), dbm.get_annotation(db, note, rb)
            if xa and xb:
                docs_a.append(_note_doc(note, xa, ra))
                docs_b.append(_note_doc(note, xb, rb))
        return {"reviewer_a": ra, "reviewer_b": rb, **agreement(docs_a, docs_b)}

    return app


def _swagger_ui_dir() -> str | None:
    """Folder of the Swagger UI files of the optional ``swagger-ui-bundle-v2`` package, if installed."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    p = Path(str(swagger_ui_path))
    return str(p) if (p / "swagger-ui-bundle.js").exists() else None


def _is_open_path(path: str) -> bool:
    return path in ("/healthz", "/login") or path.startswith(("/static/", "/docs-static/"))


def _authorised(request: Request, token: str) -> bool:
    cands = [request.headers.get("x-infucode-token"), request.cookies.get(TOKEN_COOKIE)]
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        cands.append(auth[7:].strip())
    return any(c is not None and hmac.compare_digest(c.encode(), token.encode()) for c in cands)


def _run_pipeline(adapter: PipelineAdapter, record: dict[str, Any]) -> dict[str, Any]:
    try:
        return adapter.process(record)
    except PipelineUnavailable as exc:
        raise HTTPException(503, {"type": "pipeline_unavailable", "message": str(exc)}) from None
    except Exception as exc:
        log.warning("note %r failed: %s", record.get("id"), type(exc).__name__)
        raise HTTPException(
            500, {"type": "internal_error", "message": f"{type(exc).__name__} while processing the note"}
        ) from None


def _run_pipeline_many(adapter: PipelineAdapter, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pre-annotate many notes; a failure leaves those notes without pre-annotation (never raises)."""
    try:
        outs = adapter.process_many(records)
        if len(outs) == len(records):
            return outs
    except PipelineUnavailable as exc:
        log.warning("pre-annotation skipped: %s", exc)
    except Exception as exc:
        log.warning("pre-annotation batch failed: %s", type(exc).__name__)
    return [{"status": "error"} for _ in records]


def _iso_date(v: Any) -> str | None:
    if not v:
        return None
    try:
        return date.fromisoformat(str(v)[:10]).isoformat()
    except ValueError:
        return None


def _pick_reviewer(db: Session, sid: int, reviewer: str | None) -> str | None:
    if reviewer:
        return _check_reviewer(reviewer)
    names = dbm.reviewers_of(db, sid)
    if len(names) > 1:
        raise HTTPException(
            422,
            {
                "type": "reviewer_required",
                "message": f"several reviewers ({', '.join(names)}); pass ?reviewer=",
            },
        )
    return names[0] if names else None


def _list_sessions(db: Session) -> list[dict[str, Any]]:
    rows = db.execute(
        select(dbm.ReviewSession, func.count(dbm.SessionNote.id))
        .join(dbm.SessionNote, dbm.SessionNote.session_id == dbm.ReviewSession.id, isouter=True)
        .group_by(dbm.ReviewSession.id)
        .order_by(dbm.ReviewSession.id.desc())
    ).all()
    out = []
    for s, n in rows:
        out.append(
            {
                "id": s.id,
                "name": s.name,
                "notes": n,
                "source": s.source,
                "created_at": s.created_at.isoformat(timespec="seconds") + "Z",
                "reviewers": dbm.reviewers_of(db, s.id),
            }
        )
    return out


def _session_info(db: Session, sid: int) -> dict[str, Any]:
    sess = db.get(dbm.ReviewSession, sid)
    if sess is None:
        raise HTTPException(404, {"type": "not_found", "message": "no such session"})
    reviewers = dbm.reviewers_of(db, sid)
    notes = []
    progress = dict.fromkeys(reviewers, 0)
    for n in sess.notes:
        done_by = sorted(a.reviewer for a in n.annotations if a.done)
        seen_by = sorted(a.reviewer for a in n.annotations)
        for r in done_by:
            progress[r] += 1
        notes.append(
            {
                "position": n.position,
                "note_id": n.note_id,
                "encounter_date": n.encounter_date,
                "setting": n.setting,
                "events": len(n.pre_events or []),
                "codes": len(n.pre_cpt or []) + len(n.pre_hcpcs or []),
                "done_by": done_by,
                "seen_by": seen_by,
            }
        )
    return {
        "id": sess.id,
        "name": sess.name,
        "source": sess.source,
        "created_at": sess.created_at.isoformat(timespec="seconds") + "Z",
        "notes": notes,
        "reviewers": reviewers,
        "progress": progress,
        "total": len(notes),
    }


def _version() -> str:
    try:
        from infucode import __version__

        return str(__version__)
    except Exception:  # pragma: no cover
        return "0"


# ---------------------------------------------------------------------------------------------------- CLI
def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _log_config(level: str) -> dict[str, Any]:
    """Uvicorn logging without its access log (ours logs method, path, status only; never bodies/queries)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "infucode": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }


def build_parser() -> argparse.ArgumentParser:
    """Options of ``infucode serve``."""
    p = argparse.ArgumentParser(prog="infucode serve", description="Start the pre-bill / review web app.")
    p.add_argument(
        "--host", default="127.0.0.1", help="bind address (default 127.0.0.1; others need --token)"
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--db",
        default=os.environ.get("INFUCODE_DB", DEFAULT_DB),
        help=f"SQLAlchemy URL of the review database (default {DEFAULT_DB})",
    )
    p.add_argument("--token", default=None, help="access token (or env INFUCODE_TOKEN)")
    p.add_argument("--max-note-chars", type=int, default=MAX_NOTE_CHARS)
    p.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``infucode serve``; returns the exit status."""
    args = build_parser().parse_args(argv)
    token = args.token or os.environ.get("INFUCODE_TOKEN") or None
    if not _is_loopback(args.host) and not token:
        print(
            f"infucode serve: refusing to bind {args.host} (not loopback) without an access token; "
            "pass --token or set INFUCODE_TOKEN",
            file=__import__("sys").stderr,
        )
        return 2
    import uvicorn

    app = create_app(db_url=args.db, token=token, max_note_chars=args.max_note_chars, warm=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=_log_config(args.log_level.upper()),
        server_header=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
