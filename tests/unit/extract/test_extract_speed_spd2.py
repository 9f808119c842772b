"""Round-2 speed paths must give exactly what the stock code gives.

* ``modifier_scope`` (a ConText modifier's scope from the sentence start list) against the scope medspaCy's
  ``ConTextModifier`` computes itself from ``doc[start].sent``, for every status rule's direction and
  ``max_scope`` and every match position of a Doc with several sentences;
* the section list built without per-token attributes against medspaCy's Sectionizer;
* ``time_role`` / ``entry_cue_role`` (lowercase cue regexes on ASCII text) against the IGNORECASE reference;
* ``regex_gate.lowercase_variant`` and the gated setting and sentence-split regexes against the plain ones.
"""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from infucode.pipeline.extract import build_nlp
from infucode.pipeline.extract.nlp import _sentence_starts, modifier_scope
from infucode.pipeline.extract.resources import load_status_rules
from medspacy.context import ConTextModifier, ConTextRule
from spacy.tokens import Doc

_NLP = build_nlp()


def _doc_with_sentences(rng: random.Random, n: int) -> Doc:
    starts = [True] + [rng.random() < 0.2 for _ in range(n - 1)]
    return Doc(_NLP.vocab, words=[f"w{i}" for i in range(n)], sent_starts=starts)


def test_modifier_scope_equals_the_scope_contextmodifier_computes():
    rules = [ConTextRule.from_dict(r) for r in load_status_rules()["context_rules"]]
    directions = {(r.direction, r.max_scope) for r in rules}
    assert {d.lower() for d, _ in directions} >= {"forward", "backward", "bidirectional"}
    rule_of = {key: next(r for r in rules if (r.direction, r.max_scope) == key) for key in directions}
    rng = random.Random(5)
    checked = 0
    for n in (1, 2, 7, 40):
        doc = _doc_with_sentences(rng, n)
        starts = _sentence_starts(doc)
        assert starts is not None
        for start in range(n):
            for end in range(start + 1, min(n, start + 4) + 1):
                k = max(i for i, s in enumerate(starts) if s <= start)
                sent_end = starts[k + 1] if k + 1 < len(starts) else n
                for (direction, max_scope), rule in rule_of.items():
                    stock = ConTextModifier(rule, start, end, doc).scope_span
                    assert modifier_scope(direction, max_scope, start, end, starts[k], sent_end) == stock
                    checked += 1
    assert checked > 500


def test_sentence_starts_follow_token_sent():
    rng = random.Random(9)
    for n in (1, 5, 30):
        doc = _doc_with_sentences(rng, n)
        starts = _sentence_starts(doc)
        assert starts == sorted({tok.sent.start for tok in doc})
    assert _sentence_starts(Doc(_NLP.vocab, words=["a", "b"])) is None  # no boundaries set


def _section_rows(sec, text):
    doc = _NLP.make_doc(text)
    sec(doc)
    return [(s.category, s.title_start, s.title_end, s.body_start, s.body_end, s.parent,
             s.rule.literal if s.rule is not None else None) for s in doc._.sections]


def test_section_list_without_token_attributes_equals_the_stock_sectionizer():
    from infucode.pipeline.extract.drugs import DRUG_KEY
    from infucode.pipeline.extract.resources import load_sections
    from medspacy.section_detection import Sectionizer, SectionRule

    rules = [SectionRule.from_dict(r) for r in load_sections()["section_rules"]]
    stock = Sectionizer(_NLP, name="stock_sections_spd2", rules=None, require_start_line=True,
                        input_span_type="group", span_group_name=DRUG_KEY, span_attrs=None)
    stock.add(rules)
    stock_capped = Sectionizer(_NLP, name="stock_capped_spd2", rules=None, require_start_line=True,
                               input_span_type="group", span_group_name=DRUG_KEY, span_attrs=None,
                               max_section_length=3)
    stock_capped.add(rules)
    ours = _NLP.get_pipe("infucode_sections")
    rng = random.Random(11)
    pieces = ["Allergies:", "Home meds:", "Plan:", "MAR:", "ED course:", "Current medications", "Dispo:",
              "Zofran 4 mg IVP given", "pt tolerated well", "1430", "plan", "home meds", "NKDA", "  "]
    texts = ["".join(rng.choice(pieces) + rng.choice(["\n", " ", "\n\n", ": "]) for _ in range(rng.randint(1, 12)))
             for _ in range(300)]
    with_heading = 0
    for text in texts:
        assert _section_rows(ours, text) == _section_rows(stock, text)
        with_heading += any(row[0] is not None for row in _section_rows(ours, text))
        try:
            ours.max_section_length = 3  # a capped body: the same cut as the stock component's
            assert _section_rows(ours, text) == _section_rows(stock_capped, text)
        finally:
            ours.max_section_length = None
    assert with_heading > 100


