"""The vocabulary gate in front of medspaCy's token Matchers must never change a match."""

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.extract.resources import load_sections, load_status_rules
from infucode.pipeline.extract.token_gate import GatedMatcher, pattern_requirements
from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher

_NLP = spacy.blank("en")


def _rule_patterns() -> list[list[dict]]:
    rules = load_status_rules()["context_rules"] + load_sections()["section_rules"]
    return [r["pattern"] for r in rules if isinstance(r.get("pattern"), list)]


def _words() -> list[str]:
    """Every word a rule pattern names (in several casings), plus filler words and punctuation."""
    words = {"the", "pt", "given", "NS", "1000", "mL", "at", "1430", "Zofran", "4", "mg", "IV", "-", ",", ".",
             ":", "\n", "\n\n", "  ", "list", "Meds", "HOME", "n't", "didn't"}
    for pattern in _rule_patterns():
        for spec in pattern:
            for value in spec.values():
                vals = value.get("IN", []) if isinstance(value, dict) else [value]
                for v in vals:
                    if isinstance(v, str):
                        words.update({v, v.upper(), v.capitalize()})
    return sorted(words)


def _matchers() -> list[tuple[Matcher, GatedMatcher]]:
    out = []
    for pattern in _rule_patterns():  # one matcher per pattern (gate of that pattern alone) and one for all
        m = Matcher(_NLP.vocab)
        m.add("p", [pattern])
        out.append((m, GatedMatcher(m, [pattern], _NLP.vocab)))
    m = Matcher(_NLP.vocab)
    keys = []
    for i, pattern in enumerate(_rule_patterns()):
        keys.append(f"p{i // 2}")  # two patterns under some keys
        m.add(keys[-1], [pattern])
    out.append((m, GatedMatcher(m, _rule_patterns(), _NLP.vocab)))
    out.append((m, GatedMatcher(m, _rule_patterns(), _NLP.vocab, keys=keys)))  # runs subsets of the keys
    return out


_MATCHERS = _matchers()
_SEPARATORS = st.sampled_from([" ", " ", " ", "", "\n", ": ", ", "])


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(_words()), _SEPARATORS), max_size=14))
def test_gated_matcher_finds_exactly_what_the_matcher_finds(parts):
    doc = _NLP.make_doc("".join(w + sep for w, sep in parts))
    for plain, gated in _MATCHERS:
        expected = plain(doc)
        assert gated(doc) == expected
        if expected:
            assert gated.may_match(doc)


def test_rule_texts_that_match_pass_the_gate_and_plain_text_is_skipped():
    plain, gated = _MATCHERS[-2]
    hits = ["Pt did not receive the dose", "Allergic to PCN", "not given - patient discharged",
            "Home meds list:\nASA", "Outside facility MAR:", "Medications from nursing home:", "scheduled -- off"]
    for text in hits:
        doc = _NLP.make_doc(text)
        assert plain(doc), text
        assert gated.may_match(doc) and gated(doc) == plain(doc)
    doc = _NLP.make_doc("1430 Zofran 4 mg IVP given, tolerated well.\nNS 1000 mL bolus started")
    assert not gated.may_match(doc) and gated(doc) == plain(doc) == []


def test_requirements_ignore_optional_tokens_and_unsupported_predicates():
    vocab = _NLP.vocab
    pattern = [{"LOWER": {"IN": ["did", "does"]}}, {"LOWER": "not", "OP": "?"}, {"IS_PUNCT": True, "OP": "*"},
               {"TEXT": {"REGEX": "^x"}}, {"ORTH": ":", "OP": "+"}, {"LOWER": {"NOT_IN": ["a"]}}]
    reqs = pattern_requirements(pattern, vocab)
    assert reqs == [(LOWER, frozenset({vocab.strings["did"], vocab.strings["does"]})),
                    (ORTH, frozenset({vocab.strings[":"]}))]
    assert pattern_requirements([{"IS_DIGIT": True}], vocab) == []


def test_a_pattern_without_requirements_always_runs_the_matcher():
    m = Matcher(_NLP.vocab)
    m.add("digit", [[{"IS_DIGIT": True}]])
    m.add("word", [[{"LOWER": "zofran"}]])
    gated = GatedMatcher(m, [[{"IS_DIGIT": True}], [{"LOWER": "zofran"}]], _NLP.vocab)
    doc = _NLP.make_doc("given 4 tabs")
    assert gated.requirements is None and gated.may_match(doc)
    assert gated(doc) == m(doc) != []


def test_the_matcher_of_the_candidate_keys_gives_the_full_matchers_list():
    plain, gated = _MATCHERS[-1]
    doc = _NLP.make_doc("Allergic to PCN. Pt did not receive ASA, not given - patient discharged. allergies")
    assert gated(doc) == plain(doc) != []
    doc = _NLP.make_doc("Allergic to PCN, allergy to sulfa")
    assert gated(doc) == plain(doc) != []
    assert any(len(k) == 1 for k in gated.subsets)  # a one-key matcher was used
