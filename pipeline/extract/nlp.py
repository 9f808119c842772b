"""The extraction pipeline: ``build_nlp()`` and ``doc_events(doc)``.

spaCy blank English tokenizer + ``infucode_segmenter`` (entries, sentences) + ``infucode_drugs`` (lexicon and
fuzzy matcher) + medspaCy ``Sectionizer`` (section rules from data) + medspaCy ``ConText`` (domain status
rules from data) + ``infucode_events`` (assembler). Events are stored on the Doc as plain dicts in
``doc.user_data`` so Docs stay serializable (``nlp.pipe(texts, n_process=2)``); ``doc._.admin_events`` and
``doc_events(doc)`` rebuild ``AdminEvent`` objects from them.
"""

import bisect
from functools import lru_cache
from typing import Any

import spacy
from infucode.annotations.schema import AdminEvent, Dose, Span, TimeMention, Waste
from infucode.pipeline.extract import drugs as _drugs  # noqa: F401  (registers the factory)
from infucode.pipeline.extract import segmenter as _segmenter  # noqa: F401  (registers the factory)
from infucode.pipeline.extract.assemble import EVENT_FIELDS, Cue, assemble, entry_containing, event_values
from infucode.pipeline.extract.drugs import DRUG_KEY
from infucode.pipeline.extract.fastdoc import sentence_start_chars
from infucode.pipeline.extract.resources import load_sections, load_status_rules
from infucode.pipeline.extract.segmenter import ENTRY_KEY
from medspacy.context import ConText, ConTextRule
from medspacy.section_detection import Sectionizer, SectionRule
from spacy.attrs import IDX, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc

EVENTS_KEY = "infucode_events"
CUES_KEY = "infucode_cues"


def _register_extensions() -> None:
    if not Doc.has_extension("admin_events"):
        Doc.set_extension("admin_events", getter=doc_events)


@Language.factory("infucode_sections")
def make_sections(nlp: Language, name: str) -> Sectionizer:
    """MedspaCy Sectionizer with the heading rules of ``context/sections.v1.json`` (headings start a line)."""
    sec = Sectionizer(nlp, name=name, rules=None, require_start_line=True, input_span_type="group",
                      span_group_name=DRUG_KEY, span_attrs=None)
    sec.add([SectionRule.from_dict(r) for r in load_sections()["section_rules"]])
    return sec


@Language.factory("infucode_context")
def make_context(nlp: Language, name: str) -> "StatusContext":
    """Build medspaCy ConText with the domain status rules of ``context/status_rules.v1.json``."""
    return StatusContext(nlp, name)


class StatusContext:
    """Run medspaCy ConText over the drug mentions and store the cues as plain data.

    ConText pairs every modifier with every target of the Doc (quadratic), so long notes are processed in
    chunks of whole sentences (scopes never cross a sentence, so the result is the same). Cues go to
    ``doc.user_data["infucode_cues"]``: ``{"start:end": [[category, start, end, text, strong], ...]}``.
    """

    #: Docs longer than this (tokens) are processed in sentence chunks of about this size.
    CHUNK_TOKENS = 1200

    def __init__(self, nlp: Language, name: str) -> None:
        self.ctx = ConText(nlp, name=name, rules=None, input_span_type="group", span_group_name=DRUG_KEY,
                           span_attrs=None, prune_on_modifier_overlap=True)
        self.ctx.add([ConTextRule.from_dict(r) for r in load_status_rules()["context_rules"]])

    def __call__(self, doc: Doc) -> Doc:
        """Find the status cues of every drug mention of ``doc``."""
        cues: dict[str, list[list[Any]]] = {}
        spans = list(doc.spans[DRUG_KEY]) if DRUG_KEY in doc.spans else []
        if spans and len(doc) <= self.CHUNK_TOKENS:
            self._run(doc, 0, cues)
        elif spans:
            starts = [sp.start for sp in spans]
            # one array for all chunks: ``Span.as_doc`` otherwise converts the whole Doc once per chunk
            # (quadratic in the length of the note)
            head = doc._get_array_attrs()
            arr = doc.to_array(head)
            start = 0
            for sent in doc.sents:
                if sent.end - start >= self.CHUNK_TOKENS:
                    self._chunk(doc, start, sent.end, spans, starts, cues, (head, arr))
                    start = sent.end
            if start < len(doc):
                self._chunk(doc, start, len(doc), spans, starts, cues, (head, arr))
        doc.user_data[CUES_KEY] = cues
        return doc

    def _chunk(self, doc: Doc, start: int, end: int, spans: list[Any], starts: list[int],
               cues: dict[str, list[list[Any]]], array: tuple[Any, Any] | None = None) -> None:
        span = doc[start:end]
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        inside = [s for s in spans[lo:hi] if s.end <= end]
        if not inside:
            return
        sub = span.as_doc(array_head=array[0], array=array[1]) if array is not None else span.as_doc()
        sub.spans[DRUG_KEY] = [sub[s.start - start:s.end - start] for s in inside]
        self._run(sub, span.start_char, cues)

    def _run(self, doc: Doc, offset: int, cues: dict[str, list[list[Any]]]) -> None:
        self.ctx(doc)
        for sp in doc.spans[DRUG_KEY]:
            cues.setdefault(f"{sp.start_char + offset}:{sp.end_char + offset}", [])
        # the graph edges hold the same (target, modifier) pairs, in the same order, as ``span._.modifiers``
        # but without one underscore look-up per span and one Span object per modifier
        graph = getattr(doc._, "context_graph", None)
        edges = graph.edges if graph is not None else []
        text = doc.text
        for target, mod in edges:
            lst = cues[f"{target.start_char + offset}:{target.end_char + offset}"]
            a, b = mod.modifier_span
            s, last = doc[a].idx, doc[b - 1]
            e = last.idx + len(last)
            meta = mod.rule.metadata or {}
            lst.append([mod.category.upper(), s + offset, e + offset, text[s:e].lower(),
                        bool(meta.get("strong"))])


