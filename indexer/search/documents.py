"""An EnrichedPage as index documents: one article document and one document per passage.

Plain dicts of field -> value (str, int or list of str), the same for every engine: all Dutch
analysis (folding, lemmas, compound parts, synonyms, stems, entities) is computed here, once,
and an engine only stores the values as they are (`indexer.search.fields` says how each field
is indexed). So both engines match the same terms and rank alike.

Fields of both grains:
- `id`, `doc_type` ("article" | "passage"), `article_id` (the article's id, also on the
  article itself, so one term deletes an article with all its passages).
- `entity` ("LABEL:value") and `entity_value` (value) keywords, for facets and filters.

The searched fields of the two grains have names of their own (`body_terms` on articles,
`passage_terms` on passages, ...), so that an engine's BM25 statistics of a field (how long it
is on average, how many documents have it) are those of one grain: an article is compared
with articles, a passage with passages. Their kinds: `*_terms` analysed terms
(`Analyzer.terms`; the body's and a passage's text as often as the text has them,
`Analyzer.term_occurrences`); `*stems`: Dutch stems of the words, as often as they stand;
`*plain`: the folded words in order, for phrases.

Article: `heading_terms`, `body_terms`, `entity_terms`, `stems`, `plain`; `url`, `title`
(shown), `title_terms` (the title and its `alt_titles`),
`title_key` (each title's folded words in order, one title a line: what ranking compares a
query with), `labels`, `content_hash`, `words` (folded surface words for "did you mean" and
completions) and `page_json` (the whole EnrichedPage, stored only).
Passage: `passage_heading_terms`, `passage_terms`, `passage_entity_terms`, `passage_stems`,
`passage_plain`; `passage_index`, `article_title`, `section_heading`, `anchor`, `text`,
`bands`.
"""

from __future__ import annotations

from typing import Any

from indexer.nlp.analysis import Analyzer
from indexer.nlp.fingerprints import page_bands
from indexer.nlp.words import folded_words, plain_tokens
from indexer.pages.models import EnrichedPage, EnrichedPassage, Entity

ARTICLE = "article"
PASSAGE = "passage"

Document = dict[str, Any]


def entity_key(entity: Entity) -> str:
    """The keyword of an entity in the `entity` field: "CONDITION:depressie"."""
    return f"{entity.label}:{entity.value}"


def title_key(title: str) -> str:
    """A title as ranking compares it with a query: its folded words, in order."""
    return plain_tokens(title)


def article_document(
    page: EnrichedPage, analyzer: Analyzer, passage_terms: list[list[str]] | None = None
) -> Document:
    """The article-grain document of a page.

    `passage_terms` are the passages' `passage_terms` when already computed: the article's body
    terms are all of them (the body is the passages' text).
    """
    base = page.page
    headings = base.headings()
    entities = page.entities
    body = base.body_text()
    titles = [base.title, *(t for t in base.alt_titles if t != base.title)]
    if passage_terms is None:
        passage_lemmas = [lemma for p in page.passages for lemma in p.lemmas]
        body_terms = analyzer.term_occurrences(body, passage_lemmas)
    else:
        body_terms = sorted(term for terms in passage_terms for term in terms)
    title_terms = analyzer.terms(titles[0], page.title_lemmas)
    if len(titles) > 1:
        title_terms = sorted({*title_terms, *analyzer.terms("\n".join(titles[1:]))})
    all_text = "\n".join([*titles, *headings, body])
    return {
        "id": base.id,
        "doc_type": ARTICLE,
        "article_id": base.id,
        "url": base.url or "",
        "title": base.title,
        "title_key": "\n".join(dict.fromkeys(title_key(t) for t in titles)),
        "labels": list(base.labels),
        "entity": sorted({entity_key(e) for e in entities}),
        "entity_value": sorted({e.value for e in entities}),
        "content_hash": base.content_hash,
        "title_terms": title_terms,
        "heading_terms": analyzer.terms("\n".join(headings)),
        "body_terms": body_terms,
        "entity_terms": _entity_terms(entities, analyzer),
        "stems": analyzer.stems(all_text),
        "plain": [plain_tokens(text) for text in (*titles, *headings, body) if text],
        "words": surface_words(f"{base.title}\n{body}", analyzer),
        "page_json": page.model_dump_json(),
    }


def passage_document(
    page: EnrichedPage, passage: EnrichedPassage, analyzer: Analyzer, bands: tuple[str, ...]
) -> Document:
    """The passage-grain document of one passage of a page (`bands`: its LSH band keys)."""
    item = passage.passage
    heading = item.section_heading or ""
    return {
        "id": item.id,
        "doc_type": PASSAGE,
        "article_id": item.article_id,
        "article_title": page.page.title,
        "passage_index": item.index,
        "section_heading": heading,
        "anchor": item.anchor or "",
        "text": item.text,
        "passage_heading_terms": analyzer.terms(heading),
        "passage_terms": analyzer.term_occurrences(item.text, passage.lemmas),
        "passage_entity_terms": _entity_terms(passage.entities, analyzer),
        "passage_stems": analyzer.stems(f"{heading}\n{item.text}"),
        "passage_plain": [plain_tokens(text) for text in (heading, item.text) if text],
        "entity": sorted({entity_key(e) for e in passage.entities}),
        "entity_value": sorted({e.value for e in passage.entities}),
        "bands": list(bands),
    }


def page_documents(page: EnrichedPage, analyzer: Analyzer) -> list[Document]:
    """The article document followed by its passage documents."""
    bands = page_bands([passage.lemmas for passage in page.passages])
    passages = [
        passage_document(page, passage, analyzer, keys)
        for passage, keys in zip(page.passages, bands, strict=True)
    ]
    article = article_document(page, analyzer, [p["passage_terms"] for p in passages])
    return [article, *passages]


def surface_words(text: str, analyzer: Analyzer) -> list[str]:
    """Folded words of a text as a visitor would type them (no stop words, no numbers)."""
    words = {word for word in folded_words(text) if len(word) > 1 and word.isalpha()}
    return sorted(words - analyzer.stopwords)


def _entity_terms(entities: tuple[Entity, ...], analyzer: Analyzer) -> list[str]:
    texts = {e.value for e in entities} | {e.text for e in entities}
    return analyzer.terms("\n".join(sorted(texts)))
