"""Export and import reviewed notes: project gold JSONL, BRAT standoff, Prodigy JSONL, Label Studio JSON.

Every format carries the same in-memory *review document*::

    {"id": str, "text": str, "encounter_date": str | None, "setting": str | None,
     "events": [contract-like event dicts, each with "spans": [{"start", "end", "label"}]],
     "cpt": [code lines], "hcpcs": [code lines], "reviewer": str | None, "meta": dict}

and each ``to_*``/``from_*`` pair round-trips it: the spans, the span-to-event grouping, and every non-span
event attribute (status, drug, dose, route, times, ...). Pure Python, no web stack needed.

Format notes
------------
* **gold** - the project's gold JSONL (``annotations/gold.py``): ``{id, text, encounter_date, setting, style,
  split, gold_events}`` plus ``gold_cpt``/``gold_hcpcs``/``reviewer`` when present. Events are renumbered
  ``g1..gN`` in text order and reduced to the gold event keys, so this pair round-trips to the *gold
  canonical form* of a document (``from_gold(to_gold(d))`` is stable under a second round trip).
* **brat** - a zip with ``<stem>.txt`` + ``<stem>.ann`` per note, ``annotation.conf`` and
  ``documents.jsonl`` (note id, date, setting, codes). Each span is a text-bound ``T`` annotation with its
  label; each event is a BRAT event ``E`` of type ``Administration`` whose trigger duplicates the event's
  first span and whose arguments are the spans (role = label, numbered when repeated); the status is an
  attribute ``A`` and the other attributes are a JSON ``AnnotatorNotes`` comment on the event. Spans that
  cross a line break are written as discontinuous fragments (BRAT forbids newlines in a fragment).
* **prodigy** - one JSON object per note: ``text``, ``spans`` (each with ``event_id``), ``events`` (the
  attributes without spans), ``meta`` (id, date, setting), ``answer`` and ``_annotator_id``.
* **labelstudio** - a JSON list of tasks; each task's ``annotations[0].result`` holds ``labels`` regions,
  per-event ``choices`` (status) and ``textarea`` (attributes as JSON) on the event's first region, and
  ``relation`` items from that region to the event's other regions.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from infucode.annotations import gold
from infucode.annotations.schema import SPAN_LABELS

#: name -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "gold": ("application/x-ndjson", "jsonl"),
    "brat": ("application/zip", "zip"),
    "prodigy": ("application/x-ndjson", "jsonl"),
    "labelstudio": ("application/json", "json"),
}

_EVENT_TYPE = "Administration"


class FormatError(ValueError):
    """An import file that cannot be read in the requested format (message never holds note text)."""


# ---------------------------------------------------------------------------------------------- helpers
def _event_attrs(event: dict[str, Any]) -> dict[str, Any]:
    """Return the event without its spans."""
    return {k: v for k, v in event.items() if k != "spans"}


def _clean_spans(spans: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in spans:
        d = {"start": int(s["start"]), "end": int(s["end"]), "label": str(s["label"])}
        out.append(d)
    return out


def normalize_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """Return a review document with every key present and spans reduced to start/end/label.

    Parameters
    ----------
    doc
        A review document (possibly missing optional keys).

    Returns
    -------
    dict
        A new dict; event ids are filled in (``e1``, ``e2``, ...) where missing (and made unique), and
        each event's spans are in canonical order (start, end, label).
    """
    events = []
    seen: set[str] = set()
    for i, ev in enumerate(doc.get("events") or [], start=1):
        e = dict(ev)
        eid = str(e.get("event_id") or f"e{i}")
        while eid in seen:
            eid = f"{eid}_{i}"
        seen.add(eid)
        e["event_id"] = eid
        e["spans"] = sorted(
            _clean_spans(e.get("spans") or []), key=lambda x: (x["start"], x["end"], x["label"])
        )
        events.append(e)
    return {
        "id": str(doc["id"]),
        "text": str(doc.get("text") or ""),
        "encounter_date": doc.get("encounter_date"),
        "setting": doc.get("setting"),
        "events": events,
        "cpt": list(doc.get("cpt") or []),
        "hcpcs": list(doc.get("hcpcs") or []),
        "reviewer": doc.get("reviewer"),
        "meta": dict(doc.get("meta") or {}),
    }


def _jsonl(objs: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=False) + "\n" for o in objs)


def _read_jsonl(data: str | bytes, what: str) -> list[dict[str, Any]]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{what}: file is not UTF-8 text") from None
    out = []
    for n, line in enumerate(data.split("\n"), start=1):  # not splitlines(): U+2028 etc. may sit in JSON
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise FormatError(f"{what}: line {n} is not valid JSON") from None
        if not isinstance(obj, dict):
            raise FormatError(f"{what}: line {n} is not a JSON object")
        out.append(obj)
    return out


def _insert_spanless(events: list[dict[str, Any]], spanless: Any) -> list[dict[str, Any]]:
    """Put events that had no spans back at their original positions."""
    out = list(events)
    for item in sorted(spanless or [], key=lambda x: x.get("index", 0) if isinstance(x, dict) else 0):
        if isinstance(item, dict) and isinstance(item.get("event"), dict):
            ev = {**item["event"], "spans": []}
            out.insert(min(int(item.get("index", len(out))), len(out)), ev)
    return out


# ------------------------------------------------------------------------------------------------ gold
def _drug_start(ev: dict[str, Any]) -> int:
    starts = [s["start"] for s in ev["spans"] if s["label"] == "DRUG"] or [s["start"] for s in ev["spans"]]
    return min(starts) if starts else 1 << 60


def to_gold_record(doc: dict[str, Any]) -> dict[str, Any]:
    """Return one review document as a record of the project's gold format (``annotations/gold.py``).

    Events are put in text order (by their DRUG span) and renumbered ``g1..gN`` (code lines' ``event_ids``
    follow), carry exactly the gold event keys (``gold.EVENT_KEYS``; ``access_id`` too when set), and
    ``drug_text`` is re-read from the DRUG span so that it always matches the text. ``encounter_date`` is
    omitted when unknown; ``split`` comes from ``gold.split_for``; ``style`` from the note's meta.
    """
    d = normalize_doc(doc)
    events = sorted(d["events"], key=_drug_start)
    renum = {ev["event_id"]: f"g{n}" for n, ev in enumerate(events, start=1)}
    gold_events = []
    for ev in events:
        g = {k: ev.get(k) for k in gold.EVENT_KEYS}
        g["event_id"] = renum[ev["event_id"]]
        g["drug"] = str(ev.get("drug") or "").lower()
        g["status"] = ev.get("status") or "given"
        g["spans"] = ev["spans"]
        drug_spans = [s for s in ev["spans"] if s["label"] == "DRUG"]
        if len(drug_spans) == 1:
            g["drug_text"] = d["text"][drug_spans[0]["start"] : drug_spans[0]["end"]]
        elif g["drug_text"] is None:
            g["drug_text"] = ""
        if ev.get("access_id"):
            g["access_id"] = ev["access_id"]
        gold_events.append(g)

    def _lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**ln, "event_ids": [renum.get(e, e) for e in ln.get("event_ids") or []]} for ln in lines]

    meta = dict(d["meta"])
    rec: dict[str, Any] = {"id": d["id"], "text": d["text"]}
    if d["encounter_date"]:
        rec["encounter_date"] = d["encounter_date"]
    rec["setting"] = d["setting"] if d["setting"] in gold.SETTINGS else "facility"
    rec["style"] = str(meta.pop("style", None) or "reviewed")
    meta.pop("split", None)
    rec["split"] = gold.split_for(d["id"])
    rec["gold_events"] = gold_events
    if d["cpt"] or d["hcpcs"]:
        rec["gold_cpt"] = _lines(d["cpt"])
        rec["gold_hcpcs"] = _lines(d["hcpcs"])
    if d["reviewer"]:
        rec["reviewer"] = d["reviewer"]
    if meta:
        rec["meta"] = meta
    return rec


def to_gold(docs: Iterable[dict[str, Any]]) -> str:
    """Write review documents as the project's gold JSONL (see :func:`to_gold_record`)."""
    return _jsonl(to_gold_record(d) for d in docs)


