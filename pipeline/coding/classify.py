"""Group given events into administrations and put each in a coding category.

Categories (``admin_categories.v1.csv``): chemo_infusion, chemo_push, tpd_infusion, tpd_push, hydration,
sq_infusion, chemo_injection, chemo_hormonal_injection, im_sq_injection, intra_arterial; ``None`` = no
administration code (oral route, flush, KVO/carrier fluid, unknown route ...).

Events sharing ``infusate_id`` are one administration (digest rule 12); each keeps its own drug code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from infucode.annotations.schema import AdminEvent, Flag
from infucode.pipeline.coding.durations import Interval, event_interval, event_minutes, is_push_length
from infucode.pipeline.coding.tables import CodingTables

#: IV drug categories by kind (``admin_categories.v1.csv``); hydration is the remaining IV category.
INFUSIONS = ("chemo_infusion", "tpd_infusion")
PUSHES = ("chemo_push", "tpd_push")
IV_CATEGORIES = ("chemo_infusion", "chemo_push", "tpd_infusion", "tpd_push", "hydration")
NON_BILLABLE_PURPOSES = ("flush", "diluent")
NOT_HYDRATION_PURPOSES = ("kvo", "carrier", "flush", "diluent")
#: Purposes of a primary bag of fluid (hung for its own sake): never a drug's vehicle/diluent. "maintenance"
#: (routine/NPO fluid) is billable hydration only with a documented need (rules 33, 35; _not_hydration_cue).
PRIMARY_FLUID_PURPOSES = ("hydration", "maintenance", "kvo", "carrier")
_ROUTE_PREFERENCE = ("IV_INFUSION", "IV_PUSH", "IV", "SQ", "IM", "INTRA_ARTERIAL")
BIOSIMILAR_SUFFIX = re.compile(r"-[a-z]{4}$")
_SPACES = re.compile(r"\s+")


@dataclass
class Admin:
    """One administration (an event, or the events of one bag/mixture) and its coding category."""

    events: list[AdminEvent]
    category: str | None
    reason: str
    rule: str
    minutes: float | None = None
    minutes_source: str = "none"
    interval: Interval | None = None
    encounter: str = "V1"
    access: str = "A1"
    drug_key: frozenset[str] = frozenset()
    push_fallback: bool = False
    discontinued: bool = False
    diluent_ids: set[str] = field(default_factory=set)
    route: str | None = None
    documented_reason: bool = False
    flags: list[Flag] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        """Event ids of this administration."""
        return [e.event_id for e in self.events]

    @property
    def start(self) -> datetime | None:
        """Earliest known start."""
        starts = [e.start for e in self.events if e.start is not None]
        return min(starts) if starts else None

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        """Clock order; events without a time keep note order after timed ones of equal rank."""
        s = self.start or datetime.max
        return s, min(e.entry_index for e in self.events), min(e.mention_start for e in self.events)

    @property
    def drugs_text(self) -> str:
        """Drug names for rationales."""
        return " + ".join(sorted(self.drug_key)) or self.events[0].drug


def norm_drug(name: str) -> str:
    """Lowercase, single-spaced drug name."""
    return _SPACES.sub(" ", (name or "").strip().lower())


def fluid_class(name: str, tables: CodingTables) -> str | None:
    """``crystalloid`` / ``electrolyte`` / ``None`` (a drug)."""
    return tables.fluids.get(norm_drug(name))


def chemo_class(name: str, tables: CodingTables) -> str | None:
    """Admin class of a chemotherapy/complex drug (``chemo``/``hormonal``/``complex_biologic``) or None."""
    n = norm_drug(name)
    parts = [p.strip() for p in n.split("/")] if "/" in n else [n]
    for p in [n, *parts, BIOSIMILAR_SUFFIX.sub("", n)]:
        cls = tables.chemo.get(p)
        if cls == "exclude":
            return None
        if cls:
            return cls
    return None


def _hydration_reason(text: str | None, tables: CodingTables) -> bool:
    t = (text or "").lower()
    return any(k in t for k in tables.hydration_reasons)


def _above_maintenance(e: AdminEvent, bag_ml: float, tables: CodingTables) -> bool:
    limit = tables.maintenance_max_per_l.get(norm_drug(e.drug))
    if limit is None or e.dose is None or bag_ml <= 0:
        return False
    return e.dose.value / (bag_ml / 1000.0) > limit


def _not_hydration_cue(events: list[AdminEvent], tables: CodingTables) -> str | None:
    for e in events:
        texts = [e.purpose or "", e.indication or ""]
        if e.indication and _hydration_reason(e.indication, tables):
            return None
        for t in texts:
            tl = t.lower()
            for cue, pattern in tables.not_hydration_patterns:
                if pattern.search(tl):
                    return cue
    return None


def _prolonged_pump(events: list[AdminEvent], minutes: float | None, tables: CodingTables) -> bool:
    limit = tables.t("prolonged_infusion_min_exclusive")
    planned = [e.documented_duration_min for e in events if e.documented_duration_min]
    if (planned and max(planned) > limit) or (minutes is not None and minutes > limit):
        return True  # an outpatient chemotherapy infusion over 8 hours runs on a portable pump
    cue = " ".join(f"{e.device or ''} {e.route_text or ''} {e.line_cue or ''}" for e in events).lower()
    return any(p in cue for p in tables.pump_cues) and all(e.end is None for e in events)


def _stopped_early(events: list[AdminEvent], minutes: float, tables: CodingTables) -> bool:
    for e in events:
        if e.documented_duration_min and e.documented_duration_min > tables.t("push_max_min"):
            return True
        if (
            e.volume_ml
            and e.rate_ml_hr
            and e.volume_ml / e.rate_ml_hr * 60.0 > tables.t("push_max_min")
            and e.end is not None
        ):
            return True
        if (
            e.volume_ml
            and e.end is not None
            and minutes > 0
            and e.volume_ml / minutes * 60.0 > tables.t("stopped_early_rate_ml_hr")
        ):
            return True
    return False


def effective_route(event: AdminEvent, tables: CodingTables) -> str | None:
    """Return the event's route, or an IV route inferred from IV-only evidence when extraction left it empty.

    A crystalloid bag (NS, LR, D5W ...) is always IV; a drug with no route is taken as IV when the note gives
    a bag volume, a rate, a stop time or an IV device/line cue (``device_cues.v1.csv``). Otherwise None
    (unknown: no guess).
    """
    kind = fluid_class(event.drug, tables)
    if kind == "crystalloid" and event.route in (None, "PO", "SL", "OTHER"):
        return "IV_INFUSION"
    if event.route:
        return event.route
    if (
        (event.volume_ml or 0.0) >= tables.t("iv_bag_min_ml")
        or event.rate_ml_hr
        or (event.start is not None and event.end is not None and event.end > event.start)
        or event.line_cue
    ):
        return "IV"
    dev = f" {(event.device or '').lower()} "
    if any(c in dev for c in tables.iv_device_cues):
        return "IV"
    return None


def _group_route(events: list[AdminEvent], tables: CodingTables) -> str | None:
    routes = [r for r in (effective_route(e, tables) for e in events) if r]
    for r in _ROUTE_PREFERENCE:
        if r in routes:
            return r
    return routes[0] if routes else None


def group_events(events: list[AdminEvent], tables: CodingTables | None = None) -> list[list[AdminEvent]]:
    """Split given events into administrations: one per event, or one per shared ``infusate_id``.

    With ``tables``, a drug with no route, no volume and no stop time that starts at the same minute as an
    IV infusion bag is taken as mixed in that bag (rule 12), since nothing else documents how it was given.
    """
    joined: dict[str, str] = {}
    if tables is not None:
        for e in events:
            if (
                e.start is None
                or e.end is not None
                or e.infusate_id
                or fluid_class(e.drug, tables) is not None
            ):
                continue
            host = None
            if e.route is None and not e.volume_ml and effective_route(e, tables) is None:
                # a route-less drug started with a drug bag: mixed in that bag
                host = next(
                    (
                        b
                        for b in events
                        if b is not e
                        and b.start == e.start
                        and b.end is not None
                        and b.route == "IV_INFUSION"
                        and fluid_class(b.drug, tables) is None
                    ),
                    None,
                )
            if host is None and e.route in (None, "IV_INFUSION") and not e.volume_ml:
                # a small unlabelled crystalloid bag hung with a drug that has no stop time: its diluent
                host = next(
                    (
                        b
                        for b in events
                        if b is not e
                        and b.start == e.start
                        and fluid_class(b.drug, tables) == "crystalloid"
                        and not b.infusate_id
                        and b.purpose not in (*PRIMARY_FLUID_PURPOSES, "flush")
                        and 0 < (b.volume_ml or 0.0) <= tables.t("ivpb_max_ml")
                    ),
                    None,
                )
            if host is not None:
                key = host.infusate_id or f"bag-{host.event_id}"
                joined[e.event_id] = key
                joined.setdefault(host.event_id, key)
    groups: dict[str, list[AdminEvent]] = {}
    order: list[str] = []
    for e in events:
        inf = joined.get(e.event_id) or e.infusate_id
        key = f"infusate:{inf}" if inf else f"event:{e.event_id}"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(e)
    return [groups[k] for k in order]


def _minutes(events: list[AdminEvent]) -> tuple[float | None, str, Interval | None]:
    best: tuple[float | None, str] = (None, "none")
    for e in events:
        m, src = event_minutes(e)
        if m is not None and (best[0] is None or m > best[0]):
            best = (m, src)
    intervals = [iv for iv in (event_interval(e) for e in events) if iv is not None]
    interval = (min(i[0] for i in intervals), max(i[1] for i in intervals)) if intervals else None
    return best[0], best[1], interval


def classify(events: list[AdminEvent], tables: CodingTables) -> Admin:
    """Classify one administration (events of one bag, or one event).

    Parameters
    ----------
    events
        Given events of one administration.
    tables
        Coding tables (categories, routes, fluids, chemo list, thresholds).

    Returns
    -------
    Admin
        The administration with ``category`` set (``None`` = no administration code) and the reason.
    """
    ids = [e.event_id for e in events]
    minutes, src, interval = _minutes(events)
    enc = next((e.encounter_id for e in events if e.encounter_id), None) or "V1"
    acc = next((e.access_id for e in events if e.access_id), None) or "A1"
    drugs = [e for e in events if fluid_class(e.drug, tables) is None]
    electrolytes = [e for e in events if fluid_class(e.drug, tables) == "electrolyte"]
    crystalloids = [e for e in events if fluid_class(e.drug, tables) == "crystalloid"]
    purposes = {e.purpose for e in events if e.purpose}
    indications = [e.indication for e in events if e.indication]
    documented = bool(indications) or "hydration" in purposes or "therapeutic" in purposes
    admin = Admin(
        events=events,
        category=None,
        reason="",
        rule="",
        minutes=minutes,
        minutes_source=src,
        interval=interval,
        encounter=enc,
        access=acc,
        documented_reason=documented,
    )
    admin.route = _group_route(events, tables)

    # therapeutic electrolytes (KCl for hypokalemia) are drugs, not hydration (digest section 9)
    bag_ml = sum((c.volume_ml or 0.0) for c in crystalloids)
    therapeutic_lytes = [
        e
        for e in electrolytes
        if e.purpose == "therapeutic"
        or not crystalloids
        or (e.indication and not _hydration_reason(e.indication, tables))
        or _above_maintenance(e, bag_ml, tables)
    ]
    drug_members = drugs + therapeutic_lytes
    admin.drug_key = frozenset(norm_drug(e.drug) for e in (drug_members or events))
    if drug_members:
        # a drug's bag fluid is its vehicle unless documented as a primary fluid (hydration/KVO/carrier)
        admin.diluent_ids = {
            c.event_id
            for c in crystalloids + electrolytes
            if c not in drug_members and c.purpose not in PRIMARY_FLUID_PURPOSES
        }

    route = _group_route(events, tables)
    if all(e.purpose in NON_BILLABLE_PURPOSES for e in events):
        admin.reason = f"{'/'.join(sorted(purposes))} is included in the administration, not billed (rule 7)"
        admin.rule = "R7-included-services"
        return admin
    if route is None and not drug_members:
        route = "IV_INFUSION"  # a hung bag of fluid is an IV infusion
    if route is None:
        admin.reason = "route not documented: no administration code without a route"
        admin.rule = "R36-documentation"
        admin.flags.append(
            Flag(
                "ROUTE_NOT_DOCUMENTED",
                "warning",
                "Route of a given drug is not documented; no administration code suggested.",
                ids,
                "R36-documentation",
            )
        )
        return admin
    family = tables.route_family.get(route, "none")
    if family == "none":
        admin.reason = f"route {route} is not a 96360-96379 service"
        admin.rule = "R7-included-services" if route == "LOCAL_INFILTRATION" else "R27-route"
        return admin

    if drug_members and all(e.dose is None and e.start is None and not e.volume_ml for e in events):
        admin.reason = "drug with no dose and no time documented: administration not supported"
        admin.rule = "R36-documentation"
        admin.flags.append(
            Flag(
                "INSUFFICIENT_DOCUMENTATION",
                "warning",
                "Given drug has neither a dose nor a time: no administration code suggested (rule 36).",
                ids,
                "R36-documentation",
            )
        )
        return admin
    chemo = next((c for c in (chemo_class(e.drug, tables) for e in drug_members) if c), None)
    if chemo is None and "chemotherapy" in purposes and drug_members:
        chemo = "chemo"

    if family == "im_sq":
        rate = (
            any(e.rate_ml_hr for e in events)
            or any(p in (e.device or "").lower() for e in events for p in tables.pump_cues)
            or any((e.volume_ml or 0.0) > tables.t("sq_injection_max_ml") for e in events)
        )
        if (
            route == "SQ"
            and ((minutes is not None and not is_push_length(minutes, tables)) or rate)
            and "sq_infusion" in tables.categories
        ):
            admin.category = "sq_infusion"
            admin.reason = f"subcutaneous infusion of {admin.drugs_text}"
            admin.rule = "R28-sq-infusion"
        elif chemo and "chemo_injection" in tables.categories:
            hormonal = chemo == "hormonal" and "chemo_hormonal_injection" in tables.categories
            admin.category = "chemo_hormonal_injection" if hormonal else "chemo_injection"
            kind = "hormonal anti-neoplastic" if chemo == "hormonal" else "chemotherapy/complex"
            admin.reason = f"{route} injection of the {kind} drug {admin.drugs_text}"
            admin.rule = "R3-facility-hierarchy"
        else:
            admin.category = "im_sq_injection"
            admin.reason = f"{route} injection of {admin.drugs_text}"
            admin.rule = "R27-im-sq-injection"
        return admin
    if family == "intra_arterial":
        admin.category = "intra_arterial"
        admin.reason = f"intra-arterial injection of {admin.drugs_text} (96373, never 96376)"
        admin.rule = "R27-intra-arterial"
        return admin

    # IV families
    if not drug_members:
        fluid_purposes = {e.purpose for e in crystalloids + electrolytes}
        if fluid_purposes and fluid_purposes <= set(NOT_HYDRATION_PURPOSES):
            admin.reason = (
                f"{'/'.join(sorted(p for p in fluid_purposes if p))} fluid is not billable hydration "
                "(the bag is still charged)"
            )
            admin.rule = "R34-not-hydration"
            return admin
        cue = _not_hydration_cue(events, tables)
        if cue:
            admin.reason = (
                f"{cue} fluid without a documented hydration need is not billable hydration "
                "(the bag is still charged)"
            )
            admin.rule = "R35-hydration-necessity"
            admin.flags.append(
                Flag(
                    "FLUID_NOT_HYDRATION",
                    "info",
                    f"Fluid documented as {cue}: no hydration code (rules 34-35); bag charged (rule 44).",
                    ids,
                    "R35-hydration-necessity",
                )
            )
            return admin
        admin.category = "hydration"
        admin.reason = f"hydration with {admin.drugs_text}"
        admin.rule = "R15-hydration-31min"
        return admin

    prefix = "chemo" if chemo else "tpd"
    if chemo and _prolonged_pump(events, minutes, tables) and "chemo_pump_initiation" in tables.categories:
        admin.category = "chemo_pump_initiation"
        admin.reason = f"prolonged infusion of {admin.drugs_text} started on a portable/implantable pump"
        admin.rule = "R3-facility-hierarchy"
        return admin
    if (
        chemo
        and route == "IV_INFUSION"
        and minutes is not None
        and is_push_length(minutes, tables)
        and _stopped_early(events, minutes, tables)
    ):
        admin.category = "chemo_infusion"
        admin.discontinued = True
        admin.reason = (
            f"{admin.drugs_text} infusion stopped after {minutes:g} min, before its planned duration: "
            "reported as the intended infusion (rule 13)"
        )
        admin.rule = "R13-discontinued-chemo"
        admin.flags.append(
            Flag(
                "DISCONTINUED_INFUSION",
                "warning",
                "Chemotherapy infusion stopped early: coded as the intended infusion (53 on a "
                "professional claim; hospitals use OPPS discontinuation modifiers).",
                ids,
                "R13-discontinued-chemo",
            )
        )
        return admin
    push_max = tables.t("push_max_min")
    if route == "IV_PUSH":
        admin.category = f"{prefix}_push"
        admin.reason = f"IV push of {admin.drugs_text}"
        admin.rule = "R10-push-15min"
    elif minutes is not None:
        if is_push_length(minutes, tables):
            admin.category = f"{prefix}_push"
            admin.reason = f"{admin.drugs_text} ran {minutes:g} min ({push_max:g} min or less is a push)"
            admin.rule = "R10-push-15min"
        else:
            admin.category = f"{prefix}_infusion"
            low = tables.t("infusion_min_min")
            admin.reason = f"{admin.drugs_text} infused {minutes:g} min ({low:g} min or more is an infusion)"
            admin.rule = "R11-infusion-16min"
    else:
        admin.category = f"{prefix}_push"
        admin.push_fallback = True
        admin.reason = (
            f"{admin.drugs_text} given IV without a documented stop time, rate or volume: reported as a "
            f"push because more than {push_max:g} minutes cannot be shown"
        )
        admin.rule = "R38-push-fallback"
        admin.flags.append(
            Flag(
                "PUSH_FALLBACK_NO_STOP_TIME",
                "warning",
                "IV drug with no stop time and no rate/volume: coded as a push (rule 38); "
                "document the stop time to support an infusion code.",
                ids,
                "R38-push-fallback",
            )
        )
        admin.flags.append(
            Flag(
                "PUSH_INFUSION_DECIDED_BY_MISSING_TIME",
                "warning",
                "Push versus infusion was decided by a missing time.",
                ids,
                "R38-push-fallback",
            )
        )
        if route == "IV_INFUSION":
            admin.flags.append(
                Flag(
                    "MISSING_STOP_TIME",
                    "warning",
                    "Infusion has no stop time (and no rate/volume to compute one).",
                    ids,
                    "R37-missing-stop-time",
                )
            )
    return admin


def merge_same_drug_infusions(admins: list[Admin]) -> list[Admin]:
    """Add up the time of repeated infusions of the same drug on one access in one encounter.

    An infusion restarted after infiltration (rule 30) or re-hung later is one drug's infusion time, not a
    new sequential drug (rule 20); separate-bag time is contested (section 9), so a flag says it was summed.
    Overlapping same-drug bags are left alone (the concurrency logic handles them).
    """
    out: list[Admin] = []
    seen: dict[tuple[str, str, str, frozenset[str]], Admin] = {}
    for a in sorted(admins, key=lambda x: x.sort_key):
        if a.category not in INFUSIONS or a.minutes is None:
            out.append(a)
            continue
        key = (a.category, a.encounter, a.access, a.drug_key)
        first = seen.get(key)
        if first is None or (first.interval and a.interval and a.interval[0] < first.interval[1]):
            seen.setdefault(key, a)
            out.append(a)
            continue
        first.events.extend(a.events)
        first.minutes = (first.minutes or 0.0) + a.minutes
        if first.interval and a.interval:
            first.interval = (first.interval[0], max(first.interval[1], a.interval[1]))
        first.reason = f"{first.drugs_text} infused {first.minutes:g} min in all (same drug restarted)"
        first.flags.extend(a.flags)
        first.flags.append(
            Flag(
                "SAME_DRUG_INFUSION_TIME_SUMMED",
                "info",
                "Repeated infusions of the same drug on one access were timed together "
                "(restart after infiltration is the same service, rule 30).",
                [e.event_id for e in first.events],
                "R30-restart-same-access",
            )
        )
    return out