@Language.factory("infucode_events")
def make_events(nlp: Language, name: str) -> "EventAssembler":
    """SpaCy factory for :class:`EventAssembler`."""
    return EventAssembler()


class EventAssembler:
    """Build the events of a Doc and store them (as plain dicts) in ``doc.user_data``."""

    def __init__(self) -> None:
        self.effects: dict[str, str] = dict(load_sections()["effects"])

    def __call__(self, doc: Doc) -> Doc:
        """Assemble events, then drop medspaCy's non-serializable annotations."""
        text, sent_starts = text_and_sentence_starts(doc)
        entries = [tuple(x) for x in doc.user_data.get(ENTRY_KEY, [])] or [(0, len(text))]
        drug_spans = [(sp.start_char, sp.end_char, sp.kb_id_, sp.id_)
                      for sp in doc.spans[DRUG_KEY]] if DRUG_KEY in doc.spans else []
        raw = doc.user_data.get(CUES_KEY, {})
        cues: dict[tuple[int, int], list[Cue]] = {}
        for s, e, _, _ in drug_spans:
            cues[(s, e)] = [Cue(c[0], c[1], c[2], c[3], c[4]) for c in raw.get(f"{s}:{e}", ())]
        sections = self._section_extents(doc, text, entries)
        events = assemble(text, entries, sent_starts, drug_spans, cues, sections, self.effects)
        doc.user_data[EVENTS_KEY] = [_event_to_data(e) for e in events]
        _cleanup(doc)
        return doc

    @staticmethod
    def _section_extents(doc: Doc, text: str, entries: list[tuple[int, ...]]) -> list[tuple[int, int, str]]:
        """Return section extents.

        A heading with content on its line covers that entry; a bare heading runs to the next blank line.
        """
        out: list[tuple[int, int, str]] = []
        entry_starts = [s for s, *_ in entries]
        for sec in getattr(doc._, "sections", None) or []:
            if sec.category is None or sec.title_start is None:
                continue
            t0 = doc[sec.title_start].idx
            k = sec.title_end - 1
            while k > sec.title_start and doc[k].is_space:  # a heading rule ending at the line break
                k -= 1
            last = doc[k]
            t_end = last.idx + len(last) if sec.title_end > sec.title_start else t0
            line_end = text.find("\n", t_end)
            line_end = len(text) if line_end < 0 else line_end
            if text[t_end:line_end].strip():
                ei = entry_containing(entries, entry_starts, t0)
                ent_end = entries[ei][1] if ei is not None else line_end
                end = max(line_end, ent_end)
            else:
                blank = text.find("\n\n", t_end)
                end = len(text) if blank < 0 else blank
            body_end = doc[sec.body_end - 1].idx + len(doc[sec.body_end - 1]) if sec.body_end else end
            out.append((t0, min(end, max(body_end, t_end)), sec.category))
        return out


#: ORTH hash -> token text, shared by all Docs of the process (the vocabulary's strings never change)
_ORTH_TEXT: dict[int, str] = {}
_ORTH_TEXT_MAX = 200_000


