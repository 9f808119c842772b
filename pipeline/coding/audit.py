"""Audit flags on a finished claim: add-on edits, MUEs, NCCI PTP pairs and known denial patterns.

Checks the lines themselves (not how they were made), so it also catches hand-edited claims:
add-on without primary (rule 39), units above the practitioner MUE (rules 31, 40), PTP pairs needing a
modifier (rule 27), two initials without a distinct modifier, 96368 more than once (rule 21), 96376 without
a previous same-drug push (rule 24) or on a professional claim (rule 25), hydration without a documented
reason (rule 35).
"""

from __future__ import annotations

from infucode.annotations.schema import AdminEvent, CodeLine, Flag
from infucode.pipeline.coding.classify import Admin, norm_drug
from infucode.pipeline.coding.modifiers import has_distinct
from infucode.pipeline.coding.tables import CodingTables


def audit_claim(
    cpt: list[CodeLine], hcpcs: list[CodeLine], events: list[AdminEvent], setting: str, tables: CodingTables
) -> list[Flag]:
    """Return audit flags for a claim.

    Parameters
    ----------
    cpt, hcpcs
        The claim lines.
    events
        All events of the note (for same-drug checks).
    setting
        ``facility`` or ``professional``.
    tables
        Coding tables (add-on edits, MUE, PTP).

    Returns
    -------
    list of Flag
        Flags, most severe first within each check.
    """
    flags: list[Flag] = []
    codes = {li.code for li in cpt}
    for li in cpt:
        prim = tables.addon_primaries.get(li.code)
        if prim is not None and not (prim & codes):
            flags.append(
                Flag(
                    "ADDON_WITHOUT_PRIMARY",
                    "error",
                    f"Add-on {li.code} needs one of {', '.join(sorted(prim))} on the claim "
                    "(CMS add-on edit).",
                    list(li.event_ids),
                    "R39-addon-edits",
                )
            )
    totals: dict[str, int] = {}
    for li in cpt + hcpcs:
        if "JW" in li.modifiers:
            continue
        totals[li.code] = totals.get(li.code, 0) + li.units
    for code, units in totals.items():
        mue = tables.mue.get(code)
        if mue is not None and units > mue and (setting == "professional" or mue > 0):
            sev = "warning" if setting == "professional" else "info"
            ids = [i for li in cpt + hcpcs if li.code == code for i in li.event_ids]
            flags.append(
                Flag(
                    "MUE_EXCEEDED",
                    sev,
                    f"{code} x{units} is above the Medicare practitioner MUE of {mue} units/day"
                    + (
                        ""
                        if setting == "professional"
                        else " (practitioner value; outpatient-hospital MUE not available)"
                    )
                    + ".",
                    ids,
                    "R40-mue",
                )
            )
    by_code: dict[str, list[CodeLine]] = {}
    for li in cpt:
        by_code.setdefault(li.code, []).append(li)
    for (c1, c2), ind in tables.ptp.items():
        if c1 in by_code and c2 in by_code and c1 != c2:
            l1, l2 = by_code[c1], by_code[c2]
            ids = [i for li in l1 + l2 for i in li.event_ids]
            if ind == "0":
                flags.append(
                    Flag(
                        "NCCI_PTP_NOT_ALLOWED",
                        "error",
                        f"{c1} and {c2} are an NCCI PTP pair with modifier indicator 0 "
                        "(no modifier allowed).",
                        ids,
                        "R27-im-sq-ptp",
                    )
                )
            elif ind == "1" and not any(has_distinct(li.modifiers) for li in l1 + l2):
                flags.append(
                    Flag(
                        "NCCI_PTP_MODIFIER_NEEDED",
                        "warning",
                        f"{c1} and {c2} are an NCCI PTP pair: {c2} needs a distinct-service modifier "
                        "(59/XE/XS/XU) when separately supported.",
                        ids,
                        "R27-im-sq-ptp",
                    )
                )
    initials = [li for li in cpt if li.code in tables.initial_codes]
    plain = [li for li in initials if not has_distinct(li.modifiers)]
    if sum(li.units for li in plain) > 1:
        flags.append(
            Flag(
                "DUPLICATE_INITIAL",
                "error",
                "More than one initial service without a separate access site or encounter (59/XS/XE).",
                [i for li in plain for i in li.event_ids],
                "R29-second-initial",
            )
        )
    conc = [li for li in cpt if li.code == "96368"]
    if sum(li.units for li in conc) > 1:
        flags.append(
            Flag(
                "CONCURRENT_MORE_THAN_ONCE",
                "error",
                "96368 is reported once per encounter.",
                [i for li in conc for i in li.event_ids],
                "R21-concurrent-once",
            )
        )
    by_id = {e.event_id: e for e in events}
    for li in cpt:
        if li.code != "96376":
            continue
        if setting == "professional":
            flags.append(
                Flag(
                    "REPEAT_PUSH_ON_PROFESSIONAL_CLAIM",
                    "error",
                    "96376 is facility-only (MPFS status X, practitioner MUE 0).",
                    list(li.event_ids),
                    "R25-96376-facility-only",
                )
            )
        for eid in li.event_ids:
            e = by_id.get(eid)
            if e is None:
                continue
            prior = [
                o
                for o in events
                if o.event_id != eid
                and o.status == "given"
                and norm_drug(o.drug) == norm_drug(e.drug)
                and (o.start is None or e.start is None or o.start <= e.start)
            ]
            if not prior:
                flags.append(
                    Flag(
                        "REPEAT_PUSH_WITHOUT_PREVIOUS",
                        "error",
                        "96376 needs an earlier push (or infusion) of the same drug; a different drug is "
                        "96375.",
                        [eid],
                        "R24-repeat-push-30min",
                    )
                )
    return flags


def hydration_flags(services: list[Admin], reported_ids: set[str]) -> list[Flag]:
    """Rule 35: reported hydration needs a documented reason (indication or stated hydration purpose)."""
    out = []
    for s in services:
        if set(s.ids) & reported_ids and not s.documented_reason:
            out.append(
                Flag(
                    "HYDRATION_REASON_NOT_DOCUMENTED",
                    "warning",
                    "Hydration is reported but no reason (dehydration, fluid loss, ...) is documented.",
                    s.ids,
                    "R35-hydration-necessity",
                )
            )
    return out
