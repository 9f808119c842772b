r"""First-character gates for big regular-expression alternations (a speed-up that never changes matches).

Python's ``re`` tries every alternative of a combined pattern at every position of the text. A pattern whose
matches can only start with a few characters (``\bslow\s+iv...|\biv\s?p...`` -> ``[is]``) is much faster
when prefixed with a lookahead on that character class: ``(?=[is])(?:...)``. The class is derived from the
parsed pattern itself (so it stays right when the rules in the data files change); when it cannot be derived
safely (``.``, negated classes, back-references, a pattern that can match the empty string) no gate is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def _sequence(items: Any, out: set[str], last: bool = False) -> bool:
    """Add the possible first (``last``: last) characters of a parsed sequence to ``out``.

    Returns True when the sequence can match the empty string.
    """
    for op, av in (reversed(list(items)) if last else items):
        if op in _ZERO_WIDTH:  # anchors and look-arounds consume nothing: only widen the set (safe)
            continue
        if not _item(op, av, out, last):
            return False
    return True


def _item(op: Any, av: Any, out: set[str], last: bool = False) -> bool:
    """Add the possible first (``last``: last) chars of a parsed item to ``out``; True if it can be empty."""
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
        return any([_sequence(alt, out, last) for alt in av[1]])  # list: visit every alternative
    if op is _c.SUBPATTERN:
        return _sequence(av[3], out, last)
    if op is _c.ATOMIC_GROUP:
        return _sequence(av, out, last)
    if op in _REPEATS:
        return _sequence(av[2], out, last) or av[0] == 0
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



def _pieces(pattern: str) -> Iterator[tuple[int, str, bool]]:
    """Yield ``(index, piece, inside a character class)``: a piece is one character or an escape pair."""
    i, n = 0, len(pattern)
    class_body = -1  # index where the current class's members start (a "]" there is a member)
    while i < n:
        c = pattern[i]
        piece = pattern[i:i + 2] if c == "\\" else c
        inside = class_body >= 0
        if inside and c == "]" and i > class_body:
            class_body = -1
        elif not inside and c == "[":
            class_body = i + 1 + (pattern[i + 1:i + 2] == "^")
            inside = True  # the opening bracket belongs to the class
        yield i, piece, inside
        i += len(piece)


def without_groups(pattern: str) -> str | None:
    r"""Return ``pattern`` with every capturing group made non-capturing (same matches, no groups).

    Named groups ``(?P<name>...)`` and plain groups ``(...)`` become ``(?:...)``; escapes and character
    classes are skipped over. Returns None when the pattern refers to its groups (``(?P=name)``,
    ``\1``, ``(?(name)...)``), where dropping them would change the matches.
    """
    out: list[str] = []
    skip_to = 0
    for i, piece, inside in _pieces(pattern):
        if i < skip_to:
            continue
        if not inside and piece[0] == "\\" and piece[1:].isdigit():
            return None  # back-reference (or an octal escape: no scanner then)
        if not inside and piece == "(":
            if pattern.startswith(("(?P=", "(?("), i):
                return None
            if pattern.startswith("(?P<", i):
                out.append("(?:")
                skip_to = pattern.index(">", i) + 1
                continue
            if not pattern.startswith("(?", i):
                out.append("(?:")
                continue
        out.append(piece)
    return "".join(out)


def split_alternatives(pattern: str) -> list[str]:
    """Split ``pattern`` at its top-level ``|`` (escapes, classes and groups respected)."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, piece, inside in _pieces(pattern):
        if inside:
            continue
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
        elif piece == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def suffix_checker(pattern: str, flags: int = 0) -> tuple[re.Pattern[str], int] | None:
    r"""Turn ``(?:A|B|...)$`` (searched for right before a position) into look-behinds checked at it.

    ``re.compile(pattern, flags).search(text, pos, end)`` finds a match iff some alternative ends at ``end``
    (or at ``end - 1`` when ``text[end - 1]`` is a newline: ``$`` matches before a final newline) and starts
    at or after ``pos``. When every alternative has one fixed width, no anchors or look-arounds (a leading
    ``\b`` aside), the returned ``(checker, width)`` gives the same answer with
    ``checker.match(text, end)`` (or at ``end - 1`` after a newline) as long as ``end - pos > width``:
    ``checker`` is ``(?:(?<=A)|(?<=B)|...)``, ``width`` the widest alternative. Otherwise None.
    """
    if flags & re.M or "(?m" in pattern or not pattern.endswith("$") or pattern.endswith("\\$"):
        return None
    body = pattern[:-1]
    if len(split_alternatives(body)) != 1:
        return None  # "a|b$": the anchor belongs to the last alternative only
    if body.startswith("(?:") and _group_end(body) == len(body) - 1:
        body = body[3:-1]
    alts = split_alternatives(body)
    width = 0
    try:
        for alt in alts:
            items = _p.parse(alt, flags)
            lo, hi = items.getwidth()
            if lo != hi or lo == 0 or not _plain(list(items)[1:] if list(items)[:1] == [
                    (_c.AT, _c.AT_BOUNDARY)] else list(items)):
                return None
            width = max(width, lo)
        checker = re.compile("|".join(f"(?<={alt})" for alt in alts), flags)
    except re.error:
        return None
    return checker, width