def gold_problems(docs: Iterable[dict[str, Any]]) -> list[str]:
    """Problems ``gold.validate_gold_record`` finds in the gold export of ``docs`` (ids only, no text)."""
    out: list[str] = []
    for d in docs:
        out.extend(gold.validate_gold_record(to_gold_record(d)))
    return out


def from_gold(data: str | bytes) -> list[dict[str, Any]]:
    """Read gold JSONL (also accepts plain input records with ``text``/``note`` and no events)."""
    docs = []
    for n, rec in enumerate(_read_jsonl(data, "gold"), start=1):
        if "id" not in rec:
            raise FormatError(f"gold: line {n} has no 'id'")
        text = rec.get("text", rec.get("note"))
        if not isinstance(text, str):
            raise FormatError(f"gold: line {n} has no 'text' string")
        events = rec.get("gold_events", rec.get("events")) or []
        if not isinstance(events, list):
            raise FormatError(f"gold: line {n}: 'gold_events' must be a list")
        known = {
            "id",
            "text",
            "note",
            "encounter_date",
            "setting",
            "gold_events",
            "events",
            "gold_cpt",
            "gold_hcpcs",
            "reviewer",
            "meta",
        }
        meta = dict(rec.get("meta") or {})
        meta.update({k: v for k, v in rec.items() if k not in known})
        try:
            docs.append(
                normalize_doc(
                    {
                        "id": rec["id"],
                        "text": text,
                        "encounter_date": rec.get("encounter_date"),
                        "setting": rec.get("setting"),
                        "events": events,
                        "cpt": rec.get("gold_cpt"),
                        "hcpcs": rec.get("gold_hcpcs"),
                        "reviewer": rec.get("reviewer"),
                        "meta": meta,
                    }
                )
            )
        except (KeyError, TypeError, ValueError):
            raise FormatError(f"gold: line {n} has a malformed event or span") from None
    return docs


