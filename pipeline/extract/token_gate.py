"""Vocabulary gates for spaCy token ``Matcher`` patterns (a speed-up that never changes matches).

spaCy's ``Matcher`` tries every pattern at every token, and a ``{"LOWER": {"IN": [...]}}`` predicate is a
Python call per token. Most Docs contain none of the words a pattern needs, so the matcher would return
nothing. :class:`GatedMatcher` wraps a ``Matcher`` and runs it only when, for at least one of its patterns,
every *required* token constraint (a non-optional token with an exact ``LOWER``/``ORTH``/``TEXT`` value or an
``IN`` list) is met by some token of the Doc. The requirements are derived from the pattern data itself, so
they stay right when the rules in the data files change; a pattern with no derivable requirement always
passes the gate. A skipped Doc gets ``[]``, which is exactly what the matcher would have returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy
from spacy.attrs import LOWER, ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

#: ``OP`` values for which the token must be present at least once (``None``: no ``OP`` key).
_REQUIRED_OPS = (None, "1", "+")
#: token attributes the gate understands, and the array attribute holding their value
_ATTRS = {"LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}

Requirement = tuple[int, frozenset[int]]  # (array attribute id, allowed string hashes)


def pattern_requirements(pattern: list[dict[str, Any]], vocab: Vocab) -> list[Requirement]:
    """Return the token constraints every match of ``pattern`` must satisfy somewhere in the Doc.

    Parameters
    ----------
    pattern
        A spaCy ``Matcher`` pattern (list of token specs).
    vocab
        The vocabulary whose string store hashes the values.

    Returns
    -------
    list
        ``(attr, hashes)`` pairs: some token must have its ``attr`` value among ``hashes``. Empty when nothing
        can be derived (the pattern must then always be run).
    """
    out: list[Requirement] = []
    for spec in pattern:
        if spec.get("OP") not in _REQUIRED_OPS:
            continue  # optional or repeated-zero-or-more tokens require nothing
        for key, attr in _ATTRS.items():
            if key not in spec:
                continue
            value = spec[key]
            if isinstance(value, str):
                values: Iterable[Any] = [value]
            elif isinstance(value, dict) and set(value) == {"IN"} and isinstance(value["IN"], list) and all(
                    isinstance(v, str) for v in value["IN"]):
                values = value["IN"]
            else:
                continue  # REGEX, NOT_IN, comparisons, ...: no requirement (the gate only gets weaker)
            out.append((attr, frozenset(vocab.strings.add(v) for v in values)))
    return out


class GatedMatcher:
    """A spaCy ``Matcher`` that is only run on Docs where one of its patterns can match.

    Parameters
    ----------
    matcher
        The wrapped matcher (used unchanged).
    patterns
        All patterns added to ``matcher`` (one list of token specs per pattern).
    vocab
        The shared vocabulary.
    """

    def __init__(self, matcher: Matcher, patterns: list[list[dict[str, Any]]], vocab: Vocab) -> None:
        self.matcher = matcher
        reqs = [pattern_requirements(p, vocab) for p in patterns]
        #: ``None``: some pattern has no requirement, always run the matcher
        self.requirements: list[list[Requirement]] | None = None if any(not r for r in reqs) else reqs
        self.attrs = sorted({a for r in reqs for a, _ in r})

    def may_match(self, doc: Doc) -> bool:
        """Tell whether some pattern could match ``doc`` (False means the matcher finds nothing)."""
        if self.requirements is None:
            return True
        if not self.requirements or len(doc) == 0:
            return False
        arr = numpy.asarray(doc.to_array(self.attrs)).reshape(len(doc), len(self.attrs))
        present = {a: set(arr[:, k].tolist()) for k, a in enumerate(self.attrs)}
        return any(all(not present[a].isdisjoint(hashes) for a, hashes in req) for req in self.requirements)

    def __call__(self, doc: Doc, *args: Any, **kwargs: Any) -> Any:
        """Run the matcher on ``doc`` when it may match, else return ``[]`` (what it would have returned)."""
        if args or kwargs or self.may_match(doc):
            return self.matcher(doc, *args, **kwargs)
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.matcher, name)

    def __len__(self) -> int:
        return len(self.matcher)


def gate_medspacy_matcher(medspacy_matcher: Any, vocab: Vocab) -> GatedMatcher:
    """Put a :class:`GatedMatcher` in front of the token ``Matcher`` of a medspaCy ``MedspacyMatcher``.

    The patterns are read back from the matcher's own rules (``rule.pattern`` lists), i.e. from the rule data.

    Parameters
    ----------
    medspacy_matcher
        The ``MedspacyMatcher`` of a medspaCy ``ConText`` or ``Sectionizer`` (all rules already added).
    vocab
        The shared vocabulary.

    Returns
    -------
    GatedMatcher
        The installed gate.
    """
    attr = "_MedspacyMatcher__matcher"
    inner = getattr(medspacy_matcher, attr)
    if isinstance(inner, GatedMatcher):
        inner = inner.matcher
    if not isinstance(inner, Matcher):
        raise TypeError(f"unexpected medspaCy matcher internals: {type(inner)!r}")
    patterns = [r.pattern for r in medspacy_matcher.rules if isinstance(r.pattern, list)]
    if len(patterns) != len(inner):
        raise ValueError("medspaCy token patterns and Matcher rules disagree")
    gate = GatedMatcher(inner, patterns, vocab)
    setattr(medspacy_matcher, attr, gate)
    return gate
