"""The extraction pipeline: ``build_nlp()`` and ``doc_events(doc)``.

spaCy blank English tokenizer + ``infucode_segmenter`` (entries, sentences) + ``infucode_drugs`` (lexicon and
fuzzy matcher) + medspaCy ``Sectionizer`` (section rules from data) + medspaCy ``ConText`` (domain status
rules from data) + ``infucode_events`` (assembler). Events are stored on the Doc as plain dicts in
``doc.user_data`` so Docs stay serializable (``nlp.pipe(texts, n_process=2)``); ``doc._.admin_events`` and
``doc_events(doc)`` rebuild ``AdminEvent`` objects from them.
"""

import bisect
import re
from functools import lru_cache
from typing import Any

import numpy
import spacy
from infucode.annotations.schema import AdminEvent, Dose, Span, TimeMention, Waste
from infucode.pipeline.extract import drugs as _drugs  # noqa: F401  (registers the factory)
from infucode.pipeline.extract import segmenter as _segmenter  # noqa: F401  (registers the factory)
from infucode.pipeline.extract.assemble import EVENT_FIELDS, Cue, assemble, entry_containing, event_values
from infucode.pipeline.extract.drugs import DRUG_KEY
from infucode.pipeline.extract.fastdoc import doc_text, remember_text, sentence_start_chars
from infucode.pipeline.extract.resources import load_sections, load_status_rules
from infucode.pipeline.extract.segmenter import ENTRY_KEY
from infucode.pipeline.extract.token_gate import gate_medspacy_matcher, pattern_requirements
from medspacy.context import ConText, ConTextGraph, ConTextModifier, ConTextRule
from medspacy.section_detection import Section, Sectionizer, SectionRule
from spacy.attrs import IDX, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

EVENTS_KEY = "infucode_events"
CUES_KEY = "infucode_cues"


def _register_extensions() -> None:
    if not Doc.has_extension("admin_events"):
        Doc.set_extension("admin_events", getter=doc_events)


@Language.factory("infucode_sections")
def make_sections(nlp: Language, name: str) -> Sectionizer:
    """MedspaCy Sectionizer with the heading rules of ``context/sections.v1.json`` (headings start a line)."""
    sec = LineStartSectionizer(nlp, name=name, rules=None, require_start_line=True, input_span_type="group",
                               span_group_name=DRUG_KEY, span_attrs=None)
    sec.add([SectionRule.from_dict(r) for r in load_sections()["section_rules"]])
    # skip the token Matcher on Docs where none of its patterns can match (same matches)
    gate_medspacy_matcher(sec._Sectionizer__matcher, nlp.vocab)
    return sec