def _group_end(pattern: str) -> int:
    """Index of the ``)`` closing the group opened at ``pattern[0]`` (-1 when unbalanced)."""
    depth = 0
    for i, piece, inside in _pieces(pattern):
        if inside:
            continue
        if piece == "(":
            depth += 1
        elif piece == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _plain(items: list[Any]) -> bool:
    """Return True when a parsed sequence has no anchors, look-arounds or group references anywhere."""
    for op, av in items:
        if op in _ZERO_WIDTH or op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return False
        if op is _c.BRANCH and not all(_plain(list(alt)) for alt in av[1]):
            return False
        if op is _c.SUBPATTERN and not _plain(list(av[3])):
            return False
        if op in _REPEATS and not _plain(list(av[2])):
            return False
        if op is _c.ATOMIC_GROUP and not _plain(list(av)):
            return False
    return True


def prev_char_class(pattern: str, flags: int = 0) -> str | None:
    r"""Return a class the character right before every match of ``pattern`` belongs to, or None.

    Derived from the positive look-behinds in front of the pattern's first consuming item
    (``(?:(?<=\bat\s)|(?<=@))one...`` -> ``[@\s]``): their last characters. None when there are none or an
    alternative does without one.
    """
    try:
        return _leading_lookbehind(list(_p.parse(pattern, flags)))
    except (_Unbounded, re.error):
        return None


def _leading_lookbehind(items: list[Any]) -> str | None:
    """``prev_char_class`` of a parsed sequence."""
    for op, av in items:
        if op is _c.ASSERT and av[0] == -1:  # positive look-behind
            out: set[str] = set()
            if _sequence(av[1], out, last=True) or not out:
                return None
            return "[" + "".join(sorted(out)) + "]"
        if op is _c.BRANCH:
            parts = [_leading_lookbehind(list(alt)) for alt in av[1]]
            if any(p is None for p in parts):
                return None
            return "[" + "".join(sorted({p[1:-1] for p in parts if p})) + "]"
        if op is _c.SUBPATTERN:
            return _leading_lookbehind(list(av[3]))
        if op in _ZERO_WIDTH:
            continue
        return None  # a consuming item comes first
    return None


