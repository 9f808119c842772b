"""Fast paths of tokenization and ConText must give exactly what the stock components give.

* the tokenizer of ``build_nlp`` (without the no-op whitespace special cases) against stock
  ``spacy.blank("en")``: every token attribute, on varied texts, with the tokenizer caches carried over;
* ``StatusContext`` (medspaCy ConText graphs per sentence block) against the stock ConText component run on
  the whole Doc (:meth:`StatusContext.reference_cues`).
"""

import json
import random
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.extract import build_nlp
from infucode.pipeline.extract.fastdoc import doc_text
from infucode.pipeline.extract.nlp import CUES_KEY, drop_noop_whitespace_specials
from infucode.pipeline.extract.resources import load_status_rules
from spacy.attrs import (
    IDX,
    IS_ALPHA,
    IS_PUNCT,
    IS_SPACE,
    LENGTH,
    LOWER,
    NORM,
    ORTH,
    PREFIX,
    SHAPE,
    SPACY,
    SUFFIX,
)

_ROOT = Path(__file__).resolve().parents[3]
_ATTRS = [ORTH, NORM, LOWER, SHAPE, PREFIX, SUFFIX, IS_ALPHA, IS_PUNCT, IS_SPACE, LENGTH, IDX, SPACY]
_STOCK = spacy.blank("en")
_FAST = build_nlp(fresh=True)

# pieces that exercise special cases (contractions, abbreviations, emoticons, non-breaking and other spaces),
# affixes, infixes, URLs and the whitespace runs of nursing notes
_PIECES = ["a.m.", "p.m.", "don't", "Pt's", "can't", ":)", "Dr.", "vs.", "e.g.", "etc.", "\xa0", "\u2028", "\r\n",
           "\n", "\n\n", "\t", " ", "  ", "\n ", " \n", "(10a.m.)", "1430:", "NS", "1000mL", "@125mL/hr", "IVP",
           "D5 1/2NS", "KCl", "20mEq", "x2", "L AC", "-", "--", "...", "'", '"', "http://x.org/a", "#2", "$5",
           "Zofran", "4mg", "q6h", "PRN", "N/V", "s/p", "w/", "pt.", "(", ")", "[", "]", "1.5", "-3", "+", "%"]
_SEPS = st.sampled_from(["", " ", " ", "\n", "\t", "  ", "\xa0", ", ", ". "])


def _token_rows(nlp, text):
    doc = nlp.make_doc(text)
    return [(t.text, t.whitespace_, t.idx) for t in doc], doc.to_array(_ATTRS).tolist()


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_the_kept_text_is_the_doc_text(text):
    doc = _FAST.make_doc(text)
    assert doc_text(doc) == doc.text == text
    other = _FAST.make_doc(text + " x")
    assert doc_text(other) == other.text and doc_text(doc) == doc.text  # a different Doc: built again


def test_only_the_three_plain_whitespace_special_cases_are_dropped():
    nlp = spacy.blank("en")
    assert sorted(drop_noop_whitespace_specials(nlp)) == ["\t", "\n", " "]
    assert "\xa0" in nlp.tokenizer.rules  # it sets a NORM: kept
    assert drop_noop_whitespace_specials(nlp) == []


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(_PIECES), _SEPS), max_size=25))
def test_tokens_equal_the_stock_tokenizer_on_generated_texts(parts):
    text = "".join(p + s for p, s in parts)
    assert _token_rows(_FAST, text) == _token_rows(_STOCK, text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_tokens_equal_the_stock_tokenizer_on_arbitrary_unicode(text):
    assert _token_rows(_FAST, text) == _token_rows(_STOCK, text)


def _corpus_texts(limit: int) -> list[str]:
    texts = []
    for path in sorted((_ROOT / "annotations" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if isinstance(rec.get("text"), str):
                    texts.append(rec["text"])
    return texts[:limit]


def test_tokens_equal_the_stock_tokenizer_on_the_corpus_twice():
    texts = _corpus_texts(400)
    if not texts:
        pytest.skip("no corpus")
    for _ in range(2):  # the second round reads the tokenizer cache filled by the first
        for text in texts:
            assert _token_rows(_FAST, text) == _token_rows(_STOCK, text)


def _upto_context(text):
    doc = _FAST.make_doc(text)
    for name, proc in _FAST.pipeline:
        if name == "infucode_context":
            return doc, proc
        doc = proc(doc)
    raise AssertionError("no ConText component")


def _cue_phrases() -> list[str]:
    rules = load_status_rules()["context_rules"]
    rng = random.Random(7)
    literals = [r["literal"] for r in rules if "pattern" not in r]
    return rng.sample(literals, 60) + ["did not receive", "not given - pt discharged", "allergic to",
                                       "scheduled, patient off unit", "has n't taken", "home meds", "prior to arrival"]


_DRUGS = ["Zofran 4 mg IVP", "NS 1000 mL bolus", "morphine 2 mg IV", "toradol 15 mg", "KCl 20 mEq",
          "ceftriaxone 1 g IVPB", "heparin", "Tylenol 650 mg PO", "ondansetron"]
_CUE_SEPS = st.sampled_from([" ", " ", ". ", "; ", "\n", " - ", ", ", ".\n", ": "])


@settings(max_examples=250, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(_DRUGS + _cue_phrases()), _CUE_SEPS), min_size=1, max_size=16))
def test_block_context_cues_equal_stock_context_on_generated_texts(parts):
    doc, ctx = _upto_context("".join(p + s for p, s in parts))
    fast = ctx(doc).user_data[CUES_KEY]
    assert fast == ctx.reference_cues(doc)


def test_block_context_cues_equal_stock_context_on_the_corpus():
    texts = _corpus_texts(400)
    if not texts:
        pytest.skip("no corpus")
    with_cues = 0
    for text in texts + ["\n\n".join(texts[:20])]:
        doc, ctx = _upto_context(text)
        fast = ctx(doc).user_data[CUES_KEY]
        assert fast == ctx.reference_cues(doc)
        with_cues += any(fast.values())
    assert with_cues > len(texts) // 2


def test_sentence_blocks_join_the_sentences_an_extent_crosses():
    from infucode.pipeline.extract.nlp import _sentence_blocks
    from spacy.tokens import Doc

    words = ["a", "b", ".", "c", "d", ".", "e", "f", ".", "g"]
    doc = Doc(_FAST.vocab, words=words, sent_starts=[True, False, False, True, False, False, True, False, False,
                                                      True])
    every_token = [(i, i + 1) for i in range(len(words))]

    def blocks(d, extents, whole_doc=False):  # the block of every token, with ``extents`` joining sentences
        return _sentence_blocks(d, every_token + extents, whole_doc=whole_doc)[:len(words)]

    assert blocks(doc, []) == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    assert blocks(doc, [(1, 2), (4, 7)]) == [0, 0, 0, 1, 1, 1, 1, 1, 1, 3]  # "d . e" joins sentences 1 and 2
    assert blocks(doc, [(2, 10)]) == [0] * 10
    assert blocks(doc, [], whole_doc=True) == [0] * 10
    assert blocks(Doc(_FAST.vocab, words=words), [(0, 1)]) == [0] * 10  # no sentence boundaries
    assert _sentence_blocks(doc, [(4, 7), (3, 4), (7, 8)]) == [1, 1, 1]


def test_a_cue_crossing_a_sentence_boundary_gives_the_stock_cues():
    for text in ["Dose due -\nPt discharged. Zofran 4 mg IVP held", "Zofran 4 mg IVP not given - Pt discharged",
                 "Allergic. Morphine 2 mg IV given; did not receive toradol", "pt didn't receive. Toradol 15 mg"]:
        doc, ctx = _upto_context(text)
        assert ctx(doc).user_data[CUES_KEY] == ctx.reference_cues(doc)



@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(["1430", "0915", "2359", "12", ". ", "; ", "! ", "? ", " ", "\n", "mg", "ml",
                                       " units", "g", "%", "tol well", "Zofran 4 ", ":", "x"]), max_size=20))
