"""Index settings and mappings of an Elasticsearch index version: pure functions producing JSON.

Raw text fields (title, intro, headings, body, passage text) get Elasticsearch's own Dutch
analysis: lower case, the built-in Dutch stop words, ASCII folding that keeps the original
token ("patiënten" is indexed as both "patiënten" and "patienten") and the Dutch Snowball
stemmer; at search time a `synonym_graph` filter from `config/synonyms.txt` is added. The terms
computed once in Python (`indexer/documents.py`: folded words, lemmas, compound parts,
synonyms) arrive as lists and are indexed as keywords, so that both engines match exactly the
same terms; labels, entities, LSH bands and ids are keywords too.

`analysis_profile="minimal"` leaves out the filters an Elasticsearch-compatible test server may
lack (the Dutch stemmer, synonym_graph). It exists for test fixtures only; the service always
uses "full".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

AnalysisProfile = Literal["full", "minimal"]

# Analyzer names used by the mappings.
TEXT_ANALYZER = "nl_text"
SEARCH_ANALYZER = "nl_search"

# Fields holding terms computed in Python (matched with term/terms/fuzzy queries).
TERM_FIELDS = ("title_terms", "heading_terms", "entity_terms", "body_terms")
# Raw text fields with Dutch analysis.
TEXT_FIELDS = ("title", "intro", "headings", "body", "section_heading", "text")


def read_synonym_rules(path: Path) -> list[str]:
    """The Solr-format rules of a synonyms file (comments and blank lines left out).

    A missing file means no synonyms. Elasticsearch reads the Solr format as it is.
    """
    if not path.is_file():
        return []
    return synonym_rules(path.read_text(encoding="utf-8").splitlines())


def synonym_rules(lines: Iterable[str]) -> list[str]:
    """Solr synonym lines without comments and blank lines."""
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def analysis(synonyms: Iterable[str], profile: AnalysisProfile = "full") -> dict[str, Any]:
    """The `analysis` section of the index settings."""
    rules = list(synonyms)
    filters: dict[str, Any] = {
        "nl_stop": {"type": "stop", "stopwords": "_dutch_"},
        "nl_folding": {"type": "asciifolding", "preserve_original": True},
    }
    index_chain = ["lowercase", "nl_stop", "nl_folding"]
    search_chain = list(index_chain)
    if profile == "full":
        filters["nl_stemmer"] = {"type": "stemmer", "language": "dutch"}
        index_chain.append("nl_stemmer")
        search_chain.append("nl_stemmer")
        if rules:
            # Search time only (a graph filter cannot index), so synonyms change without a
            # reindex. Right after `lowercase`: multi-word rules ("vitamine d") must see
            # every word before stop words are removed.
            filters["nl_synonyms"] = {"type": "synonym_graph", "synonyms": rules, "lenient": True}
            search_chain.insert(1, "nl_synonyms")
    return {
        "filter": filters,
        "analyzer": {
            TEXT_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": index_chain},
            SEARCH_ANALYZER: {"type": "custom", "tokenizer": "standard", "filter": search_chain},
        },
    }


def _text(**extra: Any) -> dict[str, Any]:
    # Term vectors with offsets: more_like_this and highlighting read them instead of
    # re-analysing the stored text.
    return {
        "type": "text",
        "analyzer": TEXT_ANALYZER,
        "search_analyzer": SEARCH_ANALYZER,
        "term_vector": "with_positions_offsets",
        **extra,
    }


def _keyword() -> dict[str, Any]:
    return {"type": "keyword"}


def _stored_only() -> dict[str, Any]:
    return {"type": "keyword", "index": False, "doc_values": False}


def mappings() -> dict[str, Any]:
    """Mappings of one index holding both grains (`doc_type` "article" or "passage").

    One index per version (rather than one per grain) keeps the alias switch one atomic action.
    Field names are those of `indexer.search.documents`; `dynamic: strict` makes a field this
    mapping does not know a reported bulk failure instead of a silently guessed mapping.
    """
    properties: dict[str, Any] = {
        "id": _keyword(),
        "doc_type": _keyword(),
        "article_id": _keyword(),
        "url": _stored_only(),
        "content_hash": _keyword(),
        "title": _text(fields={"keyword": {"type": "keyword", "ignore_above": 512}}),
        "intro": _text(),
        "headings": _text(),
        "body": _text(),
        "labels": _keyword(),
        "entity": _keyword(),  # "RECEPTOR:NMDA-receptor", for facets and typed filters
        "entity_value": _keyword(),  # "NMDA-receptor"
        "words": _keyword(),  # folded surface words: completions and "bedoelde u"
        "page_json": _stored_only(),  # the EnrichedPage, returned by get_page
        "passage_index": {"type": "integer"},
        "article_title": _stored_only(),
        "section_heading": _text(),
        "anchor": _stored_only(),
        "text": _text(),
        "bands": _keyword(),
    }
    for name in TERM_FIELDS:
        properties[name] = _keyword()
    return {"dynamic": "strict", "properties": properties}


def index_body(
    *,
    shards: int,
    replicas: int,
    synonyms: Iterable[str],
    max_result_window: int,
    profile: AnalysisProfile = "full",
) -> dict[str, Any]:
    """The body of `PUT /<index_name>-v<N>`: settings (shards, replicas, analysis), mappings."""
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            # Paging stops at our own cap; keep Elasticsearch's window at least that deep.
            "max_result_window": max(max_result_window, 10_000),
            "analysis": analysis(synonyms, profile),
        },
        "mappings": mappings(),
    }
