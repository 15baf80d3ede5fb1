"""The behavioural contract every engine meets (issue 3's acceptance points).

Parametrised over `engine_name` (tests/engines/conftest.py): tantivy always, and every engine
registered in ENGINE_FACTORIES. Read-only tests share one live index of the contract pages per
engine (`contract_engine`); tests that write get a `fresh_engine`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from indexer.errors import NotFound, QueryError
from indexer.pages.models import EnrichedPage, Page
from indexer.search.port import Engine
from indexer.search.values import SearchRequest, SearchResult
from tests.searching import searcher_for

Pages = dict[str, EnrichedPage]


def search(engine: Engine, query: str, **options: object) -> SearchResult:
    request = SearchRequest(query=query, **options)  # type: ignore[arg-type]
    return searcher_for(engine).search(request)


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


# --- Dutch-aware matching


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("depressies", "depression"),  # plural of a lemma
        ("depressieve klachten", "depression"),  # inflection
        ("magnesiumtekort", "depression"),  # compound
        ("patienten", "depression"),  # no diaeresis
        ("magnesuim depressie", "depression"),  # typo
        ("magnesium bisglycinaat", "adhd"),
        ("aandachtstekortstoornis", "adhd"),  # synonym of ADHD
    ],
)
def test_dutch_queries_find_the_right_article_first(
    contract_engine: Engine,
    contract_pages: Pages,
    query: str,
    first: str,
) -> None:
    # Synonyms are indexed as terms computed in Python, so they match on every engine, even on
    # a test server without synonym_graph.
    result = search(contract_engine, query)
    assert result.hits, f"no hits for {query!r}"
    assert result.hits[0].id == contract_pages[first].page.id


def test_a_typo_alone_finds_both_seed_articles(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    found = ids(search(contract_engine, "magnesuim"))
    assert contract_pages["depression"].page.id in found
    assert contract_pages["adhd"].page.id in found


def test_a_typo_gets_a_did_you_mean(contract_engine: Engine) -> None:
    assert search(contract_engine, "magnesuim tekrot").suggestion == "magnesium tekort"
    assert search(contract_engine, "magnesium tekort").suggestion is None


def test_a_quoted_phrase_needs_its_words_in_order(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    depression = contract_pages["depression"].page.id
    assert ids(search(contract_engine, '"chronische vermoeidheid"')) == [depression]
    assert depression not in ids(search(contract_engine, '"vermoeidheid chronische"'))


def test_an_excluded_word_removes_articles(contract_engine: Engine, contract_pages: Pages) -> None:
    found = ids(search(contract_engine, "magnesium -adhd"))
    assert contract_pages["depression"].page.id in found
    assert contract_pages["adhd"].page.id not in found


def test_title_matches_rank_above_body_matches(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    # "melatonine" is in the sleep page's title; no other page has it at all.
    assert ids(search(contract_engine, "melatonine"))[0] == contract_pages["sleep"].page.id


# --- hits: sections and snippets


def test_a_hit_names_its_best_section_and_marks_the_words(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    hit = search(contract_engine, "magnesium bisglycinaat").hits[0]
    page = contract_pages["adhd"].page
    assert hit.section is not None
    anchors = {p.anchor: p.section_heading for p in page.passages() if p.anchor}
    assert anchors[hit.section.anchor] == hit.section.heading
    assert "bisglycinaat" in hit.section.heading.lower()
    assert re.search(r"<mark>bisglycinaat</mark>", hit.snippet, re.IGNORECASE)
    assert hit.title == page.title and hit.labels == page.labels


def test_a_compound_query_marks_its_parts(contract_engine: Engine) -> None:
    snippet = search(contract_engine, "magnesiumtekort").hits[0].snippet
    marked = {m.lower() for m in re.findall(r"<mark>(.*?)</mark>", snippet)}
    assert marked & {"magnesiumtekort", "tekort", "magnesium"}


def test_page_markup_comes_back_escaped(contract_engine: Engine, contract_pages: Pages) -> None:
    result = search(contract_engine, "kwaadaardige code")
    hit = result.hits[0]
    assert hit.id == contract_pages["markup"].page.id
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in hit.snippet
    assert set(re.findall(r"<[^>]*>", hit.snippet)) <= {"<mark>", "</mark>"}


# --- facets and filters


def test_facets_count_labels_and_entities_over_all_results(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    result = search(contract_engine, "magnesium", size=1)
    assert len(result.hits) == 1 and result.total >= 3
    labels = {f.value: f.count for f in result.facets.labels}
    assert labels["Depressie"] == 1 and labels["ADHD"] == 1
    receptors = {f.value: f.count for f in result.facets.entities["RECEPTOR"]}
    assert receptors["NMDA-receptor"] >= 2


def test_filtering_by_label_narrows_to_that_label(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    result = search(contract_engine, "magnesium", labels=("ADHD",))
    assert ids(result) == [contract_pages["sleep"].page.id]
    assert result.total == 1 and all("ADHD" in h.labels for h in result.hits)
    assert search(contract_engine, "magnesium", labels=("Bestaat niet",)).total == 0


def test_filtering_by_entity_narrows_to_that_entity(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    everything = search(contract_engine, "magnesium")
    facet = {f.value: f.count for f in everything.facets.entities["RECEPTOR"]}
    narrowed = search(contract_engine, "magnesium", entities=("NMDA-receptor",))
    assert narrowed.total == facet["NMDA-receptor"]
    assert set(ids(narrowed)) <= set(ids(everything))
    assert contract_pages["sleep"].page.id not in ids(narrowed)
    for hit in narrowed.hits:
        assert any(e.value == "NMDA-receptor" for e in hit.entities)
    typed = search(contract_engine, "glutamaat", entities=("RECEPTOR:NMDA-receptor",))
    assert contract_pages["glutamate"].page.id in ids(typed)


def test_filters_alone_list_the_matching_articles(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    result = search(contract_engine, "", labels=("Hersenen",))
    assert ids(result) == [contract_pages["glutamate"].page.id]


# --- hostile input and paging


@pytest.mark.parametrize(
    "query",
    ['"', "(", "title:x", "*", "/.*/", "~", "\\", "magnesium)", '"magnesium', "fo*o?",
     "[1 TO 5]", "{!lucene}x", "+-&&||!", "x^2", "AND OR NOT", "magnesium~2", "-", "--x",
     "a" * 400, "\x00\x01", "<script>alert(1)</script>", "' OR 1=1 --"],
)
def test_hostile_queries_are_searched_as_text_or_rejected(
    contract_engine: Engine, query: str
) -> None:
    try:
        result = search(contract_engine, query)
    except QueryError:
        return
    assert result.total >= 0
    for hit in result.hits:
        assert set(re.findall(r"<[^>]*>", hit.snippet)) <= {"<mark>", "</mark>"}


@pytest.mark.parametrize("query", ["", "   ", "a" * 10_000])
def test_empty_and_huge_queries_are_rejected(contract_engine: Engine, query: str) -> None:
    with pytest.raises(QueryError):
        search(contract_engine, query)


def test_paging_is_capped_and_pages_differ(contract_engine: Engine) -> None:
    with pytest.raises(QueryError):
        search(contract_engine, "magnesium", page=21, size=50)
    assert search(contract_engine, "magnesium", page=20, size=50).hits == ()
    first = search(contract_engine, "magnesium", page=1, size=1)
    second = search(contract_engine, "magnesium", page=2, size=1)
    assert first.total == second.total
    assert ids(first) != ids(second)


# --- suggestions while typing


def test_suggest_completes_titles_terms_and_entities(contract_engine: Engine) -> None:
    found = searcher_for(contract_engine).suggest("magn")
    assert 1 <= len(found) <= 10
    assert any(c.kind == "title" and "Magnesium" in c.text for c in found)
    assert all("magn" in c.text.lower() for c in found)
    glut = searcher_for(contract_engine).suggest("glut")
    assert any(c.text.lower().startswith("glutamaat") for c in glut)
    assert searcher_for(contract_engine).suggest("") == []


def test_suggest_tolerates_a_typo_from_four_letters(contract_engine: Engine) -> None:
    mange = searcher_for(contract_engine).suggest("mange")
    assert any("magnesium" in c.text.lower() for c in mange)
    assert len(searcher_for(contract_engine).suggest("m", limit=50)) <= 10


# --- stored pages, passages, related articles


def test_get_page_round_trips(contract_engine: Engine, contract_pages: Pages) -> None:
    for page in contract_pages.values():
        assert contract_engine.get_page(page.page.id) == page
    with pytest.raises(NotFound):
        contract_engine.get_page("no-such-article")


def test_count_hashes_and_health(contract_engine: Engine, contract_pages: Pages) -> None:
    assert contract_engine.count() == len(contract_pages)
    assert contract_engine.content_hashes() == {
        p.page.id: p.page.content_hash for p in contract_pages.values()
    }
    health = contract_engine.health()
    assert health.status == "ok" and health.documents == len(contract_pages)
    assert health.index_version == contract_engine.live_version()


def test_passages_by_bands_find_a_passage_by_its_own_bands(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    from indexer.nlp.fingerprints import passage_bands

    page = contract_pages["depression"]
    passage = max(page.passages, key=lambda p: len(p.lemmas))
    bands = passage_bands(passage.lemmas)
    found = contract_engine.passages_by_bands(bands)
    match = next(p for p in found if p.id == passage.passage.id)
    assert match.text == passage.passage.text and match.article_id == page.page.id
    assert match.anchor == passage.passage.anchor
    excluded = contract_engine.passages_by_bands(bands, exclude_article=page.page.id)
    assert all(p.article_id != page.page.id for p in excluded)


def test_iter_passages_yields_every_passage_once(
    contract_engine: Engine, contract_pages: Pages
) -> None:
    passages = list(contract_engine.iter_passages())
    expected = {p.passage.id for page in contract_pages.values() for p in page.passages}
    assert len(passages) == len(expected)
    assert {p.id for p in passages} == expected


def test_more_like_this_finds_the_related_article(
    contract_engine: Engine, contract_pages: Pages, expect_feature: Callable[[str], None]
) -> None:
    expect_feature("bm25")  # a long, related article above a short one naming a few words
    depression = contract_pages["depression"].page
    related = searcher_for(contract_engine).more_like_this(
        depression.body_text(), exclude_article=depression.id)
    found = [r.article_id for r in related]
    assert depression.id not in found
    assert found[0] == contract_pages["adhd"].page.id


def live_pages(engine: Engine, nlp: Any, texts: dict[str, str]) -> dict[str, Page]:
    """Raw page texts parsed, enriched and written into a new live version of `engine`."""
    from indexer.nlp.enrich import enrich_pages
    from indexer.pages.parsing import parse_text

    pages = {name: parse_text(text).pages[0] for name, text in texts.items()}
    version = engine.create_version()
    engine.write(version, enrich_pages(nlp, list(pages.values())))
    engine.switch(version)
    return pages


def test_a_plural_with_an_apostrophe_finds_the_word(fresh_engine: Engine, nlp: Any) -> None:
    """Dutch writes the plural of many words with 's ("risico's", "foto's"): the page about
    the word comes first, and the 's of other pages' words counts for nothing."""
    pages = live_pages(fresh_engine, nlp, {
        "risk": "top of page\nHet risico van te weinig slaap\n\nWie te weinig slaapt, loopt "
                "een groter risico op hoofdpijn.\nbottom of page\n",
        "photos": "top of page\nFoto's van de kliniek\n\nBekijk de foto's en video's van "
                  "onze nieuwe kliniek.\nbottom of page\n",
    })
    assert ids(search(fresh_engine, "risico's")) == [pages["risk"].id]
    assert ids(search(fresh_engine, "foto")) == [pages["photos"].id]


# A page with "hoofd" and "pijn" apart, in no compound and about no headache.
HEAD_AND_PAIN_APART = ("top of page\nEen zware dag op de afdeling\n\nHet hoofd van de afdeling "
                       "had pijn aan zijn knie na het sporten.\nbottom of page\n")


def test_a_compound_typed_apart_finds_the_compound_first(fresh_engine: Engine, nlp: Any) -> None:
    """Dutch writes "hoofdpijn" as one word, a visitor may type "hoofd pijn": the page about
    headaches comes first, above a page that only has both words apart."""
    pages = live_pages(fresh_engine, nlp, {
        "headache": "top of page\nHoofdpijn bij kinderen\n\nVeel kinderen hebben wel eens "
                    "hoofdpijn. Rust en water helpen vaak.\nbottom of page\n",
        "knee": HEAD_AND_PAIN_APART,
    })
    assert ids(search(fresh_engine, "hoofd pijn")) == [pages["headache"].id, pages["knee"].id]
    assert ids(search(fresh_engine, "hoofd-pijn")) == [pages["headache"].id, pages["knee"].id]
    # The compound whole counts with the other words: "kinderen" is only on the first page,
    # the one article with all the words; the other follows, lacking "kinderen".
    first, other = search(fresh_engine, "hoofd pijn kinderen").hits
    assert (first.id, first.missing) == (pages["headache"].id, ())
    assert (other.id, other.missing) == (pages["knee"].id, ("kinderen",))
    assert "<mark>hoofdpijn</mark>" in first.snippet


def test_a_compound_typed_apart_finds_another_form_of_it(fresh_engine: Engine, nlp: Any) -> None:
    """"hoofd pijn" finds the page that only says "hoofdpijnen" (the plural of hoofdpijn),
    above the page that has both words apart."""
    pages = live_pages(fresh_engine, nlp, {
        "plural": "top of page\nMigraine\n\nMigraine en andere hoofdpijnen komen vaak voor "
                  "bij volwassenen.\nbottom of page\n",
        "knee": HEAD_AND_PAIN_APART,
    })
    assert ids(search(fresh_engine, "hoofd pijn")) == [pages["plural"].id, pages["knee"].id]


def test_a_compound_whose_parts_stand_apart_shows_a_part_in_its_snippet(
    fresh_engine: Engine, nlp: Any
) -> None:
    """The article has all parts of "magnesiumtekort", in different sections: its snippet
    comes from a section with one of them, not from its first paragraph."""
    pages = live_pages(fresh_engine, nlp, {
        "apart": "top of page\nMineralen in de voeding\n\nDit artikel gaat over eten en "
                 "drinken in het algemeen.\n\nDeel 1: Wat eten we?\n\nBrood, groente en "
                 "fruit horen bij elke dag.\n\nDeel 2: Mineralen\n\nMagnesium zit in noten "
                 "en volkoren brood.\n\nDeel 3: Vitamines\n\nEen tekort aan vitamine D "
                 "komt in de winter vaak voor.\nbottom of page\n",
    })
    (hit,) = search(fresh_engine, "magnesiumtekort").hits
    assert hit.id == pages["apart"].id
    assert "<mark>Magnesium</mark>" in hit.snippet or "<mark>tekort</mark>" in hit.snippet
    assert hit.section is not None and hit.section.heading in {"Mineralen", "Vitamines"}


# --- writing, versions and the live pointer


def test_versions_switch_and_drop(fresh_engine: Engine, enriched_seeds: Pages) -> None:
    engine = fresh_engine
    assert engine.versions() == [] and engine.live_version() is None
    assert search(engine, "magnesium").total == 0  # nothing live yet: no hits, no error
    first = engine.create_version()
    engine.write(first, [enriched_seeds["depression"]])
    engine.switch(first)
    assert ids(search(engine, "magnesium")) == [enriched_seeds["depression"].page.id]
    second = engine.create_version()
    assert engine.versions() == [first, second]
    engine.write(second, [enriched_seeds["adhd"]])
    assert engine.count(second) == 1
    assert ids(search(engine, "magnesium")) == [enriched_seeds["depression"].page.id]
    with pytest.raises(ValueError):
        engine.drop(first)  # live
    engine.switch(second)
    assert engine.live_version() == second
    assert ids(search(engine, "magnesium")) == [enriched_seeds["adhd"].page.id]
    engine.drop(first)
    assert engine.versions() == [second]
    with pytest.raises(NotFound):
        engine.drop(first)
    with pytest.raises(NotFound):
        engine.switch("no-such-version")


def test_writing_the_same_pages_twice_keeps_the_count(
    fresh_engine: Engine, enriched_seeds: Pages
) -> None:
    version = fresh_engine.create_version()
    pages = list(enriched_seeds.values())
    assert fresh_engine.write(version, pages).indexed == 2
    assert fresh_engine.write(version, pages).indexed == 2
    fresh_engine.switch(version)
    assert fresh_engine.count() == 2
    passages = sum(len(p.passages) for p in pages)
    assert len(list(fresh_engine.iter_passages())) == passages
    assert search(fresh_engine, "magnesium").total == 2


def test_a_bulk_of_several_batches_keeps_the_last_copy_of_a_page(
    fresh_engine: Engine, enriched_seeds: Pages
) -> None:
    """What the reindex job does: pages prepared elsewhere, written batch after batch into
    one bulk; a page written again in a later batch replaces its earlier copy."""
    version = fresh_engine.create_version()
    adhd, depression = enriched_seeds["adhd"], enriched_seeds["depression"]
    shorter = adhd.model_copy(update={
        "page": adhd.page.model_copy(update={"content_hash": "tweede-versie"}),
        "passages": adhd.passages[:1],
    })
    prepare = fresh_engine.preparer()
    with fresh_engine.bulk(version) as bulk:
        first = bulk.write([prepare(adhd), prepare(depression)])
        second = bulk.write([prepare(shorter)])
    assert (first.indexed, second.indexed, first.failed, second.failed) == (2, 1, {}, {})
    fresh_engine.switch(version)
    assert fresh_engine.content_hashes() == {
        adhd.page.id: "tweede-versie", depression.page.id: depression.page.content_hash,
    }
    passages = [p for p in fresh_engine.iter_passages() if p.article_id == adhd.page.id]
    assert len(passages) == 1


def test_delete_removes_an_article_and_its_passages(
    fresh_engine: Engine, enriched_seeds: Pages
) -> None:
    version = fresh_engine.create_version()
    fresh_engine.write(version, list(enriched_seeds.values()))
    fresh_engine.switch(version)
    gone = enriched_seeds["depression"].page.id
    assert fresh_engine.delete(version, [gone, "no-such-article"]) == 1
    assert fresh_engine.count() == 1
    assert all(p.article_id != gone for p in fresh_engine.iter_passages())
    with pytest.raises(NotFound):
        fresh_engine.get_page(gone)
