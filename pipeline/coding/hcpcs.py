"""HCPCS drug codes and billing units (rules 41, 42, 44).

Code choice: curated overrides (``hcpcs_overrides.v1.csv``: common ED drugs, fluids by bag volume), then the
CMS drug table by name/RxCUI restricted to injectable forms for parenteral routes, preferring current generic
"Injection, X" codes over brand/biosimilar/NDC-specific ones. Units = dose / dosage descriptor, rounded up,
with unit conversion (g/mg/mcg, L/mL, units/IU); a dose that cannot convert gets a flag and no line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from infucode.annotations.schema import AdminEvent, CodeLine, Dose, Flag
from infucode.pipeline.coding.classify import (
    BIOSIMILAR_SUFFIX,
    NON_BILLABLE_PURPOSES,
    effective_route,
    fluid_class,
    norm_drug,
)
from infucode.pipeline.coding.tables import CodingTables, DrugCode, load_tables

_CONC = re.compile(r"(\d+(?:\.\d+)?)\s*(mcg|mg|g|units?|meq|mmol)\s*/\s*(\d+(?:\.\d+)?)?\s*(ml|l)\b", re.I)
_NON_WORD = re.compile(r"[^a-z0-9-]+")
_RANGE_WORDS = re.compile(r"\b(?:up to|over|greater than|less than|or less|or more)\b")


def convert(value: float, unit: str, to_unit: str, tables: CodingTables | None = None) -> float | None:
    """Convert an amount between dose units (``dose_units.v1.csv``).

    Parameters
    ----------
    value
        The amount in ``unit``.
    unit, to_unit
        Dose units, case-insensitive ("g", "mg", "mL", "units", "mEq" ...).
    tables
        Coding tables; default = the packaged tables.

    Returns
    -------
    float or None
        The amount in ``to_unit``; None when a unit is unknown or the units measure different things.
    """
    factors = (tables or load_tables()).dose_units
    a = factors.get(unit.strip().lower())
    b = factors.get(to_unit.strip().lower())
    if a is None or b is None or a[0] != b[0]:
        return None
    return value * a[1] / b[1]


def _volume(event: AdminEvent, tables: CodingTables) -> float | None:
    if event.volume_ml:
        return float(event.volume_ml)
    if event.dose is not None:
        return convert(event.dose.value, event.dose.unit, "mL", tables)
    return None


def select_code(
    event: AdminEvent, tables: CodingTables, route: str | None = None
) -> tuple[DrugCode | None, str]:
    """Choose the HCPCS drug code for one event.

    Returns
    -------
    tuple
        ``(DrugCode or None, how)``; ``how`` explains the choice or why there is none.
    """
    name = norm_drug(event.drug)
    route = route or effective_route(event, tables)
    vol = _volume(event, tables)
    names = [name, BIOSIMILAR_SUFFIX.sub("", name)]
    for n in names:
        matches = [o for o in tables.overrides if o.drug == n and (o.routes is None or route in o.routes)]
        # (the table loader refuses an override naming a replaced code or another billing-unit size)
        if not matches:
            continue
        ranged = [o for o in matches if o.min_volume_exclusive is not None or o.max_volume is not None]
        if ranged and vol is None:
            return None, "bag volume not documented, so the volume-based fluid code cannot be chosen"
        for o in matches:
            lo = o.min_volume_exclusive
            hi = o.max_volume
            if vol is not None and ((lo is not None and vol <= lo) or (hi is not None and vol > hi)):
                continue
            dc = tables.drug_codes.get(o.code)
            if dc is not None:
                return dc, "curated code for this drug/route" + (f" and a {vol:g} mL bag" if ranged else "")
    cands: dict[str, int] = {}
    for n in names:
        for c in tables.by_desc_name.get(n, ()):
            cands.setdefault(c, 0)
        for c in tables.by_name.get(n, ()):
            cands.setdefault(c, 1)
    if event.rxcui:
        for c in tables.by_rxcui.get(str(event.rxcui), ()):
            cands.setdefault(c, 1)
    if not cands and len(name) >= 4:
        for c in tables.codes_mentioning(name):
            cands.setdefault(c, 2)
    branded = _brand_codes(event, tables)
    scored = []
    for code, name_rank in cands.items():
        dc = tables.drug_codes[code]
        if dc.form != "injection" or not dc.active:
            continue  # terminated/replaced codes are never suggested (their replacement is a candidate too)
        convertible = 0
        if event.dose is not None and dc.dose_unit:
            convertible = int(convert(1.0, event.dose.unit, dc.dose_unit, tables) is None)
        fit: tuple[int, float] = (0, 0.0)
        if code in branded:
            # several codes for one product: prefer an exact descriptor fit, then fewest units
            fit = _fit(event, dc, tables)
        # product-strength codes of one ingredient (leuprolide depot 3.75 mg J1950 / 7.5 mg J9217): a code
        # whose fixed-strength descriptor is exactly the documented dose names the product given
        strength = _product_strength(event, dc, tables)
        scored.append((0 if code in branded else 1, name_rank, fit, strength, dc.priority, convertible, code))
    if not scored:
        replaced = sorted(
            f"{c} (replaced by {tables.drug_codes[c].replaced_by})"
            for c in cands
            if tables.drug_codes[c].form == "injection" and not tables.drug_codes[c].active
        )
        if replaced:
            return None, "the only injectable codes found are terminated/replaced: " + ", ".join(replaced)
        return None, "no injectable HCPCS drug code found for this ingredient"
    best = min(scored)
    how = (
        "brand-specific code for the documented product"
        if best[0] == 0
        else "CMS drug table: current generic injectable code for this ingredient"
    )
    return tables.drug_codes[best[-1]], how


def _product_strength(event: AdminEvent, dc: DrugCode, tables: CodingTables) -> tuple[int, float]:
    """Rank ``dc`` as a product-strength code for the documented dose (lower is better).

    Returns ``(0, 1.0)`` when the descriptor is a fixed product strength (not a per-1 measure such as
    "1 mg", not a range such as "up to 10 mg" / "over 10 cc") equal to the documented dose; ``(1, 0.0)``
    otherwise. Whole multiples are deliberately not matched: they would let a combination product code
    (nivolumab + hyaluronidase 2 mg) beat the plain ingredient code.
    """
    if dc.dose_amount is None or dc.dose_amount == 1.0 or _RANGE_WORDS.search(dc.description.lower()):
        return (1, 0.0)
    exact, units = _fit(event, dc, tables)
    return (0, 1.0) if exact == 0 and abs(units - 1.0) < 1e-6 else (1, 0.0)


def _fit(event: AdminEvent, dc: DrugCode, tables: CodingTables) -> tuple[int, float]:
    if event.dose is None or not dc.dose_unit or not dc.dose_amount:
        return (1, 0.0)
    amount = convert(event.dose.value, event.dose.unit, dc.dose_unit, tables)
    if amount is None:
        return (1, 0.0)
    units = amount / dc.dose_amount
    return (0 if abs(units - round(units)) < 1e-6 else 1, units)


def _brand_codes(event: AdminEvent, tables: CodingTables) -> set[str]:
    text = (event.drug_text or "").lower()
    if not text:
        return set()
    out: set[str] = set()
    generic = norm_drug(event.drug)
    padded = f" {_NON_WORD.sub(' ', text)} "
    for term, brand_codes in tables.brands.items():
        if f" {term} " not in padded:
            continue
        if term == generic or term in tables.by_desc_name or term in tables.by_name or term in generic:
            continue  # a generic name is not a brand
        out.update(brand_codes)
    return out


def dose_in_descriptor_units(
    event: AdminEvent, dc: DrugCode, tables: CodingTables
) -> tuple[float | None, str]:
    """Return the administered amount in the code's descriptor unit, or None with the reason."""
    if dc.dose_unit is None or dc.dose_amount is None:
        return None, f"{dc.code} has no numeric dosage descriptor"
    dose: Dose | None = event.dose
    if fluid_class(event.drug, tables) == "crystalloid" or dc.dose_unit == "mL":
        vol = _volume(event, tables)
        if vol is not None and dc.dose_unit == "mL":
            return vol, "volume"
    if dose is None:
        return None, "dose not documented"
    amount = convert(dose.value, dose.unit, dc.dose_unit, tables)
    if amount is None and dose.unit.lower() in ("ml", "l") and event.concentration:
        m = _CONC.search(event.concentration)
        if m:
            per = float(m.group(3) or 1.0) * (1000.0 if m.group(4).lower() == "l" else 1.0)
            ml = convert(dose.value, dose.unit, "mL", tables) or 0.0
            amount = convert(ml * float(m.group(1)) / per, m.group(2), dc.dose_unit, tables)
    if amount is None:
        return None, f"dose unit {dose.unit} does not convert to the descriptor unit {dc.dose_unit}"
    return amount, "dose"


