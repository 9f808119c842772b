"""The gold development corpus: reading, writing, validating, splitting and compiling it from its sources.

Gold format (one JSON object per line, see ``annotations/corpus/README.md``)::

    {"id": "dev-001", "text": "...", "encounter_date": "2026-03-14",   # omitted on some notes
     "setting": "facility", "style": "terse_timestamped", "split": "train",
     "gold_events": [{"event_id": "g1", "drug": "ondansetron", "drug_text": "Zofran",
                      "dose": {"value": 4.0, "unit": "mg"}, "volume_ml": null, "rate_ml_hr": null,
                      "route": "IV_PUSH", "status": "given", "start": "2026-03-14T14:10:00", "end": null,
                      "site": "L AC", "infusate_id": null, "purpose": null,
                      "spans": [{"start": 5, "end": 11, "label": "DRUG"}, ...]}]}

The corpus is written by hand in a small source format (``annotations/corpus/src/*.notes``) where
every span is given by its *text* (plus an optional occurrence number) and never by offsets;
:func:`compile_source` locates the substrings and fills the offsets, and :func:`validate_gold_record`
checks ``text[start:end]`` for every span.

Source format
-------------
::

    @@ note dev-001
    date: 2026-03-14            # anchor date of clock times (YYYY-MM-DD)
    date_in_record: no          # optional: omit encounter_date from the record (date is in the text)
    setting: facility
    style: terse_timestamped
    <<<
    ...note text, verbatim...
    >>>
    drug=ondansetron | text=Zofran | dose=4 mg | route=IV_PUSH | start=14:10 | site=L AC | DOSE=4mg
        (continued on the same line:) | ROUTE=IVP | TIME=1410

One event per line. Lower-case keys are attributes: ``drug``, ``text`` (the DRUG span text, ``Zofran#2`` =
its 2nd occurrence in the note), ``dose`` (``4 mg``), ``vol``, ``rate``, ``route``, ``status`` (default
``given``), ``start``/``end`` (``14:10`` on the anchor date, ``+1 00:30`` on the next day, or a full ISO
datetime), ``site``, ``inf`` (infusate id), ``purpose``. Upper-case keys are extra evidence spans with a
label from ``schema.SPAN_LABELS``; the value is the span text, located at the occurrence nearest to the
DRUG span (first after it on its line, else last before it on its line, else nearest) unless ``#n`` picks
the n-th occurrence in the note or a ``<``/``>`` prefix forces the closest one before/after the drug.
Keys may repeat (``TIME=1410 | TIME=1450``).
A line starting with ``#`` outside the text block is a comment.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from infucode.annotations.schema import DOSE_UNITS, ROUTES, SPAN_LABELS, STATUSES

#: Folder holding the gold corpus (``*.jsonl``), its sources and ``splits.v1.json``.
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SPLITS_FILE = CORPUS_DIR / "splits.v1.json"
SAMPLES_FILE = Path(__file__).resolve().parent / "samples" / "sample_notes.jsonl"

#: Percentage of note ids that go to the test split (by hash, see :func:`split_for`).
TEST_PERCENT = 30
SPLIT_METHOD = "sha256(id) -> first 8 hex digits as int % 100 < 30 -> test, else train"

#: The blind challenge set (notes in styles the development corpus lacks, written by another hand) is
#: never trained or tuned on: its ids start with this prefix, its split is ``"challenge"``, its sources are
#: ``src/challenge*.notes`` and it compiles to its own file, outside :func:`default_corpus_paths`.
CHALLENGE_PREFIX = "chal-"
CHALLENGE_SPLIT = "challenge"
CHALLENGE_SOURCE_GLOB = "challenge*.notes"
CHALLENGE_FILE = CORPUS_DIR / "challenge.v1.jsonl"

#: The second blind set (``annotations/corpus/BLIND.md``), held out exactly like the challenge set: ids
#: ``blind-*``, split ``"blind"``, sources ``src/blind*.notes``, compiled to its own file.
BLIND_PREFIX = "blind-"
BLIND_SPLIT = "blind"
BLIND_SOURCE_GLOB = "blind*.notes"
BLIND_FILE = CORPUS_DIR / "blind.v1.jsonl"
#: The third blind set (``annotations/corpus/BLIND2.md``), held out like the other two: ids ``blind2-*``,
#: split ``"blind2"``, sources ``src/fresh*.notes``, compiled to its own file.
BLIND2_PREFIX = "blind2-"
BLIND2_SPLIT = "blind2"
BLIND2_SOURCE_GLOB = "fresh*.notes"
BLIND2_FILE = CORPUS_DIR / "blind2.v1.jsonl"
#: The fourth held-out set (``annotations/corpus/BLIND3.md``), held out like the others: ids ``blind3-*``,
#: split ``"blind3"``, sources ``src/unseen*.notes``, compiled to its own file.
BLIND3_PREFIX = "blind3-"
BLIND3_SPLIT = "blind3"
BLIND3_SOURCE_GLOB = "unseen*.notes"
BLIND3_FILE = CORPUS_DIR / "blind3.v1.jsonl"
#: The fifth held-out set (``annotations/corpus/BLIND4.md``), held out like the others: ids ``blind4-*``,
#: split ``"blind4"``, sources ``src/novel*.notes``, compiled to its own file.
BLIND4_PREFIX = "blind4-"
BLIND4_SPLIT = "blind4"
BLIND4_SOURCE_GLOB = "novel*.notes"
BLIND4_FILE = CORPUS_DIR / "blind4.v1.jsonl"
#: File-name prefixes of the compiled held-out sets (never part of :func:`default_corpus_paths`).
HELDOUT_FILE_PREFIXES = ("challenge", "blind", "blind2", "blind3", "blind4")

SETTINGS = ("facility", "professional")
EVENT_KEYS = (
    "event_id",
    "drug",
    "drug_text",
    "dose",
    "volume_ml",
    "rate_ml_hr",
    "route",
    "status",
    "start",
    "end",
    "site",
    "infusate_id",
    "purpose",
    "spans",
)
PURPOSES = ("hydration", "maintenance", "kvo", "carrier", "flush", "therapeutic", "chemotherapy", "diluent")


class GoldError(ValueError):
    """A problem in a gold source or record; the message names the note id (never its text)."""


# ---------------------------------------------------------------------------------------------
# split
# ---------------------------------------------------------------------------------------------
def split_for(note_id: str) -> str:
    """Return the deterministic split of a note id: ``"test"`` for ~30% of ids, else ``"train"``.

    Parameters
    ----------
    note_id
        The record id.

    Returns
    -------
    str
        ``"train"`` or ``"test"``; ``"challenge"`` for ids starting with :data:`CHALLENGE_PREFIX`,
        ``"blind"`` for ids starting with :data:`BLIND_PREFIX`, ``"blind2"`` for ids starting with
        :data:`BLIND2_PREFIX`, ``"blind3"`` for ids starting with :data:`BLIND3_PREFIX`, ``"blind4"`` for ids
        starting with :data:`BLIND4_PREFIX`.

    Examples
    --------
    >>> split_for("dev-001") in ("train", "test")
    True
    >>> split_for("chal-001")
    'challenge'
    >>> split_for("blind-001")
    'blind'
    >>> split_for("blind2-001")
    'blind2'
    >>> split_for("blind3-001")
    'blind3'
    >>> split_for("blind4-001")
    'blind4'
    """
    if note_id.startswith(CHALLENGE_PREFIX):
        return CHALLENGE_SPLIT
    if note_id.startswith(BLIND2_PREFIX):
        return BLIND2_SPLIT
    if note_id.startswith(BLIND3_PREFIX):
        return BLIND3_SPLIT
    if note_id.startswith(BLIND4_PREFIX):
        return BLIND4_SPLIT
    if note_id.startswith(BLIND_PREFIX):
        return BLIND_SPLIT
    h = int(hashlib.sha256(note_id.encode("utf-8")).hexdigest()[:8], 16)
    return "test" if h % 100 < TEST_PERCENT else "train"


# ---------------------------------------------------------------------------------------------
# reading / writing
# ---------------------------------------------------------------------------------------------
def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """Read one gold JSONL file (blank lines skipped).

    Raises
    ------
    GoldError
        When a line is not a JSON object.
    """
    records: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(rec, dict):
                raise GoldError(f"{path}:{lineno}: not a JSON object")
            records.append(rec)
    return records


def write_gold(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write gold records as JSONL (UTF-8, one object per line, keys in a stable order).

    Returns
    -------
    int
        The number of records written.
    """
    n = 0
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def default_corpus_paths() -> list[Path]:
    """Return every ``annotations/corpus/*.jsonl`` file except the held-out challenge and blind sets."""
    return sorted(p for p in CORPUS_DIR.glob("*.jsonl") if not p.name.startswith(HELDOUT_FILE_PREFIXES))


