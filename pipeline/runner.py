"""Note in, output record out: validation, extraction, time resolution and coding for one or many notes.

This module only wires the steps; each step lives in its own package:
``extract`` (spaCy/medspaCy), ``temporal`` (pure Python), ``coding`` (pure Python).
Errors are per note: a bad record yields ``status: "error"`` and never the note text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from infucode import __version__
from infucode.annotations.schema import AdminEvent, CodingResult, Flag, Timeline

log = logging.getLogger(__name__)

#: Notes longer than this (characters) are refused with an error record rather than processed.
MAX_NOTE_CHARS = 2_000_000
SETTINGS = ("facility", "professional")
CODE_SET = "2026"


class NoteError(Exception):
    """A problem with one input record; becomes that record's ``error``."""

    def __init__(self, type_: str, message: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message


def _resources_version() -> str:
    try:
        from infucode.pipeline.resources_manifest import manifest_digest

        return manifest_digest()
    except Exception:  # pragma: no cover - manifest missing in a broken install
        return "unknown"


def validate_record(record: Any, default_setting: str = "facility") -> tuple[str, str, dict[str, Any]]:
    """Check one input record and return ``(id, text, options)``.

    Raises
    ------
    NoteError
        When the record is not an object, has no id or text, or the text is binary or too large.
    """
    if not isinstance(record, dict):
        raise NoteError("invalid_record", "record is not a JSON object")
    rid = record.get("id")
    if rid is None or (isinstance(rid, str) and not rid.strip()):
        raise NoteError("missing_id", "record has no 'id'")
    text = record.get("text", record.get("note"))
    if text is None:
        raise NoteError("missing_text", "record has no 'text' (or 'note') field")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("invalid_encoding", f"note text is not valid UTF-8 (byte {exc.start})") from None
    if not isinstance(text, str):
        raise NoteError("invalid_text", f"'text' must be a string, got {type(text).__name__}")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError("note_too_large", f"note has {len(text)} characters; the limit is {MAX_NOTE_CHARS}")
    if "\x00" in text or "\ufffd" in text[:4096] and text.count("\ufffd") > 8:
        raise NoteError("binary_content", "note text contains binary data (NUL bytes or undecodable bytes)")
    if text:
        sample = text[:20000]
        bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
        if bad > max(8, len(sample) // 50):
            raise NoteError("binary_content", "note text is mostly control characters (binary data?)")
    setting = record.get("setting") or default_setting
    if setting not in SETTINGS:
        raise NoteError("invalid_setting", f"setting must be one of {SETTINGS}, got {setting!r}")
    enc = record.get("encounter_date")
    enc_date: date | None = None
    if enc:
        try:
            enc_date = date.fromisoformat(str(enc)[:10])
        except ValueError:
            raise NoteError("invalid_encounter_date", "encounter_date must be YYYY-MM-DD") from None
    pos = record.get("place_of_service")
    options = {
        "setting": setting,
        "encounter_date": enc_date,
        "place_of_service": str(pos).strip() if pos not in (None, "") else None,
    }
    return str(rid), text, options


def error_record(
    record: Any, exc: NoteError | Exception, default_setting: str = "facility"
) -> dict[str, Any]:
    """Build the output record for a note that could not be processed (never includes note text)."""
    rid = record.get("id") if isinstance(record, dict) else None
    if isinstance(exc, NoteError):
        err = {"type": exc.type, "message": exc.message}
    else:
        err = {"type": "internal_error", "message": f"{type(exc).__name__} while processing the note"}
    setting = record.get("setting") if isinstance(record, dict) else None
    return {
        "id": None if rid is None else str(rid),
        "status": "error",
        "error": err,
        "setting": setting if setting in SETTINGS else default_setting,
        "events": [],
        "cpt": [],
        "hcpcs": [],
        "flags": [],
        "versions": versions(),
        "meta": _meta(record),
    }


_VERSIONS: dict[str, str] | None = None


def versions() -> dict[str, str]:
    """Versions stamped on every output record."""
    global _VERSIONS
    if _VERSIONS is None:
        _VERSIONS = {"infucode": __version__, "code_set": CODE_SET, "resources": _resources_version()}
    return dict(_VERSIONS)


_CONTRACT_KEYS = {"id", "text", "note", "setting", "encounter_date", "place_of_service"}


def _meta(record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if k not in _CONTRACT_KEYS}


class NotePipeline:
    """The whole per-note job, loaded once per process and reused for every note.

    Parameters
    ----------
    default_setting
        ``facility`` or ``professional`` for records without a ``setting``.
    """

    def __init__(self, default_setting: str = "facility", use_models: bool = True) -> None:
        if default_setting not in SETTINGS:
            raise ValueError(f"default_setting must be one of {SETTINGS}")
        from infucode.pipeline.extract import build_nlp

        self.default_setting = default_setting
        self.use_models = use_models
        self.nlp = build_nlp()

    # -- steps ---------------------------------------------------------------------------------
    def extract(self, text: str) -> list[AdminEvent]:
        """Run extraction on one text and return its events (no times resolved yet)."""
        return self.events_of(self.nlp(text))

    @staticmethod
    def _rule_events(doc: Any) -> list[AdminEvent]:
        from infucode.pipeline.extract import doc_events

        return doc_events(doc)

    def events_of(self, doc: Any) -> list[AdminEvent]:
        """Events of a processed Doc: rule extraction, then the models where they beat the rules."""
        events = self._rule_events(doc)
        if self.use_models and events:
            from infucode.models.runtime import apply_models

            events = apply_models(doc, events)
        return events

    def finish(self, rid: str, text: str, options: dict[str, Any], events: list[AdminEvent],
               record: dict[str, Any]) -> dict[str, Any]:
        """Resolve time and code already-extracted events; build the output record."""
        from infucode.pipeline.coding import code_events
        from infucode.pipeline.temporal import resolve_timeline

        timeline: Timeline = resolve_timeline(text, events, options["encounter_date"])
        result: CodingResult = code_events(
            timeline.events, setting=options["setting"], place_of_service=options["place_of_service"]
        )
        flags = dedupe_flags(list(timeline.flags) + list(result.flags))
        return {
            "id": rid,
            "status": "ok",
            "error": None,
            "setting": options["setting"],
            "events": [e.to_dict() for e in timeline.events],
            "cpt": [c.to_dict() for c in result.cpt],
            "hcpcs": [h.to_dict() for h in result.hcpcs],
            "flags": [f.to_dict() for f in flags],
            "versions": versions(),
            "meta": _meta(record),
        }

    # -- public API ------------------------------------------------------------------------------
    def process(self, record: Any) -> dict[str, Any]:
        """Process one input record into exactly one output record (``ok`` or ``error``)."""
        try:
            rid, text, options = validate_record(record, self.default_setting)
            events = self.extract(text)
            return self.finish(rid, text, options, events, record)
        except NoteError as exc:
            return error_record(record, exc, self.default_setting)
        except Exception as exc:  # one bad note never stops a run
            log.warning("note %r failed: %s", _safe_id(record), type(exc).__name__)
            return error_record(record, exc, self.default_setting)

    def process_many(self, records: Iterable[Any], batch_size: int = 64) -> Iterator[dict[str, Any]]:
        """Process records in order, batching the spaCy step with ``nlp.pipe``; one output per input."""
        batch: list[Any] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= batch_size:
                yield from self._process_batch(batch)
                batch = []
        if batch:
            yield from self._process_batch(batch)

    def _process_batch(self, batch: list[Any]) -> Iterator[dict[str, Any]]:
        prepared: list[tuple[Any, tuple[str, str, dict[str, Any]] | NoteError]] = []
        for rec in batch:
            try:
                prepared.append((rec, validate_record(rec, self.default_setting)))
            except NoteError as exc:
                prepared.append((rec, exc))
        texts = [p[1][1] for p in prepared if not isinstance(p[1], NoteError)]
        try:
            docs = iter(list(self.nlp.pipe(texts)))
        except Exception:
            # fall back to one at a time so one bad note does not fail the batch
            for rec in batch:
                yield self.process(rec)
            return
        # rule extraction per note, then the models once for the whole batch
        extracted: list[tuple[Any, Any]] = []  # (doc, events) or (None, exception)
        for _rec, prep in prepared:
            if isinstance(prep, NoteError):
                continue
            doc = next(docs)
            try:
                extracted.append((doc, self._rule_events(doc)))
            except Exception as exc:
                extracted.append((None, exc))
        ok_items = [(d, ev) for d, ev in extracted if d is not None]
        if self.use_models and ok_items:
            from infucode.models.runtime import apply_models_many

            apply_models_many(ok_items)  # changes the events in place
        results = iter(extracted)
        for rec, prep in prepared:
            if isinstance(prep, NoteError):
                yield error_record(rec, prep, self.default_setting)
                continue
            rid, text, options = prep
            doc, events = next(results)
            try:
                if doc is None:
                    raise events
                yield self.finish(rid, text, options, events, rec)
            except Exception as exc:
                log.warning("note %r failed: %s", _safe_id(rec), type(exc).__name__)
                yield error_record(rec, exc, self.default_setting)


def dedupe_flags(flags: list[Flag]) -> list[Flag]:
    """Drop repeated flags: the same code about the same events is reported once (first wins)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    out: list[Flag] = []
    for f in flags:
        key = (f.code, frozenset(f.event_ids))
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _safe_id(record: Any) -> str | None:
    return str(record.get("id")) if isinstance(record, dict) else None


_DEFAULT: dict[str, NotePipeline] = {}


def get_pipeline(default_setting: str = "facility") -> NotePipeline:
    """Return a process-wide cached pipeline (one per setting)."""
    if default_setting not in _DEFAULT:
        _DEFAULT[default_setting] = NotePipeline(default_setting)
    return _DEFAULT[default_setting]


def code_note(text: str, setting: str = "facility", encounter_date: str | None = None,
              place_of_service: str | None = None, note_id: str = "note") -> dict[str, Any]:
    """Code one note text; convenience wrapper used by tests, the web app and notebooks."""
    record: dict[str, Any] = {"id": note_id, "text": text, "setting": setting}
    if encounter_date:
        record["encounter_date"] = encounter_date
    if place_of_service:
        record["place_of_service"] = place_of_service
    return get_pipeline(setting).process(record)