def position_scanner(alternatives: list[str], flags: int = 0) -> re.Pattern[str] | None:
    r"""Compile a scanner finding every position where the alternation of ``alternatives`` matches, fast.

    The scanner is ``[F](?<=(?=(?:P))[\s\S])``, ``F`` the first-character class of ``P``, the alternation
    ``(?:a1)|(?:a2)|...`` without capturing groups: it consumes the one character at a start position ``p``
    (so ``re``'s fast first-character search loop skips every other position without entering ``P``) and,
    from the look-behind, runs ``P`` at ``p`` as a look-ahead. ``s.start()`` of a scanner match ``s`` is
    ``p``; the alternation's own match there comes from ``.match(text, p, endpos)`` of it. Without groups
    ``re`` tries the alternatives much faster. As the scanner only tells whether some alternative matches,
    alternatives are tried in groups, each behind a cheap test rejecting most positions at once: those
    starting with ``\b`` behind one ``\b`` and first-character test; those led by positive look-behinds
    behind a one-character look-behind on their ``prev_char_class`` (``[@\s]``) and first-character
    test; the others grouped by first-character class, behind it. ASCII characters that no alternative
    accepts right before its match (``_banned_before``: digits before a number) are rejected first.

    Unlike ``finditer`` of the alternation the scanner also reports starts inside an earlier match: a caller
    wanting ``finditer``'s matches skips each ``p`` below the end of the last match it kept.

    Parameters
    ----------
    alternatives
        Regular expressions, in alternation order.
    flags
        Their ``re`` flags.

    Returns
    -------
    re.Pattern or None
        None when the first character of a match cannot be restricted, an alternative can match the empty
        string or refers to its own groups (use ``finditer`` of the alternation then).
    """
    # alternatives tried together: those behind a \b; those behind the same one-character look-behind;
    # the rest by first-character class (so each group's class test rejects most positions at once)
    groups: dict[tuple[bool, str | None, str | None], list[str]] = {}
    banned = set(_ASCII)  # ASCII characters no alternative's match can follow
    for rx in alternatives:
        bare = without_groups(rx)
        cls = first_char_class(rx, flags)
        if bare is None or cls is None:
            return None
        prev = prev_char_class(rx, flags)
        try:
            boundary = _starts_with_boundary(_p.parse(rx, flags))
        except re.error:
            return None
        key = (boundary, prev, None if boundary or prev else cls)
        groups.setdefault(key, []).append(f"(?:{bare})")
        banned &= _banned_before(rx, flags, cls, boundary, prev)
    classes, checks = [], []
    for (boundary, prev, _), parts in groups.items():
        body = "|".join(parts)
        cls = first_char_class(body, flags)
        if cls is None:
            return None
        classes.append(cls[1:-1])
        lead = ("\\b" if boundary else "") + (f"(?<={prev})" if prev else "")
        checks.append(f"{lead}(?={cls})(?=(?:{body}))")
    # (the scanner only tells whether some alternative matches at p: grouping them changes nothing)
    union, either = "".join(classes), "|".join(checks)
    # a character before p that no alternative accepts: rejected at once (inside numbers); not worth it
    # when every group starts with its own \b test anyway
    not_after = ""
    if banned and not all(boundary for boundary, _, _ in groups):
        not_after = f"(?<![{''.join(re.escape(c) for c in sorted(banned))}][\\s\\S])"
    scan = re.compile(f"[{union}]{not_after}(?<=(?:{either})[\\s\\S])", flags)
    return scan if scan.groups == 0 else None


_ASCII = [chr(i) for i in range(128)]
_WORD = re.compile(r"\w")


