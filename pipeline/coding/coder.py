"""Orchestration only: events -> administrations -> CPT lines, HCPCS lines, modifiers and audit flags.

The decisions live in :mod:`classify`, :mod:`hydration`, :mod:`hierarchy`, :mod:`modifiers`, :mod:`hcpcs`
and :mod:`audit`; this module wires them per encounter and per access and orders the output.
"""

from __future__ import annotations

from datetime import datetime

from infucode.annotations.schema import AdminEvent, CodeLine, CodingResult, Flag
from infucode.pipeline.coding.audit import audit_claim, hydration_flags
from infucode.pipeline.coding.classify import (
    INFUSIONS,
    PUSHES,
    Admin,
    classify,
    group_events,
    merge_same_drug_infusions,
)
from infucode.pipeline.coding.durations import additional_hour_units, union_minutes_within
from infucode.pipeline.coding.hcpcs import hcpcs_lines
from infucode.pipeline.coding.hierarchy import (
    EncounterState,
    LineInfo,
    choose_initial_facility,
    choose_initial_professional,
    code_access,
    initial_lines,
    line_info,
    rank,
)
from infucode.pipeline.coding.hydration import hydration_services
from infucode.pipeline.coding.modifiers import mark_im_sq_with_iv, mark_second_initials
from infucode.pipeline.coding.tables import CodingTables, load_tables

SETTINGS = ("facility", "professional")
PER_INJECTION = ("im_sq_injection", "chemo_injection", "chemo_hormonal_injection", "intra_arterial")
PER_SERVICE = ("chemo_pump_initiation",)


def _enc_start(admins: list[Admin]) -> datetime:
    starts = [a.start for a in admins if a.start is not None]
    return min(starts) if starts else datetime.max


def _sq_minutes(sq: list[Admin]) -> float:
    """Infusion time of an encounter's subcutaneous infusion, all pumps/sites together (rule 28).

    An additional pump set-up (+96371) continues the same infusion, so +96370 hours count the clock time
    covered by any pump (overlaps once), not the first pump's time alone.
    """
    intervals = [a.interval for a in sq if a.interval is not None]
    if not intervals:
        return max((a.minutes or 0.0 for a in sq), default=0.0)
    window = (min(i[0] for i in intervals), max(i[1] for i in intervals))
    untimed = sum(a.minutes or 0.0 for a in sq if a.interval is None)
    return union_minutes_within(window, intervals) + untimed


def _per_injection_lines(admins: list[Admin], tables: CodingTables) -> list[LineInfo]:
    """Lines coded outside the IV initial/add-on hierarchy: SQ infusions, pump initiations, injections."""
    out: list[LineInfo] = []
    cat = tables.categories["sq_infusion"]
    sq = sorted((a for a in admins if a.category == "sq_infusion"), key=lambda a: a.sort_key)
    total = _sq_minutes(sq)
    for i, a in enumerate(sq):
        if i == 0:
            text = f"Subcutaneous infusion of {a.drugs_text} (initial, including pump set-up)."
            out.append(line_info(a, cat.initial_code, 1, cat.rule, text, "injection", cat.category, cat.rank))
            units = additional_hour_units(total, tables)
            if units and cat.additional_hour_code:
                text = f"Subcutaneous infusion ran {total:g} min: {units} additional hour(s)."
                code = cat.additional_hour_code
                out.append(
                    line_info(
                        a, code, units, "R28-sq-infusion", text, "additional_hour", cat.category, cat.rank
                    )
                )
        elif cat.sequential_code:
            text = f"Additional subcutaneous infusion site/pump set-up for {a.drugs_text}."
            code = cat.sequential_code
            out.append(line_info(a, code, 1, "R28-sq-infusion", text, "sequential", cat.category, cat.rank))
    per_unit = [
        (PER_SERVICE, "service", "pump initiation reported once per pump."),
        (PER_INJECTION, "injection", "reported per injection, outside the IV initial/add-on hierarchy."),
    ]
    for categories, role, why in per_unit:
        for a in sorted((a for a in admins if a.category in categories), key=lambda a: a.sort_key):
            c = tables.categories[a.category or ""]
            text = f"{a.reason[0].upper()}{a.reason[1:]}: {why}"
            out.append(line_info(a, c.initial_code, 1, a.rule, text, role, c.category, c.rank))
    return out


def _merge(lines: list[LineInfo]) -> list[CodeLine]:
    initial = [li for li in lines if li.role == "initial"]
    rest = [li for li in lines if li.role != "initial"]
    merged: dict[tuple[str, tuple[str, ...]], CodeLine] = {}
    order: list[tuple[str, tuple[str, ...]]] = []
    for li in initial + sorted(rest, key=lambda x: (x.line.code, x.line.modifiers)):
        key = (li.line.code, tuple(li.line.modifiers))
        if key not in merged:
            merged[key] = CodeLine(
                li.line.code,
                li.line.units,
                list(li.line.modifiers),
                list(li.line.event_ids),
                li.line.rule,
                li.line.rationale,
            )
            order.append(key)
            continue
        m = merged[key]
        m.units += li.line.units
        m.event_ids.extend(i for i in li.line.event_ids if i not in m.event_ids)
        if li.line.rationale not in m.rationale:
            m.rationale += " " + li.line.rationale
        for r in li.line.rule.split(";"):
            if r not in m.rule.split(";"):
                m.rule += ";" + r
    return [merged[k] for k in order]


