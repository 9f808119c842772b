"""Vectorized Doc look-ups for the hot paths of the extraction pipeline (same results as the token loops).

Iterating ``doc.sents`` or every ``Token`` creates one Python object per token; on nursing notes most tokens
are never needed. These helpers read the token attributes as one numpy array instead.
"""

from __future__ import annotations

import numpy
from spacy.attrs import IDX, IS_ALPHA, LENGTH, SENT_START
from spacy.tokens import Doc

#: the last Doc whose text was built, and that text (a strong reference: its id cannot be reused meanwhile)
_LAST_TEXT: tuple[Doc | None, str] = (None, "")


def doc_text(doc: Doc) -> str:
    """Return ``doc.text``, built once for the Doc the pipeline is working on.

    ``Doc.text`` joins every token's text on each access (one Python object per token); the components of
    one note read it several times. The text of a Doc never changes (retokenizing keeps it), so the last
    Doc's text is kept and returned while the same Doc object is asked for.
    """
    global _LAST_TEXT
    last, text = _LAST_TEXT
    if last is doc:
        return text
    text = doc.text
    _LAST_TEXT = (doc, text)
    return text


def remember_text(doc: Doc, text: str) -> None:
    """Record ``text`` as the text of ``doc`` (the string it was tokenized from) for :func:`doc_text`."""
    global _LAST_TEXT
    _LAST_TEXT = (doc, text)


def sentence_start_chars(doc: Doc) -> list[int]:
    """Return the sorted character offsets where the sentences of ``doc`` start.

    Same as ``sorted({s.start_char for s in doc.sents})`` (``[0]`` for an empty Doc).
    """
    if len(doc) == 0:
        return [0]
    if "sents" in doc.user_hooks or not doc.has_annotation("SENT_START"):
        return sorted({s.start_char for s in doc.sents})
    arr = doc.to_array([SENT_START, IDX]).astype(numpy.int64)  # uint64 -> signed: -1 = "not a start"
    starts = arr[1:, 1][arr[1:, 0] == 1]
    return [int(arr[0, 1]), *starts.tolist()]


def alpha_tokens_min_len(doc: Doc, min_len: int) -> list[int]:
    """Return the indices of the alphabetic tokens of ``doc`` with at least ``min_len`` characters."""
    if len(doc) == 0:
        return []
    arr = doc.to_array([IS_ALPHA, LENGTH])
    return numpy.flatnonzero((arr[:, 0] == 1) & (arr[:, 1] >= min_len)).tolist()