def _banned_before(pattern: str, flags: int, first: str, boundary: bool, prev: str | None) -> set[str]:
    r"""ASCII characters that cannot come right before a match of ``pattern``.

    From a leading ``\b`` when every first character is a word character (then no word character may
    precede), from ``prev_char_class`` (only its characters may precede) and from leading one-character
    negative look-behinds ``(?<![...])``. An empty set when nothing is known.
    """
    banned: set[str] = set()
    if boundary and _all_word(first, flags):
        banned |= {c for c in _ASCII if _WORD.match(c)}
    if prev is not None:
        prev_rx = re.compile(prev, flags)
        banned |= {c for c in _ASCII if not prev_rx.match(c)}
    try:
        items = list(_p.parse(pattern, flags))
    except re.error:
        return banned
    for op, av in items:
        content = list(av[1]) if op is _c.ASSERT_NOT else []
        if op is _c.ASSERT_NOT and av[0] == -1 and len(content) == 1 and content[0][0] in (_c.LITERAL, _c.IN):
            out: set[str] = set()
            try:
                _sequence(content, out)
            except _Unbounded:  # a negated class: nothing learned
                continue
            cls_rx = re.compile("[" + "".join(sorted(out)) + "]", flags)
            banned |= {c for c in _ASCII if cls_rx.match(c)}
        elif op not in _ZERO_WIDTH:
            break  # the first consuming item
    return banned


def _all_word(cls: str, flags: int) -> bool:
    r"""Return True when every character of the class ``cls`` (``[...]``) is a word character (``\w``)."""
    try:
        items = list(_p.parse(cls, flags))
    except re.error:
        return False
    if len(items) != 1 or items[0][0] not in (_c.IN, _c.LITERAL):
        return False
    op, av = items[0]
    members = [(_c.LITERAL, av)] if op is _c.LITERAL else av
    for o, a in members:
        if o is _c.LITERAL and _WORD.match(chr(a)):
            continue
        if o is _c.RANGE and a[1] - a[0] < 5000 and all(_WORD.match(chr(x)) for x in range(a[0], a[1] + 1)):
            continue
        if o is _c.CATEGORY and a in (_c.CATEGORY_DIGIT, _c.CATEGORY_WORD):
            continue
        return False
    return True


def lowercase_variant(pattern: str, flags: int = re.I) -> re.Pattern[str] | None:
    r"""Compile ``pattern`` (an IGNORECASE pattern) without IGNORECASE, for lowercased ASCII text.

    For an ASCII subject ``s``, ``variant.search(s.lower())`` finds exactly the matches (same spans) of
    ``re.compile(pattern, flags).search(s)`` when the pattern is ASCII, has no uppercase letter among its
    literals and classes (escapes such as ``\S`` or ``\W`` are not literals), no back-reference and no
    local flag group: IGNORECASE then only ever lets an uppercase letter of ``s`` stand for its lowercase
    form. Without IGNORECASE, ``re`` skips alternatives led by a plain literal at once, so the variant is
    much faster on big alternations (it is also :func:`gated`). Returns None when the pattern does not
    qualify.
    """
    if not flags & re.I or not pattern.isascii():
        return None
    try:
        items = _p.parse(pattern, flags)
    except re.error:
        return None
    if not _caseless_ok(items):
        return None
    return gated(pattern, flags & ~re.I)


def _caseless_ok(items: Any) -> bool:
    """Return True when no literal or class of the parsed sequence admits an uppercase ASCII letter."""
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL):
            if 65 <= av <= 90:
                return False
        elif op is _c.IN:
            for o, a in av:
                if o in (_c.LITERAL, _c.NOT_LITERAL) and 65 <= a <= 90:
                    return False
                if o is _c.RANGE and a[0] <= 90 and a[1] >= 65:
                    return False
                if o not in (_c.LITERAL, _c.NOT_LITERAL, _c.RANGE, _c.CATEGORY, _c.NEGATE):
                    return False
        elif op is _c.BRANCH:
            if not all(_caseless_ok(alt) for alt in av[1]):
                return False
        elif op is _c.SUBPATTERN:
            if av[1] or av[2] or not _caseless_ok(av[3]):  # local flags (?i:...) / (?-i:...)
                return False
        elif op is _c.ATOMIC_GROUP:
            if not _caseless_ok(av):
                return False
        elif op in _REPEATS:
            if not _caseless_ok(av[2]):
                return False
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            if not _caseless_ok(av[1]):
                return False
        elif op in (_c.AT, _c.ANY, _c.CATEGORY):
            continue
        else:  # back-references, conditionals, ...
            return False
    return True