def _units(amount: float, per: float) -> int:
    return max(1, math.ceil(amount / per - 1e-9))


@dataclass
class _Agg:
    code: str
    modifiers: list[str]
    amount: float = 0.0
    event_ids: list[str] = field(default_factory=list)
    first: int = 0
    notes: list[str] = field(default_factory=list)
    units_override: int | None = None


def hcpcs_lines(
    events: list[AdminEvent], tables: CodingTables, group_routes: dict[str, str | None] | None = None
) -> tuple[list[CodeLine], list[Flag]]:
    """HCPCS drug lines for the given events (ordered by first event) and the flags raised.

    Parameters
    ----------
    events
        Given events, in note order.
    tables
        Coding tables.
    group_routes
        Route of each event's administration (a mixture shares its bag's route), by event id.

    Returns
    -------
    tuple
        ``(lines, flags)``.
    """
    flags: list[Flag] = []
    aggs: dict[tuple[str, tuple[str, ...]], _Agg] = {}
    waste_mod = tables.modifiers["waste"].modifier
    nowaste_mod = tables.modifiers["no_waste"].modifier
    for idx, e in enumerate(events):
        if e.purpose in NON_BILLABLE_PURPOSES:
            continue
        route = effective_route(e, tables) or (group_routes or {}).get(e.event_id)
        if route is None or not tables.route_drug_code.get(route, False):
            continue
        dc, how = select_code(e, tables, route)
        if dc is None:
            flags.append(
                Flag(
                    "NO_HCPCS_CODE",
                    "info",
                    f"No HCPCS drug code for {norm_drug(e.drug)}: {how}.",
                    [e.event_id],
                    "R41-drug-units",
                )
            )
            continue
        amount, src = dose_in_descriptor_units(e, dc, tables)
        if amount is None:
            code = "MISSING_DOSE" if src == "dose not documented" else "DOSE_UNIT_NOT_CONVERTIBLE"
            flags.append(
                Flag(
                    code,
                    "warning",
                    f"{dc.code} for {norm_drug(e.drug)}: {src}; no drug units suggested.",
                    [e.event_id],
                    "R41-drug-units",
                )
            )
            continue
        mods: tuple[str, ...] = ()
        waste_units = 0
        w = e.waste
        # a documented discarded amount (even 0) only appears for single-use containers in practice, so it
        # counts even when extraction did not catch the "single-dose" wording (rule 42)
        if w is not None and w.discarded is not None and dc.dose_amount:
            disc = convert(w.discarded.value, w.discarded.unit, dc.dose_unit or "", tables)
            if disc is None:
                flags.append(
                    Flag(
                        "WASTE_UNIT_NOT_CONVERTIBLE",
                        "warning",
                        f"Discarded amount of {norm_drug(e.drug)} is in a unit that does not convert to "
                        f"{dc.dose_unit}; JW/JZ not suggested.",
                        [e.event_id],
                        "R42-waste",
                    )
                )
            elif disc <= 0:
                mods = (nowaste_mod,)
            else:
                waste_units = _units(amount + disc, dc.dose_amount) - _units(amount, dc.dose_amount)
        key = (dc.code, mods)
        agg = aggs.get(key)
        if agg is None:
            agg = aggs[key] = _Agg(dc.code, list(mods), first=idx)
        agg.amount += amount
        agg.event_ids.append(e.event_id)
        agg.notes.append(f"{norm_drug(e.drug)} {amount:g} {dc.dose_unit}")
        if waste_units > 0:
            wkey = (dc.code, (waste_mod,))
            wagg = aggs.get(wkey)
            if wagg is None:
                wagg = aggs[wkey] = _Agg(dc.code, [waste_mod], first=idx, units_override=0)
            wagg.units_override = (wagg.units_override or 0) + waste_units
            wagg.event_ids.append(e.event_id)
    lines: list[CodeLine] = []
    for agg in sorted(aggs.values(), key=lambda a: (a.first, a.modifiers == [waste_mod])):
        dc = tables.drug_codes[agg.code]
        assert dc.dose_amount is not None
        if agg.units_override is not None:
            units = agg.units_override
            rationale = (
                f"Discarded remainder of a single-dose container: {units} unit(s) of {dc.dose_amount:g} "
                f"{dc.dose_unit} with JW."
            )
            rule = "R42-waste"
        else:
            units = _units(agg.amount, dc.dose_amount)
            rationale = (
                f"{'; '.join(agg.notes)} / descriptor {dc.dose_amount:g} {dc.dose_unit} = {units} unit(s), "
                "rounded up."
            )
            rule = "R41-drug-units"
            if agg.modifiers == [nowaste_mod]:
                rationale += " Single-dose container with nothing discarded: JZ."
                rule += ";R42-waste"
        lines.append(
            CodeLine(
                code=agg.code,
                units=units,
                modifiers=list(agg.modifiers),
                event_ids=list(agg.event_ids),
                rule=rule,
                rationale=rationale,
            )
        )
    return lines, flags
