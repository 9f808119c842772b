"""Checks over every rule of ``attributes.v1.json`` (derived from the data, so new rules are covered too).

* The label matchers run on lower-cased text without IGNORECASE, so an upper-case literal in a rule can never
  match a normal note ("WO", "mIVF" were dead alternatives).
* ``label_gates`` skips a label when none of its gate words is in the window; a rule whose match can lack every
  gate word of its label is silently dead there ("re-sited", "primary line fluid" were). Every rule is expanded
  into example strings (each alternative, optional parts taken 0 and 1 times) and every match of the rule on
  them must contain a gate word.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from importlib import resources
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

import pytest

_PATTERNS = json.loads(
    (resources.files("infucode.pipeline") / "resources" / "patterns" / "attributes.v1.json").read_text("utf-8")
)
_NUMBER = _PATTERNS["number"]
_LABELS = [k for k, v in _PATTERNS.items() if isinstance(v, list) and v and isinstance(v[0], dict)
           and "regex" in v[0]]
_MAX_EXAMPLES = 20000
_CANDIDATE_CHARS = " a1./-:x"
_CATEGORY_CHAR = {
    _c.CATEGORY_DIGIT: "1", _c.CATEGORY_NOT_DIGIT: "a", _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: "a", _c.CATEGORY_WORD: "a", _c.CATEGORY_NOT_WORD: " ",
}


def _regexes(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every regular expression of the file: values of ``regex`` / ``cued_before`` keys, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("regex", "cued_before") and isinstance(v, str):
                yield f"{path}.{k}", v.replace("{number}", _NUMBER)
            else:
                yield from _regexes(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _regexes(v, f"{path}[{v.get('id', i) if isinstance(v, dict) else i}]")


def _upper_literals(items: Any) -> list[str]:
    """Upper-case literal characters (also inside character classes) of a parsed pattern."""
    out: list[str] = []
    for op, av in items:
        if op is _c.LITERAL and chr(av).isupper():
            out.append(chr(av))
        elif op is _c.IN:
            for op2, av2 in av:
                if op2 is _c.LITERAL and chr(av2).isupper():
                    out.append(chr(av2))
                elif op2 is _c.RANGE and any(chr(x).isupper() for x in range(av2[0], av2[1] + 1)):
                    out.append(f"{chr(av2[0])}-{chr(av2[1])}")
        elif op is _c.SUBPATTERN:
            out += _upper_literals(av[3])
        elif op is _c.BRANCH:
            for branch in av[1]:
                out += _upper_literals(branch)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            out += _upper_literals(av[2])
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            out += _upper_literals(av[1])
    return out


_ALL = list(_regexes(_PATTERNS))


@pytest.mark.parametrize("where,regex", _ALL, ids=[w for w, _ in _ALL])
def test_no_rule_has_an_upper_case_literal_that_lower_cased_text_never_matches(where: str, regex: str) -> None:
    assert _upper_literals(_p.parse(regex)) == [], f"{where}: write the pattern in lower case"


def _in_class(ch: str, items: Any) -> bool:
    hit = False
    negate = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit |= ch == chr(av)
        elif op is _c.RANGE:
            hit |= av[0] <= ord(ch) <= av[1]
        elif op is _c.CATEGORY:
            hit |= re.fullmatch({_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D",
                                 _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_NOT_SPACE: r"\S",
                                 _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W"}[av], ch) is not None
    return hit != negate


def _expand(items: Any) -> list[str]:
    """Example strings of a parsed sequence: every alternative, each repeat at its minimum and minimum + 1
    (a repeat of two or more takes the first example of its body). All combinations while they number at most
    ``_MAX_EXAMPLES``; beyond that each alternative is paired with some prefix (every one still occurs)."""
    out = [""]
    for op, av in items:
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT, _c.GROUPREF):
            continue  # zero width (a look-around is checked when the rule is run on the example)
        if op is _c.LITERAL:
            parts = [chr(av)]
        elif op is _c.NOT_LITERAL:
            parts = [next(ch for ch in _CANDIDATE_CHARS if ch != chr(av))]
        elif op is _c.ANY:
            parts = ["a"]
        elif op is _c.CATEGORY:
            parts = [_CATEGORY_CHAR[av]]
        elif op is _c.IN:
            pool = _CANDIDATE_CHARS + "bcdefghijklmnopqrstuvwyz0234567892"
            parts = [next(ch for ch in pool if _in_class(ch, av))]
        elif op is _c.SUBPATTERN:
            parts = _expand(av[3])
        elif op is _c.BRANCH:
            parts = [s for branch in av[1] for s in _expand(branch)]
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            body = _expand(sub)
            parts = []
            for n in sorted({lo, min(lo + 1, hi)}):
                parts += [body[0] * n] if n > 1 else (body if n else [""])
        else:
            raise AssertionError(f"unexpected regex node {op}")
        parts = list(dict.fromkeys(parts))
        if len(out) * len(parts) <= _MAX_EXAMPLES:
            out = [a + b for a, b in itertools.product(out, parts)]
        else:  # too many combinations: every example prefix and every alternative still appear at least once
            n = max(len(out), len(parts))
            out = [out[i % len(out)] + parts[i % len(parts)] for i in range(n)]
    return out


_GATED = [(label, r["id"], r["regex"].replace("{number}", _NUMBER))
          for label in _LABELS if label in _PATTERNS["label_gates"] for r in _PATTERNS[label]]


def test_the_gate_check_covers_the_rules_that_were_dead() -> None:
    ids = {rid for _, rid, _ in _GATED}
    assert {"line.new", "purpose.carrier", "purpose.maintenance", "rate.wide_open"} <= ids


@pytest.mark.parametrize("label,rule_id,regex", _GATED, ids=[rid for _, rid, _ in _GATED])
def test_every_match_of_a_gated_rule_contains_a_gate_word_of_its_label(label: str, rule_id: str,
                                                                       regex: str) -> None:
    gate = _PATTERNS["label_gates"][label]
    rx = re.compile(regex, re.I)
    matched = 0
    for example in _expand(_p.parse(regex)):
        for m in rx.finditer(example.lower()):
            if m.end() <= m.start():
                continue
            matched += 1
            assert any(g in m.group(0) for g in gate), (
                f"{rule_id} matches {m.group(0)!r}, which holds no {label} gate word: add one to label_gates")
    assert matched, f"no generated example of {rule_id} matched it"
