"""Titles re-rank the best hits (indexer/search/ranking.py): no engine needed."""

from __future__ import annotations

from indexer.search.ranking import TITLE_SAME_WORDS, QueryWord, title_score, title_words

STOP = frozenset({"de", "het", "van", "en", "in"})


def word(*spellings: str, weight: float = 1.0, filler: bool = False,
         soft: bool = False) -> QueryWord:
    return QueryWord(frozenset(spellings), weight, filler, soft or filler)


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
    exact = title_score(query, "tabel", STOP)
    assert exact - TITLE_SAME_WORDS == title_score(query, "tabellen", STOP)
    assert title_score(query, "iets anders\ntabel", STOP) == exact


def test_all_of_the_title_and_all_but_one_of_three_words() -> None:
    query = [word("tabel"), word("invoegen"), word("snel", weight=3.0)]
    near = title_score(query, "tabel invoegen", STOP)
    assert near > title_score(query, "snel werken", STOP)
    assert near < title_score(query, "snel tabel invoegen", STOP)


def test_a_compound_typed_apart_matches_the_title_that_has_it_whole() -> None:
    query = [word("hoofd"), word("pijn")]
    assert title_score(query, "hoofdpijn", STOP) == 0
    joined = [(0, 2, frozenset({"hoofdpijn"}))]
    whole = title_score(query, "hoofdpijn", STOP, joined)
    assert whole > title_score(query, "hoofdpijn bij kinderen", STOP, joined)
    assert whole == title_score(query, "hoofd pijn", STOP) - TITLE_SAME_WORDS


def test_fillers_need_not_be_in_the_title_but_count_when_they_are() -> None:
    query = [word("gebruik", filler=True), word("snelmasker")]
    with_it = title_score(query, "gebruik van het snelmasker", STOP)
    without = title_score(query, "het snelmasker", STOP)
    assert with_it > without > title_score(query, "snelmasker instellen", STOP)


def test_a_title_that_is_one_of_two_words_when_the_other_is_soft() -> None:
    assert title_score([word("hulp"), word("gebruiken", soft=True)], "hulp", STOP) > 1
    assert title_score([word("magnesium"), word("hoofdpijn")], "magnesium", STOP) < 1


def test_the_word_as_typed_beats_another_form_of_it() -> None:
    query = [word("penseel")]
    assert title_score(query, "penseel", STOP) > title_score(query, "penselen", STOP)
