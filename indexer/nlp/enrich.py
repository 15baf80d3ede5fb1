"""Page -> EnrichedPage: sentences, lemmas, entities and keywords from the Dutch pipeline.

Each page goes through the pipeline as ONE Doc: its title and passages joined by a blank line
("segments" of the Doc), all pages of a batch in one `nlp.pipe` stream. spaCy's costs are
largely per Doc, so one Doc per page instead of one per passage is about a third faster. The
annotations are then cut back into passages, and are the same as when every passage is its own
Doc (tests/nlp/test_enrich.py checks that against a per-passage reference):
- tokens never cross the separator (spaCy splits on whitespace first, and the blank line is a
  token of its own when the texts are stripped: a page whose texts are not is processed one Doc
  per text);
- gazetteer phrases cannot match across a space token, and the pattern component runs its
  regular expressions inside each segment (`SEGMENTS_KEY`);
- sentences are clipped to their segment (a passage always starts a sentence).
The models are built with `model_construct`: every value comes from a validated Page or from
spaCy's own offsets, and validating each of them again would cost more than the NLP itself.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, SENT_START
from spacy.language import Language
from spacy.strings import StringStore
from spacy.tokens import Doc

from indexer.jobs.gcpause import cycle_collection_paused
from indexer.nlp.components import SEGMENTS_KEY, TEXT_KEY
from indexer.pages.models import EnrichedPage, EnrichedPassage, Entity, Page, Passage

KEYWORDS_PER_PAGE = 8
_MIN_KEYWORD_CHARS = 3
# Zipf frequency (log10 of occurrences per billion words) given to words wordfreq does not know.
_UNKNOWN_ZIPF = 1.0
# Between the segments of a page's Doc: a whitespace token of its own that no phrase, pattern
# or sentence rule reads across.
SEPARATOR = "\n\n"


class _Segment:
    """One text of a page (its title or a passage) and what the pipeline found in it."""

    __slots__ = ("end", "entities", "lemmas", "offsets", "sentences", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.lemmas: list[str] = []
        self.offsets: list[tuple[int, int]] = []
        self.sentences: list[tuple[int, int]] = []
        self.entities: list[tuple[str, str, str, int, int]] = []


def enrich_pages(nlp: Language, pages: Sequence[Page], batch_size: int = 64) -> list[EnrichedPage]:
    """Enrich every page, in order. The output depends only on the pages and the pipeline."""
    with cycle_collection_paused():  # no cycles made: tested
        work = [(page, page.passages()) for page in pages]
        plans = [_plan([page.title, *(p.text for p in passages)]) for page, passages in work]
        docs = nlp.pipe(
            (_make_doc(nlp, text, spans) for plan in plans for text, spans in plan),
            batch_size=batch_size,
        )
        return [
            _page(nlp, page, passages, [s for _, spans in plan for s in _cut(next(docs), spans)])
            for (page, passages), plan in zip(work, plans, strict=True)
        ]


def enrich_page(nlp: Language, page: Page) -> EnrichedPage:
    """Enrich one page (a convenience for drafts and tests; batches are faster)."""
    return enrich_pages(nlp, [page])[0]


Spans = list[tuple[int, int]]


def _plan(texts: list[str]) -> list[tuple[str, Spans]]:
    """The Docs for a page's texts: their text and the (start, end) of each segment in it.

    One Doc for all when every text is non-empty, stripped and free of the separator (always,
    for parsed pages); otherwise one Doc per text.
    """
    if not all(text and text == text.strip() and SEPARATOR not in text for text in texts):
        return [(text, [(0, len(text))]) for text in texts]
    spans = []
    position = 0
    for text in texts:
        spans.append((position, position + len(text)))
        position += len(text) + len(SEPARATOR)
    return [(SEPARATOR.join(texts), spans)]


def _make_doc(nlp: Language, text: str, spans: Spans) -> Doc:
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    if len(spans) > 1:
        doc.user_data[SEGMENTS_KEY] = spans
    return doc


_ATTRS = [LEMMA, LOWER, IDX, LENGTH, IS_PUNCT, IS_SPACE, SENT_START]


def _cut(doc: Doc, spans: Spans) -> list[_Segment]:
    """The Doc's annotations per segment, with offsets relative to the segment's text.

    Works on doc.to_array columns (Token and Span objects cost more than the work itself).
    """
    segments = [_Segment(start, end) for start, end in spans]
    if not len(doc):
        return segments
    columns = doc.to_array(_ATTRS).astype(numpy.int64)
    lemma, lower, idx, length, punct, space, sent_start = columns.T
    token_end = idx + length
    # Word tokens: a lower-cased lemma and (start, end) each; punctuation and spaces left out.
    words = (punct == 0) & (space == 0)
    keys = numpy.where(lemma != 0, lemma, lower)[words].astype(numpy.uint64)
    forms, where = numpy.unique(keys, return_inverse=True)
    strings = doc.vocab.strings
    lowered = _LOWERED
    texts = numpy.asarray(
        [lowered.get(key) or _lowered(strings, key) for key in forms.tolist()], dtype=object
    )
    lemmas = texts[where].tolist()
    starts = idx[words]
    # Where each segment's words begin; words never stand between segments.
    segment_starts = numpy.asarray([start for start, _ in spans], dtype=numpy.int64)
    cuts = numpy.searchsorted(starts, segment_starts)
    bases = numpy.repeat(segment_starts, numpy.diff(cuts, append=len(starts)))
    offsets = list(
        zip((starts - bases).tolist(), (token_end[words] - bases).tolist(), strict=True)
    )
    bounds = [*cuts.tolist(), len(starts)]
    for i, segment in enumerate(segments):
        segment.lemmas = lemmas[bounds[i] : bounds[i + 1]]
        segment.offsets = offsets[bounds[i] : bounds[i + 1]]
    # Sentences (from the first token to the last of each), clipped to every segment they
    # run through.
    first_tokens = numpy.flatnonzero(sent_start == 1)
    sentence_starts = idx[first_tokens].tolist()
    sentence_ends = token_end[numpy.append(first_tokens[1:], len(doc)) - 1].tolist()
    first = 0
    for begin, end in zip(sentence_starts, sentence_ends, strict=True):
        while segments[first].end <= begin and first + 1 < len(segments):
            first += 1
        for segment in segments[first:]:
            if segment.start >= end:
                break
            low, high = max(begin, segment.start), min(end, segment.end)
            if low < high:
                segment.sentences.append((low - segment.start, high - segment.start))
    segment_bounds = segment_starts.tolist()
    for ent in doc.ents:
        begin = ent.start_char
        segment = segments[bisect_right(segment_bounds, begin) - 1]
        segment.entities.append(
            (ent.text, ent.label_, ent.ent_id_ or ent.text, begin - segment.start,
             ent.end_char - segment.start)
        )
    return segments


def _lowered(strings: StringStore, key: int) -> str:
    text = _LOWERED[key] = strings[key].lower()
    return text


def _page(
    nlp: Language, page: Page, passages: list[Passage], segments: list[_Segment]
) -> EnrichedPage:
    title, *rest = segments
    counts: Counter[str] = Counter(title.lemmas)
    enriched = []
    for passage, segment in zip(passages, rest, strict=True):
        counts.update(segment.lemmas)
        enriched.append(
            EnrichedPassage.model_construct(
                passage=passage,
                sentences=tuple(segment.sentences),
                lemmas=tuple(segment.lemmas),
                offsets=tuple(segment.offsets),
                entities=_entities(segment, passage.id, passage.anchor),
            )
        )
    return EnrichedPage.model_construct(
        page=page,
        title_lemmas=tuple(title.lemmas),
        title_entities=_entities(title, None, None),
        passages=tuple(enriched),
        keywords=_keywords(counts, nlp.Defaults.stop_words),
    )


# hash -> lower-cased string (a page repeats most of its words). Hashes are a pure function of
# the string, so the cache is correct for every pipeline; it is bounded by the vocabulary seen.
_LOWERED: dict[int, str] = {}


def _entities(segment: _Segment, passage_id: str | None, section: str | None) -> tuple[Entity, ...]:
    if not segment.entities:
        return ()
    return tuple(
        Entity.model_construct(
            text=text, label=label, value=value, passage_id=passage_id, section=section,
            start=start, end=end,
        )
        for text, label, value, start, end in segment.entities
    )


def _keywords(counts: Counter[str], stop_words: set[str]) -> tuple[str, ...]:
    """The lemmas that are frequent here and rare in Dutch at large (tf x rarity)."""
    rarities = _RARITY
    for lemma in counts:
        if lemma not in rarities:
            _rarity(lemma, stop_words)
    weights = _TF_WEIGHTS
    scored = [
        (-(weights[count] if count < len(weights) else 1.0 + math.log(count)) * rarity, lemma)
        for lemma, count in counts.items()
        if (rarity := rarities[lemma])
    ]
    scored.sort()
    return tuple(lemma for _, lemma in scored[:KEYWORDS_PER_PAGE])


# 1 + ln(count) for the usual counts.
_TF_WEIGHTS = [0.0] + [1.0 + math.log(count) for count in range(1, 256)]


def _rarity(word: str, stop_words: set[str]) -> float:
    """8 minus the word's Zipf frequency in Dutch (high for rare words); 0.0 for a word that
    cannot be a keyword (stop word, too short, not a word). Cached per word."""
    if (
        len(word) < _MIN_KEYWORD_CHARS
        or word in stop_words
        or not word.replace("-", "").isalpha()
    ):
        rarity = 0.0
    else:
        frequency = _dutch_frequencies().get(word)
        zipf = math.log10(frequency * 1e9) if frequency else _UNKNOWN_ZIPF
        rarity = 8.0 - max(_UNKNOWN_ZIPF, zipf)
    _RARITY[word] = rarity
    return rarity


# word -> rarity; a pure function of the word, wordfreq's fixed data and spaCy's stop words.
_RARITY: dict[str, float] = {}


@lru_cache(maxsize=1)
def _dutch_frequencies() -> dict[str, float]:
    """wordfreq's Dutch word list (read once, lazily: about a second and some MB)."""
    from wordfreq import get_frequency_dict

    frequencies: dict[str, float] = get_frequency_dict("nl", wordlist="best")
    return frequencies
