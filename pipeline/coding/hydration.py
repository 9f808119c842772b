"""Hydration services: merge bags on one access, subtract concurrent infusions and pushes (rules 15-17, 22).

One continuous hydration (bags back to back, or overlapping, on one access) is one service. Its billable
minutes = clock minutes - minutes covered by drug infusions in the same encounter (rule 22: no concurrent
hydration) - minutes of pushes given through it (rule 17).
"""

from __future__ import annotations

from datetime import timedelta

from infucode.annotations.schema import Flag
from infucode.pipeline.coding.classify import INFUSIONS, PUSHES, Admin
from infucode.pipeline.coding.durations import Interval, union_minutes_within
from infucode.pipeline.coding.tables import CodingTables


def _merge(group: list[Admin], gap: float) -> list[list[Admin]]:
    timed = sorted((a for a in group if a.interval is not None), key=lambda a: a.interval[0])  # type: ignore[index]
    merged: list[list[Admin]] = []
    end = None
    for a in timed:
        assert a.interval is not None
        if merged and end is not None and a.interval[0] <= end + timedelta(minutes=gap):
            merged[-1].append(a)
            end = max(end, a.interval[1])
        else:
            merged.append([a])
            end = a.interval[1]
    merged.extend([a] for a in group if a.interval is None)
    return merged


def _end_at_next_bag(group: list[Admin]) -> None:
    """End a bag that has a start but no stop when the next bag is hung on the same access."""
    timed = sorted((a for a in group if a.start is not None), key=lambda a: a.sort_key)
    for cur, nxt in zip(timed, timed[1:], strict=False):
        if cur.interval is not None or cur.minutes is not None or nxt.start is None or cur.start is None:
            continue
        if nxt.start <= cur.start:
            continue
        cur.interval = (cur.start, nxt.start)
        cur.minutes = (nxt.start - cur.start).total_seconds() / 60.0
        cur.minutes_source = "next_bag"
        cur.flags.append(
            Flag(
                "STOP_TIME_FROM_NEXT_BAG",
                "info",
                "Bag had no stop time; it was taken to end when the next bag was hung on the same line.",
                cur.ids,
                "R37-missing-stop-time",
            )
        )


def _push_minutes(push: Admin, hydration_ids: set[str], tables: CodingTables) -> float:
    for e in push.events:
        for r in e.relations:
            if r.type == "during" and r.other in hydration_ids and r.minutes is not None:
                return float(r.minutes)
    if push.minutes is not None:
        return push.minutes
    return tables.t("push_default_min")


def hydration_services(admins: list[Admin], tables: CodingTables) -> list[Admin]:
    """Return the hydration services of one encounter with billable minutes in ``minutes``.

    Parameters
    ----------
    admins
        All classified administrations of one encounter.
    tables
        Coding tables (``hydration_merge_gap_min``, ``push_default_min``).

    Returns
    -------
    list of Admin
        One merged ``hydration`` admin per continuous hydration on an access; ``minutes`` is None when no
        duration can be computed (not reportable, flagged).
    """
    gap = tables.t("hydration_merge_gap_min")
    hyd = [a for a in admins if a.category == "hydration"]
    by_access: dict[str, list[Admin]] = {}
    for a in hyd:
        by_access.setdefault(a.access, []).append(a)
    for group in by_access.values():
        _end_at_next_bag(group)
    drug_intervals: list[Interval] = [a.interval for a in admins if a.category in INFUSIONS and a.interval]
    services: list[Admin] = []
    for access, group in by_access.items():
        for parts in _merge(group, gap):
            events = [e for p in parts for e in p.events]
            ids = {e.event_id for e in events}
            svc = Admin(
                events=events,
                category="hydration",
                reason="",
                rule="R15-hydration-31min",
                encounter=parts[0].encounter,
                access=access,
                drug_key=frozenset().union(*(p.drug_key for p in parts)),
                documented_reason=any(p.documented_reason for p in parts),
            )
            intervals = [p.interval for p in parts if p.interval]
            if intervals:
                window = (min(i[0] for i in intervals), max(i[1] for i in intervals))
                svc.interval = window
                clock = union_minutes_within(window, intervals)
                # minutes lost to pauses inside the bags
                paused = sum(e.pauses_min or 0.0 for e in events)
                concurrent = union_minutes_within(window, drug_intervals)
                pushes = [
                    a
                    for a in admins
                    if a.category in PUSHES
                    and a.access == access
                    and a.start is not None
                    and window[0] <= a.start < window[1]
                ]
                push_min = sum(_push_minutes(p, ids, tables) for p in pushes)
                billable = max(0.0, clock - paused - concurrent - push_min)
                svc.minutes, svc.minutes_source = billable, "computed"
                notes = [f"{clock - paused:g} min of hydration"]
                if concurrent:
                    notes.append(f"minus {concurrent:g} min concurrent with a drug infusion (rule 22)")
                if push_min:
                    notes.append(f"minus {push_min:g} min of pushes through the line (rule 17)")
                svc.reason = ", ".join(notes) + f" = {billable:g} billable min"
            else:
                mins = [p.minutes for p in parts if p.minutes is not None]
                svc.minutes = max(mins) if mins else None
                svc.minutes_source = parts[0].minutes_source
                svc.reason = f"{svc.minutes:g} min of hydration" if svc.minutes is not None else ""
            if svc.minutes is None:
                svc.flags.append(
                    Flag(
                        "HYDRATION_NO_DURATION",
                        "warning",
                        "Hydration has no computable duration (no stop time, rate or volume): not "
                        "reported (rules 37-38).",
                        sorted(ids),
                        "R38-push-fallback",
                    )
                )
                svc.flags.append(
                    Flag(
                        "MISSING_STOP_TIME",
                        "warning",
                        "Hydration has no stop time.",
                        sorted(ids),
                        "R37-missing-stop-time",
                    )
                )
            services.append(svc)
    return services