def test_no_token_section_attribute_is_written():
    doc = _NLP.make_doc("Home meds:\nASA 81 mg daily\nPlan: Zofran 4 mg IVP")
    sec = _NLP.get_pipe("infucode_sections")
    sec(doc)
    assert any(s.category is not None for s in doc._.sections)
    assert not [k for k in doc.user_data if isinstance(k, tuple) and k[:2] == ("._.", "section")]


def _reference_cue_regex(role):
    import re

    from infucode.pipeline.extract.resources import compiled_misc

    cues = compiled_misc()["time_role_cues"][role]
    alt = "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in cues)
    return re.compile(rf"(?:^|[^a-z])(?:{alt})(?![a-z])", re.I)


def _reference_time_role(text, a, entry_start):
    """``time_role`` before round 2 (IGNORECASE cue regexes on the text as written), verbatim."""
    import re

    if a.value == "range":
        return "range"
    window_start = max(entry_start, a.start - 40)
    before = text[window_start:a.start]
    before = re.split(r"[|;,\t→]|->|=>|\.\s|\n\s*\n|(?<![/\d])\d{1,2}:?\d{2}(?![\d/])", before)[-1]
    after = text[a.end:a.end + 16].lstrip(" \t|:-")
    after = re.split(r"[|;,\t.@(]|(?<![/\d])\d{1,2}:?\d{2}(?![\d/])", after)[0]
    best = None
    for role in ("infiltrated", "pause", "resume", "end", "start"):
        for m in _reference_cue_regex(role).finditer(before):
            dist = len(before) - m.end()
            if best is None or dist < best[0]:
                best = (dist, role)
    if best is not None:
        return best[1]
    for role in ("end", "start"):
        m = _reference_cue_regex(role).match(after)
        if m and not m.group(0).endswith(":") and not after[m.end():].lstrip().startswith(":"):
            return role
    return "at"


def _reference_entry_cue_role(text):
    for role in ("infiltrated", "resume", "pause", "end", "start"):
        if _reference_cue_regex(role).search(text):
            return role
    return None


def test_time_roles_equal_the_ignorecase_reference_on_mixed_case_and_non_ascii_text():
    from infucode.pipeline.extract.attributes import entry_cue_role, find_attributes, time_role
    from infucode.pipeline.extract.resources import compiled_misc

    cues = [c for v in compiled_misc()["time_role_cues"].values() for c in v]
    words = cues + ["NS", "bolus", "Zofran 4 mg", "at", "@", ", ", "; ", ". ", " -> ", "|", "\t", "\n", ":", " ",
                    "İ", "ſtopped", "STARTED", "Hung", "ı", "ß", "1430", "9:05", "0915-1000", "1/2"]
    rng = random.Random(21)
    roles = set()
    for _ in range(1500):
        pieces = [rng.choice(words) for _ in range(rng.randint(1, 14))]
        pieces = [p.upper() if rng.random() < 0.2 else p for p in pieces]
        text = "".join(p + rng.choice(["", " ", " ", ": "]) for p in pieces)
        assert entry_cue_role(text) == _reference_entry_cue_role(text)
        for a in find_attributes(text, labels=("time",)):
            for entry_start in (0, max(0, a.start - 10)):
                role = time_role(text, a, entry_start)
                assert role == _reference_time_role(text, a, entry_start)
                roles.add(role)
    assert roles >= {"start", "end", "at", "range"}


