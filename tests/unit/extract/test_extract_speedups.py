"""The speed-ups of the extraction pipeline must not change any result.

``regex_gate.gated``: a first-character lookahead in front of a pattern; ``fastdoc``: numpy reads of token
attributes instead of Python loops over tokens; chunked ConText on long notes with one shared Doc array.
"""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.extract.fastdoc import alpha_tokens_min_len, sentence_start_chars
from infucode.pipeline.extract.regex_gate import first_char_class, gated
from infucode.pipeline.extract.resources import label_matchers


@pytest.mark.parametrize(("pattern", "flags", "expected"), [
    (r"\bslow\s+(?:iv\s*)?push\b|\biv\s?p\b", 0, "[is]"),
    (r"(?<![\w.])(?P<n>\d+)\s?mg", 0, r"[\d]"),
    (r"(?:a|b)?c", 0, "[abc]"),
    (r"x*", 0, None),            # can match the empty string: no gate
    (r".abc", 0, None),          # any first character
    (r"[^a]bc", 0, None),        # negated class
    (r"(a)\1", 0, "[a]"),
])
def test_first_char_class(pattern, flags, expected):
    assert first_char_class(pattern, flags) == expected


def test_gate_adds_the_word_boundary_only_when_every_alternative_starts_with_it():
    assert gated(r"\bpo\b|\b(?:iv|im)\b").pattern.startswith(r"(?=\b[ip])")
    assert gated(r"\bpo\b|(?<!\w)iv").pattern.startswith("(?=[ip])")
    assert gated(r"(?:\bx)?y").pattern.startswith("(?=[xy])")


_ALPHABET = "ab1 2:.-/xyzIVPivp\nmgML0"


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=_ALPHABET, max_size=60))
def test_gated_patterns_find_the_same_matches(text):
    patterns = [r"\b(?:iv\s?p|push)\b|\bpo\b", r"(?<![\d:])(?P<h>[01]?\d):?(?P<m>[0-5]\d)\b",
                r"(?:x|y)?z+|(?P<w>mg|ml)\b", r"(?<!-)\d+(?:\.\d+)?\s?(?:mg|ml)", r"\b(?:a|b1)|\b(?:z\d|/x)"]
    for p in patterns:
        for flags in (0, re.I):
            plain, fast = re.compile(p, flags), gated(p, flags)
            assert [(m.span(), m.groupdict(), m.lastgroup) for m in plain.finditer(text)] == \
                [(m.span(), m.groupdict(), m.lastgroup) for m in fast.finditer(text)]


def test_attribute_matchers_are_gated_and_equivalent():
    sample = ("1410 Zofran 4 mg IVP L AC; NS 1000 mL @ 125 mL/hr over 2 hrs, 20g PIV R FA. "
              "Ceftriaxone 1 g/50 mL IVPB y-site 1430-1500, wasted 2 mg. KVO. Heparin 18 units/kg/hr")
    gated_count = 0
    for lm in label_matchers():
        plain = re.compile(lm.lower.pattern.split("(?:", 1)[1][:-1]) if lm.lower.pattern.startswith(
            "(?=") else lm.lower
        gated_count += lm.lower.pattern.startswith("(?=")
        for text in (sample.lower(), sample):
            assert [(m.span(), m.groupdict()) for m in plain.finditer(text)] == \
                [(m.span(), m.groupdict()) for m in lm.lower.finditer(text)]
    assert gated_count > 0


def test_sentence_starts_and_alpha_tokens_match_token_loops(nlp):
    for text in ["", "   ", "Zofran 4 mg IVP. Tol well; resting.\n1420 toradol 15 mg IVP - pt asleep",
                 "  leading spaces. Ondansetron given\n\nmorphine 2 mg"]:
        doc = nlp(text)
        expected = sorted({s.start_char for s in doc.sents}) if len(doc) else [0]
        assert sentence_start_chars(doc) == expected
        assert alpha_tokens_min_len(doc, 6) == [t.i for t in doc if t.is_alpha and len(t) >= 6]


def test_long_note_cues_equal_the_per_note_cues(nlp):
    from infucode.pipeline.extract.nlp import CUES_KEY

    note = "1410 Zofran 4mg IVP L AC, tolerated\n1420 toradol 15 mg IV held, pt refused\n\n"
    one = nlp(note).user_data[CUES_KEY]
    long_doc = nlp(note * 400)
    assert len(long_doc) > 3 * 1200  # several ConText chunks
    cues = long_doc.user_data[CUES_KEY]
    step = len(note)
    for k in range(0, 400, 37):
        for key, lst in one.items():
            s, e = (int(x) for x in key.split(":"))
            moved = [[c[0], c[1] + k * step, c[2] + k * step, c[3], c[4]] for c in lst]
            assert cues[f"{s + k * step}:{e + k * step}"] == moved
