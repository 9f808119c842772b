"""Write a large synthetic dump of ED / infusion nursing notes for load tests (not for accuracy work).

Notes are built from templates (narrative, MAR-style table, flowsheet rows, terse shorthand) with random
drugs, doses, times and lines, so that the NLP does realistic work per note. They are synthetic: no real
patient text. Streams to disk, so 200k notes take little memory.

Usage:
    python scripts/make_synthetic_dump.py --n 200000 -o /tmp/dump.jsonl
    python scripts/make_synthetic_dump.py --n 5000 -o /tmp/NOTEEVENTS.csv --mimic      # MIMIC-style columns
    python scripts/make_synthetic_dump.py --n 500 -o /tmp/long.parquet --length 10     # 10x longer notes
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

PUSHES = [
    ("Zofran", "4 mg"), ("ondansetron", "4 mg"), ("morphine", "4 mg"), ("Dilaudid", "0.5 mg"),
    ("hydromorphone", "1 mg"), ("Toradol", "15 mg"), ("ketorolac", "30 mg"), ("Benadryl", "25 mg"),
    ("Reglan", "10 mg"), ("Solu-Medrol", "125 mg"), ("famotidine", "20 mg"), ("Lasix", "40 mg"),
    ("fentanyl", "50 mcg"), ("lorazepam", "1 mg"), ("Decadron", "10 mg"), ("metoclopramide", "10 mg"),
]
PIGGYBACKS = [
    ("ceftriaxone", "1 g", 100, 30), ("Rocephin", "2 g", 100, 30), ("vancomycin", "1.25 g", 250, 90),
    ("Zosyn", "3.375 g", 100, 30), ("levofloxacin", "750 mg", 150, 90), ("magnesium sulfate", "2 g", 50, 60),
    ("potassium chloride", "20 mEq", 100, 60), ("acetaminophen", "1000 mg", 100, 15),
    ("pantoprazole", "40 mg", 100, 15), ("azithromycin", "500 mg", 250, 60),
]
FLUIDS = [("NS", 1000), ("normal saline", 1000), ("LR", 1000), ("0.9% NaCl", 500), ("D5 1/2NS", 1000)]
SITES = ["L AC", "R AC", "R FA", "L hand", "R wrist", "L FA", "port", "PICC RUE"]
GAUGES = ["18g", "20g", "22g"]
REASONS = ["nausea", "pain", "dehydration", "HA", "abd pain", "vomiting", "fever", "flank pain"]
SHORT = ["pt resting", "VSS", "call light in reach", "family at bedside", "tolerating PO", "denies pain",
         "ambulated to BR", "pt asleep", "MD at bedside", "awaiting CT"]


def _t(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}{minutes % 60:02d}"


def _colon(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def narrative(rng: random.Random, t0: int) -> list[str]:
    site, gauge = rng.choice(SITES), rng.choice(GAUGES)
    lines = [f"{_t(t0)} {gauge} PIV placed {site}, flushes easily, blood drawn and sent."]
    t = t0 + rng.randint(5, 20)
    fluid, vol = rng.choice(FLUIDS)
    rate = rng.choice([500, 999, 250])
    lines.append(f"{_t(t)} {fluid} {vol} mL bolus started via {site} pump at {rate} mL/hr.")
    for _ in range(rng.randint(1, 3)):
        t += rng.randint(5, 40)
        drug, dose = rng.choice(PUSHES)
        lines.append(f"{_t(t)} {drug} {dose} IV push given for {rng.choice(REASONS)}. {rng.choice(SHORT)}.")
    if rng.random() < 0.6:
        t += rng.randint(10, 30)
        drug, dose, vol, mins = rng.choice(PIGGYBACKS)
        lines.append(f"{_t(t)} {drug} {dose} in {vol} mL NS IVPB hung, to infuse over {mins} min.")
        lines.append(f"{_t(t + mins)} {drug} infusion complete, line flushed with 10 mL NS.")
    if rng.random() < 0.3:
        drug, dose = rng.choice(PUSHES)
        lines.append(f"{drug} {dose} held per MD, pt declined.")
    lines.append(f"{_t(t + rng.randint(60, 180))} bolus complete. {rng.choice(SHORT)}. Report given.")
    return lines


def mar(rng: random.Random, t0: int) -> list[str]:
    lines = ["MEDICATION ADMINISTRATION RECORD", "Time | Medication | Dose | Route | Site | Status"]
    t = t0
    for _ in range(rng.randint(2, 5)):
        t += rng.randint(5, 45)
        if rng.random() < 0.7:
            drug, dose = rng.choice(PUSHES)
            route = rng.choice(["IVP", "IV push", "IM", "IV"])
        else:
            drug, dose, _, _ = rng.choice(PIGGYBACKS)
            route = "IVPB"
        status = rng.choice(["Given", "Given", "Given", "Held", "Not Given"])
        lines.append(f"{_colon(t)} | {drug} | {dose} | {route} | {rng.choice(SITES)} | {status}")
    return lines


def flowsheet(rng: random.Random, t0: int) -> list[str]:
    fluid, vol = rng.choice(FLUIDS)
    rate = rng.choice([75, 100, 125, 150])
    t = t0
    lines = [f"IV FLOWSHEET  site: {rng.choice(SITES)}  device: {rng.choice(GAUGES)} PIV"]
    lines.append(f"{_colon(t)}  {fluid} @ {rate} mL/hr  started")
    for _ in range(rng.randint(1, 4)):
        t += rng.randint(30, 90)
        lines.append(f"{_colon(t)}  {fluid} @ {rate} mL/hr  infusing, site WNL")
    lines.append(f"{_colon(t + 30)}  {fluid} stopped, {rng.randint(200, vol)} mL infused")
    return lines


def shorthand(rng: random.Random, t0: int) -> list[str]:
    d1, x1 = rng.choice(PUSHES)
    d2, x2, v2, m2 = rng.choice(PIGGYBACKS)
    return [
        f"pt c/o {rng.choice(REASONS)}. PIV {rng.choice(GAUGES)} {rng.choice(SITES)}.",
        f"@{_t(t0)} {d1} {x1} IVP. @{_t(t0 + 15)} {d2} {x2}/{v2}mL IVPB over {m2}min.",
        f"NS KVO. {rng.choice(SHORT)}. d/c'd IV @{_t(t0 + 200)}, cath intact.",
    ]


STYLES = [narrative, mar, flowsheet, shorthand]


def make_note(rng: random.Random, length: int = 1) -> str:
    """Return one synthetic note; ``length`` repeats the body (later parts shifted in time)."""
    parts = []
    t0 = rng.randint(0, 20 * 60)
    for k in range(max(1, length)):
        parts.extend(rng.choice(STYLES)(rng, t0 + k * 37))
    return "\n".join(parts)


def iter_records(n: int, seed: int = 7, length: int = 1, mimic: bool = False) -> Iterator[dict]:
    """Yield ``n`` input records (contract keys, or MIMIC NOTEEVENTS columns with ``mimic``)."""
    rng = random.Random(seed)
    base = date(2026, 1, 1)
    for i in range(n):
        day = base + timedelta(days=rng.randint(0, 364))
        text = make_note(rng, length)
        if mimic:
            yield {"ROW_ID": i + 1, "SUBJECT_ID": 10000 + rng.randint(0, 5000), "HADM_ID": 200000 + i,
                   "CHARTDATE": day.isoformat(), "CATEGORY": "Nursing", "TEXT": text}
        else:
            yield {"id": f"syn-{i:07d}", "text": text, "encounter_date": day.isoformat(),
                   "setting": "facility" if rng.random() < 0.8 else "professional"}


def write_dump(path: Path, n: int, seed: int = 7, length: int = 1, mimic: bool = False) -> Path:
    """Write the dump to ``path`` (.jsonl, .csv or .parquet), streaming."""
    suffix = path.suffix.lower()
    records = iter_records(n, seed, length, mimic)
    if suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for r in records:
                fh.write(json.dumps(r) + "\n")
    elif suffix == ".csv":
        first = next(records, None)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            if first is not None:
                w = csv.DictWriter(fh, fieldnames=list(first))
                w.writeheader()
                w.writerow(first)
                w.writerows(records)
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        batch: list[dict] = []
        for r in records:
            batch.append(r)
            if len(batch) >= 5000:
                table = pa.Table.from_pylist(batch)
                writer = writer or pq.ParquetWriter(str(path), table.schema)
                writer.write_table(table)
                batch = []
        if batch or writer is None:
            table = pa.Table.from_pylist(batch)
            writer = writer or pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
        writer.close()
    else:
        raise SystemExit(f"unsupported output {suffix}")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=200_000, help="number of notes (default 200000)")
    p.add_argument("-o", "--output", required=True, help=".jsonl, .csv or .parquet")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--length", type=int, default=1, help="repeat each note body this many times")
    p.add_argument("--mimic", action="store_true", help="MIMIC NOTEEVENTS-style columns")
    args = p.parse_args(argv)
    write_dump(Path(args.output), args.n, args.seed, args.length, args.mimic)
    print(f"wrote {args.n} notes to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
