"""Generator of varied synthetic ED / infusion nursing notes (no PHI) for benchmarks and smoke tests.

``generate(n, seed)`` returns ``n`` note texts in several styles (timestamped lines, MAR pipes, MAR tabs,
narrative, SOAP). Drug names, doses, times and wording are sampled so that no two notes are equal.
"""

from __future__ import annotations

import random

PUSHES = [("Zofran", "4 mg"), ("ondansetron", "4 mg"), ("toradol", "15 mg"), ("ketorolac", "30 mg"),
          ("dilaudid", "0.5 mg"), ("morphine", "4 mg"), ("benadryl", "25 mg"), ("reglan", "10 mg"),
          ("protonix", "40 mg"), ("solumedrol", "125 mg"), ("ativan", "1 mg"), ("lasix", "40 mg"),
          ("phenergan", "12.5 mg"), ("decadron", "10 mg"), ("famotidine", "20 mg")]
PIGGYBACKS = [("Rocephin", "1 g", 100), ("ceftriaxone", "2 g", 50), ("vanc", "1.25 g", 250),
              ("pip-tazo", "4.5 g", 100), ("Mg sulfate", "2 g", 50), ("KCl", "10 mEq", 100),
              ("levofloxacin", "750 mg", 150), ("cefazolin", "2 g", 100)]
FLUIDS = ["NS", "LR", "D5 1/2NS", "normal saline", "lactated ringers", "D5W", "0.9% NS"]
SITES = ["L AC", "R AC", "L FA", "R forearm", "L hand", "RAC"]
ROUTES_PUSH = ["IVP", "IV push", "slow IVP", "IV"]
CUES = ["given", "administered", "", "pushed", "tol well"]


def _t(rng: random.Random, base: int) -> tuple[str, int]:
    base += rng.randint(3, 40)
    h, m = divmod(base, 60)
    return f"{h % 24:02d}{m:02d}", base


def _timestamped(rng: random.Random) -> str:
    t = rng.randint(0, 22 * 60)
    lines = []
    s, t = _t(rng, t)
    lines.append(f"{s} Pt to rm {rng.randint(1, 40)} c/o {rng.choice(['N/V', 'abd pain', 'HA', 'CP'])}. "
                 f"{rng.choice(['18', '20', '22'])}g PIV placed {rng.choice(SITES)}.")
    for _ in range(rng.randint(2, 6)):
        s, t = _t(rng, t)
        kind = rng.random()
        if kind < 0.5:
            d, dose = rng.choice(PUSHES)
            line = f"{s} {d} {dose} {rng.choice(ROUTES_PUSH)} {rng.choice(SITES)} {rng.choice(CUES)}"
            lines.append(line.rstrip())
        elif kind < 0.75:
            f = rng.choice(FLUIDS)
            lines.append(f"{s} {f} {rng.choice(['1L', '1000 mL', '500 mL'])} bolus started "
                         f"{rng.choice(['wide open', '@ 125 mL/hr', 'at 999 ml/hr'])}")
        elif kind < 0.9:
            d, dose, vol = rng.choice(PIGGYBACKS)
            e, _ = _t(rng, t)
            lines.append(f"{s} {d} {dose} in {vol} mL NS IVPB over 30 min, started {s} completed {e}")
        else:
            d, dose = rng.choice(PUSHES)
            lines.append(f"{s} {d} {dose} IV held - pt {rng.choice(['refused', 'declined', 'asleep'])}")
    s, t = _t(rng, t)
    lines.append(f"{s} d/c home w/ family, PIV removed cath intact.")
    return "\n".join(lines)


def _mar(rng: random.Random) -> str:
    t = rng.randint(0, 20 * 60)
    rows = ["MEDICATION ADMINISTRATION RECORD"]
    for _ in range(rng.randint(2, 5)):
        s, t = _t(rng, t)
        d, dose = rng.choice(PUSHES)
        status = rng.choice(["Given", "Given", "Held - pt declined", "Not Given"])
        rows.append(f"{d} injection {dose} | Route: Intravenous | Admin time: {s} | {status} | "
                    f"Site: {rng.choice(SITES)} | RN: KL")
    return "\n".join(rows)


def _narrative(rng: random.Random) -> str:
    d1, dose1 = rng.choice(PUSHES)
    d2, dose2 = rng.choice(PUSHES)
    f = rng.choice(FLUIDS)
    t = rng.randint(8 * 60, 20 * 60)
    s1, t = _t(rng, t)
    s2, t = _t(rng, t)
    s3, t = _t(rng, t)
    return (f"Pt arrived via {rng.choice(['POV', 'EMS'])} with c/o pain. "
            "Home meds: lisinopril 10 mg PO daily, "
            f"metformin 500 mg PO BID. Allergies: penicillin. 20 g IV inserted to {rng.choice(SITES)}. "
            f"Pt medicated with {d1} {dose1} IV push at {s1} and {d2} {dose2} IV at {s2}, tolerated well. "
            f"{f} 1000 mL started at {s3} at 250 mL/hr. Will give {rng.choice(PUSHES)[0]} if pain persists.")


def _soap(rng: random.Random) -> str:
    d1, dose1 = rng.choice(PUSHES)
    d2, dose2 = rng.choice(PUSHES)
    return (f"S: pt w/ migraine x 18h, took sumatriptan 50 mg at home w/o relief.\nO: afebrile.\n"
            f"A: migraine.\nP: {d1} {dose1} IV, {d2} {dose2} IV, 1L NS. Reassess in 1h.\n")


STYLES = (_timestamped, _mar, _narrative, _soap)


def generate(n: int, seed: int = 7) -> list[str]:
    """Return ``n`` synthetic note texts."""
    rng = random.Random(seed)
    return [rng.choice(STYLES)(rng) for _ in range(n)]