def code_events(
    events: list[AdminEvent],
    setting: str = "facility",
    place_of_service: str | None = None,
    tables: CodingTables | None = None,
) -> CodingResult:
    """Code resolved administration events into CPT and HCPCS lines with audit flags.

    Parameters
    ----------
    events
        Events from the temporal resolver; only ``status == "given"`` events are billed. Missing
        ``access_id``/``encounter_id`` mean one access / one encounter; a missing ``duration_min`` is computed
        from ``start``/``end``.
    setting
        ``facility`` (OPPS, UB-04) or ``professional`` (CMS-1500).
    place_of_service
        Two-digit POS; on a professional claim a facility POS (19/21/22/23) means no 963xx and no J-codes.
    tables
        Coding tables; default = the packaged ``resources/coding`` tables.

    Returns
    -------
    CodingResult
        CPT lines (initial first, then the others by code), HCPCS lines (by first event) and flags.
    """
    if setting not in SETTINGS:
        raise ValueError(f"setting must be one of {SETTINGS}, got {setting!r}")
    tables = tables or load_tables()
    flags: list[Flag] = []
    given = [e for e in events if e.status == "given"]
    if setting == "professional" and place_of_service not in (None, ""):
        pos = str(place_of_service).strip().zfill(2)
        facility_pos = tables.pos_facility.get(pos)
        if facility_pos:
            return CodingResult(
                flags=[
                    Flag(
                        "PROFESSIONAL_FACILITY_POS",
                        "info",
                        f"Professional claim at facility place of service {pos}: the hospital reports the "
                        "administration "
                        "codes and the drugs (rules 5, 43); the physician reports the E/M only.",
                        [e.event_id for e in given],
                        "R5-professional-facility-pos",
                    )
                ]
            )
        if facility_pos is None:
            flags.append(
                Flag(
                    "PLACE_OF_SERVICE_UNKNOWN",
                    "info",
                    f"Place of service {pos} is not in the coder's table; treated as a non-facility setting.",
                    [],
                    "R6-professional-office",
                )
            )

    admins = [classify(g, tables) for g in group_events(given, tables)]
    by_enc: dict[str, list[Admin]] = {}
    for a in merge_same_drug_infusions(admins):
        by_enc.setdefault(a.encounter, []).append(a)
    lines: list[LineInfo] = []
    services_all: list[Admin] = []
    for enc in sorted(by_enc, key=lambda k: (_enc_start(by_enc[k]), k)):
        enc_admins = by_enc[enc]
        services = hydration_services(enc_admins, tables)
        services_all.extend(services)
        iv = [a for a in enc_admins if a.category in PUSHES + INFUSIONS] + services
        by_acc: dict[str, list[Admin]] = {}
        for a in iv:
            by_acc.setdefault(a.access, []).append(a)
        chosen: dict[str, tuple[Admin | None, str]] = {}
        for acc, group in by_acc.items():
            if setting == "facility":
                chosen[acc] = (choose_initial_facility(group, tables), "")
            else:
                chosen[acc] = choose_initial_professional(group, tables)

        def acc_key(
            acc: str, chosen: dict[str, tuple[Admin | None, str]] = chosen
        ) -> tuple[int, datetime, str]:
            init = chosen[acc][0]
            if init is None:
                return 99, datetime.max, acc
            return rank(init, tables), init.start or datetime.max, acc

        state = EncounterState()
        for acc in sorted(by_acc, key=acc_key):
            init, how = chosen[acc]
            if init is not None:
                lines.extend(initial_lines(init, tables, how, setting))
            lines.extend(code_access(by_acc[acc], init, setting, state, tables))
        lines.extend(_per_injection_lines(enc_admins, tables))

    mark_second_initials(lines, tables)
    mark_im_sq_with_iv(lines, tables)
    cpt = _merge(lines)
    diluents = {i for a in admins for i in a.diluent_ids}
    group_routes = {e.event_id: a.route for a in admins for e in a.events}
    hcpcs, hflags = hcpcs_lines([e for e in given if e.event_id not in diluents], tables, group_routes)
    for a in admins + services_all:
        flags.extend(a.flags)
    hyd = tables.categories["hydration"]
    hydration_codes = {hyd.initial_code, hyd.sequential_code, hyd.additional_hour_code} - {""}
    reported = {i for li in cpt if li.code in hydration_codes for i in li.event_ids}
    flags.extend(hydration_flags(services_all, reported))
    flags.extend(hflags)
    flags.extend(audit_claim(cpt, hcpcs, events, setting, tables))
    return CodingResult(cpt=cpt, hcpcs=hcpcs, flags=_dedupe(flags))


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    out = []
    for f in flags:
        key = (f.code, tuple(f.event_ids))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
