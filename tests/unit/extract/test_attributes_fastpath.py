"""The fast paths of ``find_attributes`` must give exactly the results of the plain algorithm.

``regex_gate.position_scanner`` (charset-led, group-free scanners re-matched at each start) replaces
``finditer`` of each label's alternation; byte masks replace per-character sets; ``regex_gate.suffix_checker``
replaces the window search of the time cue. ``_reference`` below is the plain algorithm, kept verbatim.
"""

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.extract.attributes import _FAMILIES, Attr, _resolve_gauges, find_attributes
from infucode.pipeline.extract.regex_gate import (
    position_scanner,
    prev_char_class,
    split_alternatives,
    suffix_checker,
    without_groups,
)
from infucode.pipeline.extract.resources import compiled_misc, compiled_rules, label_matchers

ROOT = Path(__file__).resolve().parents[3]


def _pattern_letters():
    letters = set("abcdefghijklmnopqrstuvwxyz")
    for lm in label_matchers():
        letters.update(c.lower() for c in lm.anycase.pattern if not c.isascii() and len(c.lower()) == 1)
    return letters


def _case_odd(c):
    """IGNORECASE equates ``c`` with a pattern letter that ``c.lower()`` is not."""
    return any(re.fullmatch(re.escape(p), c, re.IGNORECASE) and c.lower() != p for p in _pattern_letters())


def _reference(text, start=0, end=None, exclude=None, labels=None):
    """The plain algorithm: ``finditer`` per label, set-of-characters overlap bookkeeping."""
    end = len(text) if end is None else end
    found = []
    low = text.lower()
    same_len = len(low) == len(text) and not any(_case_odd(c) for c in set(text))
    gates = compiled_misc()["label_gates"] if same_len else {}
    window = low[start:end]
    for lm in label_matchers():
        if labels is not None and lm.label not in labels:
            continue
        gate = gates.get(lm.label)
        if gate and not any(g in window for g in gate):
            continue
        names = list(lm.lower.groupindex)
        per_rule = [[(k, k[len(f"r{i}_"):]) for k in names if k.startswith(f"r{i}_")]
                    for i in range(len(lm.rules))]
        rx = lm.lower if same_len else lm.anycase
        for m in rx.finditer(low if same_len else text, start, end):
            if m.end() <= m.start():
                continue
            i = int(m.lastgroup[1:])
            rule = lm.rules[i]
            groups = {}
            for k, short in per_rule[i]:
                a, b = m.span(k)
                groups[short] = text[a:b] if a >= 0 else None
            rid = rule.id
            if rule.cued is not None:
                cued = rule.cued.search(text, max(0, m.start() - 16), m.start())
                rid = (rule.cued_id if cued else rule.bare_id) or rule.id
            found.append(Attr(m.start(), m.end(), lm.label, rid, rule.value, groups, text[m.start():m.end()]))
    blocked, drug_ends = set(), set()
    for s_, e_ in exclude or []:
        blocked.update(range(s_, e_))
        drug_ends.update((e_, e_ + 1))
    if blocked:
        found = [a for a in found if blocked.isdisjoint(range(a.start, a.end))]
    reject = compiled_misc()["bare_time_reject_before"]
    found = [a for a in found if a.rule != "time.military_bare" or not (
        reject.search(text[max(0, a.start - 14):a.start]) or a.start in drug_ends)]
    kept, occupied = [], {}
    order = {lab: i for i, lab in enumerate(compiled_rules())}
    for a in sorted(found, key=lambda a: (-(a.end - a.start), order[a.label], a.start)):
        occ = occupied.setdefault(_FAMILIES[a.label], set())
        if not occ.isdisjoint(range(a.start, a.end)):
            continue
        occ.update(range(a.start, a.end))
        kept.append(a)
    amounts = occupied.get("amount", set()) | occupied.get("waste", set())
    kept = [a for a in kept if not (a.label in ("time", "duration") and
                                    not amounts.isdisjoint(range(a.start, a.end)))]
    kept = _resolve_gauges(text, kept, exclude or [])
    waste = occupied.get("waste", set())
    kept = [a for a in kept if not (a.label in ("dose", "volume", "concentration") and
                                    waste.issuperset(range(a.start, a.end)))]
    return sorted(kept, key=lambda a: (a.start, a.end))


