"""Modifiers: distinct-service modifiers on second initials and IM/SQ injections (rules 27, 29, 32).

The modifier per situation comes from ``modifiers.v1.csv`` (59 by default; XS/XE/XU are the specific
alternatives and the evaluation treats them as one class). JW/JZ are set by :mod:`hcpcs`.
"""

from __future__ import annotations

from infucode.pipeline.coding.hierarchy import LineInfo
from infucode.pipeline.coding.tables import CodingTables

DISTINCT = ("59", "XE", "XS", "XU", "XP")


def has_distinct(line_modifiers: list[str]) -> bool:
    """Return True when a line carries a distinct-service modifier."""
    return any(m in DISTINCT for m in line_modifiers)


def mark_second_initials(lines: list[LineInfo], tables: CodingTables) -> None:
    """Give every initial after the first in the claim a distinct-service modifier.

    The first initial of the first encounter (by clock) on its best access keeps no modifier. A later
    encounter's initial gets the ``distinct_encounter`` modifier; another access's initial in the same
    encounter gets ``distinct_site``. When an NCCI PTP pair exists between two initials, the modifier goes on
    the column-2 code.
    """
    initials = [li for li in lines if li.role == "initial"]
    if len(initials) < 2:
        return
    first = initials[0]
    for li in initials[1:]:
        situation = "distinct_encounter" if li.encounter != first.encounter else "distinct_site"
        rule = tables.modifiers[situation]
        target = li
        # NCCI puts the modifier on the column-2 code of a PTP pair
        if (
            (li.line.code, first.line.code) in tables.ptp
            and (first.line.code, li.line.code) not in tables.ptp
            and not has_distinct(first.line.modifiers)
            and li.encounter == first.encounter
        ):
            target = first
        if rule.modifier not in target.line.modifiers:
            target.line.modifiers.append(rule.modifier)
        where = (
            "a separate encounter" if situation == "distinct_encounter" else "a separate vascular access site"
        )
        target.line.rationale += f" Second initial service on {where}: modifier {rule.rationale}."
        if target.line.rule and "R29" not in target.line.rule:
            target.line.rule = f"{target.line.rule};{rule.rule}"


def mark_im_sq_with_iv(lines: list[LineInfo], tables: CodingTables) -> None:
    """Put the distinct-route modifier on 96372/96401/96402 when a PTP column-1 IV code is on the claim."""
    rule = tables.modifiers["im_sq_with_iv"]
    codes = {li.line.code for li in lines}
    for li in lines:
        if li.role != "injection":
            continue
        partners = sorted(c for c in codes if tables.ptp.get((c, li.line.code)) == "1")
        if partners and not has_distinct(li.line.modifiers):
            li.line.modifiers.append(rule.modifier)
            li.line.rationale += (
                f" Reported with {', '.join(partners)} (NCCI PTP pair, modifier indicator 1): "
                f"modifier {rule.rationale}."
            )
            li.line.rule = f"{li.line.rule};{rule.rule}"
