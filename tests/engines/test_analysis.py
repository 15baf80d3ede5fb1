"""Dutch analysis: folding, lemmas, the decompounder, synonyms, index terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.nlp.analysis import Analyzer, compound_runs, decompound, lemma_of
from indexer.nlp.synonyms import Synonyms, parse_synonyms
from indexer.nlp.words import MAX_WORD, WORD, fold, folded_words, tokenize
from indexer.settings import CONFIG_DIR


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("magnesiumtekort", ("magnesium", "tekort")),
        ("neurotransmittersystemen", ("neurotransmitter", "systemen")),
        ("Magnesiumsuppletie", ("magnesium", "suppletie")),
        ("voedingssupplementen", ("voeding", "supplement")),  # linking -s-, through the lemma
        ("slaapproblemen", ("slaap", "probleem")),
        ("prijsstijging", ("prijs", "stijging")),  # "prijs" beats the junk word "prij"
        ("patienten", ()),  # common in its own right: never "pati" + "enten"
        ("receptoren", ()),  # an inflection the lemma table knows: "recept" + "oren" is wrong
        ("behandeling", ()),
        ("magnesium", ()),
        ("bisglycinaat", ()),  # unknown parts: kept whole
        ("tekort", ()),  # too short to hold two parts of 4 letters
        ("covid19", ()),
        # A derivational suffix is no part: not zorgvuldig + heid, not geselecteerd + heid.
        ("zorgvuldigheid", ()),
        ("geselecteerdheid", ()),
        ("kleurenblindheid", ("kleur", "blindheid")),  # a compound that ends in one still splits
    ],
)
def test_decompound(word: str, parts: tuple[str, ...]) -> None:
    assert decompound(word) == parts


def test_every_part_is_a_known_word_of_four_letters_or_more() -> None:
    for word in ("aandachtstekortstoornis", "kinderboekenweek", "ziektebeeld"):
        parts = decompound(word)
        assert parts and all(len(p) >= 4 for p in parts), word


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("depressies", "depressie"), ("Patiënten", "patient"), ("patienten", "patient"),
     ("klachten", "klacht"), ("receptoren", "receptor"), ("onbekendwoord", "onbekendwoord")],
)
def test_lemma_of_is_folded_and_found_without_diacritics(word: str, lemma: str) -> None:
    assert lemma_of(word) == lemma


def test_tokenize_keeps_offsets_and_drops_query_syntax() -> None:
    text = 'title:x "NMDA-receptor" (patiënten)*'
    tokens = tokenize(text)
    assert [t.text for t in tokens] == ["title", "x", "NMDA", "receptor", "patiënten"]
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert tokens[-1].folded == "patienten"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("foto's van auto's", ["foto", "van", "auto"]),
        ("de menu’s", ["de", "menu"]),  # a typographic apostrophe
        ("'s-Hertogenbosch", ["Hertogenbosch"]),
        ("'stuk' en 'smaak'", ["stuk", "en", "smaak"]),  # quoted words that start with s
        ("s'avonds", ["s", "avonds"]),  # an s before the apostrophe stays
    ],
)
def test_the_clitic_s_after_an_apostrophe_is_no_word(text: str, words: list[str]) -> None:
    tokens = tokenize(text)
    assert [t.text for t in tokens] == words
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_a_plural_with_an_apostrophe_gives_no_term_s(analyzer: Analyzer) -> None:
    assert analyzer.terms("risico's en baby's") == ["baby", "risico"]


def test_compound_runs_join_neighbouring_words_with_and_without_a_linking_s() -> None:
    runs = compound_runs(["Hoofd", "pijn", "kinderen"])
    assert [(r.start, r.end) for r in runs] == [(0, 2), (1, 3), (0, 3)]
    assert runs[0].forms == ("hoofdpijn", "hoofdspijn")
    assert "hoofdpijnkinderen" in runs[2].forms and len(runs[2].forms) == 4
    assert compound_runs(["magnesium"]) == []
    assert compound_runs(["vitamine", "B12"]) == []  # only runs of letters
    assert all(r.end <= 6 for r in compound_runs([f"woord{chr(97 + i)}" for i in range(10)]))


def test_compound_runs_keep_only_what_an_index_knows() -> None:
    known = {"hoofdpijn", "slaapproblemen"}.__contains__
    (run,) = compound_runs(["hoofd", "pijn", "kinderen"], known)
    assert (run.start, run.end, run.forms) == (0, 2, ("hoofdpijn",))
    assert compound_runs(["slaap", "problemen"], known)[0].forms == ("slaapproblemen",)
    assert compound_runs(["hoofd", "kinderen"], known) == []


def test_solr_synonym_lines() -> None:
    groups = parse_synonyms(["# comment", "", "ADHD, ADD", "Mg, magnesium => magnesium"])
    assert groups == [(("adhd", "add"), ("adhd", "add")), (("mg", "magnesium"), ("magnesium",))]
    synonyms = Synonyms.from_lines(["adhd, add, aandachtstekortstoornis", "omega 3, visolie"])
    assert synonyms.expand(["add"]) == {"adhd", "aandachtstekortstoornis"}
    assert synonyms.expand(["veel", "omega", "3"]) == {"visolie"}
    assert synonyms.expand(["visolie"]) == {"omega 3"}


def test_a_unit_after_a_number_is_no_synonym() -> None:
    synonyms = Synonyms.from_lines(["magnesium, mg"])
    assert synonyms.expand(["300", "mg"]) == set()
    assert synonyms.expand(["mg", "tabletten"]) == {"magnesium"}


def test_index_terms_hold_folds_lemmas_parts_and_synonyms(analyzer: Analyzer) -> None:
    terms = analyzer.terms("Patiënten met ADHD en een magnesiumtekort", lemmas=["patiënt"])
    for expected in ("patienten", "patient", "adhd", "aandachtstekortstoornis", "add",
                     "magnesiumtekort", "magnesium", "tekort"):
        assert expected in terms
    assert "met" not in terms and "een" not in terms  # stop words
    assert terms == sorted(set(terms))


def test_query_variants(analyzer: Analyzer) -> None:
    variants = analyzer.variants("Depressies")
    assert variants.word == "depressies" and "depressie" in variants.forms
    assert analyzer.variants("magnesiumtekort").parts == ("magnesium", "tekort")
    assert "adhd" in analyzer.variants("aandachtstekortstoornis").forms


def test_stop_words_come_from_config(tmp_path: Path) -> None:
    (tmp_path / "stopwords_nl.txt").write_text("# mine\nhet\nMagnesium\n", encoding="utf-8")
    mine = Analyzer.from_config(tmp_path)
    assert mine.stopwords == {"het", "magnesium"}
    assert mine.synonyms.mapping == {}  # no synonyms.txt: no synonyms, no error
    assert mine.is_stopword("HET") and not mine.is_stopword("depressie")


def test_overlong_words_are_not_terms(analyzer: Analyzer) -> None:
    terms = analyzer.terms("a" * 70_000 + " magnesium")
    assert "magnesium" in terms and max(map(len, terms)) <= 64


def test_an_overlong_word_is_not_split() -> None:
    # Splitting tries every cut: a 70,000-letter "word" in a page once took a minute per search.
    assert decompound("magnesium" * 10_000) == ()


@pytest.mark.parametrize(
    "text",
    [
        "Patiënten uit İstanbul en ’s-Hertogenbosch: foto's, ＡＢＣ, ﬁle, ½ dosis",
        "ΣΑΣ ĲSSEL Ĳssel CAFÉ café Straße",
        "plain ascii words only, 12 mg",
        "x" * 60 + " kort",
        "Patiënten uit İstanbul, ĲSSEL en café. " * 200,  # a page: read, not remembered
    ],
)
def test_folded_words_are_each_word_folded_alone(text: str) -> None:
    # The fast path lower-cases the whole text and folds only non-ASCII words; it must give
    # what folding every word on its own gives.
    expected = tuple(fold(w) for w in WORD.findall(text) if len(w) <= MAX_WORD)
    assert folded_words(text) == expected


def test_folded_words_of_the_seed_pages(seed_pages) -> None:  # type: ignore[no-untyped-def]
    for page in seed_pages.values():
        for section in page.sections:
            for text in (section.heading, *section.paragraphs, *section.items):
                expected = tuple(fold(w) for w in WORD.findall(text) if len(w) <= MAX_WORD)
                assert folded_words(text) == expected
