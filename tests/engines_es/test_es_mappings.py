"""The index settings and mappings JSON (no server needed)."""

from __future__ import annotations

from pathlib import Path

from indexer.engines.elastic.mappings import (
    SEARCH_ANALYZER,
    TERM_FIELDS,
    TEXT_ANALYZER,
    analysis,
    index_body,
    mappings,
    read_synonym_rules,
    synonym_rules,
)
from indexer.settings import CONFIG_DIR

RULES = ["adhd, add, aandachtstekortstoornis", "magnesium, mg"]


def _chain(body: dict, analyzer: str) -> list[str]:  # type: ignore[type-arg]
    return list(body["analyzer"][analyzer]["filter"])


def test_dutch_stop_words_stemmer_and_folding_with_original() -> None:
    body = analysis(RULES)
    filters = body["filter"]
    assert filters["nl_stop"] == {"type": "stop", "stopwords": "_dutch_"}
    assert filters["nl_stemmer"] == {"type": "stemmer", "language": "dutch"}
    assert filters["nl_folding"] == {"type": "asciifolding", "preserve_original": True}
    for name in (TEXT_ANALYZER, SEARCH_ANALYZER):
        chain = _chain(body, name)
        assert chain[0] == "lowercase"
        assert {"nl_stop", "nl_folding", "nl_stemmer"} <= set(chain)
        assert chain[-1] == "nl_stemmer"


def test_synonym_graph_is_in_the_search_analyzer_only() -> None:
    body = analysis(RULES)
    assert body["filter"]["nl_synonyms"]["type"] == "synonym_graph"
    assert body["filter"]["nl_synonyms"]["synonyms"] == RULES
    assert "nl_synonyms" in _chain(body, SEARCH_ANALYZER)
    # Before stop words: multi-word rules must see every word.
    search = _chain(body, SEARCH_ANALYZER)
    assert search.index("nl_synonyms") < search.index("nl_stop")
    assert "nl_synonyms" not in _chain(body, TEXT_ANALYZER)


def test_no_synonym_filter_without_rules() -> None:
    body = analysis([])
    assert "nl_synonyms" not in body["filter"]
    assert "nl_synonyms" not in _chain(body, SEARCH_ANALYZER)


def test_minimal_profile_leaves_out_stemmer_and_synonyms_only() -> None:
    body = analysis(RULES, profile="minimal")
    assert "nl_stemmer" not in body["filter"] and "nl_synonyms" not in body["filter"]
    assert body["filter"]["nl_folding"]["preserve_original"] is True
    assert _chain(body, TEXT_ANALYZER) == ["lowercase", "nl_stop", "nl_folding"]


def test_synonym_rules_come_from_the_config_file_in_solr_format() -> None:
    rules = read_synonym_rules(CONFIG_DIR / "synonyms.txt")
    assert rules, "config/synonyms.txt has rules"
    assert not any(rule.startswith("#") for rule in rules)
    assert any("aandachtstekortstoornis" in rule for rule in rules)
    assert synonym_rules(["# c", "", "  a, b  ", "x => y"]) == ["a, b", "x => y"]
    assert read_synonym_rules(Path("/nonexistent/synonyms.txt")) == []


def test_mappings_keyword_fields_and_term_vectors() -> None:
    body = mappings()
    props = body["properties"]
    assert body["dynamic"] == "strict"
    for name in ("id", "doc_type", "article_id", "labels", "entity", "entity_value", "bands",
                 "words", *TERM_FIELDS):
        assert props[name]["type"] == "keyword", name
    for name in ("title", "headings", "body", "text"):
        assert props[name]["type"] == "text"
        assert props[name]["analyzer"] == TEXT_ANALYZER
        assert props[name]["search_analyzer"] == SEARCH_ANALYZER
        assert props[name]["term_vector"] == "with_positions_offsets"
    assert props["page_json"]["index"] is False


def test_mappings_cover_every_document_field(enriched_seeds: dict) -> None:  # type: ignore[type-arg]
    from indexer.nlp.analysis import Analyzer
    from indexer.search.documents import page_documents

    documents = page_documents(enriched_seeds["adhd"], Analyzer.from_config(CONFIG_DIR))
    fields = {name for doc in documents for name in doc}
    assert fields <= set(mappings()["properties"]), fields - set(mappings()["properties"])


def test_index_body_shards_replicas_and_result_window() -> None:
    body = index_body(shards=3, replicas=2, synonyms=RULES, max_result_window=1000)
    assert body["settings"]["number_of_shards"] == 3
    assert body["settings"]["number_of_replicas"] == 2
    assert body["settings"]["max_result_window"] >= 1000
    assert body["mappings"] == mappings()
    assert body["settings"]["analysis"] == analysis(RULES)
