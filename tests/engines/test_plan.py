"""Query planning: a visitor's text, read against an index's vocabulary, as engine-neutral
queries (no engine needed). Both engines run exactly these queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from indexer.nlp.analysis import Analyzer
from indexer.search import plan, ranking
from indexer.search.clauses import Bool, OneOf, Phrase, Query, Term
from indexer.search.query import parse_query
from indexer.search.vocabulary import Vocabulary
from indexer.settings import CONFIG_DIR

WORDS = {"magnesium": 3, "depressie": 2, "hoofdpijn": 1, "kinderen": 2, "patienten": 1,
         "bisglycinaat": 1, "de": 5, "tekort": 1, "gimp": 59}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    titles = [(f"Pagina {i}", f"p{i}") for i in range(60)]
    return Vocabulary.build(WORDS.items(), titles, [])


def planned(text: str, analyzer: Analyzer, vocabulary: Vocabulary) -> plan.QueryPlan:
    return plan.plan_query(parse_query(text), analyzer, vocabulary)


def nodes(node: Any) -> Iterator[Any]:
    """Every node of a query tree."""
    yield node
    for name in ("must", "should", "must_not", "filter", "queries"):
        for child in getattr(node, name, ()):
            yield from nodes(child)


def terms(node: Query, field: str) -> set[str]:
    return {n.value for n in nodes(node) if isinstance(n, Term) and n.field == field}


def test_every_required_word_must_match(analyzer: Analyzer, vocabulary: Vocabulary) -> None:
    query = plan.all_words_query(planned("magnesium bisglycinaat", analyzer, vocabulary), ())
    assert isinstance(query, Bool)
    (required,) = query.must
    assert isinstance(required, Bool) and len(required.must) == 2


def test_question_words_and_stop_words_are_never_required(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    words = planned("hoe kan ik magnesium gebruiken", analyzer, vocabulary).words
    assert [w.folded for w in words] == ["magnesium", "gebruiken"]


def test_a_word_most_articles_hold_is_optional(analyzer: Analyzer, vocabulary: Vocabulary) -> None:
    """"gimp" is on every page: it ranks, but an article without it is still found."""
    query_plan = planned("gimp bisglycinaat", analyzer, vocabulary)
    assert [w.folded for w in query_plan.required] == ["bisglycinaat"]
    query = plan.all_words_query(query_plan, ())
    assert isinstance(query, Bool)
    assert terms(query.must[0], "body_terms") == {"bisglycinaat"}
    assert "gimp" in terms(Bool(should=query.should), "body_terms")
    # Alone, a common word is required all the same.
    assert planned("gimp", analyzer, vocabulary).required


def test_boosts_rank_title_over_headings_over_entities_over_body(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    (word,) = planned("magnesium", analyzer, vocabulary).words
    boosts = {n.field: n.boost for n in nodes(plan.word_query(word, "article"))
              if isinstance(n, Term) and n.value == "magnesium"}
    assert boosts["title_terms"] > boosts["heading_terms"] > boosts["entity_terms"]
    assert boosts["entity_terms"] > boosts["body_terms"] > boosts["stems"]


def test_synonyms_lemmas_folding_and_stems_become_exact_terms(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    query = plan.all_words_query(planned("Patiënten ADHD", analyzer, vocabulary), ())
    assert {"patienten", "patient", "adhd", "aandachtstekortstoornis"} <= terms(
        query, "body_terms")
    assert "patient" in terms(query, "stems")


def test_compound_parts_must_all_match(analyzer: Analyzer, vocabulary: Vocabulary) -> None:
    (word,) = planned("magnesiumtekort", analyzer, vocabulary).words
    query = plan.word_query(word, "article")
    parts = [n for n in nodes(query) if isinstance(n, Bool) and len(n.must) == 2]
    assert len(parts) == 1 and parts[0].boost == ranking.PARTS_BOOST
    assert [terms(p, "body_terms") for p in parts[0].must] == [{"magnesium"}, {"tekort"}]


def test_an_unknown_word_matches_known_words_within_its_typo_distance(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    (word,) = planned("magnesuim", analyzer, vocabulary).words
    assert word.near == ("magnesium",)
    query = plan.word_query(word, "article")
    exact = [n for n in nodes(query) if isinstance(n, Term) and n.value == "magnesuim"]
    typo = [n for n in nodes(query) if isinstance(n, Term) and n.value == "magnesium"]
    assert typo and max(t.boost for t in typo) < max(e.boost for e in exact)
    # A known word gets no typo candidates: nothing to correct.
    (known,) = planned("magnesium", analyzer, vocabulary).words
    assert known.near == ()


def test_an_unknown_last_word_matches_as_the_start_of_a_known_word(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    """"dep" + Enter: what the suggestions show ("depressie") is what is searched."""
    (word,) = planned("dep", analyzer, vocabulary).words
    assert word.near == ("depressie",)


def test_words_that_may_be_a_compound_match_apart_or_whole(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    """"hoofd pijn kinderen", where the index knows "hoofdpijn": both words and kinderen, or
    the compound and kinderen. Compounds the index does not know cost nothing."""
    query_plan = planned("hoofd pijn kinderen", analyzer, vocabulary)
    assert [r.forms for r in query_plan.runs] == [("hoofdpijn",)]
    query = plan.all_words_query(query_plan, ())
    assert isinstance(query, Bool)
    (either,) = query.must
    assert isinstance(either, Bool) and either.min_should == 1
    apart, whole, in_title = either.should
    assert isinstance(apart, Bool) and len(apart.must) == 3
    assert isinstance(whole, Bool) and len(whole.must) == 2
    compound, other = whole.must
    assert isinstance(compound, Bool) and compound.boost == ranking.JOINED_BOOST
    assert "hoofdpijn" in terms(compound, "title_terms")
    assert other == apart.must[2]  # kinderen
    assert isinstance(in_title, Bool) and in_title.min_should == 2
    assert planned("pijn hoofd", analyzer, vocabulary).runs == ()


def test_phrases_and_exclusions(analyzer: Analyzer, vocabulary: Vocabulary) -> None:
    query = plan.all_words_query(
        planned('"magnesium bisglycinaat" -adhd', analyzer, vocabulary), ())
    assert isinstance(query, Bool)
    phrases = [n for n in nodes(query) if isinstance(n, Phrase)]
    assert Phrase("plain", ("magnesium", "bisglycinaat")) in phrases
    excluded = {v for n in query.must_not if isinstance(n, OneOf) for v in n.values}
    assert "adhd" in excluded


def test_filters_are_unscored_term_filters() -> None:
    filters = plan.article_filters(("#ADHD",), ("NMDA-receptor", "RECEPTOR:NMDA-receptor"))
    assert filters == (
        Term("doc_type", "article"), Term("labels", "ADHD"),
        Term("entity_value", "NMDA-receptor"), Term("entity", "RECEPTOR:NMDA-receptor"),
    )


def test_passage_query_is_limited_to_the_hit_articles(
    analyzer: Analyzer, vocabulary: Vocabulary
) -> None:
    query = plan.passage_query(planned("magnesium", analyzer, vocabulary), ("a", "b"))
    assert isinstance(query, Bool)
    assert OneOf("article_id", ("a", "b")) in query.filter
    assert Term("doc_type", "passage") in query.filter