_FRAGMENTS = [
    "1430", "0915", "2359", "12:30", "9:05 pm", "1030-1100", "@", "@ ", "at ", "by ", "from ", "start ",
    "time: ", "room ", "mrn ", "#", "20g ", "22 ga ", "PIV", "L AC", "R FA", "left hand", "4 mg", "4mg",
    "1,000 mL", "0.5 mg", ".5mg", "1 g/50 mL", "125 mL/hr", "5 mcg/kg/min", "2 units/kg/hr", "20 mEq/L",
    "NS ", "IV", "IVP", "IVPB", "iv push", "po", "SQ", "IM", "bolus", "drip", "gtt", "infusing", "wide open",
    "W/O", "over 30 min", "x 2 hrs", "over an hour", "KVO", "TKO", "flush", "flushed", "hydration", "mIVF",
    "chemo", "y-site", "same line", "separate IV", "new IV", "re-sited", "piggyback", "wasted 2 mg",
    "2 mg wasted", "no waste", "single dose vial", "two", "twenty five", "one liter", "a liter",
    "half past two", "ten thirty pm", "fourteen hundred", "oh nine hundred", "noon", "midnight", "\t", "|",
    "| ", "\n", "\n\n", " ", " ", " ", ", ", ". ", "; ", "-", "/", "İ", "ß", "Zofran", "morphine", "pt",
]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def _spans(text: str, rng: random.Random) -> list[tuple[int, int]]:
    n = len(text)
    return [(a, a + rng.randint(0, 8)) for a in (rng.randint(-2, n) for _ in range(rng.randint(0, 4)))]


def test_find_attributes_equals_the_plain_algorithm_on_generated_notes():
    rng = random.Random(7)
    for text in _texts(500, 11):
        n = len(text)
        exclude = _spans(text, rng)
        a, b = sorted((rng.randint(0, n), rng.randint(0, n)))
        for args, kwargs in [((), {}), ((), {"exclude": exclude}), ((a, b), {"exclude": exclude}),
                             ((), {"labels": ("route", "time")})]:
            assert find_attributes(text, *args, **kwargs) == _reference(text, *args, **kwargs)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(_FRAGMENTS), max_size=30), noise=st.text(max_size=12))
def test_find_attributes_equals_the_plain_algorithm(parts, noise):
    text = noise.join(parts) if noise and len(parts) > 1 else "".join(parts) + noise
    assert find_attributes(text, exclude=[(0, 3)]) == _reference(text, exclude=[(0, 3)])
    assert find_attributes(text.upper()) == _reference(text.upper())


def test_find_attributes_equals_the_plain_algorithm_on_the_bundled_notes():
    texts = []
    for path in sorted((ROOT / "annotations" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and isinstance(json.loads(line).get("text"), str):
                texts.append(json.loads(line)["text"])
    assert len(texts) > 50
    rng = random.Random(3)
    for text in texts:
        exclude = _spans(text, rng)
        assert find_attributes(text, exclude=exclude) == _reference(text, exclude=exclude)


def test_every_label_has_a_scanner():
    assert all(lm.scan is not None and lm.scan.groups == 0 for lm in label_matchers())


_PATTERNS = [
    [r"\bslow\s+(?:iv\s*)?push\b", r"\b(?:iv\s?p|push)\b", r"\bpo\b"],
    [r"(?<![\d:])(?P<h>[01]?\d):?(?P<m>[0-5]\d)\b", r"\b(?:noon|one|two)\b"],
    [r"(?:(?<=\bat\s)|(?<=@))(?:one|two)\s+(?:mg|ml)", r"(?<!-)\d+(?:\.\d+)?\s?(?:mg|ml)"],
    [r"(?:(?<=\t)|(?<=\|\s))(?P<hm>\d\d)(?=\s*(?:\t|$))", r"#\s?(?P<g>1[468])\b", r"\b(?:a|b1)|\b(?:z\d|/x)"],
    [r"(?:x|y)?z+", r"(?P<w>mg|ml)\b", r"[ab]\.?[cd]"],
]
_SCAN_ALPHABET = "ab1 2:.-/xyzIVPivp\nmgML0@\t|#46to"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_SCAN_ALPHABET, max_size=60), which=st.integers(0, len(_PATTERNS) - 1),
       flags=st.sampled_from([0, re.I]), window=st.tuples(st.integers(0, 60), st.integers(0, 60)))
def test_position_scanner_finds_exactly_the_match_starts(text, which, flags, window):
    alternatives = _PATTERNS[which]
    big = re.compile("|".join(f"(?:{a})" for a in alternatives), flags)
    scan = position_scanner(alternatives, flags)
    assert scan is not None and scan.groups == 0
    pos, endpos = sorted(window)
    starts = [m.start() for m in scan.finditer(text, pos, endpos)]
    assert starts == [p for p in range(pos, min(endpos, len(text))) if big.match(text, p, endpos)]
    # skipping starts inside the last kept match gives finditer's matches
    kept, last = [], pos
    for p in starts:
        if p >= last:
            m = big.match(text, p, endpos)
            kept.append(m.span())
            last = m.end()
    assert kept == [m.span() for m in big.finditer(text, pos, endpos)]


