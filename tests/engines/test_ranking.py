"""Titles re-rank the best hits (indexer/search/ranking.py): no engine needed."""

from __future__ import annotations

from indexer.search.ranking import QueryWord, title_score, title_words

STOP = frozenset({"de", "het", "van", "en", "in"})


def word(*spellings: str, weight: float = 1.0) -> QueryWord:
    return QueryWord(frozenset(spellings), weight)


def test_numbering_is_no_part_of_a_title() -> None:
    """"Hoofdstuk 16." and "5.3." are not typed by visitors: the title is the rest."""
    assert title_words("hoofdstuk 16 menu s", STOP, keep_numbers=False) == ["menu", "s"]
    assert title_words("5 3 toon alles", STOP, keep_numbers=False) == ["toon", "alles"]
    assert title_words("stap 2 de knop", STOP, keep_numbers=True) == ["stap", "2", "knop"]
    assert title_words("de hoofdstuk van het boek", STOP, keep_numbers=False) == [
        "hoofdstuk", "boek"]


def test_the_title_that_is_the_query_scores_highest() -> None:
    query = [word("tabel"), word("invoegen")]
    exact = title_score(query, "3 2 tabel invoegen", STOP)
    longer = title_score(query, "een tabel invoegen in een document", STOP)
    one_word = title_score(query, "invoegen", STOP)
    assert exact > longer > one_word > 0
    assert title_score(query, "afbeelding bewerken", STOP) == 0


def test_a_lemma_counts_and_any_of_several_titles() -> None:
    query = [word("tabel")]
    assert title_score(query, "tabellen", STOP) == title_score(query, "tabel", STOP)
    assert title_score(query, "iets anders\ntabel", STOP) == title_score(query, "tabel", STOP)


def test_all_of_the_title_and_all_but_one_of_three_words() -> None:
    query = [word("tabel"), word("invoegen"), word("snel", weight=3.0)]
    near = title_score(query, "tabel invoegen", STOP)
    assert near > title_score(query, "snel werken", STOP)
    assert near < title_score(query, "snel tabel invoegen", STOP)


def test_a_compound_typed_apart_matches_the_title_that_has_it_whole() -> None:
    query = [word("hoofd"), word("pijn")]
    assert title_score(query, "hoofdpijn", STOP) == 0
    joined = [(0, 2, frozenset({"hoofdpijn"}))]
    assert title_score(query, "hoofdpijn", STOP, joined) == title_score(
        query, "hoofd pijn", STOP)
