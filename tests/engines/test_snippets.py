"""Snippets: escaped first, only <mark> added; windows around the matches; best passage."""

from __future__ import annotations

import re

import pytest

from indexer.nlp.analysis import Analyzer
from indexer.search.query import parse_query
from indexer.search.snippets import Matcher, PassageCandidate, best_passage, highlight
from indexer.settings import CONFIG_DIR


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


def matcher(analyzer: Analyzer, text: str) -> Matcher:
    return Matcher.for_query(parse_query(text), analyzer)


def test_markup_in_the_text_is_escaped_and_only_marks_added(analyzer: Analyzer) -> None:
    text = "Let op <script>alert(1)</script> & <img src=x onerror=alert(1)> bij magnesium."
    snippet = highlight(text, matcher(analyzer, "magnesium script"))
    assert "<script>" not in snippet and "<img" not in snippet
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in snippet
    assert "&amp;" in snippet and "<mark>magnesium</mark>" in snippet
    assert set(re.findall(r"<[^>]*>", snippet)) == {"<mark>", "</mark>"}


def test_marks_forms_lemmas_parts_and_typos(analyzer: Analyzer) -> None:
    text = "Depressieve patiënten met een magnesiumtekort hadden depressies."
    marked = re.findall(r"<mark>(.*?)</mark>", highlight(text, matcher(analyzer, "depressie")))
    assert marked == ["Depressieve", "depressies"]
    marked = re.findall(r"<mark>(.*?)</mark>", highlight(text, matcher(analyzer, "patienten")))
    assert marked == ["patiënten"]
    marked = re.findall(r"<mark>(.*?)</mark>", highlight(text, matcher(analyzer, "magnesuim")))
    assert marked == ["magnesiumtekort"]  # a part within the typo's distance


def test_excluded_and_stop_words_are_not_marked(analyzer: Analyzer) -> None:
    snippet = highlight("de magnesium en de adhd", matcher(analyzer, "de magnesium -adhd"))
    assert snippet == "de <mark>magnesium</mark> en de adhd"


def test_a_long_text_is_cut_around_the_matches(analyzer: Analyzer) -> None:
    text = " ".join(["vulwoord"] * 100 + ["magnesium", "tekort"] + ["vulwoord"] * 100)
    snippet = highlight(text, matcher(analyzer, "magnesium"), max_chars=120)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>magnesium</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 124


def test_nothing_matching_gives_the_start_of_the_text(analyzer: Analyzer) -> None:
    text = "Eerste zin. " + "Meer tekst. " * 50
    snippet = highlight(text, matcher(analyzer, "magnesium"), max_chars=40)
    assert snippet.startswith("Eerste zin.") and "<mark>" not in snippet


def test_best_passage_prefers_more_distinct_matching_words(analyzer: Analyzer) -> None:
    candidates = [
        PassageCandidate(9.0, "A", "a", "magnesium magnesium magnesium"),
        PassageCandidate(5.0, "B", "b", "magnesium en een tekort"),
        PassageCandidate(7.0, "C", "c", "niets"),
    ]
    chosen = best_passage(candidates, matcher(analyzer, "magnesium tekort"))
    assert chosen is not None and chosen.anchor == "b"
    assert best_passage([], matcher(analyzer, "x")) is None


def test_an_inflected_form_extends_a_long_form_by_at_most_three_letters(
    analyzer: Analyzer,
) -> None:
    words = matcher(analyzer, "magnesium").matching_words(
        "magnesiumxqz magnesiumxqzw magnes Magnesiums"
    )
    assert words == {"magnesiumxqz", "Magnesiums"}


def test_one_matcher_decides_each_text_alone(analyzer: Analyzer) -> None:
    """The words a matcher has already decided (remembered across texts) change nothing."""
    texts = ["Magnesium en depressie.", "Geen van beide hier.", "depressies, magnesiumtekort"]
    shared = matcher(analyzer, "magnesium depressie")
    for text in texts * 2:
        fresh = matcher(analyzer, "magnesium depressie")
        assert shared.matching_words(text) == fresh.matching_words(text)
    assert shared.matching_words("depressies beide") == {"depressies"}


def test_only_whole_words_are_marked(analyzer: Analyzer) -> None:
    text = "tekort, xtekort tekorten_tekort tekort2 Tekort"
    snippet = highlight(text, matcher(analyzer, "tekort"))
    assert snippet == (
        "<mark>tekort</mark>, xtekort <mark>tekorten</mark>_<mark>tekort</mark> "
        "<mark>tekort2</mark> <mark>Tekort</mark>"
    )
