"""bench/relevance.py and bench/relevance_queries.py: that each kind of query is what it
claims (deterministically), and that the measures are wired to the right pages and ranks.
The figures themselves are the benchmark's; only what makes them is checked here."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz.distance import DamerauLevenshtein

from bench.corpus import CorpusMissing, HtmlPage, html_corpus
from bench.lemmas import LexiconForms
from bench.relevance import (
    Answer,
    figures,
    main,
    measures,
    our_search,
    plain_index,
    plain_search,
)
from bench.relevance_queries import (
    KINDS,
    Query,
    QueryMaker,
    misspelt,
    typed,
    typed_apart,
)
from indexer.nlp.synonyms import Synonyms
from indexer.pages.models import Page, Section
from indexer.settings import load_settings

SYNONYMS = Synonyms.from_lines(["depressie, depressiviteit, neerslachtigheid"])
STOPWORDS = frozenset({"de", "het", "een", "en", "van", "in", "is", "met", "bij"})
LEXICON = LexiconForms([("lagen", "laag"), ("penselen", "penseel"), ("vensters", "venster"),
                        ("gereedschapsvensters", "gereedschapsvenster")])
NOUNS = frozenset({"laag", "penseel", "venster", "gereedschapsvenster"})
VERBS = frozenset({"schalen", "maken"})


def page(page_id: str, title: str, text: str, sections: tuple[Section, ...] = ()) -> Page:
    return Page(id=page_id, title=title, intro=(text,), sections=sections,
                content_hash=page_id)


def section(heading: str, text: str) -> Section:
    return Section(number=None, heading=heading, anchor=heading.lower().replace(" ", "-"),
                   level=2, paragraphs=(text,))


PAGES = [
    page("lagen", "3.2. Lagen", "Een afbeelding bestaat uit lagen. Elke laag heeft een modus.",
         (section("3.2.1. Het lagenvenster openen", "Kies het lagenvenster in het menu."),
          section("Inleiding", "Lagen zijn doorzichtige vellen."))),
    page("penselen", "Hoofdstuk 4. Penselen maken en beheren",
         "Met een penseel schildert u streken. Elke streek kleurt pixels in de modus.",
         (section("4.1. Inleiding", "Penselen zijn er in soorten."),)),
    page("schalen", "2.3. Afbeelding schalen", "Schalen verandert de afmetingen van het beeld.",
         (section("2.3.1. Kwaliteit van de interpolatie", "Interpolatie kiest de pixels."),)),
    page("lagen-2", "Lagen", "Het menu lagen toont de opdrachten voor een afbeelding."),
    page("depressie", "Depressie en voeding", "Voeding speelt een rol bij stemming en afmetingen."),
]


def maker(pages: list[Page] = PAGES, seed: int = 7) -> QueryMaker:
    return QueryMaker(pages, LEXICON, SYNONYMS, STOPWORDS, VERBS, NOUNS, seed)


def asked(kind: str, page_id: str, pages: list[Page] = PAGES) -> list[Query]:
    chosen = [p for p in pages if p.id == page_id]
    return maker(pages).queries(chosen, [kind])


def test_a_title_is_typed_lower_case_without_its_number_or_punctuation() -> None:
    assert typed("Hoofdstuk 5. Afbeeldingen in GIMP") == "afbeeldingen in gimp"
    assert typed("Deel II. Hoe wordt u GIMP-deskundige?") == "hoe wordt u gimp-deskundige"
    assert typed('12. Het menu "Filters"') == "het menu filters"
    assert typed("2.3. Datum en -tijd") == "datum en -tijd"  # the elision stays
    assert typed("1.2. Wat is Debian GNU/Linux?") == "wat is debian gnu linux"
    assert typed("10-jarig jubileum") == "10-jarig jubileum"  # a number in a word is no chapter


def test_the_exact_title_kind_asks_the_typed_title_and_every_page_so_titled_is_relevant() -> None:
    [query] = asked("title", "lagen")
    assert query.text == "lagen"
    assert query.relevant == {"lagen", "lagen-2"}
    [other] = asked("title", "penselen")
    assert other.text == "penselen maken en beheren" and other.relevant == {"penselen"}


def test_a_typo_is_one_edit_in_the_longest_word_never_in_its_first_letter() -> None:
    rng = random.Random(3)
    for word in ("afbeelding", "penselen", "interpolatie", "aaaaa") * 10:
        typo = misspelt(word, rng)
        assert typo != word and typo[0] == word[0]
        assert DamerauLevenshtein.distance(typo, word) == 1
    [query] = asked("title typo", "penselen")
    words = query.text.split()
    assert words[1:] == ["maken", "en", "beheren"]  # only "penselen", the longest, changed
    assert DamerauLevenshtein.distance(words[0], "penselen") == 1


def test_a_question_is_a_question_word_before_the_title_and_never_of_a_question() -> None:
    [query] = asked("question", "schalen")
    # "schalen" is a verb: something to do.
    assert query.text in {"hoe afbeelding schalen", "kan ik afbeelding schalen",
                          "hoe kan ik afbeelding schalen"}
    [noun] = asked("question", "lagen")
    assert noun.text in {"hoe lagen", "wat is lagen", "hoe werkt lagen"}
    faq = page("faq", "7.1. Wat is een Debian-pakket?", "Een pakket bevat software.")
    assert asked("question", "faq", [*PAGES, faq]) == []
    texts = {q.text.split(" lagen")[0] for seed in range(20)
             for q in maker(seed=seed).queries(PAGES[:1], ["question"])}
    assert len(texts) > 1  # varied over the pages (here: over seeds)


def test_a_varied_title_is_reordered_shortened_or_lengthened_by_one_common_word() -> None:
    title = ["penselen", "maken", "en", "beheren"]
    seen = set()
    for seed in range(30):
        [query] = maker(seed=seed).queries(PAGES[1:2], ["title varied"])
        words = query.text.split()
        if sorted(words) == sorted(title):
            assert words != title
            seen.add("reordered")
        elif len(words) == len(title) - 1:
            assert "penselen" in words and all(w in title for w in words)
            seen.add("dropped")
        else:
            assert len(words) == len(title) + 1
            extra = [w for w in words if w not in title]
            assert len(extra) == 1 and words in ([*extra, *title], [*title, *extra])
            seen.add("extra")
    assert seen == {"reordered", "dropped", "extra"}
    # A one-word title can only be lengthened.
    [query] = asked("title varied", "lagen")
    assert len(query.text.split()) == 2 and "lagen" in query.text.split()


def test_the_inflected_kind_puts_one_title_word_in_the_other_number() -> None:
    [query] = asked("inflected", "lagen")
    assert query.text == "laag"
    [query] = asked("inflected", "penselen")
    assert query.text == "penseel maken en beheren"
    lexicon = LexiconForms([("lagen", "laag"), ("laagje", "laag"), ("lagens", "laag")])
    assert lexicon.other_number("laag", frozenset({"laag"})) == "lagen"  # a plural in use
    assert lexicon.other_number("lagen", frozenset()) is None  # no noun


def test_a_section_query_is_a_heading_only_that_page_has_and_names_it() -> None:
    [query] = asked("section", "lagen")
    # "Inleiding" stands on two pages: only the heading of this page is asked.
    assert query.text == "het lagenvenster openen"
    assert query.section == "3.2.1. Het lagenvenster openen"
    assert query.relevant == {"lagen"}
    same = page("same", "Over", "Tekst.", (section("1. Over", "Meer tekst."),))
    assert asked("section", "same", [*PAGES, same]) == []  # the title again is no section


def test_body_words_are_two_words_of_the_body_in_a_mid_frequency_band_not_in_the_title() -> None:
    made = maker()
    for item in PAGES:
        for query in made.queries([item], ["body words"]):
            words = query.text.split()
            assert len(words) == 2 and len(set(words)) == 2
            for word in words:
                assert word in item.body_text().lower()
                assert word not in typed(item.title).split()
                assert made.band[0] <= made.df[word] <= made.band[1]
    [query] = asked("body words", "schalen")
    # "afmetingen" and "pixels" stand on two pages each; "interpolatie" only on this one.
    assert set(query.text.split()) == {"afmetingen", "pixels"}


def test_a_synonym_replaces_a_word_of_the_title_with_each_lay_word_of_its_group() -> None:
    texts = sorted(q.text for q in asked("synonym", "depressie"))
    assert texts == ["depressiviteit en voeding", "neerslachtigheid en voeding"]
    assert asked("synonym", "lagen") == []  # no word of a synonym group


def test_the_known_item_kinds_ask_a_word_no_other_page_has_in_any_form() -> None:
    pages = [*PAGES, page("vensters", "Vensters", "Alle gereedschapsvensters en categorieën.")]
    made = maker(pages)
    assert made.rare["vensters"] == "gereedschapsvensters"
    [inflected] = made.queries(pages[-1:], ["rare inflected"])
    assert inflected.text == "gereedschapsvenster"
    [plain] = made.queries(pages[-1:], ["no diacritics"])
    assert plain.text == "categorieen"
    assert typed_apart("magnesiumtekort") == "magnesium tekort"
    assert typed_apart("voedingssupplementen") == "voeding supplementen"
    assert typed_apart("magnesium") is None


def test_queries_are_deterministic_and_do_not_depend_on_the_other_pages_sampled() -> None:
    everything = maker().queries(PAGES, KINDS)
    assert everything == maker().queries(PAGES, KINDS)
    alone = maker().queries(PAGES[1:2], KINDS)
    assert alone == [q for q in everything if q.source == "penselen"]
    assert {q.kind for q in everything} >= {"title", "title typo", "question", "title varied",
                                            "inflected", "section", "body words", "synonym"}


# --- the measures -------------------------------------------------------------------------

def query(text: str, relevant: set[str], kind: str = "title") -> Query:
    return Query(kind, text, sorted(relevant)[0], frozenset(relevant), "?")


def test_the_measures_follow_the_rank_of_the_first_relevant_page() -> None:
    queries = [query("a", {"x"}), query("b", {"x"}), query("c", {"x"}), query("d", {"x", "y"})]
    answers = [Answer(("x", "z")), Answer(("z", "x")), Answer(()), Answer(("z", "y", "x"))]
    first, second, none, both = measures(queries, answers)
    assert first == {"MRR@10": 1.0, "S@1": 1.0, "nDCG@10": 1.0}
    assert second["MRR@10"] == 0.5 and second["S@1"] == 0.0
    assert second["nDCG@10"] == pytest.approx(1 / math.log2(3))
    assert none == {"MRR@10": 0.0, "S@1": 0.0, "nDCG@10": 0.0}  # no answer counts, as 0
    assert both["MRR@10"] == 0.5
    ideal = 1 + 1 / math.log2(3)
    assert both["nDCG@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / ideal)
    eleventh = Answer((*(f"p{n}" for n in range(10)), "x"))
    beyond = measures([query("e", {"x"})], [eleventh])
    assert beyond[0]["MRR@10"] == 0.0  # the 11th is not in the top 10


def test_figures_are_means_per_kind_for_ours_and_plain() -> None:
    queries = [query("a", {"x"}), query("b", {"x"}), query("c", {"x"}, "section")]
    ours = [Answer(("x",)), Answer(("z", "x")), Answer(("x",), "X", "Kop")]
    plain = [Answer(("z", "x")), Answer(()), Answer(("x",))]
    table = figures(queries, ours, plain)
    assert table["title"].queries == 2
    assert table["title"].ours["MRR@10"] == 0.75 and table["title"].plain["MRR@10"] == 0.25
    assert table["section"].section_named == 0.0  # no section asked: Kop is not None
    named = [Query("section", "c", "x", frozenset({"x"}), "X", "Kop")]
    assert figures(named, ours[2:], plain[2:])["section"].section_named == 1.0


def site_page(page_id: str, title: str, text: str, html_title: str | None = None) -> HtmlPage:
    return HtmlPage(page(page_id, title, text), html_title or title, dutch=True)


SITE = [
    site_page("lang", "Magnesium", "Magnesium is een mineraal. Magnesium zit in noten."),
    site_page("kort", "Slaap", "Slaap en magnesium.", html_title="Slaap - Handleiding"),
    site_page("ander", "IJzer", "IJzer zit in spinazie."),
]


def test_the_plain_baseline_ranks_by_bm25_with_the_title_counted_twice(tmp_path: Path) -> None:
    search = plain_search(plain_index(SITE, tmp_path))
    assert search("magnesium").ids == ("lang", "kort")
    figures_ = measures([query("magnesium", {"kort"})], [search("magnesium")])[0]
    assert figures_["MRR@10"] == 0.5 and figures_["S@1"] == 0.0
    assert search("handleiding").ids == ("kort",)  # <title> is title text too
    assert search("magnesiums").ids == ()  # no Dutch analysis, no typo tolerance
    assert search("?!").ids == ()


def test_ours_is_the_product_search_over_the_same_pages(tmp_path: Path, nlp: Any) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    with our_search(SITE, settings, nlp) as search:
        answer = search("spinazie")
        assert answer.ids == ("ander",) and answer.first_title == "IJzer"
        assert search("mineralen").ids[:1] == ("lang",)  # a lemma plain cannot match
        assert search("").ids == ()


DOCBOOK_CHAPTER = """<html><head><title>Hoofdstuk 7. Pakketten</title></head><body>
<div class="chapter"><h1 class="title"><a id="pkg"></a>Hoofdstuk 7. Pakketten</h1>
<p>Dit hoofdstuk gaat over pakketten van Debian en hoe u ze beheert.</p>
<div class="section"><h2 class="title"><a id="package"></a>7.1. Wat is een pakket?</h2>
<p>Een pakket bevat programma's en de bestanden die erbij horen.</p>
<div class="section"><h3><a id="deb"></a>7.1.1. Het formaat</h3><p>Een archief met twee delen.</p>
</div></div>
<div class="section"><h2 class="title"><a id="hold"></a>7.2. Hoe houd ik een pakket vast?</h2>
<p>Met apt-mark hold blijft een pakket op de versie die het heeft.</p></div>
</div></body></html>"""


def test_the_faq_is_chunked_per_question_like_the_gimp_manual(tmp_path: Path) -> None:
    (tmp_path / "pkg.nl.html").write_text(DOCBOOK_CHAPTER, encoding="utf-8")
    pages = html_corpus("debian-faq-nl", tmp_path)
    assert [p.page.title for p in pages] == [
        "Hoofdstuk 7. Pakketten", "7.1. Wat is een pakket?", "7.2. Hoe houd ik een pakket vast?"]
    chapter, question, _ = pages
    assert "apt-mark" not in chapter.page.body_text()  # the questions left the chapter
    assert question.html_title == "7.1. Wat is een pakket?"
    assert question.page.headings()[-1] == "7.1.1. Het formaat"
    assert all(p.dutch for p in pages)


def test_a_corpus_that_is_not_installed_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(CorpusMissing, match="apt-get install gimp-help-nl"):
        html_corpus("gimp-help-nl", tmp_path / "nothing")
    with pytest.raises(CorpusMissing, match="unknown corpus"):
        html_corpus("wikipedia")


def test_an_unknown_kind_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--kinds", "title,gissing"])
    assert stopped.value.code == 2
    assert "gissing" in capsys.readouterr().err
