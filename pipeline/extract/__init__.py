"""Extraction: note text -> ``AdminEvent`` list (spaCy 3.7 + medspaCy rules, data-driven).

Use ``nlp = build_nlp()`` once per process, then ``doc_events(nlp(text))`` or
``[doc_events(d) for d in nlp.pipe(texts, n_process=2)]``.
"""

from infucode.pipeline.extract.nlp import build_nlp, doc_events

__all__ = ["build_nlp", "doc_events"]