def test_lowercase_variant_finds_the_ignorecase_matches_on_ascii_text():
    import json
    import re

    from infucode.pipeline.extract.regex_gate import lowercase_variant
    from infucode.pipeline.extract.resources import PATTERNS_FILE, resource_path

    data = json.loads(resource_path(PATTERNS_FILE).read_text(encoding="utf-8"))
    patterns = [data["bare_time_reject_before"], r"\b(?:room|rm|bed)\s*#?\s*\d+\b", r"[^a-z]x\S\W", r"(?:ab|c)+\s*$",
                r"(?<![a-z])pt(?=[:=])", r"\d/\d+\s*[:=]?\s*$", r"[a-f]{2}\B."]
    rng = random.Random(17)
    alphabet = "abcfxptmoRMBEDPTXC #:=/\n\t0123456789-"
    for pattern in patterns:
        slow, fast = re.compile(pattern, re.I), lowercase_variant(pattern)
        assert fast is not None and not fast.flags & re.I
        for _ in range(2000):
            s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
            a, b = slow.search(s), fast.search(s.lower())
            assert (a and a.span()) == (b and b.span())
            assert [m.span() for m in slow.finditer(s)] == [m.span() for m in fast.finditer(s.lower())]


def test_lowercase_variant_declines_patterns_that_depend_on_case_or_non_ascii_folding():
    from infucode.pipeline.extract.regex_gate import lowercase_variant

    for pattern in [r"[A-Z]x", r"Pt", r"(?-i:x)y", r"(a)\1", "µg", r"[^A-F]"]:
        assert lowercase_variant(pattern) is None
    assert lowercase_variant("pt", 0) is None  # not an IGNORECASE pattern


def _setting_regexes():
    """Every regex string among the single-regex settings of the pattern file (top level or one level down)."""
    import re

    from infucode.pipeline.extract.resources import load_patterns

    out = []
    for key, value in load_patterns().items():
        for v in [value] if isinstance(value, str) else value.values() if isinstance(value, dict) else []:
            if isinstance(v, str):
                try:
                    re.compile(v, re.I)
                except re.error:
                    continue
                out.append((key, v))
    return out


def test_gated_setting_regexes_find_the_same_matches_on_the_bundled_notes():
    import json
    import re
    from pathlib import Path

    from infucode.pipeline.extract.resources import _rx

    root = Path(__file__).resolve().parents[3]
    texts = []
    for path in sorted((root / "annotations" / "corpus").glob("*.jsonl")):
        if path.name.startswith("blind"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines()[:80]:
            if line.strip() and isinstance(json.loads(line).get("text"), str):
                texts.append(json.loads(line)["text"])
    texts += ["", "Zofran 4 mg IVP given @ 1430 per EMS\nrm 12 HR 88\n", "PLAN: HOLD; WILL GIVE LATER"]
    regexes = _setting_regexes()
    assert len(regexes) > 20
    for key, source in regexes:
        flags = re.I | (re.M if key == "entry_time" else 0)
        plain, fast = re.compile(source, flags), _rx(source, flags)
        for text in texts:
            assert [(m.span(), m.groups()) for m in plain.finditer(text)] == \
                [(m.span(), m.groups()) for m in fast.finditer(text)], key
            for pos in range(0, len(text), 37):
                a, b = plain.match(text, pos), fast.match(text, pos)
                assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), key


_SENT_PIECES = ["Zofran 4 mg IVP given", "pt tolerated well", "a.m.", "p.m", "6 a.m. At home", ". ", ".", "; ", " - ",
                "  - ", " -  ", "HELD", "Given", "!", "? ", ", she was", ", then ", ", plan", ", and then ", "Per EMS",
                " ", "\n", "(", "%", "]", "1430", "İ", "x"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(_SENT_PIECES), max_size=24), window=st.tuples(st.integers(0, 80),
                                                                                     st.integers(0, 80)))
def test_gated_sentence_split_pattern_finds_the_same_boundaries(parts, window):
    import re

    from infucode.pipeline.extract.segmenter import _SENT_SPLIT

    plain = re.compile(_SENT_SPLIT.pattern.split("(?:", 1)[1][:-1])  # the pattern without its gate
    assert _SENT_SPLIT.pattern.startswith("(?=")
    text = "".join(parts)
    s, e = sorted(window)
    assert [m.span() for m in plain.finditer(text, s, e)] == [m.span() for m in _SENT_SPLIT.finditer(text, s, e)]