def _join_tokens(doc: Doc, orths: list[int], spaces: list[int]) -> str:
    """Join the token texts (ORTH hashes) and their trailing spaces into the Doc text."""
    strings = doc.vocab.strings
    cache = _ORTH_TEXT
    if len(cache) > _ORTH_TEXT_MAX:
        cache.clear()  # bounded: a long batch of notes keeps meeting new words
    out: list[str] = []
    add = out.append
    for orth, space in zip(orths, spaces, strict=True):
        w = cache.get(orth)
        if w is None:
            w = cache[orth] = strings[orth]
        add(w)
        if space:
            add(" ")
    return "".join(out)


def doc_text(doc: Doc) -> str:
    """Return ``doc.text`` from one array of the token texts and trailing spaces (no Token objects)."""
    arr = doc.to_array([ORTH, SPACY])
    return _join_tokens(doc, arr[:, 0].tolist(), arr[:, 1].tolist())


def text_and_sentence_starts(doc: Doc) -> tuple[str, list[int]]:
    """Return ``(doc.text, sentence_start_chars(doc))`` from one token array."""
    if len(doc) == 0 or "sents" in doc.user_hooks or not doc.has_annotation("SENT_START"):
        return doc_text(doc), sentence_start_chars(doc)
    arr = doc.to_array([ORTH, SPACY, SENT_START, IDX])
    # SENT_START is unsigned in the array: 1 marks a start (-1 "not a start" reads as 2**64 - 1)
    starts = [int(arr[0, 3]), *arr[1:, 3][arr[1:, 2] == 1].tolist()]
    return _join_tokens(doc, arr[:, 0].tolist(), arr[:, 1].tolist()), starts


#: ``doc.user_data`` extension names (keys ``("._.", name, ...)``) that :func:`_cleanup` removes
_MEDSPACY_KEYS = frozenset((
    "context_graph", "modifiers", "sections", "section", "section_category", "section_title", "section_body",
    "section_span", "section_rule", "section_parent"))


def _cleanup(doc: Doc) -> None:
    """Remove medspaCy objects (ConText graph, modifiers, sections) that cannot be serialized."""
    ud = doc.user_data
    names = _MEDSPACY_KEYS
    for key in [k for k in ud if isinstance(k, tuple) and len(k) >= 2 and k[0] == "._." and k[1] in names]:
        del ud[key]


def _event_to_data(ev: AdminEvent) -> dict[str, Any]:
    d: dict[str, Any] = dict(zip(EVENT_FIELDS, event_values(ev), strict=True))
    d["start"] = d["end"] = None
    d["dose"] = {"value": ev.dose.value, "unit": ev.dose.unit} if ev.dose else None
    d["spans"] = [{"start": s.start, "end": s.end, "label": s.label, "rule": s.rule} for s in ev.spans]
    d["time_mentions"] = [{"start": t.start, "end": t.end, "role": t.role, "text": t.text}
                          for t in ev.time_mentions]
    d["relations"] = []
    if ev.waste is not None:
        disc = ev.waste.discarded
        d["waste"] = {"single_dose_vial": ev.waste.single_dose_vial,
                      "discarded": {"value": disc.value, "unit": disc.unit} if disc else None}
    return d


def _event_from_data(d: dict[str, Any]) -> AdminEvent:
    d = dict(d)
    d["dose"] = Dose(**d["dose"]) if d.get("dose") else None
    d["spans"] = [Span(**s) for s in d.get("spans", [])]
    d["time_mentions"] = [TimeMention(**t) for t in d.get("time_mentions", [])]
    w = d.get("waste")
    if w:
        disc = w.get("discarded")
        d["waste"] = Waste(w.get("single_dose_vial", False), Dose(**disc) if disc else None)
    d["relations"] = []
    return AdminEvent(**d)


def doc_events(doc: Doc) -> list[AdminEvent]:
    """Return the events extracted for ``doc`` (new ``AdminEvent`` objects on every call).

    Parameters
    ----------
    doc
        A Doc processed by the pipeline of :func:`build_nlp`.
    """
    return [_event_from_data(d) for d in doc.user_data.get(EVENTS_KEY, [])]


@lru_cache(maxsize=1)
def _cached_nlp() -> Language:
    return _make_nlp()


def _make_nlp() -> Language:
    _register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("infucode_segmenter")
    nlp.add_pipe("infucode_drugs")
    nlp.add_pipe("infucode_sections")
    nlp.add_pipe("infucode_context")
    nlp.add_pipe("infucode_events")
    return nlp


def build_nlp(fresh: bool = False) -> Language:
    """Return the extraction pipeline (built once per process and cached unless ``fresh``)."""
    return _make_nlp() if fresh else _cached_nlp()
