"""The one data model shared by extraction, the temporal resolver, the coder and the tools.

Plain dataclasses (no spaCy, no pydantic) so that the coder and the models can be used on hand-built
records. Every offset is a character offset into the original note text. ``to_dict`` gives the JSON shape
of ``shared/reference/contract.md``; extra keys beyond the contract are allowed there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Route = Literal[
    "IV_PUSH",
    "IV_INFUSION",
    "IV",
    "IM",
    "SQ",
    "PO",
    "SL",
    "INHALED",
    "TOPICAL",
    "LOCAL_INFILTRATION",
    "INTRATHECAL",
    "EPIDURAL",
    "INTRA_ARTERIAL",
    "PR",
    "OTHER",
]
ROUTES: tuple[str, ...] = Route.__args__  # type: ignore[attr-defined]

Status = Literal["given", "not_given", "planned", "ordered", "historical", "uncertain"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]

TimeSource = Literal["documented", "computed", "unknown"]

#: Span labels used in ``AdminEvent.spans``.
SPAN_LABELS: tuple[str, ...] = (
    "DRUG",
    "DOSE",
    "VOLUME",
    "RATE",
    "CONCENTRATION",
    "ROUTE",
    "SITE",
    "TIME",
    "DURATION",
    "STATUS",
    "LINE_CUE",
    "PURPOSE",
    "WASTE",
)

#: Dose units allowed by the contract.
DOSE_UNITS: tuple[str, ...] = ("mg", "mcg", "g", "mL", "L", "units", "mEq", "mmol")


@dataclass(slots=True)
class Span:
    """Evidence for one attribute: ``text[start:end]`` with a label and the rule/lexicon id that made it."""

    start: int
    end: int
    label: str
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape (``rule`` only when set)."""
        d: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        if self.rule:
            d["rule"] = self.rule
        return d


@dataclass(slots=True)
class Dose:
    """An amount with a unit from ``DOSE_UNITS``."""

    value: float
    unit: str


@dataclass(slots=True)
class TimeMention:
    """A time expression linked to an event by extraction, interpreted by the temporal resolver.

    ``role`` says what the expression means for the event: ``start`` ("started 1410", "hung @1410"),
    ``end`` ("completed 1450", "bag empty 1530", "d/c'd 1500"), ``at`` (a time with no start/stop wording,
    e.g. the MAR admin time of a push), ``pause``, ``resume``, ``infiltrated`` (line lost; a restart
    follows), ``range`` (one expression holding both ends, "1410-1450").
    ``text`` is the raw expression, kept only in memory (never written to logs).
    """

    start: int
    end: int
    role: str
    text: str


