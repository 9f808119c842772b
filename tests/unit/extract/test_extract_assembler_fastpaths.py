"""The assembler's fast paths give the same answers as the plain scans / regexes they replace."""

import copy
import random

from infucode.annotations.schema import AdminEvent, Dose, Relation, Span, TimeMention, Waste
from infucode.pipeline.extract.assemble import (
    _CLOCK_DIGITS,
    _CUED_TIME,
    _INDICATION_BEFORE,
    clone_event,
    entry_containing,
    indication_before,
    section_lookup,
)

_PIECES = ["for", "due to", "2/2", "reversal of", "INR 3.1", "on", "ON", "taking", "Takes", "takes", "home",
           "HOME", "warfarin", ",", ".", "5.5", "(", "\n", " ", "  ", "\t", "\u00a0", "ta\u212aing", "take\u017f",
           "tak\u0131ng", "tak\u0130ng", "bleed", "hemorrhage", "pt", "x", "on\n", "lon", "upon", "homes"]


def _random_texts(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rnd.choice(_PIECES) for _ in range(rnd.randint(0, 12))]
        out.append("".join(p + rnd.choice(["", " ", " ", "  "]) for p in parts))
    return out


def test_indication_gate_agrees_with_the_regex_on_varied_text():
    texts = _random_texts(7, 6000) + [
        "reversal of INR 3.1 on ", "due to bleed taking home ", "for afib on\u00a0home\n", "for x ON  ",
        "for pain ta\u212aing ", "for pain take\u017f ", "for pain tak\u0131ng home ", "for upon ", "", " "]
    hits = 0
    for t in texts:
        want = bool(_INDICATION_BEFORE.search(t))
        assert indication_before(t) == want, repr(t)
        hits += want
    assert hits > 50  # the generated texts do exercise the matching side


def test_clock_digit_gate_never_hides_a_cued_time():
    rnd = random.Random(3)
    alphabet = "ab/'-: @(0123456789x\n"
    for _ in range(4000):
        t = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        if _CUED_TIME.search(t):
            assert _CLOCK_DIGITS.search(t), repr(t)


def _entries(rnd: random.Random) -> list[tuple[int, int]]:
    out, pos = [], 0
    for _ in range(rnd.randint(0, 12)):
        s = pos + rnd.randint(0, 3)
        e = s + rnd.randint(1, 6)
        out.append((s, e))
        pos = e
    return out


def test_entry_containing_matches_the_linear_scan():
    rnd = random.Random(11)
    for _ in range(500):
        entries = _entries(rnd)
        starts = [s for s, _ in entries]
        for pos in range(0, (entries[-1][1] + 3) if entries else 3):
            want = next((i for i, (s, e) in enumerate(entries) if s <= pos < e), None)
            assert entry_containing(entries, starts, pos) == want


def test_section_lookup_matches_the_last_matching_section():
    rnd = random.Random(5)
    for trial in range(800):
        secs = []
        for k in range(rnd.randint(0, 8)):
            a = rnd.randint(0, 40)
            secs.append((a, a + rnd.randint(0, 25), f"c{k}"))
        if trial % 2:
            secs.sort(key=lambda x: x[0])  # text order (bisection path); odd trials keep random order
        find = section_lookup(secs)
        for pos in range(0, 70):
            want = None
            for a, b, cat in secs:
                if a <= pos < b:
                    want = cat
            assert find(pos) == want, (secs, pos)


def _event() -> AdminEvent:
    ev = AdminEvent(event_id="e1", drug="vancomycin", drug_text="Vanc", rxcui="11124", status="given")
    ev.dose = Dose(1.0, "g")
    ev.volume_ml = 250.0
    ev.route = "IV_INFUSION"
    ev.spans = [Span(0, 4, "DRUG", "lexicon"), Span(5, 8, "DOSE", "dose.num_unit")]
    ev.time_mentions = [TimeMention(10, 14, "start", "1410"), TimeMention(20, 24, "end", "1510")]
    ev.relations = [Relation("sequential", "e0", 5.0)]
    ev.waste = Waste(True, Dose(20.0, "mg"))
    ev.status_cue = "given"
    ev.entry_index = 3
    ev.mention_start = 0
    return ev


def test_clone_event_equals_a_deep_copy_and_shares_no_mutable_part():
    ev = _event()
    for src in (ev, AdminEvent(event_id="e2", drug="ondansetron")):
        c = clone_event(src)
        assert c == copy.deepcopy(src)
        assert c is not src
        for name in ("spans", "time_mentions", "relations"):
            assert getattr(c, name) is not getattr(src, name)
            for x, y in zip(getattr(c, name), getattr(src, name), strict=True):
                assert x is not y
    c = clone_event(ev)
    assert c.dose is not ev.dose and c.waste is not ev.waste and c.waste.discarded is not ev.waste.discarded
    c.time_mentions[0].role = "pause"
    c.spans.append(Span(30, 31, "TIME", "x"))
    assert ev.time_mentions[0].role == "start" and len(ev.spans) == 2


_DOC_TEXTS = [
    "", " ", "x", "  leading spaces", "trailing  \n", "a  b\n\n c\t d", "x\u00a0y  z", "One. Two! Three?",
    "1410: NS 1 L bolus started @ 125 mL/hr R AC 20g.\n1510 bolus complete.  Zofran 4 mg IVP given.",
    "Meds:\n- Vanc 1.5 g IV q12h\n- [x] KCl 20 mEq PO\n\n\nPt refused Tylenol.",
]


def test_doc_text_and_sentence_starts_match_spacy(nlp):
    from infucode.pipeline.extract.fastdoc import doc_text, sentence_start_chars
    from infucode.pipeline.extract.nlp import text_and_sentence_starts

    for t in _DOC_TEXTS:
        doc = nlp(t)
        assert doc_text(doc) == doc.text == t
        assert text_and_sentence_starts(doc) == (t, sentence_start_chars(doc))
        assert doc_text(nlp.make_doc(t)) == t
