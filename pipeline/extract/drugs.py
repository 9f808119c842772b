"""Drug mention matcher.

PhraseMatcher over the lexicon (LOWER, plus ORTH for case-sensitive abbreviations) and a conservative
edit-distance fallback for misspelled tokens followed by a dose or route (English words are never
corrected; a name dictated as two words, "Tora doll", is tried joined). Two matched names written as one
product ("lidocaine 1% w/ epi", "hydrocodone/APAP") become the lexicon's combination product when the
lexicon names that combination.

Writes ``doc.spans["drugs"]``: label ``DRUG``, ``kb_id_`` = lexicon key, ``id_`` = rule id
(``lex:<source>`` or ``fuzzy``).
"""


import re
from collections import defaultdict

from infucode.pipeline.extract.fastdoc import alpha_tokens_min_len, doc_text
from infucode.pipeline.extract.resources import (
    LexEntry,
    load_fuzzy_english_words,
    load_lexicon,
    load_stopterms,
)
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

DRUG_KEY = "drugs"
_FOLLOWED_BY_DOSE = re.compile(
    r"^\s*(?:\([^)]{1,30}\)\s*)?(?:\d|iv\b|ivp\b|ivpb\b|po\b|im\b|sq\b|gtt\b|drip\b|infusion\b|push\b)", re.I
)
_WORD = re.compile(r"^[a-z][a-z-]{5,}$")
# the stronger context an English word needs before it is read as a misspelt drug ("Raglan 10 mg IV")
_FOLLOWED_BY_DOSE_UNIT = re.compile(
    r"^\s*(?:\([^)]{1,30}\)\s*)?(?:\d+(?:[.,]\d+)?\s*(?:mg|mcg|g|gm|grams?|units?|mEq|mL|ml|cc|mmol|"
    r"tabs?|tablets?|caps?|puffs?)\b|(?:iv|ivp|ivpb|im|sq|subcut|po)\b)", re.I
)
# two words right before a dose or route: a name dictated in two pieces ("Tora doll 30 mg")
_WORD_PAIR = re.compile(
    r"\b([A-Za-z]{2,}) ([A-Za-z]{2,})(?=\s*(?:\([^)]{1,30}\)\s*)?"
    r"(?:\d|(?:iv|ivp|ivpb|po|im|sq|gtt|drip|infusion|push)\b))", re.I
)
# what may stand between the two names of one combination product: "/", "-", "w/", "with", and the first
# name's strength ("lidocaine 1% w/ epi", "bupivacaine 0.5% with epinephrine 1:200,000")
_COMBINATION_GAP = re.compile(
    r"^\s*(?:\d+(?:\.\d+)?\s*%\s*)?(?:/|-|w/|with|c/)\s*$", re.I
)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment), early exit past ``limit``.

    Insertions, deletions, substitutions and the swap of two neighbouring letters ("zofarn" for "zofran")
    each cost 1, the usual slips of typing. Returns ``limit + 1`` once the distance exceeds ``limit``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j, cb in enumerate(b, 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and ca != cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def plausible_misspelling(word: str, term: str, distance: int) -> bool:
    """Whether ``word`` may be a slip for the lexicon ``term`` found at ``distance``.

    Drug names of one family share a stem and differ in their ending ("melatonin" / "Melatonex",
    "-olol" / "-olone"), while typing slips fall anywhere. A correction of two edits is therefore
    accepted only when the last two letters agree, so a real word outside the lexicon is not turned into
    a different drug whose name merely starts the same way.
    """
    if distance <= 1:
        return True
    return word[-2:] == term[-2:]


@Language.factory("infucode_drugs")
def make_drug_matcher(nlp: Language, name: str, fuzzy: bool = True) -> "DrugMatcher":
    """SpaCy factory for :class:`DrugMatcher`."""
    return DrugMatcher(nlp, fuzzy=fuzzy)


class DrugMatcher:
    """Find drug mentions and store them in ``doc.spans["drugs"]``.

    Parameters
    ----------
    nlp
        The pipeline (its tokenizer is used to tokenize lexicon terms).
    fuzzy
        Enable the edit-distance fallback (single tokens of 6+ letters, distance 1, or 2 for 9+ letters,
        same first letter, only when a dose/route follows).
    """

    def __init__(self, nlp: Language, fuzzy: bool = True) -> None:
        self.lexicon: dict[str, LexEntry] = load_lexicon()
        self.stop = load_stopterms()
        self.fuzzy = fuzzy
        self.lower_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        lower_terms: list[str] = []
        orth_terms: list[str] = []
        for key, e in self.lexicon.items():
            (orth_terms if e.case_sensitive else lower_terms).append(key)
        for key in lower_terms:
            self.lower_matcher.add(key, [nlp.make_doc(key)])
        for key in orth_terms:
            self.orth_matcher.add(key, [nlp.make_doc(key)])
        self.english = load_fuzzy_english_words()
        self._memo: dict[str, str | None] = {}
        self.combinations, self.combination_parts = combination_index(self.lexicon)
        self.fuzzy_index: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key, e in self.lexicon.items():
            if not e.case_sensitive and _WORD.match(key) and key not in self.stop:
                self.fuzzy_index[(key[0], len(key))].append(key)

    def __call__(self, doc: Doc) -> Doc:
        """Match drugs in one Doc."""
        vocab = doc.vocab
        spans: list[Span] = []
        for matcher in (self.lower_matcher, self.orth_matcher):
            for match_id, start, end in matcher(doc):
                key = vocab.strings[match_id]
                span = Span(doc, start, end, label="DRUG")
                # a lexicon term must not be a fragment of a longer word ("Mag" in "Magnet" is a token, ok)
                span.kb_id_ = key
                curated = not self.lexicon[key].source.startswith("shared")
                span.id_ = "lex:curated" if curated else "lex:shared"
                spans.append(span)
        if self.fuzzy:
            covered = {i for s in spans for i in range(s.start, s.end)}
            spans.extend(self._fuzzy(doc, covered))
            spans.extend(self._joined(doc, covered))
        if len(spans) > 1:
            spans.extend(self._combinations(doc, spans))
        doc.spans[DRUG_KEY] = sorted(filter_spans(spans), key=lambda s: s.start)
        return doc

    def _closest(self, low: str) -> str | None:
        """Closest lexicon term within the edit-distance limit (memoized per word).

        ``None`` when no term is close enough, when the closest terms at the best distance name different
        drugs (no confident choice), or when the correction is not a plausible slip
        (:func:`plausible_misspelling`).
        """
        if low in self._memo:
            return self._memo[low]
        limit = 2 if len(low) >= 9 else 1
        found: dict[int, list[str]] = defaultdict(list)
        letters = set(low)
        for n in range(len(low) - limit, len(low) + limit + 1):
            for cand in self.fuzzy_index.get((low[0], n), ()):
                if len(letters.symmetric_difference(cand)) > 2 * limit:
                    continue
                d = edit_distance(low, cand, limit)
                if d <= limit and plausible_misspelling(low, cand, d):
                    found[d].append(cand)
        out: str | None = None
        if found:
            best = found[min(found)]
            if len({self.lexicon[c].drug for c in best}) == 1:
                out = sorted(best)[0]
        if len(self._memo) < 50000:
            self._memo[low] = out
        return out

    def _fuzzy(self, doc: Doc, covered: set[int]) -> list[Span]:
        out: list[Span] = []
        text = doc_text(doc)
        for i in alpha_tokens_min_len(doc, 6):  # = tok.is_alpha and len(tok) >= 6, without a Token per token
            if i in covered:
                continue
            tok = doc[i]
            low = tok.lower_
            if (low in self.stop or low in self.lexicon
                    or (low in self._memo and self._memo[low] is None)):
                continue  # (a word already known to have no close lexicon term)
            after = text[tok.idx + len(tok):tok.idx + len(tok) + 40]
            if not _FOLLOWED_BY_DOSE.match(after):
                continue
            if low in self.english and not (tok.text[0].isupper() and _FOLLOWED_BY_DOSE_UNIT.match(after)):
                continue  # an English word ("program 2 weeks") is corrected only capitalized before a dose
            best = self._closest(low)
            if best is not None:
                span = Span(doc, tok.i, tok.i + 1, label="DRUG")
                span.kb_id_ = best
                span.id_ = "fuzzy"
                out.append(span)
        return out

    def _joined(self, doc: Doc, covered: set[int]) -> list[Span]:
        """Names dictated as two words ("Tora doll" for Toradol) right before a dose or route.

        The two words joined must be a lexicon term or one edit away from one (a longer slip is too likely
        to be two ordinary words), and neither word may already be part of a match.
        """
        out: list[Span] = []
        text = doc_text(doc)
        for m in _WORD_PAIR.finditer(text):
            joined = (m.group(1) + m.group(2)).lower()
            if len(joined) < 6 or joined in self.stop or joined in self.english:
                continue
            if m.group(1).lower() in self.lexicon or m.group(2).lower() in self.lexicon:
                continue
            span = doc.char_span(m.start(1), m.end(2), label="DRUG")
            if span is None or len(span) != 2 or any(i in covered for i in range(span.start, span.end)):
                continue
            entry = self.lexicon.get(joined)
            best = joined if entry is not None and not entry.case_sensitive else self._closest(joined)
            if best is None or edit_distance(joined, best, 1) > 1:
                continue
            span.kb_id_ = best
            span.id_ = "fuzzy:joined"
            out.append(span)
        return out

    def _combinations(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Spans of named combination products written as their parts ("lidocaine 1% w/ epi").

        Neighbouring matches joined by "/", "-", "w/" or "with" (after an optional strength of the first
        part) make one span when the lexicon has a combination drug with exactly those parts; the longer
        span then wins over the parts.
        """
        out: list[Span] = []
        text = doc_text(doc)
        ordered = sorted(spans, key=lambda s: (s.start, -s.end))
        for i, first in enumerate(ordered):
            parts = frozenset([self.lexicon[first.kb_id_].drug])
            if not parts <= self.combination_parts:
                continue
            last = first
            for nxt in ordered[i + 1:]:
                if nxt.start < last.end:
                    continue
                gap = text[doc[last.end - 1].idx + len(doc[last.end - 1]):doc[nxt.start].idx]
                if len(gap) > 12 or not _COMBINATION_GAP.match(gap):
                    break
                parts = parts | {self.lexicon[nxt.kb_id_].drug}
                last = nxt
                key = self.combinations.get(parts)
                if key is not None:
                    span = Span(doc, first.start, last.end, label="DRUG")
                    span.kb_id_ = key
                    span.id_ = "lex:combination"
                    out.append(span)
        return out


def combination_index(lexicon: dict[str, LexEntry]) -> tuple[dict[frozenset[str], str], frozenset[str]]:
    """Index the lexicon's combination products by their set of parts.

    Returns ``(parts -> lexicon key, every part name)``. The key chosen for a combination is the term equal
    to its drug name when there is one (else the shortest term), so the span names the product as the
    lexicon does ("hydrocodone/acetaminophen"). Only combinations whose every part is itself a lexicon drug
    are indexed.
    """
    single = {e.drug for e in lexicon.values() if "/" not in e.drug}
    by_parts: dict[frozenset[str], list[str]] = defaultdict(list)
    for key, e in lexicon.items():
        if "/" not in e.drug or e.case_sensitive:
            continue
        parts = frozenset(p.strip() for p in e.drug.split("/"))
        if len(parts) >= 2 and parts <= single:
            by_parts[parts].append(key)
    out: dict[frozenset[str], str] = {}
    for parts, keys in by_parts.items():
        drugs = {lexicon[k].drug for k in keys}
        if len(drugs) != 1:
            continue  # two products with the same parts: no confident name
        drug = next(iter(drugs))
        out[parts] = drug if drug in keys else min(keys, key=lambda k: (len(k), k))
    return out, frozenset(p for parts in out for p in parts)