# ------------------------------------------------------------------------------------------------ brat
_STEM_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def _stem(doc_id: str, used: set[str]) -> str:
    base = _STEM_BAD.sub("_", doc_id).strip("._") or "note"
    stem, k = base, 2
    while stem in used:
        stem = f"{base}_{k}"
        k += 1
    used.add(stem)
    return stem


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``[start, end)`` at line breaks (BRAT fragments hold no newline)."""
    frags: list[tuple[int, int]] = []
    i = start
    for m in re.finditer(r"[\r\n]+", text[start:end]):
        a, b = start + m.start(), start + m.end()
        if a > i:
            frags.append((i, a))
        i = b
    if end > i:
        frags.append((i, end))
    return frags or [(start, end)]


def _brat_tline(tid: str, label: str, text: str, start: int, end: int) -> str:
    frags = _fragments(text, start, end)
    offs = ";".join(f"{a} {b}" for a, b in frags)
    surface = " ".join(text[a:b] for a, b in frags)
    return f"{tid}\t{label} {offs}\t{surface}"


def to_brat(docs: Iterable[dict[str, Any]]) -> bytes:
    """Write review documents as a zip of BRAT standoff files."""
    buf = io.BytesIO()
    used: set[str] = set()
    manifest = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for d in map(normalize_doc, docs):
            stem = _stem(d["id"], used)
            text = d["text"]
            lines: list[str] = []
            t = a = n = 0
            spanless = []
            for e_no, ev in enumerate(d["events"], start=1):
                if not ev["spans"]:
                    spanless.append({"index": e_no - 1, "event": _event_attrs(ev)})
                    continue
                args = []
                role_count: dict[str, int] = {}
                first = ev["spans"][0]
                t += 1
                trig = f"T{t}"
                lines.append(_brat_tline(trig, _EVENT_TYPE, text, first["start"], first["end"]))
                for s in ev["spans"]:
                    t += 1
                    lines.append(_brat_tline(f"T{t}", s["label"], text, s["start"], s["end"]))
                    k = role_count[s["label"]] = role_count.get(s["label"], 0) + 1
                    args.append(f"{s['label']}{'' if k == 1 else k}:T{t}")
                eid = f"E{e_no}"
                lines.append(f"{eid}\t{_EVENT_TYPE}:{trig} " + " ".join(args))
                if ev.get("status"):
                    a += 1
                    lines.append(f"A{a}\tStatus {eid} {ev['status']}")
                n += 1
                attrs = json.dumps(_event_attrs(ev), ensure_ascii=False)
                lines.append(f"#{n}\tAnnotatorNotes {eid}\t{attrs}")
            zf.writestr(f"{stem}.txt", text)
            zf.writestr(f"{stem}.ann", "\n".join(lines) + ("\n" if lines else ""))
            manifest.append(
                {
                    "file": stem,
                    "id": d["id"],
                    "encounter_date": d["encounter_date"],
                    "setting": d["setting"],
                    "cpt": d["cpt"],
                    "hcpcs": d["hcpcs"],
                    "reviewer": d["reviewer"],
                    "meta": d["meta"],
                    "spanless_events": spanless,
                }
            )
        zf.writestr("annotation.conf", _brat_conf())
        zf.writestr("documents.jsonl", _jsonl(manifest))
    return buf.getvalue()


def _brat_conf() -> str:
    from infucode.annotations.schema import STATUSES

    roles = " ".join(f"{lab}*:{lab}" for lab in SPAN_LABELS)
    return (
        "[entities]\n" + "\n".join(SPAN_LABELS) + "\n\n[relations]\n\n"
        f"[events]\n{_EVENT_TYPE}\t{roles.replace(' ', ', ')}\n\n"
        f"[attributes]\nStatus\tArg:{_EVENT_TYPE}, Value:{'|'.join(STATUSES)}\n"
    )


def _parse_ann(ann: str, stem: str) -> list[dict[str, Any]]:
    tb: dict[str, tuple[str, int, int]] = {}
    events: list[tuple[str, str, list[tuple[str, str]]]] = []
    status: dict[str, str] = {}
    notes: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(ann.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        parts = line.split("\t")
        key = parts[0]
        try:
            if key.startswith("T"):
                label, _, offs = parts[1].partition(" ")
                frags = [tuple(int(x) for x in f.split()) for f in offs.split(";")]
                tb[key] = (label, min(f[0] for f in frags), max(f[1] for f in frags))
            elif key.startswith("E"):
                items = parts[1].split()
                trig = items[0].split(":")[1]
                args = [tuple(it.split(":", 1)) for it in items[1:]]
                events.append((key, trig, [(re.sub(r"\d+$", "", r), ref) for r, ref in args]))
            elif key.startswith("A"):
                name, target, *value = parts[1].split()
                if name == "Status" and value:
                    status[target] = value[0]
            elif key.startswith("#"):
                _, target = parts[1].split()
                notes[target] = json.loads(parts[2])
        except (IndexError, ValueError, json.JSONDecodeError):
            raise FormatError(f"brat: {stem}.ann line {n} is malformed") from None
    out = []
    for i, (eid, _trig, args) in enumerate(events, start=1):
        ev: dict[str, Any] = {"event_id": f"e{i}", "drug": ""}
        ev.update(notes.get(eid, {}))
        if eid in status:
            ev["status"] = status[eid]
        spans = []
        for role, ref in args:
            if ref not in tb:
                raise FormatError(f"brat: {stem}.ann event {eid} names unknown {ref}")
            _label, s, e = tb[ref]
            spans.append({"start": s, "end": e, "label": role})
        ev["spans"] = spans
        out.append(ev)
    return out


def from_brat(data: bytes) -> list[dict[str, Any]]:
    """Read a zip of BRAT standoff files written by :func:`to_brat` or by BRAT itself."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FormatError("brat: upload is not a zip archive") from None
    with zf:
        names = set(zf.namelist())
        manifest: dict[str, dict[str, Any]] = {}
        if "documents.jsonl" in names:
            for rec in _read_jsonl(zf.read("documents.jsonl"), "brat documents.jsonl"):
                manifest[str(rec.get("file"))] = rec
        stems = sorted({n[:-4] for n in names if n.endswith(".txt")})
        order = [m for m in manifest if m in stems] + [s for s in stems if s not in manifest]
        docs = []
        for stem in order:
            try:
                text = zf.read(f"{stem}.txt").decode("utf-8")
                ann = zf.read(f"{stem}.ann").decode("utf-8") if f"{stem}.ann" in names else ""
            except UnicodeDecodeError:
                raise FormatError(f"brat: {stem} is not UTF-8") from None
            m = manifest.get(stem, {})
            events = _insert_spanless(_parse_ann(ann, stem), m.get("spanless_events"))
            docs.append(
                normalize_doc(
                    {
                        "id": m.get("id", stem.rsplit("/", 1)[-1]),
                        "text": text,
                        "encounter_date": m.get("encounter_date"),
                        "setting": m.get("setting"),
                        "events": events,
                        "cpt": m.get("cpt"),
                        "hcpcs": m.get("hcpcs"),
                        "reviewer": m.get("reviewer"),
                        "meta": m.get("meta"),
                    }
                )
            )
    return docs


