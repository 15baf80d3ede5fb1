"""The search query JSON built from what a visitor typed (no server needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from indexer.engines.elastic import queries as es_queries
from indexer.nlp.analysis import Analyzer
from indexer.search.query import parse_query
from indexer.settings import CONFIG_DIR

HOSTILE = ['"', "(", "title:x", "*", "/.*/", "~", "\\", "a AND b OR c", "x^10", "{!lucene}"]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


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


def _multi_match(query: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for k, v in _walk(query) if k == "multi_match"]


@pytest.mark.parametrize(
    ("word", "distance"), [("mag", 0), ("adhd", 0), ("depri", 1), ("magnesuim", 2), ("hersenen", 1)]
)
def test_fuzziness_follows_the_typo_rule_and_keeps_the_first_letter(
    analyzer: Analyzer, word: str, distance: int
) -> None:
    query = es_queries.article_query(parse_query(word), analyzer)
    (clause,) = _multi_match(query)
    assert clause["fuzziness"] == distance
    assert clause["prefix_length"] == 1


def test_every_word_must_match_then_any_as_fallback(analyzer: Analyzer) -> None:
    parsed = parse_query("magnesium 300")  # no compound can be made of these
    strict = es_queries.article_query(parsed, analyzer)
    assert len(strict["bool"]["must"]) == 2
    loose = es_queries.article_query(parsed, analyzer, all_words=False)
    (either,) = loose["bool"]["must"]
    assert either["bool"]["minimum_should_match"] == 1
    assert len(either["bool"]["should"]) == 2


def test_words_that_may_be_a_compound_match_apart_or_whole(analyzer: Analyzer) -> None:
    """"hoofd pijn kinderen", where the index knows "hoofdpijn": both words and kinderen, or
    the compound and kinderen. Compounds the index does not know cost nothing."""
    parsed = parse_query("hoofd pijn kinderen")
    known = {"hoofdpijn"}.__contains__
    strict = es_queries.article_query(parsed, analyzer, known=known)
    (either,) = strict["bool"]["must"]
    apart, whole = either["bool"]["should"]
    assert either["bool"]["minimum_should_match"] == 1
    assert len(apart["bool"]["must"]) == 3
    compound, other = whole["bool"]["must"]
    assert compound["bool"]["boost"] == es_queries.JOINED_BOOST
    assert compound["bool"]["should"][0]["terms"]["title_terms"] == ["hoofdpijn"]
    assert other == apart["bool"]["must"][2]  # kinderen
    loose = es_queries.article_query(parse_query("hoofd pijn"), analyzer, all_words=False,
                                     known=known)
    assert len(loose["bool"]["must"][0]["bool"]["should"]) == 3  # each word, or the compound
    for unknown in (None, {"iets"}.__contains__):
        assert len(es_queries.article_query(parsed, analyzer, known=unknown)["bool"]["must"]) == 3


def test_boosts_rank_title_over_headings_over_entities_over_body(analyzer: Analyzer) -> None:
    query = es_queries.article_query(parse_query("magnesium"), analyzer)
    boosts = {
        field: spec["boost"]
        for key, value in _walk(query) if key == "terms"
        for field, spec in [(f, value) for f in value if f != "boost"]
    }
    assert boosts["title_terms"] > boosts["heading_terms"] > boosts["entity_terms"]
    assert boosts["entity_terms"] > boosts["body_terms"]
    fields = _multi_match(query)[0]["fields"]
    weight = {f.split("^")[0]: float(f.split("^")[1]) for f in fields}
    assert weight["title"] > weight["headings"] > weight["body"]


def test_synonyms_lemmas_and_folding_become_exact_terms(analyzer: Analyzer) -> None:
    query = es_queries.article_query(parse_query("Patiënten ADHD"), analyzer)
    terms = {t for k, v in _walk(query) if k == "terms" for t in v.get("body_terms", [])}
    assert {"patienten", "patient", "adhd", "aandachtstekortstoornis"} <= terms


def test_compound_parts_must_all_match(analyzer: Analyzer) -> None:
    query = es_queries.article_query(parse_query("magnesiumtekort"), analyzer)
    parts = [
        v["must"] for k, v in _walk(query)
        if k == "bool" and isinstance(v, dict) and "must" in v
        and all("term" in c for c in v["must"])
    ]
    assert [sorted(c["term"]["body_terms"] for c in p) for p in parts] == [
        ["magnesium", "tekort"]
    ]


def test_typo_candidates_from_the_vocabulary_are_matched_below_exact_terms(
    analyzer: Analyzer,
) -> None:
    near = {"magnesuim": ["magnesium"]}
    query = es_queries.article_query(parse_query("magnesuim"), analyzer, near=near)
    exact = [v for k, v in _walk(query) if k == "terms" and "magnesuim" in v.get("body_terms", [])]
    typo = [v for k, v in _walk(query) if k == "terms" and "magnesium" in v.get("body_terms", [])]
    assert exact and typo and typo[0]["boost"] < exact[0]["boost"]


def test_phrases_are_match_phrase_and_exclusions_must_not(analyzer: Analyzer) -> None:
    query = es_queries.article_query(parse_query('"magnesium bisglycinaat" -adhd'), analyzer)
    phrases = [v for k, v in _walk(query) if k == "match_phrase"]
    assert phrases and all(
        spec["query"] == "magnesium bisglycinaat" for p in phrases for spec in p.values()
    )
    excluded = {t for clause in query["bool"]["must_not"] for v in clause["terms"].values()
                for t in v}
    assert "adhd" in excluded


def test_filters_are_term_filters(analyzer: Analyzer) -> None:
    query = es_queries.article_query(
        parse_query("magnesium"), analyzer, labels=("#ADHD",),
        entities=("NMDA-receptor", "RECEPTOR:NMDA-receptor"),
    )
    filters = query["bool"]["filter"]
    assert {"term": {"doc_type": "article"}} in filters
    assert {"term": {"labels": "ADHD"}} in filters
    assert {"term": {"entity_value": "NMDA-receptor"}} in filters
    assert {"term": {"entity": "RECEPTOR:NMDA-receptor"}} in filters
    assert all(set(f) == {"term"} for f in filters)


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_never_reaches_a_query_parser(analyzer: Analyzer, text: str) -> None:
    query = es_queries.article_query(parse_query(text), analyzer)
    passages = es_queries.passage_query(parse_query(text), analyzer, ["a"])
    keys = {k for k, _ in _walk(query) + _walk(passages)}
    assert not keys & {"query_string", "simple_query_string", "regexp", "wildcard", "prefix"}
    json.dumps(query)  # plain JSON


def test_passage_query_is_limited_to_the_hit_articles(analyzer: Analyzer) -> None:
    query = es_queries.passage_query(parse_query("magnesium"), analyzer, ["a", "b"])
    assert {"terms": {"article_id": ["a", "b"]}} in query["bool"]["filter"]
    assert {"term": {"doc_type": "passage"}} in query["bool"]["filter"]
    assert query["bool"]["minimum_should_match"] == 1


def test_bands_are_one_terms_query_on_the_bands_keyword() -> None:
    query = es_queries.bands_query(["0:ab", "1:cd"], exclude_article="x")
    terms = [v for k, v in _walk(query) if k == "terms"]
    assert terms == [{"bands": ["0:ab", "1:cd"]}]
    assert query["bool"]["must_not"] == [{"term": {"article_id": "x"}}]


def test_more_like_this_weighs_rare_lemmas_and_excludes_the_article(
    analyzer: Analyzer,
) -> None:
    text = "Magnesium en depressie: magnesium helpt bij depressies."
    counts = es_queries.weighted_terms(text, analyzer)
    assert counts["magnesium"] == 2 and counts["depressie"] == 2 and "en" not in counts
    weights = es_queries.term_weights(counts, {"magnesium": 10, "depressie": 2}, total=10)
    assert [term for term, _ in weights] == ["depressie", "magnesium"]  # rarer weighs more
    query = es_queries.more_like_this_query(text, weights, exclude_article="x")
    (mlt,) = [v for k, v in _walk(query) if k == "more_like_this"]
    assert mlt["like"] == text and mlt["boost"] < 1
    boosted = {v["body_terms"]["value"]: v["body_terms"]["boost"]
               for k, v in _walk(query) if k == "term" and "body_terms" in v}
    assert boosted["depressie"] > boosted["magnesium"]
    assert query["bool"]["must_not"] == [{"term": {"article_id": "x"}}]


def test_facets_aggregate_labels_and_typed_entities() -> None:
    aggs = es_queries.facet_aggregations()
    assert aggs["labels"]["terms"]["field"] == "labels"
    assert aggs["entities"]["terms"]["field"] == "entity"
