"""Elasticsearch query bodies built from a `ParsedQuery`: pure functions producing JSON.

What a visitor typed never reaches a query parser (`query_string`/`simple_query_string`): each
word becomes term, fuzzy and match clauses of its own. The rules are those of the shared query
layer (`indexer/query.py`, `indexer/analysis.py`), so both engines match the same way:

- every word must match (in any field; when no article has them all, any word); a word
  matches through its folded form, lemma and synonyms in the computed terms fields, through
  all of its compound parts, through Elasticsearch's Dutch analysis of the raw text, or
  within the typo distance (`fuzzy_distance`: 1 edit from 5 letters, 2 from 9, never on the
  first letter);
- "phrases" must match in order in the raw text; `-word` excludes articles with that word;
- neighbouring words that may be a compound typed apart ("hoofd pijn") match as they are or
  as the compound whole, boosted (`compound_clause`);
- field boosts: title > headings > entities > body;
- label and entity filters are `term` filters (no scoring, cached).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from indexer.nlp.analysis import Analyzer, CompoundRun, compound_runs, lemma_of, tokenize
from indexer.pages.normalise import fold
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.query import ParsedQuery, fuzzy_distance

Query = dict[str, Any]

# Field boosts: title > headings > entities > body.
BOOSTS = {"title": 8.0, "headings": 4.0, "entities": 2.0, "body": 1.0}
# Raw text fields (Elasticsearch's Dutch analysis) and computed terms fields, with their boost.
_ARTICLE_TEXT = (("title", "title"), ("headings", "headings"), ("intro", "body"), ("body", "body"))
_ARTICLE_TERMS = (
    ("title_terms", "title"),
    ("heading_terms", "headings"),
    ("entity_terms", "entities"),
    ("body_terms", "body"),
)
_PASSAGE_TEXT = (("section_heading", "headings"), ("text", "body"))
_PASSAGE_TERMS = (
    ("heading_terms", "headings"),
    ("entity_terms", "entities"),
    ("body_terms", "body"),
)

FACET_SIZE = 100
TEXT_BOOST = 0.8  # Elasticsearch's stemmed text, a little below our computed terms
PARTS_BOOST = 0.7  # all parts of a compound, below the compound itself
FUZZY_BOOST = 0.4  # a word within the typo distance, well below the word itself
JOINED_BOOST = 8.0  # a compound typed apart, found whole (as the tantivy engine)
MLT_TERMS = 25  # telling terms of a text compared by "more like this"
MLT_NATIVE_BOOST = 0.1  # Elasticsearch's own more_like_this: a tie-breaker on raw text


def _boosted(fields: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{name}^{BOOSTS[kind]:g}" for name, kind in fields]


def word_clause(
    word: str,
    analyzer: Analyzer,
    text_fields: Sequence[tuple[str, str]],
    term_fields: Sequence[tuple[str, str]],
    near: Sequence[str] = (),
    parts_together: bool = True,
) -> Query:
    """What one visitor's word may match: a bool of which at least one `should` must match.

    `near` are indexed words within the word's typo distance (from the shared vocabulary,
    `Vocabulary.near`), matched in the terms fields below exact forms, as the tantivy engine
    does; the raw text fields get Elasticsearch's own fuzziness under the same rule. A
    compound's parts match together (articles), or each on its own (`parts_together` False:
    passages, where one with some of the parts still shows why its article matched).
    """
    variants = analyzer.variants(word)
    forms = sorted(variants.forms)
    should: list[Query] = [
        {"terms": {field: forms, "boost": BOOSTS[kind]}} for field, kind in term_fields
    ]
    if variants.parts and parts_together:
        # A compound typed whole ("magnesiumtekort") matches a text that has all its parts.
        should.append(
            {
                "bool": {
                    "must": [{"term": {"body_terms": part}} for part in variants.parts],
                    "boost": BOOSTS["body"] * PARTS_BOOST,
                }
            }
        )
    elif variants.parts:
        share = BOOSTS["body"] * PARTS_BOOST / len(variants.parts)
        should.extend({"term": {"body_terms": {"value": part, "boost": share}}}
                      for part in variants.parts)
    should.append(
        {
            "multi_match": {
                "query": word,
                "fields": _boosted(text_fields),
                "type": "best_fields",
                "fuzziness": fuzzy_distance(variants.word),
                "prefix_length": 1,
                "max_expansions": 50,
                "boost": TEXT_BOOST,
            }
        }
    )
    typos = sorted(set(near) - variants.forms)
    if typos:
        should.extend(
            {"terms": {field: typos, "boost": BOOSTS[kind] * FUZZY_BOOST}}
            for field, kind in term_fields
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def compound_clause(
    run: CompoundRun,
    text_fields: Sequence[tuple[str, str]],
    term_fields: Sequence[tuple[str, str]],
) -> Query:
    """A compound typed apart (`compound_runs`), found whole: any of its spellings and their
    lemmas in the terms fields, and Elasticsearch's Dutch analysis of them in the raw text,
    boosted above the words found apart."""
    should: list[Query] = [
        {"terms": {field: run.terms, "boost": BOOSTS[kind]}} for field, kind in term_fields
    ]
    should.append({"multi_match": {"query": " ".join(run.forms),
                                   "fields": _boosted(text_fields),
                                   "type": "best_fields", "boost": TEXT_BOOST}})
    return {"bool": {"should": should, "minimum_should_match": 1, "boost": JOINED_BOOST}}


def phrase_clause(words: Sequence[str], text_fields: Sequence[tuple[str, str]]) -> Query:
    """The words in this order, in one raw text field."""
    text = " ".join(words)
    return {
        "bool": {
            "should": [
                {"match_phrase": {field: {"query": text, "boost": BOOSTS[kind]}}}
                for field, kind in text_fields
            ],
            "minimum_should_match": 1,
        }
    }


def exclusion_clauses(query: ParsedQuery, analyzer: Analyzer) -> list[Query]:
    """`-word`: any form of the word (folded, lemma, synonyms) in the computed terms."""
    forms = sorted({f for w in query.excluded for f in analyzer.variants(w).forms})
    if not forms:
        return []
    return [{"terms": {field: forms}} for field, _ in _ARTICLE_TERMS]


def filter_clauses(labels: Sequence[str], entities: Sequence[str]) -> list[Query]:
    """Label and entity filters, all `term` filters: "TYPE:value" is a typed entity, else a value.

    A label may be given with its "#" ("#ADHD"), as the page shows it.
    """
    filters: list[Query] = [{"term": {"doc_type": ARTICLE}}]
    filters.extend({"term": {"labels": label.lstrip("#")}} for label in labels)
    for entity in entities:
        field = "entity" if ":" in entity else "entity_value"
        filters.append({"term": {field: entity}})
    return filters


def article_query(
    query: ParsedQuery,
    analyzer: Analyzer,
    labels: Sequence[str] = (),
    entities: Sequence[str] = (),
    all_words: bool = True,
    near: Mapping[str, Sequence[str]] | None = None,
    known: Callable[[str], bool] | None = None,
) -> Query:
    """The article search: every word and phrase must match (`all_words`), or at least one
    (the fallback when no article has them all); exclusions and filters always apply. With
    `known` (the index's vocabulary), words typed apart may also match as the compound."""
    near = near or {}
    words = content_words(query, analyzer)
    clauses = [word_clause(w, analyzer, _ARTICLE_TEXT, _ARTICLE_TERMS, near.get(fold(w), ()))
               for w in words]
    phrases = [phrase_clause(p, _ARTICLE_TEXT) for p in query.phrases]
    runs = compound_runs(words, known) if known is not None else []
    compounds = [(run, compound_clause(run, _ARTICLE_TEXT, _ARTICLE_TERMS)) for run in runs]
    must: list[Query] = clauses + phrases
    if all_words and compounds:
        # Words that may be a compound typed apart ("hoofd pijn") match as they are, or as
        # the compound whole with the query's other words and phrases.
        alternatives = [{"bool": {"must": must}}] + [
            {"bool": {"must": [compound, *(c for i, c in enumerate(clauses)
                                           if not run.start <= i < run.end), *phrases]}}
            for run, compound in compounds
        ]
        must = [{"bool": {"should": alternatives, "minimum_should_match": 1}}]
    elif not all_words and len(must) > 1:
        must = [{"bool": {"should": must + [c for _, c in compounds],
                          "minimum_should_match": 1}}]
    body: dict[str, Any] = {"filter": filter_clauses(labels, entities)}
    if must:
        body["must"] = must
    excluded = exclusion_clauses(query, analyzer)
    if excluded:
        body["must_not"] = excluded
    return {"bool": body}


def passage_query(
    query: ParsedQuery,
    analyzer: Analyzer,
    article_ids: Sequence[str],
    near: Mapping[str, Sequence[str]] | None = None,
    known: Callable[[str], bool] | None = None,
) -> Query:
    """Passages of the given articles that match any word or phrase (or, with `known`, a
    compound typed apart), best first."""
    near = near or {}
    words = content_words(query, analyzer)
    should: list[Query] = [
        word_clause(w, analyzer, _PASSAGE_TEXT, _PASSAGE_TERMS, near.get(fold(w), ()),
                    parts_together=False)
        for w in words
    ]
    should.extend(phrase_clause(p, _PASSAGE_TEXT) for p in query.phrases)
    runs = compound_runs(words, known) if known is not None else []
    should.extend(compound_clause(run, _PASSAGE_TEXT, _PASSAGE_TERMS) for run in runs)
    return {
        "bool": {
            "filter": [
                {"term": {"doc_type": PASSAGE}},
                {"terms": {"article_id": list(article_ids)}},
            ],
            "should": should,
            "minimum_should_match": 1 if should else 0,
        }
    }


def content_words(query: ParsedQuery, analyzer: Analyzer) -> list[str]:
    """The words that must match: stop words only count when the query has nothing else."""
    return analyzer.content_words(list(dict.fromkeys(query.words)))


def facet_aggregations(size: int = FACET_SIZE) -> dict[str, Any]:
    """Counts per label and per "TYPE:value" entity over the whole result set."""
    return {
        "labels": {"terms": {"field": "labels", "size": size}},
        "entities": {"terms": {"field": "entity", "size": size * 10}},
    }


def bands_query(bands: Sequence[str], exclude_article: str | None) -> Query:
    """Passages sharing at least one LSH band key: one `terms` query on the `bands` keyword."""
    query: dict[str, Any] = {
        "filter": [{"term": {"doc_type": PASSAGE}}, {"terms": {"bands": list(bands)}}]
    }
    if exclude_article is not None:
        query["must_not"] = [{"term": {"article_id": exclude_article}}]
    return {"bool": query}


def weighted_terms(text: str, analyzer: Analyzer) -> dict[str, int]:
    """The lemmas of a text with their counts: what "more like this" compares, as in tantivy."""
    return dict(
        Counter(
            lemma_of(t.folded)
            for t in tokenize(text)
            if len(t.text) > 2 and t.text.isalpha() and not analyzer.is_stopword(t.text)
        )
    )


def term_weights(counts: Mapping[str, int], doc_freqs: Mapping[str, int], total: int
                 ) -> list[tuple[str, float]]:
    """The most telling terms, tf-idf weighted ((1 + ln tf) * ln(1 + N/df)), heaviest first."""
    weights = {
        term: (1 + math.log(tf)) * math.log(1 + max(1, total) / doc_freqs[term])
        for term, tf in counts.items()
        if doc_freqs.get(term)
    }
    return sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:MLT_TERMS]


def more_like_this_query(
    text: str, weights: Sequence[tuple[str, float]], exclude_article: str | None
) -> Query:
    """Articles about the same subject as `text`: its telling lemmas, weighted, in the body
    terms (the shared ranking), plus Elasticsearch's `more_like_this` over the raw text."""
    should: list[Query] = [
        {"term": {"body_terms": {"value": term, "boost": round(weight, 4)}}}
        for term, weight in weights
    ]
    should.append(
        {
            "more_like_this": {
                "fields": ["title", "headings", "body"],
                "like": text,
                "min_term_freq": 1,
                "min_doc_freq": 1,
                "max_query_terms": MLT_TERMS,
                "minimum_should_match": "10%",
                "boost": MLT_NATIVE_BOOST,
            }
        }
    )
    query: dict[str, Any] = {
        "must": [{"bool": {"should": should, "minimum_should_match": 1}}],
        "filter": [{"term": {"doc_type": ARTICLE}}],
    }
    if exclude_article is not None:
        query["must_not"] = [{"term": {"article_id": exclude_article}}]
    return {"bool": query}
