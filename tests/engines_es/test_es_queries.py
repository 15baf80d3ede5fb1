"""The search layer's queries as Elasticsearch JSON (no server needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from indexer.engines.elastic.queries import aggregations, query_body
from indexer.nlp.analysis import Analyzer
from indexer.search import facets, plan
from indexer.search.clauses import Bool, MatchAll, OneOf, Phrase, Term
from indexer.search.query import parse_query
from indexer.search.vocabulary import Vocabulary
from indexer.settings import CONFIG_DIR

HOSTILE = ['"', "(", "title:x", "*", "/.*/", "~", "\\", "a AND b OR c", "x^10", "{!lucene}"]


def _walk(node: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair of a JSON tree."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((key, value))
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def test_each_node_has_its_elasticsearch_form() -> None:
    assert query_body(Term("body_terms", "magnesium", 2.5)) == {
        "term": {"body_terms": {"value": "magnesium", "boost": 2.5}}}
    assert query_body(Term("labels", "ADHD")) == {"term": {"labels": {"value": "ADHD"}}}
    assert query_body(OneOf("article_id", ("a", "b"))) == {"terms": {"article_id": ["a", "b"]}}
    assert query_body(Phrase("plain", ("chronische", "vermoeidheid"), 2.0)) == {
        "match_phrase": {"plain": {"query": "chronische vermoeidheid", "boost": 2.0}}}
    assert query_body(MatchAll()) == {"match_all": {}}
    body = query_body(Bool(must=(Term("a", "x"),), should=(Term("b", "y"),), min_should=1,
                           must_not=(Term("c", "z"),), filter=(Term("d", "w"),), boost=3.0))
    assert body == {"bool": {
        "must": [{"term": {"a": {"value": "x"}}}],
        "should": [{"term": {"b": {"value": "y"}}}],
        "must_not": [{"term": {"c": {"value": "z"}}}],
        "filter": [{"term": {"d": {"value": "w"}}}],
        "minimum_should_match": 1, "boost": 3.0,
    }}


def test_only_exclusions_select_everything_else() -> None:
    assert query_body(Bool(must_not=(Term("a", "x"),))) == {
        "bool": {"must_not": [{"term": {"a": {"value": "x"}}}], "must": [{"match_all": {}}]}}


def test_facets_are_terms_aggregations() -> None:
    aggs = aggregations(facets.REQUESTS)
    assert aggs["labels"] == {"terms": {"field": "labels", "size": 50}}
    assert aggs["entities"]["terms"]["field"] == "entity"


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_never_reaches_a_query_parser(text: str) -> None:
    analyzer = Analyzer.from_config(CONFIG_DIR)
    vocabulary = Vocabulary.build([("magnesium", 1)], [("Magnesium", "m")], [])
    planned = plan.plan_query(parse_query(text), analyzer, vocabulary)
    query = query_body(plan.all_words_query(planned, plan.article_filters((), ())))
    passages = query_body(plan.passage_query(planned, ("a",)))
    keys = {k for k, _ in _walk(query) + _walk(passages)}
    assert not keys & {"query_string", "simple_query_string", "regexp", "wildcard", "prefix",
                       "match", "multi_match", "fuzzy"}
    json.dumps(query)  # plain JSON