def is_challenge_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source belongs to the challenge set (``challenge*.notes``)."""
    return Path(path).match(CHALLENGE_SOURCE_GLOB)


def is_blind_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source belongs to the second blind set (``blind*.notes``)."""
    return Path(path).match(BLIND_SOURCE_GLOB)


def is_blind2_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source belongs to the third blind set (``fresh*.notes``)."""
    return Path(path).match(BLIND2_SOURCE_GLOB)


def is_blind3_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source belongs to the fourth held-out set (``unseen*.notes``)."""
    return Path(path).match(BLIND3_SOURCE_GLOB)


def is_blind4_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source belongs to the fifth held-out set (``novel*.notes``)."""
    return Path(path).match(BLIND4_SOURCE_GLOB)


def is_heldout_source(path: str | Path) -> bool:
    """Return whether a ``*.notes`` source is held out of the dev corpus (challenge or a blind set)."""
    return (is_challenge_source(path) or is_blind_source(path) or is_blind2_source(path)
            or is_blind3_source(path) or is_blind4_source(path))


def load_corpus(paths: Iterable[str | Path] | None = None, split: str = "all") -> list[dict[str, Any]]:
    """Load gold records from ``paths`` (default: the whole corpus) keeping one split.

    Parameters
    ----------
    paths
        Gold JSONL files; ``None`` means :func:`default_corpus_paths`.
    split
        ``"train"``, ``"test"``, ``"challenge"``, ``"blind"``, ``"blind2"``, ``"blind3"``, ``"blind4"`` or
        ``"all"``.
    """
    known = ("train", "test", CHALLENGE_SPLIT, BLIND_SPLIT, BLIND2_SPLIT, BLIND3_SPLIT, BLIND4_SPLIT, "all")
    if split not in known:
        raise ValueError(
            f"split must be train, test, challenge, blind, blind2, blind3, blind4 or all, got {split!r}"
        )
    out: list[dict[str, Any]] = []
    for p in default_corpus_paths() if paths is None else paths:
        for rec in read_gold(p):
            if split == "all" or rec.get("split", split_for(str(rec.get("id")))) == split:
                out.append(rec)
    return out


def to_input_record(gold: dict[str, Any]) -> dict[str, Any]:
    """Return the contract input record (id, text, setting, encounter_date when present) of a gold note."""
    rec: dict[str, Any] = {"id": gold["id"], "text": gold["text"], "setting": gold.get("setting", "facility")}
    if gold.get("encounter_date"):
        rec["encounter_date"] = gold["encounter_date"]
    return rec


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _is_minute_iso(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return False
    return dt.second == 0 and dt.microsecond == 0


def validate_gold_record(rec: dict[str, Any]) -> list[str]:
    """Check one gold record; return a list of problems (empty when valid).

    Checks the record keys, the split, every event attribute against the contract's vocabularies
    and every span: offsets inside the text, ``text[start:end]`` equal to ``drug_text`` for DRUG spans,
    labels from ``SPAN_LABELS``. Messages name the note id and event id only.
    """
    errs: list[str] = []
    rid = rec.get("id")
    tag = f"note {rid!r}"
    text = rec.get("text")
    if not isinstance(rid, str) or not rid:
        errs.append("record without a string id")
    if not isinstance(text, str) or not text.strip():
        errs.append(f"{tag}: empty text")
        return errs
    if rec.get("setting") not in SETTINGS:
        errs.append(f"{tag}: bad setting")
    if "encounter_date" in rec:
        try:
            date.fromisoformat(rec["encounter_date"])
        except (TypeError, ValueError):
            errs.append(f"{tag}: encounter_date is not YYYY-MM-DD")
    if rec.get("split") != split_for(str(rid)):
        errs.append(f"{tag}: split {rec.get('split')!r} disagrees with split_for()")
    if not isinstance(rec.get("style"), str):
        errs.append(f"{tag}: no style")
    events = rec.get("gold_events")
    if not isinstance(events, list):
        return [*errs, f"{tag}: gold_events is not a list"]
    last = -1
    for ev in events:
        eid = ev.get("event_id")
        etag = f"{tag} event {eid}"
        missing = [k for k in EVENT_KEYS if k not in ev]
        if missing:
            errs.append(f"{etag}: missing keys {missing}")
            continue
        drug = ev["drug"]
        if not isinstance(drug, str) or not drug or drug != drug.lower():
            errs.append(f"{etag}: drug must be a lowercase name")
        if ev["route"] is not None and ev["route"] not in ROUTES:
            errs.append(f"{etag}: bad route {ev['route']!r}")
        if ev["status"] not in STATUSES:
            errs.append(f"{etag}: bad status {ev['status']!r}")
        dose = ev["dose"]
        if dose is not None:
            if not isinstance(dose, dict) or dose.get("unit") not in DOSE_UNITS:
                errs.append(f"{etag}: bad dose {dose!r}")
            elif not isinstance(dose.get("value"), int | float) or dose["value"] <= 0:
                errs.append(f"{etag}: dose value must be a positive number")
        for k in ("volume_ml", "rate_ml_hr"):
            if ev[k] is not None and (not isinstance(ev[k], int | float) or ev[k] <= 0):
                errs.append(f"{etag}: {k} must be a positive number or null")
        for k in ("start", "end"):
            if ev[k] is not None and not _is_minute_iso(ev[k]):
                errs.append(f"{etag}: {k} is not an ISO datetime on a whole minute")
        if ev["start"] and ev["end"] and ev["end"] < ev["start"]:
            errs.append(f"{etag}: end before start")
        if ev["end"] and not ev["start"]:
            errs.append(f"{etag}: end without start")
        if ev["status"] != "given" and (ev["start"] or ev["end"]):
            errs.append(f"{etag}: only given events carry times")
        if ev["purpose"] is not None and ev["purpose"] not in PURPOSES:
            errs.append(f"{etag}: bad purpose {ev['purpose']!r}")
        spans = ev["spans"]
        drug_spans = [s for s in spans if s.get("label") == "DRUG"]
        if len(drug_spans) != 1:
            errs.append(f"{etag}: needs exactly one DRUG span")
        for s in spans:
            st, en, lab = s.get("start"), s.get("end"), s.get("label")
            if lab not in SPAN_LABELS:
                errs.append(f"{etag}: bad span label {lab!r}")
            if not (isinstance(st, int) and isinstance(en, int) and 0 <= st < en <= len(text)):
                errs.append(f"{etag}: span offsets out of range")
                continue
            if lab == "DRUG":
                if text[st:en] != ev["drug_text"]:
                    errs.append(f"{etag}: DRUG span does not cover drug_text")
                if st < last:
                    errs.append(f"{etag}: events are not in text order")
                last = st
            if "text" in s and text[st:en] != s["text"]:
                errs.append(f"{etag}: {lab} span text mismatch")
    ids = [e.get("event_id") for e in events]
    if ids != [f"g{i}" for i in range(1, len(events) + 1)]:
        errs.append(f"{tag}: event ids must be g1..gN in order")
    return errs


# ---------------------------------------------------------------------------------------------
# compiling the hand-written sources
# ---------------------------------------------------------------------------------------------
_HEADER_RE = re.compile(r"^@@ note (\S+)\s*$")
_OCC_RE = re.compile(r"^(.*)#(\d+)$", re.S)
_DOSE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]+)\s*$")
_TIME_RE = re.compile(r"^(?:\+(\d+)\s+)?(\d{1,2}):(\d{2})$")


def _occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of ``needle`` that sit on word boundaries ("IV" never matches inside "ARRIVED")."""
    out, i = [], text.find(needle)
    while i >= 0:
        before_ok = i == 0 or not (needle[0].isalnum() and text[i - 1].isalnum())
        j = i + len(needle)
        after_ok = j == len(text) or not (needle[-1].isalnum() and text[j].isalnum())
        if before_ok and after_ok:
            out.append(i)
        i = text.find(needle, i + 1)
    return out


