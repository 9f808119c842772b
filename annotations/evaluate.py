"""``infucode evaluate``: score produced claim lines against an evaluation file of expected lines.

The evaluation file is the contract's "Evaluation file" format: input records (``id``, ``text``, ``setting``,
``encounter_date``, ``place_of_service``) plus ``expected_cpt`` (``[{code, units, modifiers}]``),
``expected_hcpcs`` (``[{code, units}]`` with ``modifiers`` only for JW/JZ) and optionally ``expected_given``
(``[{drug, dose_value, dose_unit, route, start, end}]``).

Matching conventions (``annotations/scenarios/README.md``):

* a CPT line matches on ``code`` + ``units``; the modifiers are scored as a second, stricter metric where
  59/XE/XS/XU form one "distinct service" class and other modifiers (e.g. 53) must be equal;
* an HCPCS line matches on ``code`` + ``units`` + its JW/JZ modifiers (other HCPCS modifiers are ignored);
* lines are compared as multisets (two identical lines must be produced twice);
* a case is an exact claim match when its CPT lines (with modifier classes) and HCPCS lines are equal as
  multisets.

The metric functions take plain dicts and never read note text; the command prints ids, codes and rules only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: Modifiers that all mean "distinct service" (digest item 32).
DISTINCT_CLASS: frozenset[str] = frozenset({"59", "XE", "XS", "XU"})
#: The HCPCS modifiers that take part in HCPCS matching (digest item 42).
WASTE_MODIFIERS: frozenset[str] = frozenset({"JW", "JZ"})
#: Fields removed from a record before it goes to the pipeline (the answers and the text stating them).
EXPECTED_FIELDS: tuple[str, ...] = ("expected_cpt", "expected_hcpcs", "expected_given", "rule", "rationale")

CptKey = tuple[str, int]
CptModKey = tuple[str, int, tuple[str, ...]]
HcpcsKey = tuple[str, int, tuple[str, ...]]


# -- normalisation ---------------------------------------------------------------------------------
def _code(line: dict[str, Any]) -> str:
    return str(line.get("code", "")).strip().upper()


def _units(line: dict[str, Any]) -> int:
    try:
        return int(round(float(line.get("units", 1) if line.get("units") is not None else 1)))
    except (TypeError, ValueError):
        return 0


def _mods(line: dict[str, Any]) -> list[str]:
    mods = line.get("modifiers") or []
    if isinstance(mods, str):
        mods = [m for m in mods.replace(",", " ").split() if m]
    return [str(m).strip().upper() for m in mods if str(m).strip()]


def normalize_cpt_modifiers(modifiers: Iterable[str]) -> tuple[str, ...]:
    """Map modifiers to their scoring classes: 59/XE/XS/XU become ``"59"``; duplicates collapse.

    Parameters
    ----------
    modifiers
        Modifiers as written on a line.

    Returns
    -------
    tuple of str
        Sorted, de-duplicated modifier classes.
    """
    out = {"59" if m.upper() in DISTINCT_CLASS else m.upper() for m in modifiers if m}
    return tuple(sorted(out))


def cpt_key(line: dict[str, Any]) -> CptKey:
    """Return the primary CPT matching key ``(code, units)``."""
    return (_code(line), _units(line))


def cpt_mod_key(line: dict[str, Any]) -> CptModKey:
    """Return the strict CPT key ``(code, units, modifier classes)``."""
    return (_code(line), _units(line), normalize_cpt_modifiers(_mods(line)))


def hcpcs_key(line: dict[str, Any]) -> HcpcsKey:
    """Return the HCPCS matching key ``(code, units, JW/JZ modifiers)``."""
    waste = tuple(sorted({m for m in _mods(line) if m in WASTE_MODIFIERS}))
    return (_code(line), _units(line), waste)


# -- counting --------------------------------------------------------------------------------------
def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(f1, 4)}


def _compare(expected: Counter, produced: Counter) -> tuple[int, Counter, Counter]:
    tp = sum((expected & produced).values())
    return tp, expected - produced, produced - expected


def _fmt_key(key: tuple[Any, ...]) -> str:
    code, units = key[0], key[1]
    mods = key[2] if len(key) > 2 else ()
    return f"{code}" + (f"-{'-'.join(mods)}" if mods else "") + f" x{units}"


def _lines(record: dict[str, Any] | None, field: str) -> list[dict[str, Any]]:
    if not record:
        return []
    value = record.get(field) or []
    return [ln for ln in value if isinstance(ln, dict)]


# -- expected_given --------------------------------------------------------------------------------
def _num_equal(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return a == b


def _time_equal(a: Any, b: Any) -> bool:
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    return str(a)[:16] == str(b)[:16]


def _given_events(produced: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    for ev in _lines(produced, "events"):
        if ev.get("status", "given") != "given" or ev.get("purpose") == "flush":
            continue
        dose = ev.get("dose") or {}
        out.append({
            "drug": str(ev.get("drug") or "").lower(),
            "dose_value": dose.get("value"),
            "dose_unit": dose.get("unit"),
            "route": ev.get("route"),
            "start": ev.get("start"),
            "end": ev.get("end"),
        })
    return out


def score_given(expected_given: list[dict[str, Any]], produced: dict[str, Any] | None) -> dict[str, Any]:
    """Score one case's given events: drug matches (multiset, by name) and attribute agreement.

    Parameters
    ----------
    expected_given
        ``[{drug, dose_value, dose_unit, route, start, end}]``.
    produced
        The output record (its ``events`` with ``status == "given"`` are used, flushes excluded: the
        scenario set does not list them).

    Returns
    -------
    dict
        ``tp``/``fp``/``fn`` on drug names and, over matched pairs, counts of agreeing ``dose``, ``route``,
        ``start`` and ``end`` (``pairs`` = number of matched pairs).
    """
    prod = _given_events(produced)
    used = [False] * len(prod)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for exp in expected_given:
        name = str(exp.get("drug") or "").lower()
        best, best_score = -1, -1
        for i, p in enumerate(prod):
            if used[i] or p["drug"] != name:
                continue
            score = (_num_equal(p["dose_value"], exp.get("dose_value"))
                     + _time_equal(p["start"], exp.get("start"))
                     + (p["route"] == exp.get("route")))
            if score > best_score:
                best, best_score = i, score
        if best >= 0:
            used[best] = True
            pairs.append((exp, prod[best]))
    agree = Counter()
    for exp, p in pairs:
        agree["dose"] += int(_num_equal(p["dose_value"], exp.get("dose_value"))
                             and (p["dose_unit"] or "") == (exp.get("dose_unit") or ""))
        agree["route"] += int(p["route"] == exp.get("route"))
        agree["start"] += int(_time_equal(p["start"], exp.get("start")))
        agree["end"] += int(_time_equal(p["end"], exp.get("end")))
    return {"tp": len(pairs), "fp": len(prod) - len(pairs), "fn": len(expected_given) - len(pairs),
            "pairs": len(pairs), **{k: agree[k] for k in ("dose", "route", "start", "end")}}


# -- main metric -----------------------------------------------------------------------------------
def score_case(expected: dict[str, Any], produced: dict[str, Any] | None) -> dict[str, Any]:
    """Compare one expected record with its produced output record.

    Parameters
    ----------
    expected
        The evaluation record (``expected_cpt``, ``expected_hcpcs``, optionally ``expected_given``).
    produced
        The output record (``cpt``, ``hcpcs``, ``events``), or ``None`` when nothing was produced.

    Returns
    -------
    dict
        Counts per metric, ``exact`` (bool), and the missing/extra lines as readable strings.
    """
    exp_cpt = Counter(cpt_key(ln) for ln in _lines(expected, "expected_cpt"))
    prod_cpt = Counter(cpt_key(ln) for ln in _lines(produced, "cpt"))
    exp_cptm = Counter(cpt_mod_key(ln) for ln in _lines(expected, "expected_cpt"))
    prod_cptm = Counter(cpt_mod_key(ln) for ln in _lines(produced, "cpt"))
    exp_h = Counter(hcpcs_key(ln) for ln in _lines(expected, "expected_hcpcs"))
    prod_h = Counter(hcpcs_key(ln) for ln in _lines(produced, "hcpcs"))

    tp_c, miss_c, extra_c = _compare(exp_cpt, prod_cpt)
    tp_m, miss_m, extra_m = _compare(exp_cptm, prod_cptm)
    tp_h, miss_h, extra_h = _compare(exp_h, prod_h)
    exact = not miss_m and not extra_m and not miss_h and not extra_h
    out: dict[str, Any] = {
        "id": str(expected.get("id")),
        "rule": list(expected.get("rule") or []),
        "setting": expected.get("setting") or (produced or {}).get("setting"),
        "status": (produced or {}).get("status", "missing"),
        "cpt": {"tp": tp_c, "fp": sum(extra_c.values()), "fn": sum(miss_c.values())},
        "cpt_mod": {"tp": tp_m, "fp": sum(extra_m.values()), "fn": sum(miss_m.values())},
        "hcpcs": {"tp": tp_h, "fp": sum(extra_h.values()), "fn": sum(miss_h.values())},
        "exact": exact,
        "expected": {"cpt": sorted(_fmt_key(k) for k in exp_cptm.elements()),
                     "hcpcs": sorted(_fmt_key(k) for k in exp_h.elements())},
        "produced": {"cpt": sorted(_fmt_key(k) for k in prod_cptm.elements()),
                     "hcpcs": sorted(_fmt_key(k) for k in prod_h.elements())},
        "missing": sorted(_fmt_key(k) for k in (miss_m + miss_h).elements()),
        "extra": sorted(_fmt_key(k) for k in (extra_m + extra_h).elements()),
    }
    if "expected_given" in expected and expected["expected_given"] is not None:
        out["given"] = score_given(list(expected["expected_given"]), produced)
    return out


def _group_rates(cases: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = {}
    for c in cases:
        values = c.get(key)
        names = values if isinstance(values, list) else [values]
        for name in names or ["(none)"]:
            groups.setdefault(str(name), []).append(bool(c["exact"]))
    return {k: {"cases": len(v), "exact": sum(v), "exact_rate": round(sum(v) / len(v), 4)}
            for k, v in sorted(groups.items())}


def score_claims(expected_records: Sequence[dict[str, Any]],
                 produced_records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Score produced claims against expected claims, matching records by ``id``.

    Parameters
    ----------
    expected_records
        Evaluation records with ``expected_cpt`` / ``expected_hcpcs`` (and optionally ``expected_given``).
    produced_records
        Output records of ``infucode code`` (``cpt``, ``hcpcs``, ``events``, ``status``). A missing or
        ``status: "error"`` record counts as producing no lines.

    Returns
    -------
    dict
        ``n_cases``, ``n_errors``, ``n_missing``, ``cpt`` / ``cpt_modifiers`` / ``hcpcs`` (micro
        precision/recall/F1 with tp/fp/fn), ``exact_match_rate``, ``given`` (when any case has
        ``expected_given``), ``by_rule`` and ``by_setting`` (exact-match rates) and ``cases``
        (per-case detail).
    """
    by_id: dict[str, dict[str, Any]] = {}
    for rec in produced_records:
        if isinstance(rec, dict) and rec.get("id") is not None:
            by_id.setdefault(str(rec["id"]), rec)
    cases = []
    n_missing = n_errors = 0
    for exp in expected_records:
        prod = by_id.get(str(exp.get("id")))
        if prod is None:
            n_missing += 1
        elif prod.get("status") == "error":
            n_errors += 1
        cases.append(score_case(exp, prod))
    totals = {m: Counter() for m in ("cpt", "cpt_mod", "hcpcs")}
    for c in cases:
        for m in totals:
            totals[m].update(c[m])
    n = len(cases)
    result: dict[str, Any] = {
        "n_cases": n,
        "n_errors": n_errors,
        "n_missing": n_missing,
        "cpt": _prf(totals["cpt"]["tp"], totals["cpt"]["fp"], totals["cpt"]["fn"]),
        "cpt_modifiers": _prf(totals["cpt_mod"]["tp"], totals["cpt_mod"]["fp"], totals["cpt_mod"]["fn"]),
        "hcpcs": _prf(totals["hcpcs"]["tp"], totals["hcpcs"]["fp"], totals["hcpcs"]["fn"]),
        "exact_match_rate": round(sum(c["exact"] for c in cases) / n, 4) if n else 0.0,
        "n_exact": sum(c["exact"] for c in cases),
        "by_rule": _group_rates(cases, "rule"),
        "by_setting": _group_rates(cases, "setting"),
        "cases": cases,
    }
    given_cases = [c["given"] for c in cases if "given" in c]
    if given_cases:
        g = Counter()
        for gc in given_cases:
            g.update(gc)
        pairs = g["pairs"]
        result["given"] = {
            **_prf(g["tp"], g["fp"], g["fn"]),
            "cases": len(given_cases),
            **{f"{k}_accuracy": round(g[k] / pairs, 4) if pairs else 0.0
               for k in ("dose", "route", "start", "end")},
        }
    return result


