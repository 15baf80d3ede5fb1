"""Parsing what a visitor typed: words, phrases, exclusions, limits, typo tolerance, paging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.errors import QueryError
from indexer.search.query import check_paging, fuzzy_distance, parse_query


def test_words_phrases_and_exclusions() -> None:
    query = parse_query('magnesium "tekort aan magnesium" -adhd depressie')
    assert query.words == ("magnesium", "depressie")
    assert query.phrases == (("tekort", "aan", "magnesium"),)
    assert query.excluded == ("adhd",)
    assert query.all_words() == ("magnesium", "depressie", "tekort", "aan")


def test_a_hyphen_inside_a_word_is_no_exclusion() -> None:
    query = parse_query("NMDA-receptor -x")
    assert query.words == ("NMDA", "receptor") and query.excluded == ("x",)


def test_a_quoted_single_word_is_a_word() -> None:
    assert parse_query('"magnesium"').words == ("magnesium",)
    assert parse_query('"magnesium"').phrases == ()


def test_an_unmatched_quote_is_punctuation() -> None:
    query = parse_query('"magnesium tekort')
    assert query.words == ("magnesium", "tekort") and query.phrases == ()


@pytest.mark.parametrize("text", ['"', "(", "*", "/.*/", "~", "\\", "", "   ", "-", '""', "-x"])
def test_syntax_only_queries_are_empty(text: str) -> None:
    assert parse_query(text).is_empty


def test_query_syntax_is_just_words() -> None:
    assert parse_query("title:x AND y^2 z~1").words == ("title", "x", "AND", "y", "2", "z", "1")


def test_a_long_query_is_rejected() -> None:
    parse_query("a" * 500, max_chars=500)
    with pytest.raises(QueryError, match="too long"):
        parse_query("a" * 501, max_chars=500)


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        query = parse_query(text, max_chars=150)
    except QueryError:
        assert len(text) > 150
        return
    assert all(query.words) and all(all(p) for p in query.phrases)


def test_any_long_text_raises_only_query_error() -> None:
    with pytest.raises(QueryError):
        parse_query("(" * 10_000)


@pytest.mark.parametrize(
    ("word", "distance"),
    [("mg", 0), ("adhd", 0), ("tekrt", 1), ("magnesuim", 2), ("depressie", 2), ("klachten", 1)],
)
def test_typo_tolerance_grows_with_word_length(word: str, distance: int) -> None:
    assert fuzzy_distance(word) == distance


def test_paging_caps() -> None:
    assert check_paging(1, 10, 50, 1000) == 0
    assert check_paging(20, 50, 50, 1000) == 950
    for page, size in ((21, 50), (1, 51), (0, 10), (1, 0), (101, 10)):
        with pytest.raises(QueryError):
            check_paging(page, size, 50, 1000)


def test_repeated_words_count_once_and_words_are_capped() -> None:
    assert parse_query("Magnesium magnesium tekort").words == ("Magnesium", "tekort")
    many = parse_query(" ".join(f"woord{i}" for i in range(40)))
    assert many.words == tuple(f"woord{i}" for i in range(16))
    phrases = parse_query(" ".join(f'"a{i} b{i}"' for i in range(10)))
    assert len(phrases.phrases) == 4


@pytest.mark.parametrize(("text", "words"), [
    ("datum en -tijd", ("datum", "en", "tijd")),
    ("in- en uitvoer", ("in", "en", "uitvoer")),
    ("spier- of -zenuwpijn", ("spier", "of", "zenuwpijn")),
    ("e-mail", ("e", "mail")),
    ("ADHD-diagnose", ("ADHD", "diagnose")),
    ("10-jarig kind", ("10", "jarig", "kind")),
])
def test_dutch_hyphens_and_elisions_are_text(text: str, words: tuple[str, ...]) -> None:
    """After "en", "of" or "tot" a leading hyphen leaves out a shared compound part."""
    parsed = parse_query(text)
    assert parsed.words == words and parsed.excluded == ()


@pytest.mark.parametrize(("text", "words", "excluded"), [
    ("magnesium -adhd", ("magnesium",), ("adhd",)),
    ("-adhd magnesium", ("magnesium",), ("adhd",)),
    ("klok -tijd -datum", ("klok",), ("tijd", "datum")),
])
def test_a_leading_hyphen_after_a_space_still_excludes(
    text: str, words: tuple[str, ...], excluded: tuple[str, ...]
) -> None:
    parsed = parse_query(text)
    assert parsed.words == words and parsed.excluded == excluded


def test_a_quote_inside_a_word_quotes_nothing() -> None:
    """Pasted text ("deb"-bestanden) is words; quotes at word boundaries make a phrase."""
    pasted = parse_query('debian-pakketten deb"-bestanden of rpm"-bestanden')
    assert pasted.phrases == () and "bestanden" in pasted.words
    assert parse_query('zoek "chronische vermoeidheid".').phrases == (
        ("chronische", "vermoeidheid"),)


def test_in_a_long_query_a_leading_hyphen_is_text() -> None:
    """More than six words is a sentence written or pasted ("ld: cannot find -lfoo"), not a
    keyword query with exclusions."""
    pasted = parse_query("waarom meldt de linker cannot find -lfoo bij het compileren")
    assert pasted.excluded == () and "lfoo" in pasted.words
    assert parse_query("slaap tips kinderen avond bed -melatonine").excluded == ("melatonine",)
