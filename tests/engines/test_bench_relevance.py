"""bench/relevance.py: how its known items and queries are made, and its plain baseline. The
figures themselves are the benchmark's; only what makes them is checked here."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from bench.relevance import (
    KnownItem,
    known_items,
    lemma_forms,
    marked_share,
    other_form,
    plain_index,
    plain_search,
    queries,
    reciprocal_rank,
    transposed,
    typed_apart,
)
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.nlp.analysis import lemma_of
from indexer.nlp.enrich import enrich_pages
from indexer.pages.models import Page
from indexer.settings import load_settings


def page(page_id: str, title: str, text: str) -> Page:
    return Page(id=page_id, title=title, intro=(text,), content_hash=page_id)


PAGES = [
    page("a", "Melatonine", "Melatonine regelt het slaapritme. Depressies en hoofdpijnklachten."),
    page("b", "Depressie", "Een depressie geeft klachten. Het slaapritmes helpt."),
    page("c", "Magnesium", "Magnesium bij vermoeidheid."),
]


def test_a_known_item_is_a_word_no_other_page_has_in_any_form() -> None:
    items = {item.page_id: item.word for item in known_items(PAGES)}
    # "depressies" (lemma depressie, also in b) and "slaapritme" ("slaapritmes" in b starts
    # as it does) are not unique to a; "hoofdpijnklachten" is its longest word that is.
    assert items["a"] == "hoofdpijnklachten"
    assert items["c"] == "vermoeidheid"
    assert items["b"] not in {"depressie", "slaapritmes"}


def test_another_form_has_the_same_lemma() -> None:
    forms = lemma_forms()
    found = other_form("depressies", forms)
    assert found == "depressie"
    assert other_form("onbekendwoordje", forms) is None
    assert lemma_of(other_form("klachten", forms) or "") == "klacht"


def test_a_typo_swaps_two_neighbours_and_keeps_the_first_letter() -> None:
    rng = random.Random(1)
    for word in ("vermoeidheid", "magnesium", "depressie"):
        typo = transposed(word, rng)
        assert typo is not None and typo != word
        assert typo[0] == word[0] and sorted(typo) == sorted(word)
        assert sum(a != b for a, b in zip(typo, word, strict=True)) == 2
    assert transposed("aaaaaa", rng) is None


def test_every_kind_of_query_names_its_item() -> None:
    item, accented = KnownItem("x", "magnesium"), KnownItem("y", "categorieën")
    compound = KnownItem("z", "magnesiumtekort")
    asked = queries([item], [accented], [compound], ["de", "het"])
    assert asked["typed apart"] == [(compound, "magnesium tekort")]
    assert asked["exact"] == [(item, "magnesium")]
    assert asked["no diacritics"] == [(accented, "categorieen")]
    assert asked["typo"][0][0] == item and asked["typo"][0][1] != "magnesium"
    sentence = asked["in a sentence"][0][1].split()
    assert sentence[1] == "magnesium" and {sentence[0], sentence[2]} <= {"de", "het"}


def test_known_items_with_diacritics_only_when_asked() -> None:
    pages = [*PAGES, page("d", "Categorieën", "Alle categorieën van supplementen.")]
    assert {i.word for i in known_items(pages, keep=lambda w: not w.isascii())} == {"categorieën"}


def test_a_compound_typed_apart_keeps_the_rest_as_it_stands() -> None:
    assert typed_apart("magnesiumtekort") == "magnesium tekort"
    assert typed_apart("voedingssupplementen") == "voeding supplementen"  # linking -s- left out
    assert typed_apart("magnesium") is None  # no compound
    assert typed_apart("neurotransmittersystemen") == "neurotransmitter systemen"


def test_reciprocal_rank_within_the_top() -> None:
    assert reciprocal_rank(["a", "b", "c"], "a") == 1.0
    assert reciprocal_rank(["a", "b", "c"], "b") == 0.5
    assert reciprocal_rank(["a", "b"], "z") == 0.0
    assert reciprocal_rank([str(n) for n in range(20)], "12") == 0.0  # below the top 10


def test_the_plain_baseline_knows_words_but_no_dutch(tmp_path: Path) -> None:
    search = plain_search(plain_index(PAGES, tmp_path))
    assert search("vermoeidheid") == ["c"]
    assert search("Melatonine")[0] == "a"
    assert search("depressies") == ["a"]  # the plural only where it stands
    assert search("vermoeidhied") == []  # no typo tolerance


def test_marked_share_counts_the_hits_whose_snippet_marks_a_word(
    tmp_path: Path, nlp: Any
) -> None:
    pages = [page("title-only", "IJzer", "Een mineraal dat het bloed nodig heeft."),
             page("in-text", "Spinazie", "In spinazie zit ijzer.")]
    # Words only (no passage vectors): a page about iron is near "spinazie" in meaning.
    engine = TantivyEngine.from_settings(load_settings(data_dir=tmp_path / "data",
                                                       embedding_model="off"))
    version = engine.create_version()
    engine.write(version, enrich_pages(nlp, pages))
    engine.switch(version)
    item = KnownItem("in-text", "spinazie")
    try:
        assert marked_share(engine, [(item, "spinazie")]) == 1.0
        # Both pages answer "ijzer"; one has it only in its title, so its snippet (its
        # text) marks nothing.
        assert marked_share(engine, [(item, "ijzer")]) == 0.5
    finally:
        engine.close()
