"""Hybrid ranking (indexer/search/hybrid.py): the fusion of the lexical and semantic rankings
of articles and the choice of a hit's passage. Pure functions, known answers."""

from __future__ import annotations

import pytest

from indexer.search.hybrid import RRF_K, ScoredPassage, fuse, pick_passage
from indexer.search.query import parse_query
from indexer.search.snippets import Matcher, PassageCandidate


def ids(fused: list[tuple[str, float]]) -> list[str]:
    return [article for article, _ in fused]


def full(*articles: str) -> list[tuple[str, float]]:
    return [(article, 1.0) for article in articles]


def test_ratio_zero_is_the_lexical_order_and_adds_nothing() -> None:
    assert ids(fuse(full("a", "b", "c"), ["d", "c"], 0.0)) == ["a", "b", "c"]


def test_ratio_one_is_the_semantic_order_only() -> None:
    assert ids(fuse(full("a", "b"), ["c", "b"], 1.0)) == ["c", "b"]


def test_an_article_both_rank_high_comes_first() -> None:
    fused = fuse(full("a", "b", "c"), ["b", "d", "a"], 0.5)
    assert ids(fused) == ["b", "a", "d", "c"]
    scores = [score for _, score in fused]
    assert scores == sorted(scores, reverse=True)
    assert fused[0][1] == pytest.approx(0.5 / (RRF_K + 2) + 0.5 / (RRF_K + 1))


def test_the_weight_decides_between_the_two_first_places() -> None:
    assert ids(fuse(full("a"), ["b"], 0.4))[0] == "a"
    assert ids(fuse(full("a"), ["b"], 0.6))[0] == "b"
    assert ids(fuse(full("a"), ["b"], 0.5)) == ["a", "b"]  # a tie keeps the lexical order


def test_pinned_title_matches_keep_their_places() -> None:
    fused = fuse(full("title", "a", "b"), ["b", "a", "x"], 0.9, pinned=1)
    assert ids(fused)[0] == "title"
    assert fused[0][1] > fused[1][1]
    assert "title" in ids(fuse(full("title"), ["x"], 1.0, pinned=1))


def test_a_partial_lexical_hit_weighs_by_the_share_of_the_query_it_holds() -> None:
    # "b" holds one common word of a question: the semantic first place outranks it.
    lexical = [("b", 0.1), ("c", 0.1)]
    assert ids(fuse(lexical, ["c", "b"], 0.3)) == ["c", "b"]
    assert ids(fuse([("b", 1.0), ("c", 1.0)], ["c", "b"], 0.3)) == ["b", "c"]


def candidate(text: str) -> PassageCandidate:
    return PassageCandidate(score=1.0, heading=None, anchor=None, text=text)


def test_a_hit_shows_the_passage_near_the_question_when_words_do_not_tell() -> None:
    matcher = Matcher.for_query(parse_query("hoeveel magnesium per dag"), _analyzer())
    lexical = candidate("Magnesium is een mineraal.")
    dose = candidate("Een volwassene heeft er dagelijks zo'n driehonderd milligram van nodig.")
    near = [ScoredPassage(0.90, dose), ScoredPassage(0.85, lexical)]
    assert pick_passage(lexical, near, matcher, 0.6) is dose
    assert pick_passage(lexical, near, matcher, 0.5) is lexical  # a tie: the lexical one
    assert pick_passage(lexical, near, matcher, 0.0) is lexical
    assert pick_passage(lexical, (), matcher, 0.5) is lexical
    assert pick_passage(None, near, matcher, 1.0) is dose


def test_a_passage_with_every_word_keeps_its_place_at_a_low_ratio() -> None:
    matcher = Matcher.for_query(parse_query("magnesium bisglycinaat"), _analyzer())
    words = candidate("Magnesium bisglycinaat is een chelaatvorm.")
    other = candidate("Een tekort kan leiden tot een disbalans.")
    near = [ScoredPassage(0.90, other), ScoredPassage(0.86, words)]
    assert pick_passage(words, near, matcher, 0.3) is words
    assert pick_passage(words, near, matcher, 0.9) is other


def _analyzer():  # type: ignore[no-untyped-def]
    from indexer.nlp.analysis import Analyzer
    from indexer.settings import CONFIG_DIR

    return Analyzer.from_config(CONFIG_DIR)