class LineStartSectionizer(Sectionizer):
    """medspaCy's Sectionizer, skipped on notes where no line starts with a word that starts a heading rule.

    With ``require_start_line`` the Sectionizer keeps only matches whose first token starts a line, so when
    no line-start token can be the first token of any rule (first tokens read from the rules: a literal's
    first token, a pattern's first required token), it finds nothing and gives the Doc one section without a
    category: exactly what this class then sets, without running the matchers. Otherwise it runs unchanged.
    """

    def add(self, rules: Any) -> None:
        """Add rules (see ``Sectionizer.add``) and forget the first-token sets."""
        super().add(rules)
        self._first: dict[int, frozenset[int]] | None = None
        self._first_known = False

    def _first_tokens(self) -> dict[int, frozenset[int]] | None:
        """Return, per token attribute, the values a rule's first token can have (``None``: unknown)."""
        if getattr(self, "_first_known", False):
            return self._first
        matcher = self._Sectionizer__matcher
        first: dict[int, set[int]] | None = {LOWER: set(), ORTH: set()}
        phrase_attr = str(getattr(matcher, "_MedspacyMatcher__phrase_matcher_attr", "")).upper()
        for rule in matcher.rules:
            if rule.pattern is None and phrase_attr == "LOWER":
                words = matcher.nlp(rule.literal.lower())  # how the phrase matcher tokenized it
                if len(words) and first is not None:
                    first[LOWER].add(words[0].lower)
                    continue
            elif isinstance(rule.pattern, list) and rule.pattern:
                reqs = pattern_requirements(rule.pattern[:1], self.nlp.vocab)
                if reqs and first is not None:
                    attr, hashes = reqs[0]
                    first[attr].update(hashes)
                    continue
            first = None  # a rule whose first token cannot be told: never skip
        self._first = None if first is None else {a: frozenset(v) for a, v in first.items() if v}
        self._first_known = True
        return self._first

    def may_have_heading(self, doc: Doc) -> bool:
        """Tell whether some line of ``doc`` starts with a token that can start a heading rule."""
        first = self._first_tokens()
        if not self.require_start_line or first is None or len(doc) == 0:
            return True
        text = doc_text(doc)
        attrs = sorted(first)
        arr = numpy.asarray(doc.to_array([IDX, *attrs])).reshape(len(doc), 1 + len(attrs))
        idx = arr[:, 0].tolist()
        n = len(idx)
        starts = {0}  # medspaCy's start-of-line test: the previous token's text with space ends a line
        for m in _LINE_BREAK.finditer(text):
            j = bisect.bisect_right(idx, m.start()) - 1
            if j + 1 < n and j + 1 not in starts and self.newline_pattern.search(text[idx[j]:idx[j + 1]]):
                starts.add(j + 1)
        rows = sorted(starts)
        return any(not first[attr].isdisjoint(arr[rows, k].tolist()) for k, attr in enumerate(attrs, 1))

    def __call__(self, doc: Doc) -> Doc:
        """Find the sections of ``doc`` (medspaCy's Sectionizer, skipped when no line can start a heading)."""
        if not self.may_have_heading(doc):
            doc._.sections = [Section(None, 0, 0, 0, len(doc))]  # the Sectionizer's when none match
            return doc
        if self.require_end_line or self._parent_sections or self._apply_sentence_boundary or \
                self.assertion_attributes_mapping:
            return super().__call__(doc)
        doc._.sections = self.sections_of(doc)
        return doc

    def sections_of(self, doc: Doc) -> list[Section]:
        """Return the ``doc._.sections`` medspaCy's ``Sectionizer.__call__`` sets, without token attributes.

        The Sectionizer also writes ``token._.section`` on every token (one extension write per token);
        nothing here reads them and :func:`_cleanup` deletes them, so only the section list is built: the
        same ``Section`` values, by the same steps, for the configuration used here (no end-line requirement,
        parent sections, sentence boundaries or span attributes: ``__call__`` runs the stock component
        otherwise).
        """
        matcher = self._Sectionizer__matcher
        matches = matcher(doc)
        if self.require_start_line:
            matches = self.filter_start_lines(doc, matches)
        n = len(doc)
        if not matches:
            return [Section(None, 0, 0, 0, n)]
        out = [Section(None, 0, 0, 0, matches[0][1])] if matches[0][1] != 0 else []
        strings = self.nlp.vocab.strings
        for i, (match_id, start, end) in enumerate(matches):
            rule = matcher.rule_map[strings[match_id]]
            limit = n if i == len(matches) - 1 else matches[i + 1][1]  # the doc's end or the next heading
            if self.max_section_length is None and rule.max_scope is None:
                body_end = limit
            else:
                scope = rule.max_scope if rule.max_scope is not None else self.max_section_length
                body_end = min(end + scope, limit)
            out.append(Section(rule.category, start, end, end, body_end, None, rule))
        return out


_LINE_BREAK = re.compile(r"[\n\r]")


@Language.factory("infucode_context")
def make_context(nlp: Language, name: str) -> "StatusContext":
    """Build medspaCy ConText with the domain status rules of ``context/status_rules.v1.json``."""
    return StatusContext(nlp, name)