# --------------------------------------------------------------------------------------------- prodigy
def to_prodigy(docs: Iterable[dict[str, Any]]) -> str:
    """Write review documents as Prodigy-style JSONL (``spans`` with ``event_id``)."""
    recs = []
    for d in map(normalize_doc, docs):
        spans = []
        for ev in d["events"]:
            for s in ev["spans"]:
                spans.append(
                    {
                        "start": s["start"],
                        "end": s["end"],
                        "label": s["label"],
                        "text": d["text"][s["start"] : s["end"]],
                        "event_id": ev["event_id"],
                    }
                )
        spans.sort(key=lambda s: (s["start"], s["end"]))
        rec: dict[str, Any] = {
            "text": d["text"],
            "spans": spans,
            "events": [_event_attrs(ev) for ev in d["events"]],
            "cpt": d["cpt"],
            "hcpcs": d["hcpcs"],
            "meta": {
                "id": d["id"],
                "encounter_date": d["encounter_date"],
                "setting": d["setting"],
                **{k: v for k, v in d["meta"].items() if k not in ("id", "encounter_date", "setting")},
            },
            "answer": "accept",
        }
        if d["reviewer"]:
            rec["_annotator_id"] = d["reviewer"]
        recs.append(rec)
    return _jsonl(recs)


