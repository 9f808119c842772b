"""A deterministic stand-in for NotePipeline used by the batch/Spark tests (no spaCy, fast).

Not a test module: it holds no tests. It is imported by plain name (its folder is put on sys.path /
PYTHONPATH) so that spawned worker processes and Spark executors can load it.
Behaviour: records are validated with the real ``runner.validate_record``; every line of the text that
contains a token ending in "mg" becomes an event; "push" lines produce a 96374 line. Magic words make a note
raise (``@@RAISE@@``) or kill its process (``@@CRASH@@``). ``FAKE_DELAY`` (seconds) slows each note down.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from infucode.pipeline.runner import NoteError, error_record, validate_record, versions

_DOSE = re.compile(r"\b(\d+(?:\.\d+)?)\s*mg\b", re.I)


class FakePipeline:
    loads = 0

    def __init__(self, default_setting: str = "facility") -> None:
        FakePipeline.loads += 1
        self.default_setting = default_setting
        self.pid = os.getpid()

    def process(self, record: Any) -> dict[str, Any]:
        try:
            rid, text, options = validate_record(record, self.default_setting)
        except NoteError as exc:
            return error_record(record, exc, self.default_setting)
        delay = float(os.environ.get("FAKE_DELAY", "0") or 0)
        if delay:
            time.sleep(delay)
        if "@@CRASH@@" in text:
            os._exit(3)
        if "@@RAISE@@" in text:
            return error_record(record, RuntimeError("boom"), self.default_setting)
        events, cpt = [], []
        for n, line in enumerate(text.splitlines()):
            m = _DOSE.search(line)
            if not m:
                continue
            eid = f"e{len(events) + 1}"
            events.append({"event_id": eid, "drug": "x", "dose": {"value": float(m.group(1)), "unit": "mg"},
                           "status": "given", "route": "IV_PUSH" if "push" in line.lower() else None,
                           "line": n})
            if "push" in line.lower():
                cpt.append({"code": "96374", "units": 1, "modifiers": [], "event_ids": [eid], "rule": "fake",
                            "rationale": "fake"})
        meta = {k: v for k, v in record.items() if k not in {"id", "text", "note", "setting",
                                                             "encounter_date", "place_of_service"}}
        return {"id": rid, "status": "ok", "error": None, "setting": options["setting"], "events": events,
                "cpt": cpt, "hcpcs": [], "flags": [{"code": "FAKE", "severity": "info", "message": "",
                                                    "event_ids": []}] if not events else [],
                "versions": versions(), "meta": meta}

    def process_many(self, records: Any) -> Any:
        for r in records:
            yield self.process(r)


def fake_factory(default_setting: str = "facility") -> FakePipeline:
    return FakePipeline(default_setting)