class StatusContext:
    """Run medspaCy ConText over the drug mentions and store the cues as plain data.

    The ConText algorithm is medspaCy's, step for step (its rule matcher over the whole Doc, its
    ``ConTextModifier`` scopes, its ``ConTextGraph`` scope updates and target/modifier pairing), but the
    graph is built per *sentence block*: a run of sentences joined by a modifier match or drug mention that
    crosses a sentence boundary. A modifier's scope never leaves the sentence of its first token, so
    modifiers of different blocks never limit each other and never reach each other's targets; blocks
    without a drug mention are skipped. ConText's own graph pairs every modifier with every target
    (quadratic in the note); per block it is linear and the edges are the same (:meth:`reference_cues` runs
    the stock component). Cues go to ``doc.user_data["infucode_cues"]``:
    ``{"start:end": [[category, start, end, text, strong], ...]}``.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.ctx = ConText(nlp, name=name, rules=None, input_span_type="group", span_group_name=DRUG_KEY,
                           span_attrs=None, prune_on_modifier_overlap=True)
        self.ctx.add([ConTextRule.from_dict(r) for r in load_status_rules()["context_rules"]])
        self.matcher = self.ctx._ConText__matcher
        # skip the token Matcher on Docs where none of its patterns can match (same matches)
        gate_medspacy_matcher(self.matcher, nlp.vocab)
        self.strings = nlp.vocab.strings

    def __call__(self, doc: Doc) -> Doc:
        """Find the status cues of every drug mention of ``doc``."""
        cues: dict[str, list[list[Any]]] = {}
        spans = list(doc.spans[DRUG_KEY]) if DRUG_KEY in doc.spans else []
        for sp in spans:
            cues.setdefault(f"{sp.start_char}:{sp.end_char}", [])
        if spans:
            _add_cues(doc, self._edges(doc, spans), cues)
        doc.user_data[CUES_KEY] = cues
        return doc

    def _edges(self, doc: Doc, targets: list[Any]) -> list[tuple[Any, Any]]:
        """Return ConText's ``(target, modifier)`` edges for ``targets``, in ConText's order."""
        ctx = self.ctx
        matches = self.matcher(doc)  # the call ``ConText.__call__`` makes
        if not matches:
            return []
        starts = _sentence_starts(doc)
        blocks = _sentence_blocks(doc, [(t.start, t.end) for t in targets] + [(s, e) for _, s, e in matches],
                                  whole_doc=ctx.max_scope is not None, starts=starts)
        # ConTextModifier finds its sentence with ``doc[start].sent`` (a token walk per modifier); the same
        # sentence comes from the start list (only when ConText scopes by sentence: ``max_scope`` unset)
        by_sentence = starts is not None and not ctx.max_scope
        n_tokens = len(doc)
        by_block: dict[int, list[Any]] = {}
        for t, b in zip(targets, blocks, strict=False):
            by_block.setdefault(b, []).append(t)
        mods: dict[int, list[Any]] = {}
        order: dict[int, int] = {}
        for k, ((match_id, start, end), b) in enumerate(zip(matches, blocks[len(targets):], strict=True)):
            if b in by_block:  # a block without a drug mention cannot produce an edge
                rule = self.matcher.rule_map[self.strings[match_id]]
                if by_sentence:
                    assert starts is not None
                    k = bisect.bisect_right(starts, start)
                    scope = modifier_scope(rule.direction, rule.max_scope, start, end, starts[k - 1],
                                           starts[k] if k < len(starts) else n_tokens)
                    mod = ConTextModifier(rule, start, end, doc, scope_start=scope[0], scope_end=scope[1],
                                          max_scope=ctx.max_scope)
                else:
                    mod = ConTextModifier(rule, start, end, doc, max_scope=ctx.max_scope)
                order[id(mod)] = k
                mods.setdefault(b, []).append(mod)
        edges: list[tuple[Any, Any]] = []
        for b, block_mods in mods.items():
            graph = ConTextGraph(prune_on_modifier_overlap=ctx.prune_on_target_overlap)
            graph.targets = by_block[b]
            graph.modifiers = block_mods
            graph.update_scopes()
            graph.apply_modifiers()
            edges.extend(graph.edges)
        # ConText lists the edges modifier by modifier (each with its targets in Doc order)
        edges.sort(key=lambda edge: order[id(edge[1])])
        return edges

    def reference_cues(self, doc: Doc) -> dict[str, list[list[Any]]]:
        """Return the cues found by the stock medspaCy ``ConText`` on the whole Doc (the slow reference)."""
        cues: dict[str, list[list[Any]]] = {}
        for sp in doc.spans[DRUG_KEY] if DRUG_KEY in doc.spans else []:
            cues.setdefault(f"{sp.start_char}:{sp.end_char}", [])
        if cues:
            self.ctx(doc)
            graph = getattr(doc._, "context_graph", None)
            _add_cues(doc, graph.edges if graph is not None else [], cues)
            for key in [k for k in doc.user_data if isinstance(k, tuple) and k[:2] in (
                    ("._.", "context_graph"), ("._.", "modifiers"))]:
                del doc.user_data[key]  # not serializable
        return cues


def _sentence_starts(doc: Doc) -> list[int] | None:
    """Return the token indices where the sentences of ``doc`` start, as ``Token.sent`` finds them.

    spaCy's ``Span.sent`` walks back to the nearest token with ``sent_start == 1`` (or token 0) and forward
    to the next one (or the end): the sentence of token ``i`` is ``[starts[k], starts[k + 1])`` for the last
    ``starts[k] <= i``. None when ``Token.sent`` would not read ``SENT_START`` (sentence hooks, no
    boundaries).
    """
    if len(doc) == 0 or not doc.has_annotation("SENT_START") or "sents" in doc.user_hooks or \
            "sent" in doc.user_span_hooks or "sent" in doc.user_token_hooks:
        return None
    starts = numpy.flatnonzero(numpy.asarray(doc.to_array(SENT_START)).reshape(-1) == 1).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)  # token 0 always starts a sentence
    return starts


def modifier_scope(direction: str, max_scope: int | None, start: int, end: int, sent_start: int,
                   sent_end: int) -> tuple[int, int]:
    """Return the scope medspaCy's ``ConTextModifier`` gives a match ``[start, end)`` in its sentence.

    The scope rules of ``ConTextModifier.__set_scope`` when ConText itself has no ``max_scope`` (the
    sentence ``[sent_start, sent_end)`` of the match's first token is the full scope), cut by the rule's
    ``max_scope`` on the side(s) of its ``direction`` (any direction but forward and backward is treated
    as bidirectional, as medspaCy does).
    """
    way = direction.lower()
    if way == "forward":
        s, e = end, sent_end
        if max_scope is not None and e - s > max_scope:
            e = end + max_scope
    elif way == "backward":
        s, e = sent_start, start
        if max_scope is not None and e - s > max_scope:
            s = start - max_scope
    else:
        s, e = sent_start, sent_end
        if max_scope is not None and start - s > max_scope:
            s = start - max_scope
        if max_scope is not None and e - end > max_scope:
            e = end + max_scope
    return s, e


def _sentence_blocks(doc: Doc, extents: list[tuple[int, int]], whole_doc: bool = False,
                     starts: list[int] | None = None) -> list[int]:
    """Return the sentence block of each of ``extents`` (token ranges: targets, modifier matches).

    A block is a run of sentences; two neighbouring sentences are in one block when one of ``extents``
    covers tokens of both. A block is named by its first sentence. Without sentence boundaries (or with
    ``whole_doc``) the whole Doc is one block. ``starts``: :func:`_sentence_starts` of ``doc`` when known.
    """
    if starts is None:
        starts = _sentence_starts(doc)
    if whole_doc or starts is None:
        return [0] * len(extents)
    first = [bisect.bisect_right(starts, s) - 1 for s, _ in extents]
    last = [bisect.bisect_right(starts, e - 1) - 1 for _, e in extents]
    if first == last:  # no extent crosses a sentence boundary: one block per sentence
        return first
    joined: set[int] = set()  # sentence k continues the block of sentence k - 1
    for a, b in zip(first, last, strict=True):
        joined.update(range(a + 1, b + 1))
    out = []
    for k in first:
        while k in joined:
            k -= 1
        out.append(k)
    return out


def _add_cues(doc: Doc, edges: list[tuple[Any, Any]], cues: dict[str, list[list[Any]]]) -> None:
    """Append one cue per ConText edge to the cue list of its target."""
    text = doc_text(doc) if edges else ""
    for target, mod in edges:
        a, b = mod.modifier_span
        s, last = doc[a].idx, doc[b - 1]
        e = last.idx + len(last)
        meta = mod.rule.metadata or {}
        cues[f"{target.start_char}:{target.end_char}"].append(
            [mod.category.upper(), s, e, text[s:e].lower(), bool(meta.get("strong"))])


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


def text_and_sentence_starts(doc: Doc) -> tuple[str, list[int]]:
    """Return ``(doc.text, sentence_start_chars(doc))`` (the text kept by ``fastdoc.doc_text``)."""
    return doc_text(doc), sentence_start_chars(doc)


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


def drop_noop_whitespace_specials(nlp: Language) -> list[str]:
    """Remove the tokenizer special cases that only re-state a single whitespace character (same tokens).

    spaCy's English exceptions list the newline, the tab and the space as special cases with no attribute but
    their text: exactly the token the tokenizer makes of such a chunk without the rule (no prefix, suffix,
    infix, URL or token_match pattern matches a whitespace character; checked here, else nothing is removed).
    A special-case hit stops the tokenizer from caching the rest of the Doc (spaCy issue #1250 guard), so
    with the newline a special case nearly no chunk of a nursing note was ever cached.

    Returns
    -------
    list of str
        The removed special-case keys.
    """
    tok = nlp.tokenizer
    rules = dict(tok.rules or {})
    drop = [key for key, value in rules.items()
            if len(key) == 1 and key.isspace() and value == [{ORTH: key}] and not _affix_matches(tok, key)]
    if drop:
        for key in drop:
            del rules[key]
        tok.rules = rules
    return drop


def _affix_matches(tok: Any, text: str) -> bool:
    """Tell whether a prefix, suffix, infix, URL or token_match pattern of ``tok`` matches ``text``."""
    return bool((tok.prefix_search and tok.prefix_search(text))
                or (tok.suffix_search and tok.suffix_search(text))
                or (tok.infix_finditer and any(True for _ in tok.infix_finditer(text)))
                or (tok.url_match and tok.url_match(text)) or (tok.token_match and tok.token_match(text)))


class TextKeepingTokenizer(Tokenizer):
    """spaCy's tokenizer (same settings, same tokens) that hands the input string to :func:`doc_text`.

    A Doc's text is exactly the string it was tokenized from, so the components read it without joining
    every token again (``Doc.text``).
    """

    def __call__(self, string: str) -> Doc:
        """Tokenize ``string``."""
        doc = super().__call__(string)
        remember_text(doc, string)
        return doc


def _text_keeping_tokenizer(tok: Tokenizer) -> TextKeepingTokenizer:
    """Return a :class:`TextKeepingTokenizer` with the settings of ``tok``."""
    return TextKeepingTokenizer(tok.vocab, rules=tok.rules, prefix_search=tok.prefix_search,
                                suffix_search=tok.suffix_search, infix_finditer=tok.infix_finditer,
                                token_match=tok.token_match, url_match=tok.url_match,
                                faster_heuristics=tok.faster_heuristics)


def _make_nlp() -> Language:
    _register_extensions()
    nlp = spacy.blank("en")
    drop_noop_whitespace_specials(nlp)
    nlp.tokenizer = _text_keeping_tokenizer(nlp.tokenizer)
    nlp.add_pipe("infucode_segmenter")
    nlp.add_pipe("infucode_drugs")
    nlp.add_pipe("infucode_sections")
    nlp.add_pipe("infucode_context")
    nlp.add_pipe("infucode_events")
    return nlp


def build_nlp(fresh: bool = False) -> Language:
    """Return the extraction pipeline (built once per process and cached unless ``fresh``)."""
    return _make_nlp() if fresh else _cached_nlp()
