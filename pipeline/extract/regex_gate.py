r"""First-character gates for big regular-expression alternations (a speed-up that never changes matches).

Python's ``re`` tries every alternative of a combined pattern at every position of the text. A pattern whose
matches can only start with a few characters (``\bslow\s+iv...|\biv\s?p...`` -> ``[is]``) is much faster
when prefixed with a lookahead on that character class: ``(?=[is])(?:...)``. The class is derived from the
parsed pattern itself (so it stays right when the rules in the data files change); when it cannot be derived
safely (``.``, negated classes, back-references, a pattern that can match the empty string) no gate is added.
"""

from __future__ import annotations

import re
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser as _p  # type: ignore[attr-defined]
from typing import Any

_CATEGORIES: dict[Any, str] = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
}
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


class _Unbounded(Exception):
    """The first character of a match cannot be restricted."""


def _sequence(items: Any, out: set[str]) -> bool:
    """Add the possible first characters of a parsed sequence to ``out``; True when it can match empty."""
    for op, av in items:
        if op in _ZERO_WIDTH:  # anchors and look-arounds consume nothing: only widen the set (safe)
            continue
        if not _item(op, av, out):
            return False
    return True


def _item(op: Any, av: Any, out: set[str]) -> bool:
    """Add the possible first characters of one parsed item to ``out``; True when it can match empty."""
    if op is _c.LITERAL:
        out.add(re.escape(chr(av)))
        return False
    if op is _c.IN:
        for o, a in av:
            if o is _c.LITERAL:
                out.add(re.escape(chr(a)))
            elif o is _c.RANGE:
                out.add(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
            elif o is _c.CATEGORY and a in _CATEGORIES:
                out.add(_CATEGORIES[a])
            else:  # NEGATE, unusual categories
                raise _Unbounded
        return False
    if op is _c.BRANCH:
        return any([_sequence(alt, out) for alt in av[1]])  # list: visit every alternative
    if op is _c.SUBPATTERN:
        return _sequence(av[3], out)
    if op is _c.ATOMIC_GROUP:
        return _sequence(av, out)
    if op in _REPEATS:
        return _sequence(av[2], out) or av[0] == 0
    raise _Unbounded  # ANY, NOT_LITERAL, GROUPREF, ...


def first_char_class(pattern: str, flags: int = 0) -> str | None:
    r"""Return a character class matching every possible first character of a match of ``pattern``.

    Parameters
    ----------
    pattern
        A regular expression.
    flags
        The ``re`` flags it is compiled with (the class must be compiled with the same flags).

    Returns
    -------
    str or None
        E.g. ``"[\dab]"``, or None when the first character is not restricted.
    """
    out: set[str] = set()
    try:
        if _sequence(_p.parse(pattern, flags), out):
            return None
    except (_Unbounded, re.error):
        return None
    return "[" + "".join(sorted(out)) + "]" if out else None


def gated(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` with a first-character lookahead gate when one can be derived.

    The gated pattern finds exactly the same matches (same spans and groups) as
    ``re.compile(pattern, flags)``.
    """
    cls = first_char_class(pattern, flags)
    if cls is None:
        return re.compile(pattern, flags)
    try:
        boundary = _starts_with_boundary(_p.parse(pattern, flags))
    except re.error:
        boundary = False
    # every alternative starts with ``\b``: test it in the gate too (skips letters inside words at once)
    lead = "\\b" if boundary else ""
    return re.compile(f"(?={lead}{cls})(?:{pattern})", flags)


def _starts_with_boundary(items: Any) -> bool:
    r"""Return True when every way through the parsed pattern starts with a ``\b`` assertion."""
    if not len(items):
        return False
    op, av = items[0]
    if op is _c.AT:
        return av is _c.AT_BOUNDARY
    if op is _c.SUBPATTERN:
        return _starts_with_boundary(av[3])
    if op is _c.BRANCH:
        return all(_starts_with_boundary(alt) for alt in av[1])
    return False
