"""Tiny builders for hand-made events (imported by the coder tests)."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from infucode.annotations.schema import AdminEvent, CodingResult, Dose
from infucode.pipeline.coding import code_events
from infucode.pipeline.coding.tables import TABLE_FILES

DAY = datetime(2026, 11, 20)


def at(hhmm: str, day_offset: int = 0) -> datetime:
    """Clock time on the test day ("14:05")."""
    h, m = hhmm.split(":")
    return DAY + timedelta(days=day_offset, hours=int(h), minutes=int(m))


_COUNTER = {"n": 0}


def ev(
    drug: str,
    dose: float | None = None,
    unit: str = "mg",
    route: str | None = "IV_PUSH",
    start: str | None = None,
    end: str | None = None,
    minutes: float | None = None,
    **kw: Any,
) -> AdminEvent:
    """One given event; ``minutes`` sets ``end`` = start + minutes."""
    _COUNTER["n"] += 1
    eid = kw.pop("event_id", f"e{_COUNTER['n']}")
    s = at(start) if start else None
    e = (
        at(end)
        if end
        else (s + timedelta(minutes=minutes) if s is not None and minutes is not None else None)
    )
    if e is not None and s is not None and e < s:
        e += timedelta(days=1)
    return AdminEvent(
        event_id=eid,
        drug=drug,
        dose=Dose(dose, unit) if dose is not None else None,
        route=route,
        start=s,
        end=e,
        **kw,
    )


def fluid(
    drug: str = "sodium chloride 0.9%",
    ml: float = 1000,
    start: str | None = None,
    minutes: float | None = None,
    **kw: Any,
) -> AdminEvent:
    """A hung bag of fluid (dose = volume in mL)."""
    return ev(drug, ml, "mL", kw.pop("route", "IV_INFUSION"), start, minutes=minutes, volume_ml=ml, **kw)


def cpt(result: CodingResult) -> list[tuple[str, int, tuple[str, ...]]]:
    """CPT lines as (code, units, modifiers), in output order."""
    return [(c.code, c.units, tuple(c.modifiers)) for c in result.cpt]


def codes(result: CodingResult) -> dict[str, int]:
    """CPT code -> total units."""
    out: dict[str, int] = {}
    for c in result.cpt:
        out[c.code] = out.get(c.code, 0) + c.units
    return out


def hcpcs(result: CodingResult) -> list[tuple[str, int, tuple[str, ...]]]:
    """HCPCS lines as (code, units, modifiers)."""
    return [(c.code, c.units, tuple(c.modifiers)) for c in result.hcpcs]


def flag_codes(result: CodingResult) -> set[str]:
    """Codes of the flags raised."""
    return {f.code for f in result.flags}


def run(events: list[AdminEvent], setting: str = "facility", pos: str | None = None) -> CodingResult:
    """Code events with the packaged tables."""
    return code_events(events, setting=setting, place_of_service=pos)


def copy_tables(folder: Path) -> Path:
    """Copy every packaged coding table into ``folder`` (to edit one and load them with ``load_tables``)."""
    src = resources.files("infucode.pipeline") / "resources" / "coding"
    for name in TABLE_FILES:
        with resources.as_file(src / f"{name}.v1.csv") as p:
            shutil.copy(p, folder / f"{name}.v1.csv")
    return folder