def locate(text: str, needle: str, near: int | None = None, occurrence: int | None = None,
           direction: str = "") -> int:
    """Return the start offset of ``needle`` in ``text``.

    Parameters
    ----------
    text
        The note text.
    needle
        The exact substring to find (case-sensitive, on word boundaries).
    near
        Offset of the DRUG span the needle belongs to. Without ``occurrence`` the choice is: the
        first occurrence after ``near`` on the same line, else the last one before it on the same
        line, else the occurrence closest to ``near`` anywhere.
    occurrence
        1-based index of the occurrence in the whole text (counting word-bounded occurrences only).
    direction
        ``"<"`` forces the closest occurrence before ``near``, ``">"`` the closest one after it.

    Raises
    ------
    GoldError
        When the substring (or that occurrence) is absent.
    """
    occ = _occurrences(text, needle)
    if not occ:
        raise GoldError(f"substring of length {len(needle)} not found")
    if occurrence is not None:
        if occurrence < 1 or occurrence > len(occ):
            raise GoldError(f"occurrence {occurrence} requested, only {len(occ)} present")
        return occ[occurrence - 1]
    if near is None:
        return occ[0]
    before = [i for i in occ if i < near]
    after = [i for i in occ if i >= near]
    if direction == "<":
        if not before:
            raise GoldError("no occurrence before the drug mention")
        return before[-1]
    if direction == ">":
        if not after:
            raise GoldError("no occurrence after the drug mention")
        return after[0]
    line_start = text.rfind("\n", 0, near) + 1
    line_end = text.find("\n", near)
    line_end = len(text) if line_end < 0 else line_end
    same_after = [i for i in after if i < line_end]
    if same_after:
        return same_after[0]
    same_before = [i for i in before if i >= line_start]
    if same_before:
        return same_before[-1]
    return min(occ, key=lambda i: (abs(i - near), -i))


