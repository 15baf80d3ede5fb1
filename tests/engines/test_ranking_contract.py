"""How visitors type, on every engine (issue 16): a page whose title is the query comes first,
also with a typo, a question around it, its words reordered, one word left out or added;
words only in a page's <title> find it; Dutch elisions are text; a compound the index does
not have is searched by its parts; words no hit has are named. One small site of pages
whose titles compete, as a help or health site's do."""

from __future__ import annotations

from typing import Any

import pytest

from indexer.nlp.enrich import enrich_pages
from indexer.pages.models import Page
from indexer.pages.parsing import parse_text
from indexer.search.port import Engine
from tests.searching import search

PAGES = {
    "insert": ("Invoegen", "Met invoegen zet u iets in het document: een tabel, een afbeelding "
               "of een tekstvak. Na het invoegen kunt u de tabel of afbeelding verplaatsen."),
    "table": ("Tabel invoegen", "Kies in het menu de opdracht voor een nieuwe tabel. Geef het "
              "aantal rijen en kolommen op."),
    "quick": ("Snel werken", "Wilt u snel een tabel invoegen? Gebruik dan de sneltoets in het "
              "menu; zo gaat het werken sneller."),
    "colours": ("Kleuren", "Kleuren aanpassen kan op veel manieren. Kleuren van lagen, kleuren "
                "van tekst en kleuren van randen: alles is aan te passen."),
    "colour_menu": ("Kleuren (menu)", "Het menu kleuren bevat opdrachten om kleuren van lagen "
                    "aan te passen."),
    "colour_layers": ("Kleuren aanpassen in lagen", "Per laag kiest u een eigen palet."),
    "date": ("Datum en -tijd", "Stel hier de datum en de klok van het systeem in."),
    "clock": ("De klok", "De klok toont de tijd van de dag en werkt zichzelf bij."),
    "io": ("In- en uitvoer", "Bestanden openen en opslaan: alles over in- en uitvoer."),
    "sleep": ("Problemen met slapen", "Veel mensen hebben problemen met hun slaap en met hun "
              "concentratie overdag."),
}


def page(name: str) -> str:
    return PAGES[name][0]


@pytest.fixture(scope="module")
def site(
    request: pytest.FixtureRequest, engine_name: str, tmp_path_factory: pytest.TempPathFactory,
    nlp: Any,
) -> Any:
    from tests.engines.conftest import make_test_engine

    engine = make_test_engine(request, engine_name, tmp_path_factory.mktemp("rank") / "data")
    pages: list[Page] = [
        parse_text(f"top of page\n{title}\n\n{body}\nbottom of page\n").pages[0]
        for title, body in PAGES.values()
    ]
    # A page known by another <title> than its h1, as many HTML pages are.
    keys = pages[7].model_copy(update={"alt_titles": ("Sneltoetsen – Handleiding",)})
    pages[7] = keys
    version = engine.create_version()
    report = engine.write(version, enrich_pages(nlp, pages))
    assert report.indexed == len(pages), report
    engine.switch(version)
    yield engine
    engine.close()


def titles(engine: Engine, query: str) -> list[str]:
    return [hit.title for hit in search(engine, query).hits]


@pytest.mark.parametrize("query", [
    "tabel invoegen",
    "Tabel invoegen",
    "tabel invoegn",  # a typo
    "hoe kan ik een tabel invoegen",  # a question around the title
    "wat is tabel invoegen",
    "invoegen tabel",  # reordered
])
def test_the_page_titled_as_the_query_comes_first(site: Engine, query: str) -> None:
    """Not the page titled with one of the words ("Invoegen"), nor one that has them all."""
    assert titles(site, query)[0] == page("table")


def test_a_long_title_typed_in_full_beats_titles_with_its_first_word(site: Engine) -> None:
    assert titles(site, "kleuren aanpassen in lagen")[0] == page("colour_layers")
    assert titles(site, "kleuren aanpassen lagen")[0] == page("colour_layers")  # one word less


def test_a_word_the_title_lacks_does_not_cost_the_page(site: Engine) -> None:
    """"snel" is not on the page "Tabel invoegen", but on another one with all three words."""
    assert titles(site, "tabel invoegen snel")[0] == page("table")


def test_words_only_in_a_pages_other_title_find_it(site: Engine) -> None:
    result = search(site, "sneltoetsen handleiding")
    assert result.hits[0].title == page("clock")
    assert result.hits[0].missing == () and result.missing == ()


def test_dutch_elisions_are_text_not_exclusions(site: Engine) -> None:
    """"en -tijd" leaves out "datum" of "datumtijd": it is no `-tijd` exclusion."""
    assert titles(site, "datum en -tijd")[0] == page("date")
    assert page("clock") in titles(site, "datum en -tijd")  # "tijd" is searched, not excluded
    assert titles(site, "in- en uitvoer")[0] == page("io")
    assert page("clock") not in titles(site, "klok -tijd")  # an exclusion as ever


@pytest.mark.parametrize("query", ["slaapproblemen", "concentratieproblemen"])
def test_a_compound_the_index_lacks_is_searched_by_its_parts(site: Engine, query: str) -> None:
    assert titles(site, query) == [page("sleep")]


def test_the_words_no_hit_holds_are_named(site: Engine) -> None:
    # Words only: an article found by meaning (tests/api/test_semantic.py) may lack them all.
    result = search(site, "tabel hoofdpijn", semantic=0)
    assert result.hits and result.missing == ("hoofdpijn",)
    assert all(hit.missing == ("hoofdpijn",) for hit in result.hits)
    assert search(site, "tabel invoegen").missing == ()


def test_the_start_of_a_word_finds_what_the_suggestions_show(site: Engine) -> None:
    """"concentr" + Enter: the page with "concentratie", and no "bedoelde u" for it."""
    result = search(site, "concentr")
    assert [h.title for h in result.hits] == [page("sleep")]
    assert result.suggestion is None