@dataclass(slots=True)
class Relation:
    """A link from one event to another, set by the temporal resolver.

    ``type``: ``sequential`` (this event follows ``other`` on the same access), ``concurrent`` (runs at the
    same time as ``other`` on the same access), ``separate_site`` (overlaps or follows ``other`` on another
    access), ``repeat_of`` (same drug given again; ``minutes`` = minutes since the previous reported push or
    administration of that drug), ``same_infusate`` (mixed in one bag), ``during`` (a push given while the
    ``other`` infusion was running; ``minutes`` = push minutes to subtract from it).
    """

    type: str
    other: str
    minutes: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape."""
        return {"type": self.type, "other": self.other, "minutes": self.minutes}


@dataclass(slots=True)
class Waste:
    """Single-dose-vial wastage documented in the note (for JW/JZ)."""

    single_dose_vial: bool = False
    discarded: Dose | None = None  # amount discarded; Dose(0, unit) means "no waste" documented


@dataclass(slots=True)
class AdminEvent:
    """One documented drug administration (or non-administration) with its evidence.

    Filled in three steps: extraction (drug and attributes, ``time_mentions``, status), the temporal
    resolver (``start``/``end``/``duration_min``/``time_source``, ``access_id``, ``encounter_id``,
    ``relations``), and read by the coder.
    """

    event_id: str
    drug: str
    drug_text: str = ""
    rxcui: str | None = None
    dose: Dose | None = None
    volume_ml: float | None = None
    rate_ml_hr: float | None = None
    concentration: str | None = None
    route: str | None = None
    status: str = "given"
    start: datetime | None = None
    end: datetime | None = None
    duration_min: float | None = None
    site: str | None = None
    # hydration | maintenance | kvo | carrier | flush | therapeutic | chemotherapy | diluent
    purpose: str | None = None
    spans: list[Span] = field(default_factory=list)
    # --- beyond the contract -------------------------------------------------------------
    route_text: str | None = None
    device: str | None = None  # "20g PIV", "port", "PICC"
    line_cue: str | None = None  # y_site | piggyback | same_line | separate_line | new_line
    infusate_id: str | None = None  # events sharing one bag/mixture share this id
    indication: str | None = None  # free-text reason ("dehydration", "nausea") when documented
    status_cue: str | None = None  # the ConText/rule cue that set ``status``
    confidence: float = 1.0
    entry_index: int = 0  # index of the note entry (timestamped line, flowsheet row, paragraph)
    mention_start: int = 0  # char offset of the drug mention (stable ordering key)
    time_mentions: list[TimeMention] = field(default_factory=list)
    documented_duration_min: float | None = None  # "over 30 min", "x 2 hrs"
    time_source: str = "unknown"  # documented | computed | unknown
    access_id: str | None = None  # set by the temporal resolver ("A1", "A2", ...)
    encounter_id: str | None = None  # set by the temporal resolver ("V1", "V2", ...)
    relations: list[Relation] = field(default_factory=list)
    pauses_min: float = 0.0  # minutes the infusion was paused (not billable time)
    waste: Waste | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the contract's event JSON (plus the extra fields)."""
        d: dict[str, Any] = {
            "event_id": self.event_id,
            "drug": self.drug,
            "drug_text": self.drug_text,
            "rxcui": self.rxcui,
            "dose": {"value": self.dose.value, "unit": self.dose.unit} if self.dose else None,
            "volume_ml": self.volume_ml,
            "rate_ml_hr": self.rate_ml_hr,
            "route": self.route,
            "status": self.status,
            "start": self.start.isoformat(timespec="seconds") if self.start else None,
            "end": self.end.isoformat(timespec="seconds") if self.end else None,
            "duration_min": self.duration_min,
            "site": self.site,
            "purpose": self.purpose,
            "spans": [s.to_dict() for s in self.spans],
            "concentration": self.concentration,
            "device": self.device,
            "line_cue": self.line_cue,
            "infusate_id": self.infusate_id,
            "indication": self.indication,
            "status_cue": self.status_cue,
            "confidence": round(self.confidence, 4),
            "time_source": self.time_source,
            "documented_duration_min": self.documented_duration_min,
            "access_id": self.access_id,
            "encounter_id": self.encounter_id,
            "relations": [r.to_dict() for r in self.relations],
            "pauses_min": self.pauses_min,
            "waste": asdict(self.waste) if self.waste else None,
        }
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AdminEvent:
        """Build an event from its JSON shape (inverse of ``to_dict``; unknown keys are ignored)."""
        dose = d.get("dose")
        waste = d.get("waste")
        return cls(
            event_id=str(d["event_id"]),
            drug=d["drug"],
            drug_text=d.get("drug_text", "") or "",
            rxcui=d.get("rxcui"),
            dose=Dose(float(dose["value"]), dose["unit"]) if dose else None,
            volume_ml=d.get("volume_ml"),
            rate_ml_hr=d.get("rate_ml_hr"),
            concentration=d.get("concentration"),
            route=d.get("route"),
            status=d.get("status", "given"),
            start=_parse_dt(d.get("start")),
            end=_parse_dt(d.get("end")),
            duration_min=d.get("duration_min"),
            site=d.get("site"),
            purpose=d.get("purpose"),
            spans=[Span(s["start"], s["end"], s["label"], s.get("rule")) for s in d.get("spans", [])],
            device=d.get("device"),
            line_cue=d.get("line_cue"),
            infusate_id=d.get("infusate_id"),
            indication=d.get("indication"),
            status_cue=d.get("status_cue"),
            confidence=d.get("confidence", 1.0),
            time_source=d.get("time_source", "unknown"),
            documented_duration_min=d.get("documented_duration_min"),
            access_id=d.get("access_id"),
            encounter_id=d.get("encounter_id"),
            relations=[Relation(r["type"], r["other"], r.get("minutes")) for r in d.get("relations", [])],
            pauses_min=d.get("pauses_min", 0.0) or 0.0,
            waste=Waste(
                waste.get("single_dose_vial", False),
                Dose(waste["discarded"]["value"], waste["discarded"]["unit"])
                if waste.get("discarded")
                else None,
            )
            if waste
            else None,
        )


def _parse_dt(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


@dataclass(slots=True)
class Flag:
    """An audit flag or documentation gap, with the events it concerns."""

    code: str
    severity: str  # info | warning | error
    message: str
    event_ids: list[str] = field(default_factory=list)
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the contract's flag JSON."""
        d: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "event_ids": list(self.event_ids),
        }
        if self.rule:
            d["rule"] = self.rule
        return d


@dataclass(slots=True)
class CodeLine:
    """One CPT or HCPCS claim line with the evidence and the rule that made it."""

    code: str
    units: int
    modifiers: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    rule: str = ""
    rationale: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the contract's code-line JSON."""
        return {
            "code": self.code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "event_ids": list(self.event_ids),
            "rule": self.rule,
            "rationale": self.rationale,
        }


@dataclass(slots=True)
class Timeline:
    """What the temporal resolver returns: the events (updated in place) and its flags."""

    events: list[AdminEvent]
    flags: list[Flag] = field(default_factory=list)
    encounter_date: str | None = None  # the anchor date used (YYYY-MM-DD), if any


@dataclass(slots=True)
class CodingResult:
    """What the coder returns for one note."""

    cpt: list[CodeLine] = field(default_factory=list)
    hcpcs: list[CodeLine] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
