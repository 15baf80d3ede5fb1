"""The tantivy side of our documents and queries: schema, Dutch analyzers, query building,
and stored documents/aggregations read back into our values.

One index per version holds three kinds of documents (field `doc_type`): "article" and
"passage" (see `indexer.search.documents`), and "page", which only stores the whole EnrichedPage as
JSON for `get_page`. Keeping the big JSON out of the article documents keeps reading a page of
hits cheap. One index (rather than one per grain) means one directory per version, one
writer and one commit per write, and one term (`article_id`) deleting an article completely.

Text fields analysed by tantivy itself: `dutch` (lower case, Dutch stop words, ASCII folding,
Dutch Snowball stemmer) on title/intro/headings/body/text; `plain` (lower case, folded) for
phrases; `exact` (lower case only) so that a match with the original diacritics scores higher.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import tantivy

from indexer.nlp.analysis import Analyzer, CompoundRun, compound_runs
from indexer.pages.normalise import fold
from indexer.search.documents import Document
from indexer.search.query import ParsedQuery
from indexer.search.values import Facets, FacetValue, StoredPassage

PAGE = "page"
DUTCH, PLAIN, EXACT = "dutch", "plain", "exact"
KEYWORDS = ("id", "doc_type", "article_id", "labels", "entity", "entity_value", "url",
            "content_hash")
TERMS = ("title_terms", "heading_terms", "body_terms", "entity_terms", "words", "bands")
DUTCH_TEXT = ("title", "intro", "headings", "body", "text", "section_heading", "article_title")
STORED = frozenset({"id", "doc_type", "article_id", "labels", "entity", "url", "content_hash",
                    "title", "text", "section_heading", "article_title", "anchor", "bands"})
# Field boosts: title > headings > entities > body (terms fields and tantivy's stemmed fields).
ARTICLE_FIELDS = (
    ("title_terms", 5.0), ("heading_terms", 2.5), ("entity_terms", 2.0), ("body_terms", 1.0),
)
ARTICLE_STEMMED = (("title", 4.0), ("headings", 2.0), ("intro", 1.2), ("body", 0.8))
PASSAGE_FIELDS = (("heading_terms", 2.0), ("entity_terms", 1.5), ("body_terms", 1.0))
PASSAGE_STEMMED = (("section_heading", 1.5), ("text", 0.8))
EXACT_BOOST = 0.6
FUZZY_BOOST = 0.4
PARTS_BOOST = 0.7
JOINED_BOOST = 8.0  # a compound typed apart, found whole (tuned with bench/relevance.py)
FACET_SIZE = 50  # label values, and values per entity type, in the facets
Clause = tuple[tantivy.Occur, tantivy.Query]


def build_schema() -> tantivy.Schema:
    """The schema of every version."""
    builder = tantivy.SchemaBuilder()
    for name in KEYWORDS:
        builder.add_text_field(name, stored=name in STORED, fast=True, tokenizer_name="raw")
    for name in TERMS:
        builder.add_text_field(name, stored=name in STORED, tokenizer_name="raw",
                               index_option="freq")
    for name in DUTCH_TEXT:
        builder.add_text_field(name, stored=name in STORED, tokenizer_name=DUTCH)
    builder.add_text_field("anchor", stored=True, tokenizer_name="raw")
    builder.add_text_field(PLAIN, tokenizer_name=PLAIN)
    builder.add_text_field(EXACT, tokenizer_name=EXACT)
    builder.add_unsigned_field("passage_index", stored=True, indexed=True, fast=True)
    builder.add_unsigned_field("article_key", fast=True)
    builder.add_bytes_field("page_json", stored=True, indexed=False)
    return builder.build()


def dutch_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(64))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("dutch"))
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("dutch"))
        .build()
    )


def _plain_analyzer(folding: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(64))
        .filter(tantivy.Filter.lowercase())
    )
    if folding:
        builder = builder.filter(tantivy.Filter.ascii_fold())
    return builder.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Register our analyzers on an opened index (needed on every open)."""
    index.register_tokenizer(DUTCH, dutch_analyzer())
    index.register_tokenizer(PLAIN, _plain_analyzer(folding=True))
    index.register_tokenizer(EXACT, _plain_analyzer(folding=False))


def tantivy_json_documents(documents: Sequence[Document]) -> list[str]:
    """Our plain documents (article first, then passages) plus the stored page (the article's
    `page_json`), as the JSON that `IndexWriter.add_json` reads: made in the process that
    enriched the page, they cross to the writing process as strings, and tantivy parses them
    in Rust (building `tantivy.Document`s field by field in Python cost the writer 0.7 ms a
    page; pickling them, 5 ms)."""
    converted = [_json(_fields(doc)) for doc in documents]
    article = documents[0]
    page_json: str = article["page_json"]
    converted.append(_json({
        "id": f"{article['id']}#page",
        "doc_type": PAGE,
        "article_id": article["article_id"],
        # A bytes field reads base64 in JSON.
        "page_json": base64.b64encode(page_json.encode("utf-8")).decode("ascii"),
    }))
    return converted


