"""Page -> EnrichedPage: sentences, lemmas, entities and keywords from the Dutch pipeline.

All titles and passages of a batch of pages go through one `nlp.pipe` stream, so spaCy works
in batches. The models are built with `model_construct`: every value comes from a validated
Page or from spaCy's own offsets, and validating each of them again would cost more than the
NLP itself.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER
from spacy.language import Language
from spacy.tokens import Doc

from indexer.models import EnrichedPage, EnrichedPassage, Entity, Page, Passage

KEYWORDS_PER_PAGE = 8
_MIN_KEYWORD_CHARS = 3
# Zipf frequency (log10 of occurrences per billion words) given to words wordfreq does not know.
_UNKNOWN_ZIPF = 1.0


def enrich_pages(nlp: Language, pages: Sequence[Page], batch_size: int = 64) -> list[EnrichedPage]:
    """Enrich every page, in order. The output depends only on the pages and the pipeline."""
    work = [(page, page.passages()) for page in pages]
    # One stream for all pages: per page its title, then its passages, in order.
    texts = (text for page, passages in work for text in (page.title, *(p.text for p in passages)))
    docs = nlp.pipe(texts, batch_size=batch_size)
    return [_enrich(nlp, page, passages, docs) for page, passages in work]


def enrich_page(nlp: Language, page: Page) -> EnrichedPage:
    """Enrich one page (a convenience for drafts and tests; batches are faster)."""
    return enrich_pages(nlp, [page])[0]


def _enrich(
    nlp: Language, page: Page, passages: list[Passage], docs: Iterator[Doc]
) -> EnrichedPage:
    title_doc = next(docs)
    title_lemmas, _ = _lemmas(title_doc)
    enriched = []
    counts: Counter[str] = Counter(title_lemmas)
    for passage in passages:
        doc = next(docs)
        lemmas, offsets = _lemmas(doc)
        counts.update(lemmas)
        enriched.append(
            EnrichedPassage.model_construct(
                passage=passage,
                sentences=tuple((s.start_char, s.end_char) for s in doc.sents),
                lemmas=lemmas,
                offsets=offsets,
                entities=_entities(doc, passage.id, passage.anchor),
            )
        )
    return EnrichedPage.model_construct(
        page=page,
        title_lemmas=title_lemmas,
        title_entities=_entities(title_doc, None, None),
        passages=tuple(enriched),
        keywords=_keywords(counts, nlp.Defaults.stop_words),
    )


_ATTRS = [LEMMA, LOWER, IDX, LENGTH, IS_PUNCT, IS_SPACE]


def _lemmas(doc: Doc) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """One lower-cased lemma and (start, end) per word token; punctuation and spaces left out.

    Works on doc.to_array rows rather than Token objects (which cost more than the lookups).
    """
    if not len(doc):
        return (), ()
    strings = doc.vocab.strings
    lowered = _LOWERED
    lemmas = []
    offsets = []
    # A plain loop over .tolist() rows beats numpy masking on passage-sized Docs.
    for lemma, lower, start, length, punct, space in doc.to_array(_ATTRS).tolist():
        if punct or space:
            continue
        key = lemma or lower
        text = lowered.get(key)
        if text is None:
            text = lowered[key] = strings[key].lower()
        lemmas.append(text)
        offsets.append((start, start + length))
    return tuple(lemmas), tuple(offsets)


# hash -> lower-cased string (a page repeats most of its words). Hashes are a pure function of
# the string, so the cache is correct for every pipeline; it is bounded by the vocabulary seen.
_LOWERED: dict[int, str] = {}


def _entities(doc: Doc, passage_id: str | None, section: str | None) -> tuple[Entity, ...]:
    return tuple(
        Entity.model_construct(
            text=ent.text,
            label=ent.label_,
            value=ent.ent_id_ or ent.text,
            passage_id=passage_id,
            section=section,
            start=ent.start_char,
            end=ent.end_char,
        )
        for ent in doc.ents
    )


def _keywords(counts: Counter[str], stop_words: set[str]) -> tuple[str, ...]:
    """The lemmas that are frequent here and rare in Dutch at large (tf x rarity)."""
    rarities = _RARITY
    scored = []
    for lemma, count in counts.items():
        rarity = rarities[lemma] if lemma in rarities else _rarity(lemma, stop_words)
        if rarity:
            scored.append((-(1.0 + math.log(count)) * rarity, lemma))
    scored.sort()
    return tuple(lemma for _, lemma in scored[:KEYWORDS_PER_PAGE])


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
