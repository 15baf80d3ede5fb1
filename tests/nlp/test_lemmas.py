"""The lemma table: spaCy's Dutch lookup table with its gaps for frequent forms filled from
the supplement in indexer/nlp/data (issue 16, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.nlp.analysis import (
    LEMMA_SUPPLEMENT,
    Analyzer,
    lemma_of,
    lemma_supplement,
    lemma_table,
    merged_lemmas,
    spacy_lookup,
)
from indexer.nlp.words import fold


@pytest.mark.parametrize(
    ("form", "lemma"),
    [
        # The examples, which spaCy's lookup table leaves as they are.
        ("studies", "studie"),
        ("maanden", "maand"),
        ("medicijnen", "medicijn"),
        ("vormen", "vorm"),
        ("ziekenhuizen", "ziekenhuis"),
        ("kinderen", "kind"),  # irregular (spaCy's exception lists)
        ("Maanden", "maand"),  # as typed at the start of a sentence
        ("smartphones", "smartphone"),  # from OpenTaal
    ],
)
def test_frequent_forms_the_lookup_table_lacks_have_their_lemma(form: str, lemma: str) -> None:
    assert lemma_of(form) == lemma


def test_the_lookup_table_lacked_them() -> None:
    spacy = spacy_lookup("nl", "lemma_lookup")
    for form in ("studies", "maanden", "medicijnen", "vormen", "ziekenhuizen"):
        assert form not in spacy


def test_a_word_the_lookup_table_knows_keeps_its_lemma() -> None:
    assert lemma_of("klachten") == "klacht"
    assert lemma_of("depressies") == "depressie"
    table = lemma_table()
    spacy = merged_lemmas(spacy_lookup("nl", "lemma_lookup").items(), [])
    assert all(table[form] == lemma for form, lemma in spacy.items())
    assert len(table) > len(spacy)


def test_the_supplement_only_fills_gaps() -> None:
    merged = merged_lemmas([("klachten", "klacht"), ("Patiënten", "patiënt")],
                           [("klachten", "klachtje"), ("maanden", "maand"),
                            ("patienten", "iets")])
    assert merged == {"klachten": "klacht", "patienten": "patient", "maanden": "maand"}


def test_a_noun_is_not_made_a_verb_and_a_stop_word_is_left_alone() -> None:
    # spaCy's exception lists also hold each verb's stem ("mond" of "monden"): the
    # supplement never takes those for a noun in its own right.
    for noun in ("mond", "rand", "wolf", "bril"):
        assert lemma_of(noun) == noun
    assert lemma_of("het") == "het"
    assert lemma_of("laten") == "laten"


def test_the_supplement_file_is_read_by_columns_and_comments_skipped(tmp_path: Path) -> None:
    path = tmp_path / "lemmas.tsv"
    path.write_text("# form, lemma, source\nmaanden\tmaand\tspacy-exc\n\nbugs\tbug\n",
                    encoding="utf-8")
    assert lemma_supplement(path) == [("maanden", "maand"), ("bugs", "bug")]
    shipped = lemma_supplement(LEMMA_SUPPLEMENT)
    assert 1000 < len(shipped) < 20_000  # frequent forms only: a small table
    assert all(fold(form) != fold(lemma) for form, lemma in shipped)


def test_index_and_query_terms_share_the_new_lemmas(tmp_path: Path) -> None:
    analyzer = Analyzer.from_config(tmp_path)  # no config: spaCy's stop words
    assert "maand" in analyzer.terms("Drie maanden later")
    assert "ziekenhuis" in analyzer.variants("ziekenhuizen").forms


# --- how bench/lemmas.py makes the supplement ----------------------------------------------

AFF = """SET UTF-8
FLAG long
SFX Zb Y 2
SFX Zb 0 en/CaCb [^eo]		ts:NN2
SFX Zb 0 en- [^eo]		ts:NN2
SFX Zh Y 1
SFX Zh s zen/CaCb s		ts:NN2
SFX Aa Y 1
SFX Aa 0 e [^e]		ts:AJe
SFX V3 Y 1
SFX V3 0 t [^ao]		ts:VB3
"""
DIC = """6
maand/CcZb
ziekenhuis/CaZh
medicĳn/CcZbYa
glutenvrij/Aa
vorm/V3Zb
vormen/Vi
"""


def test_opentaal_plurals_and_adjective_forms_map_to_their_stem(tmp_path: Path) -> None:
    from bench.lemmas import OpenTaal

    (tmp_path / "nl.aff").write_text(AFF, encoding="utf-8")
    (tmp_path / "nl.dic").write_text(DIC, encoding="utf-8")
    lexicon = OpenTaal(tmp_path / "nl")
    assert lexicon.stem("maanden") == "maand"
    assert lexicon.stem("ziekenhuizen") == "ziekenhuis"  # s -> zen
    assert lexicon.stem("medicijnen") == "medicijn"  # OpenTaal's ĳ is typed as ij
    assert lexicon.stem("glutenvrije") == "glutenvrij"  # an adjective's -e form
    assert lexicon.stem("vormt") is None  # a verb form: no noun or adjective
    assert lexicon.stem("vormen") is None  # a dictionary word (and verb) of its own
    assert lexicon.stem("maand") is None


def test_spacy_exceptions_prefer_the_frequent_lemma_and_never_make_a_noun_a_verb() -> None:
    from bench.lemmas import exception_lemma

    exceptions = {"noun": {"maanden": ["maand"], "vormen": ["vorm"], "hoog": ["oog"],
                           "nieuws": ["nieuw"]},
                  "verb": {"maanden": ["manen"], "mond": ["monden"], "kwam": ["komen"],
                           "gedraaid": ["draaien"]},
                  "adj": {"laten": ["laat"]}}
    index = {"noun": frozenset({"mond", "maand", "vorm", "nieuws"}),
             "adj": frozenset({"hoog", "vormen"}), "verb": frozenset({"laten", "vormen"})}
    assert exception_lemma("maanden", exceptions, index) == "maand"  # not manen (rare)
    assert exception_lemma("kwam", exceptions, index) == "komen"
    assert exception_lemma("mond", exceptions, index) is None  # a noun stays a noun
    assert exception_lemma("nieuws", exceptions, index) is None
    assert exception_lemma("hoog", exceptions, index) is None  # an adjective no noun
    assert exception_lemma("laten", exceptions, index) is None  # an infinitive no adjective
    assert exception_lemma("vormen", exceptions, index) == "vorm"
    assert exception_lemma("gedraaid", exceptions, index) == "draaien"
