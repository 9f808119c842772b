"""Benchmark resolve_timeline on synthetic notes (not a test; prints ms per note and per event).

Usage: .venv/bin/python scripts/bench_temporal.py [n_notes] [events_per_note]
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date

from infucode.annotations.schema import AdminEvent, TimeMention
from infucode.pipeline.temporal import resolve_timeline

DRUGS = [("ondansetron", "Zofran 4 mg IVP", "IV_PUSH"), ("morphine", "morphine 4 mg IVP", "IV_PUSH"),
         ("sodium chloride 0.9%", "NS 1000 mL bolus", "IV_INFUSION"),
         ("ceftriaxone", "ceftriaxone 1 g IVPB", "IV_INFUSION"),
         ("ketorolac", "Toradol 15 mg IVP", "IV_PUSH")]
SITES = ["L AC", "R FA", None, None]
FORMS = ["{h:02d}{m:02d}", "@{h:02d}{m:02d}", "{h:02d}:{m:02d}", "{h12}:{m:02d} {ap}"]


def make_note(rnd: random.Random, n_events: int) -> tuple[str, list[AdminEvent]]:
    lines: list[str] = []
    events: list[AdminEvent] = []
    minute = rnd.randint(6 * 60, 20 * 60)
    pos = 0
    for i in range(n_events):
        minute = (minute + rnd.randint(3, 40)) % 1440
        h, m = divmod(minute, 60)
        form = rnd.choice(FORMS)
        stamp = form.format(h=h, m=m, h12=(h % 12) or 12, ap="PM" if h >= 12 else "AM")
        drug, phrase, route = rnd.choice(DRUGS)
        site = rnd.choice(SITES)
        end_txt = ""
        if route == "IV_INFUSION" and rnd.random() < 0.6:
            e_min = (minute + rnd.randint(20, 90)) % 1440
            end_txt = f", completed {e_min // 60:02d}{e_min % 60:02d}"
        line = f"{stamp} {phrase}{' ' + site if site else ''} given{end_txt}"
        start = pos
        role = "start" if route == "IV_INFUSION" else "at"
        mentions = [TimeMention(start, start + len(stamp), role, stamp)]
        if end_txt:
            s = start + line.index("completed ") + len("completed ")
            mentions.append(TimeMention(s, s + 4, "end", line[s - start : s - start + 4]))
        ev = AdminEvent(event_id=f"e{i + 1}", drug=drug, route=route, site=site,
                        mention_start=start + len(stamp) + 1, time_mentions=mentions,
                        volume_ml=1000.0 if "NS" in phrase else None,
                        rate_ml_hr=rnd.choice([None, 500.0]) if "NS" in phrase else None)
        events.append(ev)
        lines.append(line)
        pos += len(line) + 1
    return "\n".join(lines) + "\n", events


def main() -> None:
    n_notes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    per_note = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rnd = random.Random(7)
    notes = [make_note(rnd, per_note) for _ in range(n_notes)]
    resolve_timeline(*make_note(rnd, 3), date(2026, 11, 20))  # warm imports and caches once
    t0 = time.perf_counter()
    for text, events in notes:
        resolve_timeline(text, events, date(2026, 11, 20))
    dt = time.perf_counter() - t0
    total = n_notes * per_note
    print(f"{n_notes} notes x {per_note} events: {dt * 1000 / n_notes:.2f} ms/note, "
          f"{dt * 1000 / total:.3f} ms/event")


if __name__ == "__main__":
    main()
