"""Loaders for the extraction data files (lexicons, attribute patterns, ConText and section rules).

All files live under ``infucode.pipeline/resources`` and are read once per process (``functools.lru_cache``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from infucode.pipeline.extract.regex_gate import gated, lowercase_variant, position_scanner, suffix_checker

LEXICON_FILE = "lexicons/drugs.v1.jsonl"
STOPTERMS_FILE = "lexicons/stopterms.v1.txt"
FUZZY_ENGLISH_FILE = "lexicons/fuzzy_english_words.v1.txt"
PATTERNS_FILE = "patterns/attributes.v1.json"
ASSEMBLER_PATTERNS_FILE = "patterns/assembler.v1.json"
STATUS_RULES_FILE = "context/status_rules.v1.json"
SECTIONS_FILE = "context/sections.v1.json"


def resource_path(rel: str) -> Path:
    """Return the filesystem path of a packaged resource file."""
    return Path(str(files("infucode.pipeline") / "resources" / rel))


@dataclass(frozen=True, slots=True)
class LexEntry:
    """One lexicon term: how it is written, its normalized generic and RxCUI."""

    term: str
    drug: str
    rxcui: str | None
    kind: str
    source: str
    case_sensitive: bool
    chemo: bool = False

    @property
    def is_fluid(self) -> bool:
        """True for IV fluids (saline, LR, dextrose solutions)."""
        return self.kind.startswith("fluid")


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, LexEntry]:
    """Return the drug lexicon keyed by match key (lowercase term, or the exact term when case-sensitive)."""
    out: dict[str, LexEntry] = {}
    with resource_path(LEXICON_FILE).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            e = LexEntry(d["term"], d["drug"], d.get("rxcui"), d.get("kind", ""), d.get("source", ""),
                         bool(d.get("case_sensitive")), bool(d.get("chemo")))
            out[e.term if e.case_sensitive else e.term.lower()] = e
    return out


@lru_cache(maxsize=1)
def fluid_drugs() -> frozenset[str]:
    """Return the normalized names of IV fluids (their dose is a volume)."""
    return frozenset(e.drug for e in load_lexicon().values() if e.is_fluid)


@lru_cache(maxsize=1)
def load_stopterms() -> frozenset[str]:
    """Lowercase terms that must never be matched as drugs (also barred from fuzzy correction)."""
    out = set()
    for line in resource_path(STOPTERMS_FILE).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return frozenset(out)


@lru_cache(maxsize=1)
def load_fuzzy_english_words() -> frozenset[str]:
    """Lowercase English words that lie within fuzzy reach of a lexicon term but are not drugs.

    Built by ``scripts/build_fuzzy_english.py`` from English word lists; the fuzzy matcher never corrects
    them ("program" is not a slip for "Prograf").
    """
    out = set()
    for line in resource_path(FUZZY_ENGLISH_FILE).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return frozenset(out)


@lru_cache(maxsize=1)
def load_patterns() -> dict[str, Any]:
    """Return the raw attribute pattern file (JSON)."""
    return json.loads(resource_path(PATTERNS_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def assembler_patterns() -> dict[str, re.Pattern[str]]:
    """Compile the assembler's cue regexes (``patterns/assembler.v1.json``) by name, with their flags."""
    raw = json.loads(resource_path(ASSEMBLER_PATTERNS_FILE).read_text(encoding="utf-8"))["patterns"]
    out: dict[str, re.Pattern[str]] = {}
    for name, spec in raw.items():
        flags = 0
        for flag in spec.get("flags", []):
            flags |= getattr(re, flag)
        out[name] = re.compile(spec["regex"], flags)
    return out


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled attribute rule.

    ``cued``: a regex the text right before a match must end with to take ``cued_id`` as rule id; other
    matches take ``bare_id``. ``cued_suffix``: ``regex_gate.suffix_checker`` of ``cued`` (a faster equivalent
    check), or None.
    """

    id: str
    label: str
    regex: re.Pattern[str]
    value: Any = None
    cued: re.Pattern[str] | None = None
    cued_id: str | None = None
    bare_id: str | None = None
    cued_suffix: tuple[re.Pattern[str], int] | None = None


@lru_cache(maxsize=1)
def compiled_rules() -> dict[str, list[Rule]]:
    """Compile every attribute rule list of the pattern file (``{number}`` is substituted)."""
    p = load_patterns()
    number = p["number"]
    out: dict[str, list[Rule]] = {}
    for label in ("dose", "volume", "concentration", "rate", "route", "site", "device", "line_cue", "purpose",
                  "duration", "time", "waste"):
        out[label] = [
            Rule(r["id"], label, re.compile(r["regex"].replace("{number}", number), re.I), r.get("value"),
                 re.compile(r["cued_before"], re.I) if r.get("cued_before") else None, r.get("cued_id"),
                 r.get("bare_id"),
                 suffix_checker(r["cued_before"], re.I) if r.get("cued_before") else None)
            for r in p[label]
        ]
    return out


@dataclass(frozen=True, slots=True)
class LabelMatcher:
    """All rules of one label combined into one alternation (rule order = priority at a position).

    ``lower`` is compiled without IGNORECASE for already-lowercased text (much faster); ``anycase`` with it.
    Group ``r<i>`` marks rule ``rules[i]``; its named groups are renamed ``r<i>_<name>``.
    ``scan``: ``regex_gate.position_scanner`` of the lowercase alternation (same group names), or None.
    """

    label: str
    rules: tuple[Rule, ...]
    lower: re.Pattern[str]
    anycase: re.Pattern[str]
    scan: re.Pattern[str] | None = None


@lru_cache(maxsize=1)
def label_matchers() -> tuple[LabelMatcher, ...]:
    """One combined matcher per attribute label."""
    p = load_patterns()
    number = p["number"]
    out = []
    for label, rules in compiled_rules().items():
        parts, plain = [], []
        for i, r in enumerate(p[label]):
            rx = r["regex"].replace("{number}", number)
            plain.append(rx)
            rx = re.sub(r"\(\?P<(\w+)>", lambda m, i=i: f"(?P<r{i}_{m.group(1)}>", rx)
            parts.append(f"(?P<r{i}>{rx})")
        big = "|".join(parts)
        out.append(LabelMatcher(label, tuple(rules), gated(big), gated(big, re.I), position_scanner(plain)))
    return tuple(out)


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    r"""Compile a setting regex, behind a first-character gate (``regex_gate.gated``: the same matches).

    A pattern anchored at its start (``^``, ``\A``) is compiled as it is (``re`` already tries it at the
    start only, or at line starts).
    """
    if pattern.startswith(("^", "\\A")):
        return re.compile(pattern, flags)
    return gated(pattern, flags)


@lru_cache(maxsize=1)
def compiled_misc() -> dict[str, Any]:
    """Compile the single-regex settings of the pattern file."""
    p = load_patterns()
    ind = p["indication"]
    return {
        "entry_time": _rx(p["entry_time"]["regex"], re.I | re.M),
        "entry_date_prefix": _rx(p["entry_date_prefix"], re.I),
        "repeat_cues": _rx(p["repeat_cues"], re.I),
        "mixture_connectors": _rx(p["mixture_connectors"], re.I),
        "diluent_connectors": _rx(p["diluent_connectors"], re.I),
        "diluent_max_ml": float(p["diluent_max_ml"]),
        "clause_separators": _rx(p["clause_separators"], re.I),
        "anaphora_infusion": _rx(p["anaphora_infusion"], re.I),
        "indication": _rx(ind["regex"], re.I),
        "indication_exclude": frozenset(ind["exclude"]),
        "unit_map": p["unit_map"],
        "not_a_drug_after": _rx(p["not_a_drug_after"], re.I),
        "lab_test_after": _rx(p["not_admin_mention"]["lab_after"], re.I),
        "not_admin_at": _rx(p["not_admin_mention"]["at_mention"], re.I),
        "diluent_verbs": _rx(p["diluent_verbs"], re.I),
        "calc_result_before": _rx(p["calc_result_before"], re.I),
        "verb_led_sentence": _rx(p["verb_led_sentence"], re.I),
        "refusal_follow": _rx(p["refusal_follow"]["regex"], re.I),
        "on_med_before": _rx(p["on_med_before"]["regex"], re.I),
        "on_med_infusion_after": _rx(p["on_med_before"]["infusion_after"], re.I),
        "refusal_bare_after": _rx(p["refusal_follow"]["bare_after"], re.I),
        "bare_dose": _rx(p["bare_dose"]["regex"], re.I),
        "bare_dose_default": p["bare_dose"]["default_unit"],
        "bare_dose_units": dict(p["bare_dose"]["unit_by_drug"]),
        "label_gates": {k: tuple(v) for k, v in p.get("label_gates", {}).items()},
        "number_words": {k: float(v) for k, v in p["number_words"].items()},
        "post_infusion_exclude": _rx(p["post_infusion_exclude"], re.I),
        "rate_only_entry": _rx(p["rate_only_entry"], re.I),
        "bare_time_reject_before": _rx(p["bare_time_reject_before"], re.I),
        # the same for lowercased ASCII text (None when the pattern does not allow it; see regex_gate)
        "bare_time_reject_before_lower": lowercase_variant(p["bare_time_reject_before"], re.I),
        "table_ignore_time_headers": _rx(p["table_ignore_time_headers"], re.I),
        "all_given_sentence": _rx(p["all_given_sentence"], re.I),
        "dose_not_given_before": _rx(p["dose_not_given_before"], re.I),
        "restart_after_stop": _rx(p["restart_after_stop"], re.I),
        "ongoing_cues": _rx(p["ongoing_cues"], re.I),
        "gauge_context": _rx(p["gauge_context"], re.I),
        "fluid_additives": frozenset(p["fluid_additives"]),
        "mixture_min_ml": float(p["mixture_min_ml"]),
        "lab_value_after": _rx(p["lab_value_after"], re.I),
        "time_role_cues": {k: sorted(v, key=len, reverse=True) for k, v in p["time_role_cues"].items()},
    }


@lru_cache(maxsize=1)
def load_sections() -> dict[str, Any]:
    """Return the section rules file (``section_rules`` and ``effects``)."""
    return json.loads(resource_path(SECTIONS_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_status_rules() -> dict[str, Any]:
    """Return the ConText status rules file."""
    return json.loads(resource_path(STATUS_RULES_FILE).read_text(encoding="utf-8"))
