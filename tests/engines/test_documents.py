"""EnrichedPage -> article and passage documents (shared by both engines)."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.nlp.analysis import Analyzer
from indexer.nlp.fingerprints import passage_bands
from indexer.pages.models import EnrichedPage
from indexer.search.documents import ARTICLE, PASSAGE, page_documents
from indexer.settings import CONFIG_DIR


@pytest.fixture(scope="module")
def documents(enriched_seeds: dict[str, EnrichedPage]) -> list[dict[str, Any]]:
    return page_documents(enriched_seeds["adhd"], Analyzer.from_config(CONFIG_DIR))


def test_one_article_then_one_document_per_passage(
    documents: list[dict[str, Any]], enriched_seeds: dict[str, EnrichedPage]
) -> None:
    page = enriched_seeds["adhd"]
    article, passages = documents[0], documents[1:]
    assert article["doc_type"] == ARTICLE and article["id"] == article["article_id"] == page.page.id
    assert [p["id"] for p in passages] == [p.passage.id for p in page.passages]
    assert all(p["doc_type"] == PASSAGE and p["article_id"] == page.page.id for p in passages)
    assert EnrichedPage.model_validate_json(article["page_json"]) == page


def test_article_fields(documents: list[dict[str, Any]]) -> None:
    article = documents[0]
    assert article["title"].startswith("ADHD en Magnesium")
    assert any("Bisglycinaat" in h for h in article["headings"])
    # Terms: synonyms of ADHD, compound parts, folded lemmas.
    for term in ("adhd", "aandachtstekortstoornis", "add", "bisglycinaat", "magnesium"):
        assert term in article["body_terms"], term
    assert "aandachtstekortstoornis" in article["title_terms"]
    assert "RECEPTOR:NMDA-receptor" in article["entity"]
    assert "NMDA-receptor" in article["entity_value"]
    assert "magnesium" in article["words"] and "de" not in article["words"]


def test_every_passage_term_is_an_article_term(documents: list[dict[str, Any]]) -> None:
    article_terms = set(documents[0]["body_terms"])
    for passage in documents[1:]:
        assert set(passage["body_terms"]) <= article_terms


def test_passage_fields(
    documents: list[dict[str, Any]], enriched_seeds: dict[str, EnrichedPage]
) -> None:
    source = enriched_seeds["adhd"].passages[3]
    passage = documents[4]
    assert passage["text"] == source.passage.text
    assert passage["passage_index"] == source.passage.index
    assert passage["anchor"] == (source.passage.anchor or "")
    assert passage["section_heading"] == (source.passage.section_heading or "")
    assert passage["bands"] == list(passage_bands(source.lemmas))
    assert passage["article_title"] == enriched_seeds["adhd"].page.title