def _split_occ(value: str) -> tuple[str, int | None]:
    m = _OCC_RE.match(value)
    if m and m.group(1):
        return m.group(1), int(m.group(2))
    return value, None


def _parse_dose(value: str) -> dict[str, Any]:
    m = _DOSE_RE.match(value)
    if not m:
        raise GoldError(f"bad dose {value!r}")
    unit = {"ml": "mL", "l": "L", "unit": "units", "meq": "mEq"}.get(m.group(2).lower(), m.group(2))
    if unit not in DOSE_UNITS:
        raise GoldError(f"bad dose unit {unit!r}")
    return {"value": float(m.group(1)), "unit": unit}


def _parse_time(value: str, anchor: date | None) -> str:
    m = _TIME_RE.match(value.strip())
    if m:
        if anchor is None:
            raise GoldError("clock time without an anchor date")
        day = anchor + timedelta(days=int(m.group(1) or 0))
        dt = datetime(day.year, day.month, day.day, int(m.group(2)), int(m.group(3)))
    else:
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            raise GoldError(f"bad time {value!r}") from None
    return dt.isoformat(timespec="seconds")


def _parse_event_line(line: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for n, part in enumerate(line.split(" | "), 1):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:  # the field may quote note text: name its position only
            raise GoldError(f"event field {n} has no '='")
        k, v = part.split("=", 1)
        pairs.append((k.strip(), v.strip()))
    return pairs


def _build_event(pairs: list[tuple[str, str]], text: str, anchor: date | None) -> dict[str, Any]:
    attrs: dict[str, str] = {}
    span_reqs: list[tuple[str, str]] = []
    for k, v in pairs:
        if k.isupper():
            if k not in SPAN_LABELS or k == "DRUG":
                raise GoldError(f"bad span key {k!r}")
            span_reqs.append((k, v))
        else:
            if k in attrs:
                raise GoldError(f"attribute {k!r} repeated")
            attrs[k] = v
    unknown = set(attrs) - {"drug", "text", "dose", "vol", "rate", "route", "status", "start", "end", "site",
                            "inf", "purpose"}
    if unknown:
        raise GoldError(f"unknown attributes {sorted(unknown)}")
    if "drug" not in attrs or "text" not in attrs:
        raise GoldError("event needs drug= and text=")
    drug_text, occ = _split_occ(attrs["text"])
    d_start = locate(text, drug_text, occurrence=occ)
    spans: list[dict[str, Any]] = [{"start": d_start, "end": d_start + len(drug_text), "label": "DRUG"}]
    for label, value in span_reqs:
        direction = value[0] if value[:1] in "<>" and len(value) > 1 else ""
        needle, occ = _split_occ(value[1:] if direction else value)
        s = locate(text, needle, near=d_start, occurrence=occ, direction=direction)
        spans.append({"start": s, "end": s + len(needle), "label": label})
    dose = _parse_dose(attrs["dose"]) if attrs.get("dose") else None
    vol = float(attrs["vol"]) if attrs.get("vol") else None
    if vol is None and dose is not None and dose["unit"] in ("mL", "L"):
        vol = dose["value"] * (1000.0 if dose["unit"] == "L" else 1.0)
    return {
        "drug": attrs["drug"],
        "drug_text": drug_text,
        "dose": dose,
        "volume_ml": vol,
        "rate_ml_hr": float(attrs["rate"]) if attrs.get("rate") else None,
        "route": attrs.get("route") or None,
        "status": attrs.get("status", "given"),
        "start": _parse_time(attrs["start"], anchor) if attrs.get("start") else None,
        "end": _parse_time(attrs["end"], anchor) if attrs.get("end") else None,
        "site": attrs.get("site") or None,
        "infusate_id": attrs.get("inf") or None,
        "purpose": attrs.get("purpose") or None,
        "spans": sorted(spans, key=lambda s: (s["start"], s["label"])),
    }


def _iter_source_blocks(src: str) -> Iterator[tuple[str, dict[str, str], str, list[str]]]:
    lines = src.split("\n")
    i = 0
    while i < len(lines):
        m = _HEADER_RE.match(lines[i])
        if not m:
            if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                raise GoldError(f"source line {i + 1}: expected '@@ note ID'")
            i += 1
            continue
        nid = m.group(1)
        i += 1
        header: dict[str, str] = {}
        while i < len(lines) and lines[i].strip() != "<<<":
            if lines[i].strip() and not lines[i].lstrip().startswith("#"):
                k, _, v = lines[i].partition(":")
                header[k.strip()] = v.strip()
            i += 1
        i += 1
        body: list[str] = []
        while i < len(lines) and lines[i].rstrip() != ">>>":
            body.append(lines[i])
            i += 1
        if i >= len(lines):
            raise GoldError(f"note {nid}: text block not closed with '>>>'")
        i += 1
        ev_lines: list[str] = []
        while i < len(lines) and not _HEADER_RE.match(lines[i]):
            s = lines[i].strip()
            if s and not s.startswith("#"):
                ev_lines.append(s)
            i += 1
        yield nid, header, "\n".join(body), ev_lines


def compile_source(src: str) -> list[dict[str, Any]]:
    """Compile one source file (see the module docstring) into gold records with offsets.

    Raises
    ------
    GoldError
        On any malformed header, event line or span that cannot be located (message names the note id).
    """
    out: list[dict[str, Any]] = []
    for nid, header, text, ev_lines in _iter_source_blocks(src):
        try:
            anchor = date.fromisoformat(header["date"]) if header.get("date") else None
            events = [_build_event(_parse_event_line(line), text, anchor) for line in ev_lines]
        except (GoldError, ValueError) as exc:
            raise GoldError(f"note {nid}: {exc}") from None
        events.sort(key=lambda e: next(s["start"] for s in e["spans"] if s["label"] == "DRUG"))
        for n, ev in enumerate(events, 1):
            ev["event_id"] = f"g{n}"
        rec: dict[str, Any] = {"id": nid, "text": text}
        if anchor is not None and header.get("date_in_record", "yes").lower() != "no":
            rec["encounter_date"] = anchor.isoformat()
        rec["setting"] = header.get("setting", "facility")
        rec["style"] = header.get("style", "unspecified")
        rec["split"] = split_for(nid)
        rec["gold_events"] = [{k: ev[k] for k in EVENT_KEYS} for ev in events]
        problems = validate_gold_record(rec)
        if problems:
            raise GoldError("; ".join(problems))
        out.append(rec)
    return out


def compile_sources(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Compile several source files; note ids must be unique across them."""
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for p in paths:
        for rec in compile_source(Path(p).read_text(encoding="utf-8")):
            if rec["id"] in seen:
                raise GoldError(f"duplicate note id {rec['id']!r} in {p}")
            seen.add(rec["id"])
            records.append(rec)
    return records


def splits_manifest(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Return the ``splits.v1.json`` content for ``records``."""
    train, test = [], []
    for r in records:
        (test if r["split"] == "test" else train).append(r["id"])
    return {
        "version": 1,
        "method": SPLIT_METHOD,
        "test_percent": TEST_PERCENT,
        "train": sorted(train),
        "test": sorted(test),
    }