def _json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def article_key(article_id: str) -> int:
    """A 64-bit number standing for an article id, read from a fast field without loading the
    stored document (grouping passage hits by article costs no document reads)."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest())


def _fields(doc: Document) -> dict[str, Any]:
    """A document's tantivy fields: every value as a string (lists as several values, empty
    strings left out), `passage_index` and `article_key` as numbers, and the texts once more
    in the `plain` and `exact` fields."""
    out: dict[str, Any] = {"article_key": article_key(doc["article_id"])}
    for name, value in doc.items():
        if name == "page_json":
            continue
        if name == "passage_index":
            out[name] = int(value)
            continue
        values = [str(item) for item in (value if isinstance(value, list) else [value])
                  if item != ""]
        if values:
            out[name] = values
    text_fields = ("title", "headings", "body") if doc["doc_type"] == "article" else ("text",)
    texts = [item for name in text_fields
             for item in (doc[name] if isinstance(doc[name], list) else [doc[name]])]
    out[PLAIN] = out[EXACT] = texts
    return out


class QueryBuilder:
    """Builds tantivy queries from a ParsedQuery with our Dutch analysis, never parse_query."""

    def __init__(self, schema: tantivy.Schema, analyzer: Analyzer) -> None:
        self.schema = schema
        self.analyzer = analyzer
        self._dutch = dutch_analyzer()

    def term(self, field: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, field, value, index_option="freq")

    def doc_type(self, value: str) -> tantivy.Query:
        return self.term("doc_type", value)

    def searchable_words(self, query: ParsedQuery) -> list[str]:
        """The query's words without stop words (unless it has nothing else)."""
        return self.analyzer.content_words(query.words)

    def word(self, word: str, grain: str, fuzzy_terms: Iterable[str] = ()) -> tantivy.Query:
        """A disjunction matching one visitor word in any of its forms, fields and spellings."""
        variants = self.analyzer.variants(word)
        fields = ARTICLE_FIELDS if grain == "article" else PASSAGE_FIELDS
        stemmed = ARTICLE_STEMMED if grain == "article" else PASSAGE_STEMMED
        should: list[tantivy.Query] = []
        for field, boost in fields:
            for form in sorted(variants.forms):
                should.append(_boost(self.term(field, form), boost))
        stems = [t for t in self._dutch.analyze(word) if t]
        for field, boost in stemmed:
            should.extend(_boost(self.term(field, stem), boost) for stem in stems)
        should.append(_boost(self.term(EXACT, word.lower()), EXACT_BOOST))
        if variants.parts:
            parts = [_any_of([self.term(f, p) for f, _ in fields]) for p in variants.parts]
            if grain == "article":  # a compound typed whole: an article with all its parts
                together = [(tantivy.Occur.Must, part) for part in parts]
                should.append(_boost(tantivy.Query.boolean_query(together), PARTS_BOOST))
            else:  # a passage with some of them still shows why its article matched
                should.extend(_boost(part, PARTS_BOOST / len(parts)) for part in parts)
        fuzzy = [t for t in fuzzy_terms if t not in variants.forms]
        if fuzzy:
            alternatives = [
                tantivy.Query.term_set_query(self.schema, f, fuzzy) for f, _ in fields
            ]
            should.append(_boost(_any_of(alternatives), FUZZY_BOOST))
        return _any_of(should)

    def compound(self, run: CompoundRun, grain: str) -> tantivy.Query:
        """A compound typed apart (`compound_runs`), found whole: any of its spellings, their
        lemmas and their stems, boosted above the words found apart."""
        stems = sorted({t for form in run.forms for t in self._dutch.analyze(form) if t})
        fields = ARTICLE_FIELDS if grain == "article" else PASSAGE_FIELDS
        stemmed = ARTICLE_STEMMED if grain == "article" else PASSAGE_STEMMED
        should = [_boost(self.term(field, term), boost) for field, boost in fields
                  for term in run.terms]
        should += [_boost(self.term(field, stem), boost) for field, boost in stemmed
                   for stem in stems]
        return _boost(_any_of(should), JOINED_BOOST)

    def phrase(self, words: Sequence[str]) -> tantivy.Query:
        """The words in this order (original spelling or folded)."""
        exact: list[str | tuple[int, str]] = [w.lower() for w in words]
        plain: list[str | tuple[int, str]] = [fold(w) for w in words]
        return _any_of(
            [
                _boost(tantivy.Query.phrase_query(self.schema, EXACT, exact), 2.0),
                tantivy.Query.phrase_query(self.schema, PLAIN, plain),
            ]
        )

    def excluded(self, word: str, grain: str) -> tantivy.Query:
        variants = self.analyzer.variants(word)
        fields = ARTICLE_FIELDS if grain == "article" else PASSAGE_FIELDS
        return _any_of([self.term(f, form) for f, _ in fields for form in variants.forms])

    def filters(self, labels: Sequence[str], entities: Sequence[str]) -> list[Clause]:
        """Label and entity filters (exact keywords; "TYPE:value" or a bare value)."""
        clauses: list[Clause] = []
        for label in labels:
            clauses.append((tantivy.Occur.Must, self.term("labels", label.lstrip("#"))))
        for entity in entities:
            field = "entity" if ":" in entity else "entity_value"
            clauses.append((tantivy.Occur.Must, self.term(field, entity)))
        return clauses

    def build(
        self,
        query: ParsedQuery,
        grain: str,
        fuzzy: dict[str, list[str]],
        extra: Sequence[Clause] = (),
        all_words: bool = True,
        known: Callable[[str], bool] | None = None,
    ) -> tantivy.Query:
        """The whole query for one grain: words (all, or any), phrases, exclusions, filters."""
        must = tantivy.Occur.Must
        clauses: list[Clause] = [(must, self.doc_type(grain)), *extra]
        searchable = self.searchable_words(query)
        words = [self.word(w, grain, fuzzy.get(fold(w), ())) for w in searchable]
        phrases = [self.phrase(p) for p in query.phrases]
        runs = compound_runs(searchable, known) if known is not None else []
        compounds = [(run, self.compound(run, grain)) for run in runs]
        if all_words:
            every = [(must, q) for q in words + phrases]
            # Words that may be a compound typed apart ("hoofd pijn") match as they are, or
            # as the compound whole with the query's other words and phrases.
            alternatives = [
                tantivy.Query.boolean_query(
                    [(must, compound), *((must, q) for i, q in enumerate(words)
                                         if not run.start <= i < run.end),
                     *((must, q) for q in phrases)]
                )
                for run, compound in compounds
            ]
            if alternatives:
                clauses.append((must, _any_of([tantivy.Query.boolean_query(every),
                                               *alternatives])))
            else:
                clauses += every
        elif words or phrases:
            clauses.append((must, _any_of([*words, *phrases, *(q for _, q in compounds)])))
        clauses += [(tantivy.Occur.MustNot, self.excluded(w, grain)) for w in query.excluded]
        return tantivy.Query.boolean_query(clauses)


