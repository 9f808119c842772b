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

    When ``keys`` are given, a matcher holding only the patterns of the keys that can match the Doc is run
    instead of the full one (built once per set of keys): the full matcher finds matches of those keys only,
    and in the same order (spaCy's matcher follows each pattern's states independently; the patterns that
    cannot match add no match).

    Parameters
    ----------
    matcher
        The wrapped matcher (used unchanged).
    patterns
        All patterns added to ``matcher`` (one list of token specs per pattern).
    vocab
        The shared vocabulary.
    keys
        The match key of each pattern (as added to ``matcher``), to allow the matchers of a subset of the
        keys. Not usable with ``on_match`` callbacks (they get the full match list).
    """

    def __init__(self, matcher: Matcher, patterns: list[list[dict[str, Any]]], vocab: Vocab,
                 keys: list[str] | None = None) -> None:
        self.matcher = matcher
        reqs = [pattern_requirements(p, vocab) for p in patterns]
        #: ``None``: some pattern has no requirement, always run the matcher
        self.requirements: list[list[Requirement]] | None = None if any(not r for r in reqs) else reqs
        self.attrs = sorted({a for r in reqs for a, _ in r})
        #: every value some requirement asks for, per attribute
        self.wanted: dict[int, frozenset[int]] = {
            a: frozenset(h for r in reqs for a2, hashes in r if a2 == a for h in hashes) for a in self.attrs}
        self.keys = keys
        self.vocab = vocab
        self.patterns = patterns
        #: matchers holding the patterns of a subset of the keys
        self.subsets: dict[frozenset[str], Matcher] = {}
        if keys is not None:
            if len(keys) != len(patterns):
                raise ValueError("one key per pattern")
            self.subsets[frozenset(keys)] = matcher

    def candidates(self, doc: Doc) -> list[int]:
        """Return the indices of the patterns whose requirements ``doc`` meets (all when not derivable)."""
        n_patterns = len(self.keys) if self.keys is not None else len(self.requirements or [])
        if self.requirements is None:
            return list(range(n_patterns)) if n_patterns else [0]
        if not self.requirements or len(doc) == 0:
            return []
        arr = numpy.asarray(doc.to_array(self.attrs)).reshape(len(doc), len(self.attrs))
        # the required values present in the Doc (a set of the few hits, not of every token)
        present = {a: self.wanted[a].intersection(arr[:, k].tolist()) for k, a in enumerate(self.attrs)}
        return [i for i, req in enumerate(self.requirements)
                if all(not present[a].isdisjoint(hashes) for a, hashes in req)]

    def may_match(self, doc: Doc) -> bool:
        """Tell whether some pattern could match ``doc`` (False means the matcher finds nothing)."""
        return bool(self.candidates(doc))

    def __call__(self, doc: Doc, *args: Any, **kwargs: Any) -> Any:
        """Return what the full matcher returns on ``doc``, running as little of it as possible."""
        if args or kwargs:
            return self.matcher(doc, *args, **kwargs)
        found = self.candidates(doc)
        if not found:
            return []
        if self.keys is not None and self.requirements is not None:
            return self._subset({self.keys[i] for i in found})(doc)
        return self.matcher(doc)

    def _subset(self, keys: set[str]) -> Matcher:
        """Return a matcher with the patterns of ``keys`` only (all patterns of a key, in their order)."""
        wanted = frozenset(keys)
        sub = self.subsets.get(wanted)
        if sub is None:
            assert self.keys is not None
            sub = Matcher(self.vocab)
            by_key: dict[str, list[list[dict[str, Any]]]] = {}
            for key, pattern in zip(self.keys, self.patterns, strict=True):
                if key in wanted:
                    by_key.setdefault(key, []).append(pattern)
            for key, pats in by_key.items():
                sub.add(key, pats)
            self.subsets[wanted] = sub
        return sub

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
    rules = [(key, r) for key, r in medspacy_matcher.rule_map.items() if isinstance(r.pattern, list)]
    if len(rules) != len(inner) or any(key not in inner for key, _ in rules):
        raise ValueError("medspaCy token patterns and Matcher rules disagree")
    # one-key matchers only without callbacks (a callback gets the full match list)
    keys = [key for key, _ in rules] if all(r.on_match is None for _, r in rules) else None
    gate = GatedMatcher(inner, [r.pattern for _, r in rules], vocab, keys=keys)
    setattr(medspacy_matcher, attr, gate)
    return gate
