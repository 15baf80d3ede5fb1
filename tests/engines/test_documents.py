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
    assert any("bisglycinaat" in text.split() for text in article["plain"][1:])
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
        assert set(passage["passage_terms"]) <= article_terms


def test_body_terms_and_stems_count_as_often_as_the_text_has_them(
    documents: list[dict[str, Any]]
) -> None:
    """An engine sees term frequencies: a page that says "magnesium" twenty times holds the
    term twenty times, in the passages and in the article (the sum of its passages)."""
    article, passages = documents[0], documents[1:]
    in_passages = sum(p["passage_terms"].count("magnesium") for p in passages)
    assert article["body_terms"].count("magnesium") == in_passages > 10
    assert article["body_terms"] == sorted(article["body_terms"])
    assert article["stems"].count("magnesium") > 10


def test_titles_are_matched_by_terms_and_compared_by_their_words(
    enriched_seeds: dict[str, EnrichedPage]
) -> None:
    """A page's other titles (an HTML <title>) are title text too; `title_key` holds each
    title's folded words in order, a line each, for ranking; `plain` the same for phrases."""
    page = enriched_seeds["adhd"]
    renamed = page.model_copy(update={"page": page.page.model_copy(update={
        "alt_titles": ("Bisglycinaat in tabellen – Gezond Brein",)})})
    article = page_documents(renamed, Analyzer.from_config(CONFIG_DIR))[0]
    assert article["title"] == page.page.title
    assert {"tabel", "tabellen", "brein"} <= set(article["title_terms"])
    first, second = article["title_key"].split("\n")
    assert first.split()[:3] == ["adhd", "en", "magnesium"]
    assert second == "bisglycinaat in tabellen gezond brein"
    assert article["plain"][1] == "bisglycinaat in tabellen gezond brein"


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


def test_the_grains_search_fields_of_their_own(documents: list[dict[str, Any]]) -> None:
    """An engine's BM25 statistics of a field are those of one grain: no searched field is
    on both articles and passages (only the keywords for filters are)."""
    from indexer.search.fields import FIELDS

    article, passage = set(documents[0]), set(documents[1])
    searched = {name for name, spec in FIELDS.items() if spec.kind in ("terms", "positional")}
    assert not searched & article & passage
    assert {"body_terms", "stems", "plain"} <= article
    assert {"passage_terms", "passage_stems", "passage_plain"} <= passage