def _boost(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


def _any_of(queries: Sequence[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def stored(doc: tantivy.Document) -> dict[str, Any]:
    """A stored document as a dict of field -> first value (lists for multi-valued fields)."""
    raw: dict[str, list[Any]] = doc.to_dict()
    multi = {"labels", "entity", "bands"}
    return {k: (v if k in multi else (v[0] if v else None)) for k, v in raw.items()}


# --- results back to our values

def total(result: tantivy.SearchResult) -> int:
    # `count` is set when searching with count=True; the bundled stubs do not declare it.
    return int(result.count)  # type: ignore[attr-defined]


def stored_passage(doc: dict[str, Any]) -> StoredPassage:
    return StoredPassage(
        id=str(doc["id"]),
        article_id=str(doc["article_id"]),
        article_title=str(doc.get("article_title") or ""),
        index=int(doc.get("passage_index") or 0),
        section_heading=doc.get("section_heading") or None,
        anchor=doc.get("anchor") or None,
        text=str(doc.get("text") or ""),
        bands=tuple(doc.get("bands") or ()),
    )


def facets(searcher: tantivy.Searcher, query: tantivy.Query) -> Facets:
    """Counts per label and per entity type/value over every article the query matches."""
    spec = {
        "labels": {"terms": {"field": "labels", "size": FACET_SIZE}},
        "entity": {"terms": {"field": "entity", "size": FACET_SIZE * 10}},
    }
    result = searcher.aggregate(query, spec)
    labels = tuple(
        FacetValue(value=str(b["key"]), count=int(b["doc_count"]))
        for b in result["labels"]["buckets"]
    )
    entities: dict[str, list[FacetValue]] = {}
    for bucket in result["entity"]["buckets"]:
        label, _, value = str(bucket["key"]).partition(":")
        group = entities.setdefault(label, [])
        if len(group) < FACET_SIZE:
            group.append(FacetValue(value=value, count=int(bucket["doc_count"])))
    return Facets(labels=labels, entities={k: tuple(v) for k, v in sorted(entities.items())})
