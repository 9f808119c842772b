"""A fast rule-based segmenter for nursing notes (replaces PyRuSH).

An *entry* is a unit of documentation: a line, a timestamp-led line (continuation lines that do not start
with a time, bullet, heading or table row are folded into the previous entry), a flowsheet/MAR row, or an
inline timestamp-led chunk ("... tol well. 1430 toradol ..."). Sentences are split inside entries at
``. `` / ``; `` / `` - `` boundaries that are followed by a new clause. Entries are stored on the Doc as
``doc.user_data["infucode_entries"]`` (list of ``[start_char, end_char]``) and sentence starts are set on
tokens so ConText scopes stay inside one sentence.
"""


import bisect
import re

import numpy
from infucode.pipeline.extract.fastdoc import doc_text
from infucode.pipeline.extract.regex_gate import gated
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

ENTRY_KEY = "infucode_entries"

_LINE_START_NEW = re.compile(
    r"^\s*(?:(?:[01]?\d|2[0-3]):?[0-5]\d\b|[-*•>]|\d+[.)]\s|[A-Z][A-Za-z /&()'-]{1,40}:"
    r"|[A-Z0-9 /&-]{3,}$|.*[|\t])"
)
_WRAP_MIN = 50  # a lowercase line continues the previous one only when that one looks hard-wrapped
_CONTINUATION = re.compile(r"^\s*[a-z(]")
_INDENTED = re.compile(r"^(?: {2,}|\t)\S")
_TIME_LED = re.compile(r"^\s*(?:[01]?\d|2[0-3]):?[0-5]\d\b")
# (first-character gate: same matches, skips non-space positions at once)
_INLINE_TIME = gated(
    r"(?<=[.;!?])\s+(?=(?:[01]\d|2[0-3]):?[0-5]\d\b(?!\s?(?:mg|ml|cc|mcg|units?|g\b|%)))"
)
_NOT_A_START = numpy.iinfo(numpy.uint64).max  # SENT_START -1
# (first-character gate: same matches; without it every position of an entry enters every alternative)
_SENT_SPLIT = gated(
    # "around six a.m. at home": a.m./p.m. end a sentence only before a capital or a digit; a single-spaced
    # dash before a status word is the status of the same line ("metoprolol 25 mg PO - HELD (HR 52)")
    r"(?<=[a-z0-9)\]%])(?<![ap]\.m)\.\s+(?=[A-Za-z0-9(])|(?<=[ap]\.m)\.\s+(?=[A-Z0-9(])|;\s+"
    r"|\s{2,}-\s+(?=[A-Z0-9])|\s-\s{2,}(?=[A-Z0-9])"
    r"|\s-\s(?=[A-Z0-9])(?!(?i:held|given|not\s+given|refused|declined|omitted|not\s+due|charted)\b)"
    r"|\.\s*$|!\s+|\?\s+"
    # run-on dictation: a comma followed by a new subject starts a new clause
    r"|,\s+(?=(?:she|he|we|they|i|patient|pt|the patient|her|his)\s+(?:was|is|has|had|did|does|will|received|"
    r"got|takes|took|states|reports|denies|declined|refused|also|then|tolerated|felt|home|medications|meds)\b)"
    r"|,\s+(?=(?:and\s+)?then\s)|,\s+(?=plan\b)"
)

# "Per EMS, pt received ...": a leading attribution belongs to the clause after its comma
_ATTRIBUTION = re.compile(r"\s*(?:as\s+)?(?:per|according\s+to)\s+[\w/' -]{1,30}", re.I)


def split_entries(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` character spans of the entries of ``text``."""
    entries: list[list[int]] = []
    pos = 0
    prev_blank = True
    prev_len = 0
    for line in text.splitlines(keepends=True):
        start, end = pos, pos + len(line.rstrip("\r\n"))
        pos += len(line)
        body = text[start:end]
        if not body.strip():
            prev_blank = True
            continue
        indented = bool(_INDENTED.match(body)) and not _TIME_LED.match(body)
        new = (prev_blank and not (indented and entries and not text[entries[-1][1]:start].count("\n") > 2)
               ) or not entries or (not indented and (
                   bool(_LINE_START_NEW.match(body)) or _ends_entry(text, entries[-1])
                   or not _CONTINUATION.match(body) or prev_len < _WRAP_MIN))
        if new:
            entries.append([start, end])
        else:
            entries[-1][1] = end
        prev_blank = False
        prev_len = len(body)
    out: list[tuple[int, int]] = []
    for s, e in entries:
        cuts = [m.end() for m in _INLINE_TIME.finditer(text, s, e)]
        bounds = [s, *cuts, e]
        for a, b in zip(bounds, bounds[1:], strict=False):
            if text[a:b].strip():
                out.append((a, a + len(text[a:b].rstrip())))
    return out


def _ends_entry(text: str, entry: list[int]) -> bool:
    """Tell whether a previous entry (heading-only line, table row) refuses continuation lines."""
    seg = text[entry[0]:entry[1]].rstrip()
    return seg.endswith((":", ".", ";")) or "|" in seg or "\t" in seg or not any(c.islower() for c in seg)


def split_sentences(text: str, start: int, end: int) -> list[int]:
    """Return the sentence start offsets inside one entry (always including ``start``)."""
    starts = [start]
    for m in _SENT_SPLIT.finditer(text, start, end):
        if m.end() >= end or (text[m.start()] == "," and _ATTRIBUTION.fullmatch(text, starts[-1], m.start())):
            continue
        starts.append(m.end())
    return starts


@Language.factory("infucode_segmenter")
def make_segmenter(nlp: Language, name: str) -> "EntrySegmenter":
    """SpaCy factory for :class:`EntrySegmenter`."""
    return EntrySegmenter()


class EntrySegmenter:
    """Set entries (``doc.user_data``) and sentence boundaries (``SENT_START``, one array write)."""

    def __call__(self, doc: Doc) -> Doc:
        """Segment one Doc."""
        text = doc_text(doc)
        entries = split_entries(text)
        doc.user_data[ENTRY_KEY] = [[s, e] for s, e in entries]
        starts: set[int] = set()
        for s, e in entries:
            starts.update(split_sentences(text, s, e))
        n = len(doc)
        if n == 0:
            return doc
        # one vectorized write: per-token assignment re-scans the Doc each time (quadratic on long notes)
        idx = numpy.asarray(doc.to_array(IDX)).reshape(-1).tolist()
        flags = numpy.full(n, _NOT_A_START, dtype=numpy.uint64)  # -1: not a start
        flags[0] = 1
        for ch in starts:
            i = bisect.bisect_left(idx, ch)
            if 0 < i < n:
                flags[i] = 1
        doc.from_array([SENT_START], flags)
        return doc