def from_prodigy(data: str | bytes) -> list[dict[str, Any]]:
    """Read Prodigy-style JSONL; spans without ``event_id`` become one event per DRUG span."""
    docs = []
    for n, rec in enumerate(_read_jsonl(data, "prodigy"), start=1):
        if not isinstance(rec.get("text"), str):
            raise FormatError(f"prodigy: line {n} has no 'text'")
        meta = dict(rec.get("meta") or {})
        events = [dict(e) for e in rec.get("events") or []]
        by_id = {str(e.get("event_id")): e for e in events}
        for e in events:
            e["spans"] = []
        loose = []
        try:
            for s in rec.get("spans") or []:
                span = {"start": int(s["start"]), "end": int(s["end"]), "label": str(s["label"])}
                eid = s.get("event_id")
                if eid is not None and str(eid) in by_id:
                    by_id[str(eid)]["spans"].append(span)
                else:
                    loose.append(span)
        except (KeyError, TypeError, ValueError):
            raise FormatError(f"prodigy: line {n} has a malformed span") from None
        for span in sorted(loose, key=lambda s: s["start"]):
            if span["label"] == "DRUG" or not events:
                events.append(
                    {
                        "event_id": f"e{len(events) + 1}",
                        "drug": rec["text"][span["start"] : span["end"]].lower(),
                        "status": "given",
                        "spans": [span],
                    }
                )
            else:
                events[-1]["spans"].append(span)
        rid = meta.pop("id", None)
        docs.append(
            normalize_doc(
                {
                    "id": rid if rid is not None else rec.get("_input_hash", f"prodigy-{n}"),
                    "text": rec["text"],
                    "encounter_date": meta.pop("encounter_date", None),
                    "setting": meta.pop("setting", None),
                    "events": events,
                    "cpt": rec.get("cpt"),
                    "hcpcs": rec.get("hcpcs"),
                    "reviewer": rec.get("_annotator_id"),
                    "meta": meta,
                }
            )
        )
    return docs


# ----------------------------------------------------------------------------------------- label studio
def to_labelstudio(docs: Iterable[dict[str, Any]]) -> str:
    """Write review documents as a Label Studio JSON task list (with one annotation each)."""
    tasks = []
    for n, d in enumerate(map(normalize_doc, docs), start=1):
        result: list[dict[str, Any]] = []
        spanless = []
        for e_no, ev in enumerate(d["events"]):
            if not ev["spans"]:
                spanless.append({"index": e_no, "event": _event_attrs(ev)})
                continue
            rids = []
            for k, s in enumerate(ev["spans"]):
                rid = f"{ev['event_id']}-s{k}"
                rids.append(rid)
                result.append(
                    {
                        "id": rid,
                        "from_name": "label",
                        "to_name": "text",
                        "type": "labels",
                        "value": {
                            "start": s["start"],
                            "end": s["end"],
                            "text": d["text"][s["start"] : s["end"]],
                            "labels": [s["label"]],
                        },
                    }
                )
            first = ev["spans"][0]
            region = {"start": first["start"], "end": first["end"]}
            if ev.get("status"):
                result.append(
                    {
                        "id": rids[0],
                        "from_name": "status",
                        "to_name": "text",
                        "type": "choices",
                        "value": {**region, "choices": [ev["status"]]},
                    }
                )
            result.append(
                {
                    "id": rids[0],
                    "from_name": "attributes",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {**region, "text": [json.dumps(_event_attrs(ev), ensure_ascii=False)]},
                }
            )
            for rid in rids[1:]:
                result.append(
                    {
                        "type": "relation",
                        "from_id": rids[0],
                        "to_id": rid,
                        "direction": "right",
                        "labels": ["has_attribute"],
                    }
                )
        ann: dict[str, Any] = {"result": result, "was_cancelled": False}
        if d["reviewer"]:
            ann["completed_by"] = {"email": d["reviewer"]}
        tasks.append(
            {
                "id": n,
                "data": {
                    "text": d["text"],
                    "note_id": d["id"],
                    "encounter_date": d["encounter_date"],
                    "setting": d["setting"],
                },
                "meta": {"cpt": d["cpt"], "hcpcs": d["hcpcs"], "spanless_events": spanless, **d["meta"]},
                "annotations": [ann],
            }
        )
    return json.dumps(tasks, ensure_ascii=False, indent=1)