def test_gated_inline_time_pattern_finds_the_same_cuts(parts):
    import re

    from infucode.pipeline.extract.segmenter import _INLINE_TIME

    plain = re.compile(_INLINE_TIME.pattern.split("(?:", 1)[1][:-1])  # the pattern without its gate
    assert _INLINE_TIME.pattern.startswith("(?=")
    text = "".join(parts)
    for s, e in [(0, len(text)), (1, max(1, len(text) - 1))]:
        assert [m.span() for m in plain.finditer(text, s, e)] == [m.span() for m in _INLINE_TIME.finditer(text, s, e)]


def _stock_sectionizer():
    from infucode.pipeline.extract.drugs import DRUG_KEY
    from infucode.pipeline.extract.resources import load_sections
    from medspacy.section_detection import Sectionizer, SectionRule

    sec = Sectionizer(_FAST, name="stock_sections", rules=None, require_start_line=True,
                      input_span_type="group", span_group_name=DRUG_KEY, span_attrs=None)
    sec.add([SectionRule.from_dict(r) for r in load_sections()["section_rules"]])
    return sec


_STOCK_SECTIONS = _stock_sectionizer()
_HEADINGS = ["Allergies:", "Home meds:", "home medications list:", "Plan:", "P:", "MAR:", "ED course:",
             "Outside facility MAR:", "Medications from nursing home:", "Current medications\n", "Dispo:", "Rx:"]
_LINE_PIECES = _HEADINGS + ["Zofran 4 mg IVP given", "pt tolerated well", "1430", "plan", "home", "meds",
                            "medications at home", "  ", "-", "NKDA"]


def _sections(sec, text):
    doc = _FAST.make_doc(text)
    sec(doc)
    return [(s.category, s.title_start, s.title_end, s.body_start, s.body_end) for s in doc._.sections]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(_LINE_PIECES), st.sampled_from(["\n", " ", "\n\n", "\r\n", " \n  ",
                                                                                 "\t", ", "])), max_size=14))
def test_line_start_sectionizer_gives_the_stock_sections(parts):
    text = "".join(p + s for p, s in parts)
    assert _sections(_FAST.get_pipe("infucode_sections"), text) == _sections(_STOCK_SECTIONS, text)


def test_line_start_sectionizer_skips_only_notes_without_a_heading_word_at_a_line_start():
    sec = _FAST.get_pipe("infucode_sections")
    assert not sec.may_have_heading(_FAST.make_doc("1430 Zofran 4 mg IVP. Plan: d/c home\n1500 resting"))
    assert sec.may_have_heading(_FAST.make_doc("1430 Zofran 4 mg IVP\nPlan: d/c home"))
    assert sec.may_have_heading(_FAST.make_doc("Home meds:\nASA"))
    assert sec.may_have_heading(_FAST.make_doc("x\n  \n  allergies: none"))
    texts = _corpus_texts(400)
    for text in texts:
        assert _sections(sec, text) == _sections(_STOCK_SECTIONS, text)
