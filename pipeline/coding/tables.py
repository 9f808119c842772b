"""Load and validate the coder's data tables (``pipeline/resources/coding/*.v1.csv``).

No coding decisions live here: this module turns CSV rows into frozen objects and fails with the file,
row and column of the first bad value. Decision functions receive a :class:`CodingTables` object, so tests
can build tiny tables with :func:`load_tables` on a temporary folder or with ``dataclasses.replace``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

VERSION = "v1"

TABLE_FILES = (
    "thresholds",
    "admin_categories",
    "routes",
    "place_of_service",
    "modifiers",
    "fluids",
    "hydration_reasons",
    "not_hydration_cues",
    "hcpcs_overrides",
    "drug_hcpcs",
    "brand_hcpcs",
    "chemo_drugs",
    "addon_primaries",
    "mue",
    "ptp",
    "device_cues",
    "dose_units",
)
"""Every table :func:`load_tables` reads, as ``<name>.v1.csv``."""
DRUG_HCPCS_COLUMNS = (
    "code",
    "desc_names",
    "names",
    "rxcuis",
    "dose_amount",
    "dose_unit",
    "form",
    "priority",
    "current_asp",
    "replaced_by",
    "description",
)
"""Columns of ``drug_hcpcs.v1.csv`` (written by ``scripts/build_coding_tables.py``, read here)."""
REQUIRED_THRESHOLDS = (
    "push_max_min",
    "infusion_min_min",
    "initial_block_max_min",
    "hour_block_min",
    "addl_hour_over_min",
    "hydration_min_exclusive",
    "secondary_hydration_min_exclusive",
    "repeat_push_gap_exclusive",
    "push_default_min",
    "hydration_merge_gap_min",
    "prolonged_infusion_min_exclusive",
    "stopped_early_rate_ml_hr",
    "sq_injection_max_ml",
    "iv_bag_min_ml",
    "ivpb_max_ml",
)
ROUTE_FAMILIES = ("iv_push", "iv_infusion", "iv", "im_sq", "intra_arterial", "none")
ADMIN_CLASSES = ("chemo", "hormonal", "complex_biologic", "exclude")
DEVICE_CUE_KINDS = ("iv_access", "pump")


class TableError(ValueError):
    """A coding table is missing or has a bad value (message names file, row and column)."""


@dataclass(frozen=True)
class Category:
    """One administration category: its codes by role and its hierarchy rank (1 = highest)."""

    category: str
    rank: int
    initial_code: str
    sequential_code: str
    concurrent_code: str
    additional_hour_code: str
    repeat_code: str
    takes_initial_slot: bool
    timed: bool
    rule: str
    description: str


@dataclass(frozen=True)
class DrugCode:
    """One HCPCS drug code with its dosage descriptor and the names it answers to."""

    code: str
    desc_names: tuple[str, ...]
    names: tuple[str, ...]
    rxcuis: tuple[str, ...]
    dose_amount: float | None
    dose_unit: str | None
    form: str
    priority: int
    current: bool
    description: str
    replaced_by: str | None = None
    """The code that replaced this one (terminated/replaced in the CMS files); None = active."""

    @property
    def active(self) -> bool:
        """True when the code may be suggested (not terminated or replaced)."""
        return self.replaced_by is None


@dataclass(frozen=True)
class Override:
    """A curated drug -> HCPCS choice, optionally limited to routes and a bag-volume range.

    ``dose_amount`` / ``dose_unit`` are the billing unit the curator assumed; loading fails when the CMS
    dosage descriptor of ``code`` differs, so a curated choice cannot silently bill in the wrong unit size.
    """

    drug: str
    routes: frozenset[str] | None
    min_volume_exclusive: float | None
    max_volume: float | None
    code: str
    dose_amount: float | None = None
    dose_unit: str | None = None


@dataclass(frozen=True)
class ModifierRule:
    """Which modifier to use in a situation and why."""

    situation: str
    modifier: str
    rule: str
    rationale: str


@dataclass(frozen=True)
class CodingTables:
    """Everything the coder reads from data files."""

    thresholds: dict[str, float]
    categories: dict[str, Category]
    route_family: dict[str, str]
    route_drug_code: dict[str, bool]
    pos_facility: dict[str, bool]
    modifiers: dict[str, ModifierRule]
    fluids: dict[str, str]
    maintenance_max_per_l: dict[str, float]
    hydration_reasons: tuple[str, ...]
    not_hydration_cues: tuple[str, ...]
    overrides: tuple[Override, ...]
    drug_codes: dict[str, DrugCode]
    chemo: dict[str, str]
    addon_primaries: dict[str, frozenset[str]]
    mue: dict[str, int]
    ptp: dict[tuple[str, str], str]
    iv_device_cues: tuple[str, ...]
    pump_cues: tuple[str, ...]
    dose_units: dict[str, tuple[str, float]]
    by_desc_name: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_name: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_rxcui: dict[str, tuple[str, ...]] = field(default_factory=dict)
    brands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _mention_cache: dict[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def t(self, name: str) -> float:
        """Return threshold ``name`` (KeyError names the missing threshold)."""
        return self.thresholds[name]

    @functools.cached_property
    def initial_codes(self) -> frozenset[str]:
        """IV codes that are an 'initial' service (one per encounter per access site, rule 29)."""
        return frozenset(c.initial_code for c in self.categories.values() if c.takes_initial_slot)

    @functools.cached_property
    def not_hydration_patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """Return each ``not_hydration_cues`` cue with its pattern (the cue starts a word), in table order."""
        return tuple((c, re.compile(rf"(?<![a-z]){re.escape(c)}")) for c in self.not_hydration_cues)

    def codes_mentioning(self, name: str) -> tuple[str, ...]:
        """Drug codes whose long description contains ``name`` as a whole word (cached per name).

        Parameters
        ----------
        name
            A normalised (lowercase) drug name.

        Returns
        -------
        tuple of str
            HCPCS codes in table order.
        """
        found = self._mention_cache.get(name)
        if found is None:
            word = re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])")
            found = tuple(dc.code for dc in self.drug_codes.values() if word.search(dc.description.lower()))
            self._mention_cache[name] = found
        return found


# --- generic CSV reading with row/column errors ---------------------------------------------------------


def _rows(folder: Path | None, name: str, required: tuple[str, ...]) -> tuple[str, list[dict[str, str]]]:
    fname = f"{name}.{VERSION}.csv"
    if folder is None:
        ref = resources.files("infucode.pipeline") / "resources" / "coding" / fname
        try:
            text = ref.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise TableError(f"{fname}: file not found in package resources") from exc
    else:
        path = Path(folder) / fname
        if not path.exists():
            raise TableError(f"{path}: file not found")
        text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    missing = [c for c in required if c not in cols]
    if missing:
        raise TableError(f"{fname}: missing column(s) {missing}")
    return fname, list(reader)


def _get(
    fname: str,
    i: int,
    row: dict[str, str],
    col: str,
    conv: Callable[[str], Any] = str,
    allow_empty: bool = False,
) -> Any:
    raw = (row.get(col) or "").strip()
    if raw == "":
        if allow_empty:
            return None
        raise TableError(f"{fname} row {i} column {col!r}: empty value")
    try:
        return conv(raw)
    except (ValueError, KeyError) as exc:
        raise TableError(f"{fname} row {i} column {col!r}: bad value {raw!r} ({exc})") from None


def _yn(v: str) -> bool:
    if v not in ("Y", "N"):
        raise ValueError("expected Y or N")
    return v == "Y"


def _one_of(options: tuple[str, ...]) -> Callable[[str], str]:
    def conv(v: str) -> str:
        if v not in options:
            raise ValueError(f"expected one of {options}")
        return v

    return conv


def _unstripped(raw: str) -> Callable[[str], str]:
    """Return a converter giving the cell as written (``_get`` strips; some cues keep a meaningful space)."""
    return lambda _: raw


def _positive(v: str) -> float:
    x = float(v)
    if not x > 0:
        raise ValueError("expected a number > 0")
    return x


def _code(v: str) -> str:
    if not (len(v) == 5 and (v.isdigit() or (v[0].isalpha() and v[1:].isdigit()))):
        raise ValueError("not a 5-character CPT/HCPCS code")
    return v


# --- loaders --------------------------------------------------------------------------------------------


def _load(folder: Path | None) -> CodingTables:
    fn, rows = _rows(folder, "thresholds", ("name", "value"))
    thresholds = {_get(fn, i, r, "name"): _get(fn, i, r, "value", float) for i, r in enumerate(rows, 2)}
    for k in REQUIRED_THRESHOLDS:
        if k not in thresholds:
            raise TableError(f"{fn}: missing threshold {k!r}")

    fn, rows = _rows(
        folder,
        "admin_categories",
        (
            "category",
            "rank",
            "initial_code",
            "sequential_code",
            "concurrent_code",
            "additional_hour_code",
            "repeat_code",
            "takes_initial_slot",
            "timed",
            "rule",
            "description",
        ),
    )
    categories: dict[str, Category] = {}
    for i, r in enumerate(rows, 2):
        opt = {
            c: _get(fn, i, r, c, _code, allow_empty=True) or ""
            for c in ("sequential_code", "concurrent_code", "additional_hour_code", "repeat_code")
        }
        cat = Category(
            category=_get(fn, i, r, "category"),
            rank=_get(fn, i, r, "rank", int),
            initial_code=_get(fn, i, r, "initial_code", _code),
            takes_initial_slot=_get(fn, i, r, "takes_initial_slot", _yn),
            timed=_get(fn, i, r, "timed", _yn),
            rule=_get(fn, i, r, "rule"),
            description=_get(fn, i, r, "description", allow_empty=True) or "",
            **opt,
        )
        categories[cat.category] = cat
    for needed in (
        "chemo_infusion",
        "chemo_push",
        "tpd_infusion",
        "tpd_push",
        "hydration",
        "im_sq_injection",
        "intra_arterial",
    ):
        if needed not in categories:
            raise TableError(f"{fn}: missing category {needed!r}")
    for infusion in ("chemo_infusion", "tpd_infusion"):
        if not categories[infusion].concurrent_code:
            raise TableError(f"{fn}: category {infusion!r} needs a concurrent_code")

    fn, rows = _rows(folder, "routes", ("route", "family", "drug_code"))
    route_family = {
        _get(fn, i, r, "route"): _get(fn, i, r, "family", _one_of(ROUTE_FAMILIES))
        for i, r in enumerate(rows, 2)
    }
    route_drug = {_get(fn, i, r, "route"): _get(fn, i, r, "drug_code", _yn) for i, r in enumerate(rows, 2)}

    fn, rows = _rows(folder, "place_of_service", ("pos", "facility"))
    pos = {_get(fn, i, r, "pos").zfill(2): _get(fn, i, r, "facility", _yn) for i, r in enumerate(rows, 2)}

    fn, rows = _rows(folder, "modifiers", ("situation", "modifier", "rule", "rationale"))
    mods = {}
    for i, r in enumerate(rows, 2):
        m = ModifierRule(
            _get(fn, i, r, "situation"),
            _get(fn, i, r, "modifier"),
            _get(fn, i, r, "rule"),
            _get(fn, i, r, "rationale"),
        )
        mods[m.situation] = m
    for needed in ("distinct_site", "distinct_encounter", "im_sq_with_iv", "waste", "no_waste"):
        if needed not in mods:
            raise TableError(f"{fn}: missing situation {needed!r}")

    fn, rows = _rows(folder, "fluids", ("name", "fluid_class"))
    fluids = {
        _get(fn, i, r, "name").lower(): _get(fn, i, r, "fluid_class", _one_of(("crystalloid", "electrolyte")))
        for i, r in enumerate(rows, 2)
    }
    maint = {
        _get(fn, i, r, "name").lower(): _get(fn, i, r, "maintenance_max_per_l", float)
        for i, r in enumerate(rows, 2)
        if (r.get("maintenance_max_per_l") or "").strip()
    }

    fn, rows = _rows(folder, "hydration_reasons", ("keyword",))
    reasons = tuple(_get(fn, i, r, "keyword").lower() for i, r in enumerate(rows, 2))

    fn, rows = _rows(folder, "not_hydration_cues", ("cue",))
    not_hyd = tuple(_get(fn, i, r, "cue").lower() for i, r in enumerate(rows, 2))

    fn, rows = _rows(folder, "drug_hcpcs", DRUG_HCPCS_COLUMNS)
    drug_codes: dict[str, DrugCode] = {}
    for i, r in enumerate(rows, 2):
        dc = DrugCode(
            code=_get(fn, i, r, "code", _code),
            desc_names=tuple(n for n in (r.get("desc_names") or "").split(";") if n),
            names=tuple(n for n in (r.get("names") or "").split(";") if n),
            rxcuis=tuple(n for n in (r.get("rxcuis") or "").split(";") if n),
            dose_amount=_get(fn, i, r, "dose_amount", float, allow_empty=True),
            dose_unit=_get(fn, i, r, "dose_unit", allow_empty=True),
            form=_get(fn, i, r, "form"),
            priority=_get(fn, i, r, "priority", int),
            current=_get(fn, i, r, "current_asp", _yn),
            description=r.get("description") or "",
            replaced_by=_get(fn, i, r, "replaced_by", _code, allow_empty=True),
        )
        drug_codes[dc.code] = dc

    fn, rows = _rows(
        folder,
        "hcpcs_overrides",
        ("drug", "routes", "min_volume_ml_exclusive", "max_volume_ml", "code", "dose_amount", "dose_unit"),
    )
    overrides = []
    for i, r in enumerate(rows, 2):
        routes_raw = _get(fn, i, r, "routes")
        code = _get(fn, i, r, "code", _code)
        amount = _get(fn, i, r, "dose_amount", _positive)
        unit = _get(fn, i, r, "dose_unit")
        if drug_codes:
            dc = drug_codes.get(code)
            if dc is None:
                raise TableError(f"{fn} row {i} column 'code': {code} is not in drug_hcpcs.{VERSION}.csv")
            if not dc.active:
                raise TableError(f"{fn} row {i} column 'code': {code} is replaced by {dc.replaced_by} in CMS")
            if (dc.dose_amount, dc.dose_unit) != (amount, unit):
                raise TableError(
                    f"{fn} row {i} column 'dose_amount': {code} is billed per {amount:g} {unit} here but per "
                    f"{dc.dose_amount:g} {dc.dose_unit} in the CMS descriptor"
                )
        overrides.append(
            Override(
                drug=_get(fn, i, r, "drug").lower(),
                routes=None if routes_raw == "*" else frozenset(routes_raw.split(";")),
                min_volume_exclusive=_get(fn, i, r, "min_volume_ml_exclusive", float, allow_empty=True),
                max_volume=_get(fn, i, r, "max_volume_ml", float, allow_empty=True),
                code=code,
                dose_amount=amount,
                dose_unit=unit,
            )
        )

    fn, rows = _rows(folder, "brand_hcpcs", ("term", "codes"))
    brands = {
        _get(fn, i, r, "term").lower(): tuple(c for c in _get(fn, i, r, "codes").split(";") if c)
        for i, r in enumerate(rows, 2)
    }

    fn, rows = _rows(folder, "chemo_drugs", ("ingredient", "admin_class"))
    chemo = {
        _get(fn, i, r, "ingredient").lower(): _get(fn, i, r, "admin_class", _one_of(ADMIN_CLASSES))
        for i, r in enumerate(rows, 2)
    }

    fn, rows = _rows(folder, "addon_primaries", ("add_on_code", "primary_code"))
    addons: dict[str, set[str]] = {}
    for i, r in enumerate(rows, 2):
        addons.setdefault(_get(fn, i, r, "add_on_code", _code), set()).add(
            _get(fn, i, r, "primary_code", _code)
        )

    fn, rows = _rows(folder, "mue", ("code", "mue_value"))
    mue = {_get(fn, i, r, "code", _code): _get(fn, i, r, "mue_value", int) for i, r in enumerate(rows, 2)}

    fn, rows = _rows(folder, "ptp", ("column1", "column2", "modifier_indicator"))
    ptp = {
        (_get(fn, i, r, "column1", _code), _get(fn, i, r, "column2", _code)): _get(
            fn, i, r, "modifier_indicator", _one_of(("0", "1", "9"))
        )
        for i, r in enumerate(rows, 2)
    }

    fn, rows = _rows(folder, "device_cues", ("cue", "kind"))
    # a cue keeps its spaces ("g " = a catheter gauge): device text is matched padded with one space
    device_cues: dict[str, list[str]] = {kind: [] for kind in DEVICE_CUE_KINDS}
    for i, r in enumerate(rows, 2):
        kind = _get(fn, i, r, "kind", _one_of(DEVICE_CUE_KINDS))
        device_cues[kind].append(_get(fn, i, r, "cue", _unstripped(r["cue"])).lower())

    fn, rows = _rows(folder, "dose_units", ("unit", "dimension", "factor"))
    dose_units = {
        _get(fn, i, r, "unit").lower(): (_get(fn, i, r, "dimension"), _get(fn, i, r, "factor", _positive))
        for i, r in enumerate(rows, 2)
    }

    by_desc: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    by_rx: dict[str, list[str]] = {}
    for dc in drug_codes.values():
        for n in dc.desc_names:
            by_desc.setdefault(n, []).append(dc.code)
        for n in dc.names:
            by_name.setdefault(n, []).append(dc.code)
        for x in dc.rxcuis:
            by_rx.setdefault(x, []).append(dc.code)
    return CodingTables(
        thresholds=thresholds,
        categories=categories,
        route_family=route_family,
        route_drug_code=route_drug,
        pos_facility=pos,
        modifiers=mods,
        fluids=fluids,
        maintenance_max_per_l=maint,
        hydration_reasons=reasons,
        not_hydration_cues=not_hyd,
        overrides=tuple(overrides),
        drug_codes=drug_codes,
        chemo=chemo,
        addon_primaries={k: frozenset(v) for k, v in addons.items()},
        mue=mue,
        ptp=ptp,
        iv_device_cues=tuple(device_cues["iv_access"]),
        pump_cues=tuple(device_cues["pump"]),
        dose_units=dose_units,
        by_desc_name={k: tuple(v) for k, v in by_desc.items()},
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_rxcui={k: tuple(v) for k, v in by_rx.items()},
        brands=brands,
    )


@functools.lru_cache(maxsize=4)
def _cached(folder: str | None) -> CodingTables:
    return _load(Path(folder) if folder else None)


def load_tables(folder: str | Path | None = None) -> CodingTables:
    """Load (and cache) the coding tables.

    Parameters
    ----------
    folder
        A folder holding ``<name>.v1.csv`` files; ``None`` = the packaged ``resources/coding``.

    Returns
    -------
    CodingTables
        The validated tables.

    Raises
    ------
    TableError
        A file is missing or a row has a bad value (the message names file, row and column).
    """
    return _cached(str(folder) if folder is not None else None)
