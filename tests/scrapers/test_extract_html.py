"""HTML extraction: chrome removed, structure kept, and the heuristic measured against
trafilatura on the test site's seed pages ("with"/"without" snippets)."""

from __future__ import annotations

import pytest
from crawl_testsite import CHROME_SNIPPETS, render_article

from indexer.errors import InputError
from indexer.pages.html import extract_page, page_links, page_text
from indexer.pages.htmldoc import PageLinks
from indexer.pages.models import Page

URL = "https://gezondbrein.nl/post/artikel"
EXTRA_WITHOUT = ("3 min lezen", "Accepteren", "Gezond Brein", "Gerelateerde artikelen")


def _snippets(page: Page) -> list[str]:
    """Text that an extraction of `page`'s HTML must contain: title, headings, each passage."""
    found = [page.title, *page.headings()]
    for passage in page.passages():
        found.extend(line[:60] for line in passage.text.split("\n"))
    return found


def _score(text: str, with_: list[str], without: tuple[str, ...]) -> tuple[int, int]:
    lowered = " ".join(text.split()).lower()
    hits = sum(1 for s in with_ if " ".join(s.split()).lower() in lowered)
    clean = sum(1 for s in without if s.lower() not in lowered)
    return hits, clean


def _ours(html: bytes) -> str:
    return page_text(extract_page(html, URL))


def _trafilatura(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html.decode("utf-8"), include_comments=False) or ""


def test_heuristic_beats_or_equals_trafilatura_on_the_seed_pages(
    seed_pages: dict[str, Page],
) -> None:
    pytest.importorskip("trafilatura")
    without = (*CHROME_SNIPPETS, *EXTRA_WITHOUT)
    totals = {"ours": [0, 0], "trafilatura": [0, 0]}
    needed = 0
    for name, page in seed_pages.items():
        html = render_article(page, [("/andere", "Een ander artikel")], labels_as_links=True)
        with_ = _snippets(page)
        needed += len(with_)
        for extractor, run in (("ours", _ours), ("trafilatura", _trafilatura)):
            hits, clean = _score(run(html), with_, without)
            totals[extractor][0] += hits
            totals[extractor][1] += clean
            print(f"{name:10s} {extractor:11s} with {hits}/{len(with_)} "
                  f"without {clean}/{len(without)}")
    banned = len(without) * len(seed_pages)
    for extractor, (hits, clean) in totals.items():
        print(f"{'total':10s} {extractor:11s} with {hits}/{needed} without {clean}/{banned} "
              f"score {(hits + clean) / (needed + banned):.3f}")
    ours, theirs = totals["ours"], totals["trafilatura"]
    assert ours == [needed, banned]  # every snippet found, no chrome
    assert sum(ours) >= sum(theirs)


def test_structure_of_an_article() -> None:
    html = """<html><head><title>Titel | Site</title></head><body>
    <a href="#SITE">top of page</a><header><h1>Site</h1><nav>Menu</nav></header>
    <main><article><h1>Ma<b>gn</b>esium en slaap</h1><p>Inleiding.</p>
    <h2>Deel 1: Wat is het?</h2><p>Uitleg.</p><h3>Vormen:</h3>
    <ul><li>citraat</li><li>bisglycinaat<ul><li>chelaat</li></ul></li></ul>
    <table><tr><th>Vorm</th><th>Opname</th></tr><tr><td>oxide</td><td>laag</td></tr></table>
    <h2>Bronnen</h2><p>Studie A.</p>
    <p>Labels: #Slaap #Magnesium</p>
    <div class="related"><h2>Gerelateerde artikelen</h2><a href="/post/b">Artikel B</a></div>
    </article></main><footer>voet</footer><a href="#SITE">bottom of page</a></body></html>"""
    page = extract_page(html, "https://site.nl/post/magnesium-en-slaap")
    assert page.id == "post-magnesium-en-slaap"
    assert page.title == "Magnesium en slaap"
    assert page.intro == ("Inleiding.",)
    first, second = page.sections
    assert (first.number, first.heading, first.anchor) == (1, "Wat is het?", "deel-1-wat-is-het")
    assert first.subsections[0].heading == "Vormen"
    assert first.subsections[0].items == ("citraat", "bisglycinaat", "chelaat")
    assert first.subsections[0].paragraphs == ("Vorm | Opname", "oxide | laag")
    assert (second.number, second.heading) == (None, "Bronnen")
    assert page.labels == ("Slaap", "Magnesium")
    assert [(r.title, r.url) for r in page.related] == [("Artikel B", "https://site.nl/post/b")]
    assert "voet" not in page.body_text() and "Menu" not in page.body_text()


def test_title_falls_back_to_the_title_element() -> None:
    page = extract_page("<html><head><title>Alleen titel</title></head><body><div>Tekst hier."
                        "</div></body></html>", "http://s.nl/x")
    assert page.title == "Alleen titel" and page.intro == ("Tekst hier.",)


@pytest.mark.parametrize(
    "html", ["", "<html><body><nav>menu</nav></body></html>", "<h1>Alleen een kop</h1>"]
)
def test_pages_without_text_are_an_input_error(html: str) -> None:
    with pytest.raises(InputError):
        extract_page(html, "http://s.nl/leeg")


def test_links_honour_base_nofollow_and_robots_meta() -> None:
    html = """<html><head><base href="http://s.nl/map/"></head><body>
    <a href="a.html">a</a><a href="/b#x">b</a><a rel="nofollow" href="c">c</a>
    <a href="mailto:x@s.nl">m</a><a href="#top">t</a></body></html>"""
    found = page_links(html, "http://s.nl/")
    assert found.links == ["http://s.nl/map/a.html", "http://s.nl/b#x"]
    assert not found.noindex and not found.nofollow and found.canonical is None
    meta = '<html><head><meta name="robots" content="noindex, nofollow"></head>' \
           '<body><a href="/x">x</a></body></html>'
    assert page_links(meta, "http://s.nl/") == PageLinks([], True, True)


def test_canonical_link_is_read_absolute() -> None:
    html = ('<html><head><link rel="Canonical" href="/artikel/"></head>'
            '<body><a href="/x">x</a></body></html>')
    assert page_links(html, "http://s.nl/artikel/index.html").canonical == "http://s.nl/artikel/"
