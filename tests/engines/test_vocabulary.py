"""The vocabulary of a version: typo expansion, "bedoelde u", completions."""

from __future__ import annotations

import pytest

from indexer.nlp.analysis import Analyzer
from indexer.search.query import parse_query
from indexer.search.vocabulary import Vocabulary
from indexer.settings import CONFIG_DIR


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary.build(
        [("magnesium", 40), ("magnesiumtekort", 3), ("magnetisch", 2), ("tekort", 30),
         ("tekorten", 2), ("depressie", 25), ("nagnesium", 1), ("melatonine", 4)],
        titles=[("Magnesium bij Depressie", "a1"), ("Slapen met melatonine", "a2")],
        entities=[("NMDA-receptor", 2), ("magnesium bisglycinaat", 1)],
    )


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


def test_near_keeps_the_first_letter_and_ranks_by_frequency(vocabulary: Vocabulary) -> None:
    assert vocabulary.near("magnesuim", 2) == ["magnesium"]  # never "nagnesium"
    assert vocabulary.near("tekrot", 1) == ["tekort"]  # a swap is one edit
    assert vocabulary.near("magnesium", 0) == []


def test_correct_replaces_only_unknown_words(vocabulary: Vocabulary, analyzer: Analyzer) -> None:
    assert vocabulary.correct(parse_query("magnesuim tekrot"), analyzer) == "magnesium tekort"
    assert vocabulary.correct(parse_query("magnesium tekort"), analyzer) is None
    assert vocabulary.correct(parse_query("depressies"), analyzer) is None  # lemma is known
    assert vocabulary.correct(parse_query("xyzzy"), analyzer) is None  # nothing near


def test_complete_titles_entities_terms(vocabulary: Vocabulary) -> None:
    found = vocabulary.complete("magn")
    kinds = [(c.kind, c.text) for c in found]
    assert kinds[0] == ("title", "Magnesium bij Depressie")
    assert ("entity", "magnesium bisglycinaat") in kinds
    assert ("term", "magnesiumtekort") in kinds
    assert found[0].article_id == "a1"
    assert [c.text for c in vocabulary.complete("mela")][:1] == ["Slapen met melatonine"]
    assert vocabulary.complete("nmda")[0].text == "NMDA-receptor"


def test_complete_tolerates_a_typo_from_four_letters(vocabulary: Vocabulary) -> None:
    assert vocabulary.complete("mgn") == []  # three letters: exact only
    assert any(c.text == "magnesium" for c in vocabulary.complete("mange"))
    assert len(vocabulary.complete("m", limit=100)) <= 10
    assert vocabulary.complete("   ") == []


def test_typo_expansions_per_query_word(vocabulary: Vocabulary) -> None:
    expansions = vocabulary.typo_expansions(parse_query('magnesuim "tekrot xy" mg'))
    assert expansions == {"magnesuim": ["magnesium"], "tekrot": ["tekort"]}


def test_a_form_is_known_by_itself_or_by_a_word_with_its_lemma() -> None:
    vocabulary = Vocabulary.build([("hoofdpijnen", 1), ("magnesium", 2)])
    assert vocabulary.has_form("hoofdpijnen") and vocabulary.has_form("magnesium")
    assert vocabulary.has_form("hoofdpijn")  # the lemma of "hoofdpijnen"
    assert not vocabulary.has_form("hoofd")
