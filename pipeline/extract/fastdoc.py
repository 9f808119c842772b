"""Vectorized Doc look-ups for the hot paths of the extraction pipeline (same results as the token loops).

Iterating ``doc.sents`` or every ``Token`` creates one Python object per token; on nursing notes most tokens
are never needed. These helpers read the token attributes as one numpy array instead.
"""

from __future__ import annotations

import numpy
from spacy.attrs import IDX, IS_ALPHA, LENGTH, SENT_START
from spacy.tokens import Doc


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