def from_labelstudio(data: str | bytes) -> list[dict[str, Any]]:
    """Read a Label Studio JSON export (regions grouped into events by relations from the first region)."""
    try:
        tasks = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FormatError("labelstudio: file is not valid JSON") from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise FormatError("labelstudio: expected a list of tasks")
    docs = []
    for n, task in enumerate(tasks, start=1):
        if not isinstance(task, dict) or not isinstance((task.get("data") or {}).get("text"), str):
            raise FormatError(f"labelstudio: task {n} has no data.text")
        data_ = task["data"]
        anns = task.get("annotations") or task.get("completions") or []
        ann = next((a for a in anns if not a.get("was_cancelled")), anns[0] if anns else {"result": []})
        regions: dict[str, dict[str, Any]] = {}
        attrs: dict[str, dict[str, Any]] = {}
        status: dict[str, str] = {}
        parent: dict[str, str] = {}
        order: list[str] = []
        try:
            for item in ann.get("result") or []:
                typ = item.get("type")
                if typ == "labels":
                    v = item["value"]
                    rid = str(item["id"])
                    regions[rid] = {
                        "start": int(v["start"]),
                        "end": int(v["end"]),
                        "label": str(v["labels"][0]),
                    }
                    order.append(rid)
                elif typ == "choices" and item.get("from_name") == "status":
                    status[str(item["id"])] = str(item["value"]["choices"][0])
                elif typ == "textarea" and item.get("from_name") == "attributes":
                    attrs[str(item["id"])] = json.loads(item["value"]["text"][0])
                elif typ == "relation":
                    parent[str(item["to_id"])] = str(item["from_id"])
        except (KeyError, IndexError, TypeError, ValueError, json.JSONDecodeError):
            raise FormatError(f"labelstudio: task {n} has a malformed result item") from None
        events: dict[str, dict[str, Any]] = {}
        for rid in order:
            root = parent.get(rid, rid)
            if root not in events:
                ev = {"event_id": f"e{len(events) + 1}", "drug": "", "status": "given"}
                ev.update(attrs.get(root, {}))
                if root in status:
                    ev["status"] = status[root]
                if not ev.get("drug") and regions[rid]["label"] == "DRUG":
                    ev["drug"] = data_["text"][regions[rid]["start"] : regions[rid]["end"]].lower()
                ev["spans"] = []
                events[root] = ev
            events[root]["spans"].append(regions[rid])
        meta = dict(task.get("meta") or {})
        cpt, hcpcs = meta.pop("cpt", None), meta.pop("hcpcs", None)
        spanless = meta.pop("spanless_events", None) or []
        reviewer = (ann.get("completed_by") or {}) if isinstance(ann.get("completed_by"), dict) else {}
        docs.append(
            normalize_doc(
                {
                    "id": data_.get("note_id", task.get("id", n)),
                    "text": data_["text"],
                    "encounter_date": data_.get("encounter_date"),
                    "setting": data_.get("setting"),
                    "events": _insert_spanless(list(events.values()), spanless),
                    "cpt": cpt,
                    "hcpcs": hcpcs,
                    "reviewer": reviewer.get("email"),
                    "meta": meta,
                }
            )
        )
    return docs


EXPORTERS: dict[str, Callable[[Iterable[dict[str, Any]]], str | bytes]] = {
    "gold": to_gold,
    "brat": to_brat,
    "prodigy": to_prodigy,
    "labelstudio": to_labelstudio,
}
IMPORTERS: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "gold": from_gold,
    "brat": from_brat,
    "prodigy": from_prodigy,
    "labelstudio": from_labelstudio,
}
