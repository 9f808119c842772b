"""Round-2 speed paths must give exactly what the stock code gives.

* ``modifier_scope`` (a ConText modifier's scope from the sentence start list) against the scope medspaCy's
  ``ConTextModifier`` computes itself from ``doc[start].sent``, for every status rule's direction and
  ``max_scope`` and every match position of a Doc with several sentences.
"""

import random

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
