"""The tantivy side of our documents: the schema built from `indexer.search.fields`, the JSON
documents tantivy reads, and the search layer's queries (`indexer.search.clauses`) as tantivy
queries.

One index per version holds three kinds of documents (field `doc_type`): "article" and
"passage" (see `indexer.search.documents`), and "page", which only stores the whole EnrichedPage
as JSON for `get_page`: keeping the big JSON out of the article documents keeps reading hits
cheap. One index (rather than one per grain) means one directory per version, one writer and
one commit per write, and one term (`article_id`) deleting an article completely.

Nothing is analysed by tantivy: terms arrive analysed (`raw` tokenizer, one term a value),
`positional` text arrives as folded words separated by spaces (`words` tokenizer), and stored
fields are never searched (`stored` tokenizer, which makes no terms).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import tantivy

from indexer.search.clauses import Bool, DisMax, MatchAll, OneOf, Phrase, Query, Term
from indexer.search.documents import ARTICLE, Document
from indexer.search.fields import FIELDS, MULTI_VALUED
from indexer.search.values import StoredPassage

PAGE = "page"
WORDS, STORED_ONLY = "words", "stored"


def build_schema() -> tantivy.Schema:
    """The schema of every version."""
    builder = tantivy.SchemaBuilder()
    for name, spec in FIELDS.items():
        if name == "page_json":
            builder.add_bytes_field(name, stored=True, indexed=False)
        elif spec.kind == "number":
            builder.add_unsigned_field(name, stored=spec.stored, indexed=True, fast=True)
        elif spec.kind == "keyword":
            builder.add_text_field(name, stored=spec.stored, fast=spec.fast, tokenizer_name="raw")
        elif spec.kind == "terms":
            builder.add_text_field(name, tokenizer_name="raw", index_option="freq")
        elif spec.kind == "positional":
            builder.add_text_field(name, tokenizer_name=WORDS, index_option="position")
        else:
            builder.add_text_field(name, stored=True, tokenizer_name=STORED_ONLY)
    # A number standing for the article id, read per hit without loading the stored document.
    builder.add_unsigned_field("article_key", fast=True)
    return builder.build()


def register_analyzers(index: tantivy.Index) -> None:
    """Register our tokenizers on an opened index (needed on every open)."""
    index.register_tokenizer(WORDS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
                             .filter(tantivy.Filter.remove_long(255)).build())
    # A pattern that never matches: stored fields make no terms.
    index.register_tokenizer(STORED_ONLY,
                             tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex("a^")).build())


def tantivy_json_documents(documents: Sequence[Document]) -> list[tuple[str, str]]:
    """Our documents (article first, then passages) plus the stored page (the article's
    `page_json`), as the JSON that `IndexWriter.add_json` reads, each with the part of the
    version it goes into ("articles", or "passages" with the page): made in the process that
    enriched the page, they cross to the writing process as strings and tantivy parses them
    in Rust."""
    converted = [("articles" if doc["doc_type"] == ARTICLE else "passages", _json(_fields(doc)))
                 for doc in documents]
    article = documents[0]
    converted.append(("passages", _json({
        "id": f"{article['id']}#page",
        "doc_type": PAGE,
        "article_id": article["article_id"],
        "article_key": article_key(article["article_id"]),
        # A bytes field reads base64 in JSON.
        "page_json": base64.b64encode(article["page_json"].encode("utf-8")).decode("ascii"),
    })))
    return converted


def _json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def article_key(article_id: str) -> int:
    """A 64-bit number standing for an article id (a fast field: grouping passage hits by
    article and naming a hit's article cost no document reads)."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest())


def _fields(doc: Document) -> dict[str, Any]:
    """A document's tantivy fields: lists as several values, empty strings left out."""
    out: dict[str, Any] = {"article_key": article_key(doc["article_id"])}
    for name, value in doc.items():
        if name == "page_json":
            continue
        if isinstance(value, int):
            out[name] = value
            continue
        values = [item for item in (value if isinstance(value, list) else [value]) if item != ""]
        if values:
            out[name] = values
    return out


def stored(doc: tantivy.Document) -> dict[str, Any]:
    """A stored document as a dict of field -> first value (lists for multi-valued fields)."""
    raw: dict[str, list[Any]] = doc.to_dict()
    return {k: (v if k in MULTI_VALUED else (v[0] if v else None)) for k, v in raw.items()}


# --- our queries as tantivy queries


class Translator:
    """Turns `indexer.search.clauses` trees into tantivy queries for one schema."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self.schema = schema

    def query(self, node: Query) -> tantivy.Query:
        if isinstance(node, Term):
            return _boost(self.term(node.field, node.value), node.boost)
        if isinstance(node, OneOf):
            # Term queries joined, unscored: tantivy's term_set_query walks the field's whole
            # term dictionary, ten times slower for a few values.
            terms = [(tantivy.Occur.Should, self.term(node.field, value)) for value in node.values]
            if not terms:
                return tantivy.Query.empty_query()
            return tantivy.Query.const_score_query(tantivy.Query.boolean_query(terms), 0.0)
        if isinstance(node, Phrase):
            words: list[str | tuple[int, str]] = list(node.words)
            if len(words) == 1:
                return _boost(self.term(node.field, node.words[0]), node.boost)
            return _boost(tantivy.Query.phrase_query(self.schema, node.field, words), node.boost)
        if isinstance(node, Bool):
            return self._bool(node)
        if isinstance(node, DisMax):
            query = tantivy.Query.disjunction_max_query(
                [self.query(q) for q in node.queries], node.tie or None)
            return _boost(query, node.boost)
        if isinstance(node, MatchAll):
            return tantivy.Query.all_query()
        raise TypeError(f"not a query: {node!r}")

    def term(self, field: str, value: str) -> tantivy.Query:
        if FIELDS[field].kind == "number":
            return tantivy.Query.term_query(self.schema, field, int(value))
        return tantivy.Query.term_query(self.schema, field, value, index_option="freq")

    def _bool(self, node: Bool) -> tantivy.Query:
        must, should = tantivy.Occur.Must, tantivy.Occur.Should
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
            (must, self.query(q)) for q in node.must
        ]
        # Filters select without scoring, as Elasticsearch's `filter` does.
        clauses += [(must, tantivy.Query.const_score_query(self.query(q), 0.0))
                    for q in node.filter]
        clauses += [(tantivy.Occur.MustNot, self.query(q)) for q in node.must_not]
        shoulds = [(should, self.query(q)) for q in node.should]
        minimum = node.min_should if shoulds else 0
        if shoulds and clauses and minimum:
            # Required should-clauses beside required ones: a clause of their own.
            group = tantivy.Query.boolean_query(
                shoulds, minimum if minimum > 1 else None)
            clauses.append((must, group))
        else:
            clauses += shoulds
            if minimum > 1:
                return _boost(tantivy.Query.boolean_query(clauses, minimum), node.boost)
        if not any(occur != tantivy.Occur.MustNot for occur, _ in clauses):
            clauses.append((must, tantivy.Query.all_query()))
        return _boost(tantivy.Query.boolean_query(clauses), node.boost)


def _boost(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


# --- documents read back


def all_documents(searcher: tantivy.Searcher, query: tantivy.Query) -> Iterator[dict[str, Any]]:
    """Every stored document the query matches."""
    matches = count_of(searcher, query)
    if matches == 0:
        return
    for _, address in searcher.search(query, limit=matches, count=False).hits:
        yield stored(searcher.doc(address))


def count_of(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return total_of(searcher.search(query, limit=1, count=True))


def total_of(result: tantivy.SearchResult) -> int:
    # `count` is set when searching with count=True; the bundled stubs do not declare it.
    return int(result.count)  # type: ignore[attr-defined]


def pick(doc: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    return {name: doc.get(name) for name in names}


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
