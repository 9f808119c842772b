"""Initial-service choice and the sequential / concurrent / repeat / additional-hour codes after it.

Facility (rule 3): the initial is the highest-ranked service on an access, not the first in clock order.
Professional (rule 4): the initial is the service for the primary reason of the encounter: a documented
chemotherapy service, else the longest service with a documented reason/purpose, else the hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from infucode.annotations.schema import CodeLine, Flag
from infucode.pipeline.coding.classify import INFUSIONS, IV_CATEGORIES, PUSHES, Admin
from infucode.pipeline.coding.durations import (
    additional_hour_units,
    hydration_reportable,
    minutes_between,
    secondary_hydration_units,
)
from infucode.pipeline.coding.tables import CodingTables


@dataclass
class LineInfo:
    """A CPT line plus where it came from (for ordering, modifiers and audit)."""

    line: CodeLine
    encounter: str
    access: str
    role: str  # initial | additional_hour | sequential | concurrent | repeat | hydration | injection
    category: str
    rank: int = 99


@dataclass
class EncounterState:
    """What has been reported so far in one encounter (shared by its accesses)."""

    concurrent_line: LineInfo | None = None
    last_reported_push: dict[frozenset[str], datetime | None] = field(default_factory=dict)
    infused: dict[frozenset[str], datetime | None] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)


def rank(admin: Admin, tables: CodingTables) -> int:
    """Hierarchy rank of an administration (1 = highest); 99 for categories without an initial slot."""
    cat = tables.categories.get(admin.category or "")
    return cat.rank if cat and cat.takes_initial_slot else 99


def eligible_initial(admin: Admin, tables: CodingTables) -> bool:
    """Return True when the administration can be reported as an initial service."""
    if admin.category not in IV_CATEGORIES:
        return False
    if admin.category == "hydration":
        return admin.minutes is not None and hydration_reportable(admin.minutes, tables)
    return True


def choose_initial_facility(admins: list[Admin], tables: CodingTables) -> Admin | None:
    """Facility initial: best hierarchy rank, then earliest (rule 3)."""
    cands = [a for a in admins if eligible_initial(a, tables)]
    return min(cands, key=lambda a: (rank(a, tables), a.sort_key)) if cands else None


def choose_initial_professional(admins: list[Admin], tables: CodingTables) -> tuple[Admin | None, str]:
    """Professional initial by primary reason (rule 4); returns the admin and how it was chosen."""
    cands = [a for a in admins if eligible_initial(a, tables)]
    if not cands:
        return None, ""
    chemo = [a for a in cands if a.category and a.category.startswith("chemo")]
    if chemo:
        best = min(chemo, key=lambda a: (rank(a, tables), a.sort_key))
        return best, "chemotherapy is the primary reason for the encounter"
    documented = [a for a in cands if a.documented_reason]
    if documented:
        best = min(documented, key=lambda a: (-(a.minutes or 0.0), rank(a, tables), a.sort_key))
        return best, "the primary reason is the longest service with a documented reason"
    best = min(cands, key=lambda a: (rank(a, tables), a.sort_key))
    return best, "no documented primary reason, so the facility hierarchy was used"


def line_info(
    admin: Admin, code: str, units: int, rule: str, rationale: str, role: str, category: str, rank: int
) -> LineInfo:
    """Build a CPT line for ``admin`` together with where it came from.

    Parameters
    ----------
    admin
        The administration the line bills (its event ids, encounter and access).
    code, units, rule, rationale
        The CPT line.
    role
        initial | additional_hour | sequential | concurrent | repeat | hydration | injection | service.
    category, rank
        Administration category of the line and its hierarchy rank.

    Returns
    -------
    LineInfo
        The line with its encounter, access, role, category and rank.
    """
    line = CodeLine(code=code, units=units, event_ids=admin.ids, rule=rule, rationale=rationale)
    return LineInfo(line, admin.encounter, admin.access, role, category, rank)


def _overlaps(a: Admin, b: Admin) -> bool:
    if a.interval is None or b.interval is None:
        return False
    return a.interval[0] < b.interval[1] and b.interval[0] < a.interval[1]


def _related_concurrent(a: Admin, b: Admin) -> bool:
    ids = set(b.ids)
    return any(r.type == "concurrent" and r.other in ids for e in a.events for r in e.relations)


def initial_lines(
    admin: Admin, tables: CodingTables, how: str = "", setting: str = "facility"
) -> list[LineInfo]:
    """Return the initial code (and its additional hours) for the chosen initial administration."""
    cat = tables.categories[admin.category or ""]
    why = how or "highest service in the facility hierarchy (not clock order)"
    mins = f" ({admin.reason})" if admin.reason else ""
    out = [
        line_info(
            admin,
            cat.initial_code,
            1,
            "R3-facility-hierarchy" if not how else "R4-professional-initial",
            f"Initial service: {cat.description.lower()} of {admin.drugs_text}; {why}{mins}.",
            "initial",
            cat.category,
            cat.rank,
        )
    ]
    if admin.discontinued:
        if setting == "professional" and "discontinued_professional" in tables.modifiers:
            out[0].line.modifiers.append(tables.modifiers["discontinued_professional"].modifier)
        out[0].line.rule += ";R13-discontinued-chemo"
        return out
    if cat.timed and cat.additional_hour_code and admin.minutes is not None:
        units = additional_hour_units(admin.minutes, tables)
        if units:
            out.append(
                line_info(
                    admin,
                    cat.additional_hour_code,
                    units,
                    "R14-additional-hour",
                    f"{admin.minutes:g} billable min: {units} additional hour(s) beyond the first 90 "
                    "min (each needs more than 30 min past the last full hour).",
                    "additional_hour",
                    cat.category,
                    cat.rank,
                )
            )
    return out


def code_access(
    admins: list[Admin], initial: Admin | None, setting: str, state: EncounterState, tables: CodingTables
) -> list[LineInfo]:
    """Code every IV administration on one access after its initial service.

    Parameters
    ----------
    admins
        IV administrations (pushes, infusions, hydration services) on this access.
    initial
        The chosen initial administration (already coded by :func:`initial_lines`), or None.
    setting
        ``facility`` or ``professional``.
    state
        Encounter-wide memory: concurrent code used, last reported push per drug, infused drugs.
    tables
        Coding tables.

    Returns
    -------
    list of LineInfo
        Add-on lines (sequential, concurrent, repeat, hydration, additional hours).
    """
    out: list[LineInfo] = []
    if initial is not None:
        if initial.category in PUSHES:
            state.last_reported_push[initial.drug_key] = initial.start
        elif initial.category in INFUSIONS:
            state.infused.setdefault(initial.drug_key, initial.start)
    done_infusions: list[Admin] = [initial] if initial is not None and initial.category in INFUSIONS else []
    for a in sorted(admins, key=lambda x: x.sort_key):
        if a is initial:
            continue
        cat = tables.categories[a.category or ""]
        if a.category == "hydration":
            out.extend(_secondary_hydration(a, cat.sequential_code, tables))
        elif a.category in INFUSIONS:
            out.extend(_secondary_infusion(a, done_infusions, state, tables))
            done_infusions.append(a)
            state.infused.setdefault(a.drug_key, a.start)
        elif a.category in PUSHES:
            out.extend(_secondary_push(a, setting, state, tables))
    return out


def _secondary_hydration(a: Admin, code: str, tables: CodingTables) -> list[LineInfo]:
    if a.minutes is None:
        return []
    units = secondary_hydration_units(a.minutes, tables)
    if not units:
        a.flags.append(
            Flag(
                "HYDRATION_NOT_REPORTED",
                "info",
                f"Hydration not reported: {a.reason or 'duration'} is 30 minutes or less (rules 15-16, 22).",
                a.ids,
                "R16-secondary-hydration",
            )
        )
        return []
    return [
        line_info(
            a,
            code,
            units,
            "R16-secondary-hydration",
            f"Hydration after a different initial service: {a.reason}; {units} unit(s) "
            "(first unit needs more than 30 min).",
            "hydration",
            "hydration",
            tables.categories["hydration"].rank,
        )
    ]


def _secondary_infusion(
    a: Admin, done: list[Admin], state: EncounterState, tables: CodingTables
) -> list[LineInfo]:
    cat = tables.categories[a.category or ""]
    partners = [d for d in done if _overlaps(a, d) or _related_concurrent(a, d)]
    if partners:
        if state.concurrent_line is None:
            li = line_info(
                a,
                cat.concurrent_code,
                1,
                "R21-concurrent-once",
                f"{a.drugs_text} ran at the same time as {partners[0].drugs_text} through the same "
                "access in a separate bag: concurrent infusion, once per encounter.",
                "concurrent",
                a.category or "",
                cat.rank,
            )
            state.concurrent_line = li
            return [li]
        state.concurrent_line.line.event_ids.extend(a.ids)
        return []
    same = [d for d in done if d.drug_key == a.drug_key]
    if same and cat.repeat_code and cat.category == "tpd_infusion":
        units = secondary_hydration_units(a.minutes or 0.0, tables)
        a.flags.append(
            Flag(
                "REPEAT_INFUSION_SAME_DRUG",
                "info",
                "A second infusion of the same drug is not a new sequential infusion; its time was "
                "reported as additional hour(s). Separate-bag time rules are contested (section 9).",
                a.ids,
                "R20-sequential-new-drug",
            )
        )
        if not units:
            return []
        return [
            line_info(
                a,
                cat.repeat_code,
                units,
                "R20-sequential-new-drug",
                f"Repeat infusion of the same drug {a.drugs_text} ({a.minutes:g} min): additional "
                "time, not a new-drug sequential infusion.",
                "repeat",
                a.category or "",
                cat.rank,
            )
        ]
    out = [
        line_info(
            a,
            cat.sequential_code,
            1,
            "R20-sequential-new-drug",
            f"Sequential infusion of a new drug {a.drugs_text} after the initial service ({a.reason}).",
            "sequential",
            a.category or "",
            cat.rank,
        )
    ]
    units = additional_hour_units(a.minutes or 0.0, tables)
    if units and cat.additional_hour_code:
        out.append(
            line_info(
                a,
                cat.additional_hour_code,
                units,
                "R14-additional-hour",
                f"Sequential infusion of {a.drugs_text} ran {a.minutes:g} min: {units} additional hour(s).",
                "additional_hour",
                a.category or "",
                cat.rank,
            )
        )
    return out


def _secondary_push(a: Admin, setting: str, state: EncounterState, tables: CodingTables) -> list[LineInfo]:
    cat = tables.categories[a.category or ""]
    key = a.drug_key
    seen_push = key in state.last_reported_push
    prior_infusion = key in state.infused and (
        state.infused[key] is None or a.start is None or (state.infused[key] or a.start) <= a.start
    )
    if not seen_push and not prior_infusion:
        state.last_reported_push[key] = a.start
        return [
            line_info(
                a,
                cat.sequential_code,
                1,
                "R23-sequential-push-new-drug",
                f"Sequential IV push of a new drug {a.drugs_text} ({a.reason}).",
                "sequential",
                a.category or "",
                cat.rank,
            )
        ]
    if setting == "professional":
        a.flags.append(
            Flag(
                "REPEAT_PUSH_NOT_REPORTED_PROFESSIONAL",
                "info",
                f"Repeat push of {a.drugs_text}: 96376 is facility-only (status X on the MPFS, MUE 0); "
                "only the drug units are reported.",
                a.ids,
                "R25-96376-facility-only",
            )
        )
        return []
    if not cat.repeat_code:
        a.flags.append(
            Flag(
                "REPEAT_PUSH_NO_CODE",
                "info",
                f"Repeat push of the same drug {a.drugs_text}: no additional administration code for "
                "this category; drug units still reported.",
                a.ids,
                "R23-sequential-push-new-drug",
            )
        )
        return []
    last = state.last_reported_push.get(key)
    if not seen_push:
        state.last_reported_push[key] = a.start
        return [
            line_info(
                a,
                cat.repeat_code,
                1,
                "R26-push-after-same-drug-infusion",
                f"IV push of {a.drugs_text} after an infusion of the same drug: repeat push of the "
                "same drug in a facility.",
                "repeat",
                a.category or "",
                cat.rank,
            )
        ]
    if last is None or a.start is None:
        a.flags.append(
            Flag(
                "REPEAT_PUSH_TIME_UNKNOWN",
                "warning",
                f"Repeat push of {a.drugs_text} without times: the 30-minute rule cannot be checked; "
                "96376 not suggested.",
                a.ids,
                "R24-repeat-push-30min",
            )
        )
        return []
    gap = minutes_between(last, a.start)
    if gap > tables.t("repeat_push_gap_exclusive"):
        state.last_reported_push[key] = a.start
        return [
            line_info(
                a,
                cat.repeat_code,
                1,
                "R24-repeat-push-30min",
                f"Repeat IV push of the same drug {a.drugs_text} {gap:g} min after its previous "
                "reported push (more than 30 min, facility).",
                "repeat",
                a.category or "",
                cat.rank,
            )
        ]
    a.flags.append(
        Flag(
            "REPEAT_PUSH_WITHIN_30_MIN",
            "info",
            f"Push of {a.drugs_text} {gap:g} min after its previous reported push: not reported again "
            "(needs more than 30 min); drug units still reported.",
            a.ids,
            "R24-repeat-push-30min",
        )
    )
    return []
