"""The index settings and mappings JSON (no server needed)."""

from __future__ import annotations

from indexer.engines.elastic.mappings import (
    TERM_ANALYZER,
    WORDS_ANALYZER,
    analysis,
    index_body,
    mappings,
)
from indexer.search.fields import FIELDS
from indexer.settings import CONFIG_DIR


def test_nothing_is_analysed_by_elasticsearch() -> None:
    """Terms arrive analysed: one term a value; positional text splits on spaces only."""
    analyzers = analysis()["analyzer"]
    assert analyzers[TERM_ANALYZER] == {"type": "custom", "tokenizer": "keyword"}
    assert analyzers[WORDS_ANALYZER] == {"type": "custom", "tokenizer": "whitespace"}
    assert "filter" not in analysis()


def test_mappings_follow_the_shared_field_kinds() -> None:
    body = mappings()
    props = body["properties"]
    assert body["dynamic"] == "strict"
    assert set(props) == set(FIELDS)
    for name, spec in FIELDS.items():
        mapping = props[name]
        if spec.kind == "terms":  # BM25 with term frequencies and field lengths, as tantivy
            assert mapping == {"type": "text", "analyzer": TERM_ANALYZER,
                               "index_options": "freqs"}, name
        elif spec.kind == "positional":
            assert mapping == {"type": "text", "analyzer": WORDS_ANALYZER}, name
        elif spec.kind == "keyword":
            assert mapping == {"type": "keyword"}, name
        elif spec.kind == "stored":
            assert mapping["index"] is False, name
    assert props["page_json"]["index"] is False


def test_mappings_cover_every_document_field(enriched_seeds: dict) -> None:  # type: ignore[type-arg]
    from indexer.nlp.analysis import Analyzer
    from indexer.search.documents import page_documents

    documents = page_documents(enriched_seeds["adhd"], Analyzer.from_config(CONFIG_DIR))
    fields = {name for doc in documents for name in doc}
    assert fields <= set(mappings()["properties"]), fields - set(mappings()["properties"])


def test_index_body_shards_replicas_and_result_window() -> None:
    body = index_body(shards=3, replicas=2, max_result_window=1000)
    assert body["settings"]["number_of_shards"] == 3
    assert body["settings"]["number_of_replicas"] == 2
    assert body["settings"]["max_result_window"] >= 1000
    assert body["mappings"] == mappings()
    assert body["settings"]["analysis"] == analysis()