# -- I/O and command -------------------------------------------------------------------------------
def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file (blank lines and ``#`` comment lines are skipped)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return out


def strip_expected(record: dict[str, Any]) -> dict[str, Any]:
    """Return the input record without the answer fields (``expected_*``, ``rule``, ``rationale``)."""
    return {k: v for k, v in record.items() if k not in EXPECTED_FIELDS}


def run_pipeline(records: Sequence[dict[str, Any]], setting: str = "facility") -> list[dict[str, Any]]:
    """Run the real pipeline on each record (expected fields stripped) and return the output records."""
    from infucode.pipeline.runner import get_pipeline

    pipe = get_pipeline(setting)
    return [pipe.process(strip_expected(r)) for r in records]


def format_report(scores: dict[str, Any], show_failures: int = 10) -> str:
    """Render the scores as plain text (ids, codes and rules only; never note text)."""
    lines = [f"cases: {scores['n_cases']}  errors: {scores['n_errors']}  missing: {scores['n_missing']}"]
    for name, label in (("cpt", "CPT (code+units)"), ("cpt_modifiers", "CPT (+modifiers)"),
                        ("hcpcs", "HCPCS (code+units+JW/JZ)")):
        m = scores[name]
        lines.append(f"{label:<26} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}"
                     f"  (tp {m['tp']} fp {m['fp']} fn {m['fn']})")
    lines.append(f"{'exact claim match':<26} {scores['exact_match_rate']:.3f}"
                 f"  ({scores['n_exact']}/{scores['n_cases']})")
    if "given" in scores:
        g = scores["given"]
        lines.append(f"{'given events (drug)':<26} P {g['precision']:.3f}  R {g['recall']:.3f}"
                     f"  F1 {g['f1']:.3f}"
                     f"  dose {g['dose_accuracy']:.3f} route {g['route_accuracy']:.3f}"
                     f" start {g['start_accuracy']:.3f} end {g['end_accuracy']:.3f}")
    lines.append("by setting: " + ", ".join(f"{k} {v['exact']}/{v['cases']}"
                                             for k, v in scores["by_setting"].items()))
    weak = sorted(((k, v) for k, v in scores["by_rule"].items() if v["exact"] < v["cases"]),
                  key=lambda kv: (kv[1]["exact_rate"], kv[0]))
    if weak:
        lines.append("rules with failing cases (exact/cases): "
                     + ", ".join(f"{k} {v['exact']}/{v['cases']}" for k, v in weak))
    failures = [c for c in scores["cases"] if not c["exact"]]
    if show_failures and failures:
        lines.append(f"\nfailing cases ({len(failures)}; showing {min(show_failures, len(failures))}):")
        for c in failures[:show_failures]:
            lines.append(f"- {c['id']} [{', '.join(c['rule'])}] {c['setting']} status={c['status']}")
            lines.append(f"    expected: CPT {c['expected']['cpt']}  HCPCS {c['expected']['hcpcs']}")
            lines.append(f"    produced: CPT {c['produced']['cpt']}  HCPCS {c['produced']['hcpcs']}")
            lines.append(f"    missing: {c['missing']}  extra: {c['extra']}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``infucode evaluate``."""
    p = argparse.ArgumentParser(prog="infucode evaluate",
                                description="Score produced claim lines against an evaluation file.")
    p.add_argument("file", help="evaluation JSONL (input records + expected_cpt / expected_hcpcs)")
    p.add_argument("--setting", choices=("facility", "professional"), default="facility",
                   help="default setting for records without one (default: facility)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.add_argument("--show-failures", type=int, default=10, metavar="N",
                   help="list up to N failing cases (default 10; 0 = none)")
    p.add_argument("--predictions", metavar="OUTPUT.jsonl",
                   help="score an existing output file of `infucode code` instead of running the pipeline")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``infucode evaluate``; return 0 on success, 2 on unusable input."""
    args = build_parser().parse_args(argv)
    try:
        expected = read_jsonl(args.file)
        produced = read_jsonl(args.predictions) if args.predictions else None
    except (OSError, ValueError) as exc:
        print(f"infucode evaluate: {exc}", file=sys.stderr)
        return 2
    if produced is None:
        produced = run_pipeline(expected, args.setting)
    scores = score_claims(expected, produced)
    if args.json:
        if args.show_failures >= 0:
            failing = [c for c in scores["cases"] if not c["exact"]]
            scores["failures"] = failing[: args.show_failures] if args.show_failures else []
        print(json.dumps(scores, indent=2, sort_keys=True))
    else:
        print(format_report(scores, args.show_failures))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