def test_position_scanner_declines_what_it_cannot_gate():
    assert position_scanner([r"x*"]) is None            # can match the empty string
    assert position_scanner([r".ab"]) is None           # any first character
    assert position_scanner([r"(a)\1"]) is None         # back-reference
    assert position_scanner([r"(?P<n>a)(?P=n)"]) is None


def test_without_groups_keeps_the_matches():
    for p in [r"(?P<a>x)(y|z)\(?P<q>[(?P<]", r"[\]()](a)", r"(?:a)(?P<b>b)?"]:
        bare = without_groups(p)
        assert re.compile(bare).groups == 0
        for text in ["xy(?P<q>(", "xz(P", "](a", "(a", "ab", "a"]:
            m1, m2 = re.search(p, text), re.search(bare, text)
            assert (m1 and m1.span()) == (m2 and m2.span())
    assert without_groups(r"(a)\1") is None
    assert without_groups(r"(?P<a>x)(?(a)y|z)") is None


def test_prev_char_class():
    assert prev_char_class(r"(?:(?<=\bat\s)|(?<=@))one") == r"[@\s]"
    tab = prev_char_class(r"(?<=\t)\d")
    assert tab is not None and re.fullmatch(tab, "\t") and not re.fullmatch(tab, " ")
    assert prev_char_class(r"(?<![a])x") is None
    assert prev_char_class(r"(?:(?<=a)|b)x") is None    # an alternative consumes first
    assert prev_char_class(r"x(?<=x)") is None


def test_split_alternatives():
    assert split_alternatives(r"a|b(c|d)|[|]|\|") == ["a", "b(c|d)", "[|]", r"\|"]
    assert split_alternatives(r"[\[]|a") == [r"[\[]", "a"]      # an escaped bracket inside a class
    assert split_alternatives(r"[]|]|x") == ["[]|]", "x"]        # "]" first in a class is a member
    assert without_groups(r"[\[](a)[^](](b)") == r"[\[](?:a)[^](](?:b)"


_SUFFIXES = [r"(?:@|@\s|\bat\s|time:|\d{2}/\d{2}\s|d/c'd\s)$", r"(?:ab|c\s)$", r"x[0-9]$"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="@ at\nime:12/0d/c'\tabcx9", max_size=40), which=st.integers(0, 2),
       end=st.integers(0, 40))
def test_suffix_checker_equals_the_window_search(text, which, end):
    pattern = _SUFFIXES[which]
    checker, width = suffix_checker(pattern, re.I)
    search = re.compile(pattern, re.I)
    end = min(end, len(text))
    window = width + 1
    expected = bool(search.search(text, max(0, end - window), end))
    got = bool(checker.match(text, end) or (end > 0 and text[end - 1] == "\n" and checker.match(text, end - 1)))
    assert got == expected


@pytest.mark.parametrize("pattern", [
    r"a|b$",                   # the anchor belongs to one alternative only
    r"(?:a|b+)$",              # an alternative of variable width
    r"(?:a\s*)$",              # variable width
    r"(?:a\b|c)$",             # an assertion at the end looks past the window
    r"(?:ab|c)",               # no anchor
    r"(?m)(?:ab|c)$",          # MULTILINE
    r"(?:ab|c)\$",             # an escaped dollar
])
def test_suffix_checker_declines(pattern):
    assert suffix_checker(pattern, re.I) is None


@pytest.mark.parametrize("text, label, rule", [
    ("Zofran 4 mg IV pu\u017fh at 1410", "route", "route.iv_push"),          # long s: IGNORECASE "s"
    ("NS 1 L bolus over 30 m\u0131nutes", "duration", "duration.over"),      # dotless i: IGNORECASE "i"
    ("vitamin B12 1000 \u039cg IM", "dose", "dose.num_unit"),                 # Greek capital mu: IGNORECASE "µ"
    ("Zofran 4 mg IV push at 1410 \u212a", "route", "route.iv_push"),         # Kelvin sign lowers to "k"
])
def test_text_with_case_folding_oddities_matches_like_the_ignorecase_patterns(text, label, rule):
    got = find_attributes(text)
    assert any(a.label == label and a.rule == rule for a in got)
    assert [(a.start, a.end, a.label, a.rule) for a in got] == [
        (a.start, a.end, a.label, a.rule) for a in _reference(text)]
