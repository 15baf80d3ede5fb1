"""The lxml extraction gives the same Page as the former BeautifulSoup one (bench/extract_bs4.py)
on the test site's pages and on markup that tests the edges of the rules."""

from __future__ import annotations

from typing import Any

import pytest
from crawl_testsite import build_pages, render_article, simple_page

from bench.extract_bs4 import extract_page_bs4
from indexer.errors import InputError
from indexer.pages.html import extract_page
from indexer.pages.models import Page

URL = "https://gezondbrein.nl/post/artikel"

EDGES = [
    "<html><body><h1>Kop</h1><div>a<br>b <b>Mag</b>nesium</div><p>x<!-- c -->y</p></body></html>",
    "<html><body><h1>Kop</h1><ul><li>a<ul><li>b<ul><li>c</li></ul></li><li>d</li></ul>e</li>"
    "<li>f</li></ul><span>los</span><li>los item</li><td>cel</td></body></html>",
    "<html><body><h1>Kop</h1><p>Tekst <a href='/tags/slaap'>#Slaap</a> en meer.</p>"
    "<div class='tag-list'><a href='/x'>Een</a><a href='/y'>#Twee</a></div>"
    "<p>Zie ook gerelateerde artikelen elders.</p><p>Labels: #Drie #Vier</p>"
    "<h2>Gerelateerde artikelen</h2><p><a href='/a'>A</a></p><h2>Slot</h2><p>Einde.</p>"
    "</body></html>",
    "<html><head><title>Alleen titel</title></head><body><div>Tekst <nav>menu</nav>hier."
    "</div><table><tr><th>A</th><td>1</td></tr><tr><td><table><tr><td>genest</td></tr>"
    "</table></td></tr></table></body></html>",
    "<html><body><main role='main'><header>Kop van de pagina</header><h1>Echt</h1><p>Ja."
    "</p></main><footer>voet</footer><div style='visibility: hidden'>weg</div>"
    "<a href='#top'>Top of page</a></body></html>",
    "<html><body><article><h1>Een</h1><p>a</p></article><article><h1>Twee</h1><p>b</p>"
    "</article><dl><dt>Term</dt><dd>Uitleg</dd></dl><pre>code  regel</pre></body></html>",
]


def _comparable(page: Page) -> dict[str, Any]:
    # alt_titles are new (and part of the content hash when present).
    return page.model_dump(exclude={"alt_titles", "content_hash"})


def _both(html: bytes | str) -> tuple[Any, Any]:
    results = []
    for extract in (extract_page, extract_page_bs4):
        try:
            results.append(_comparable(extract(html, URL)))
        except InputError as exc:
            results.append(("InputError", str(exc).split(":")[-1]))
    return results[0], results[1]


def test_the_test_site_pages_extract_the_same(seed_pages: dict[str, Page]) -> None:
    pages = build_pages(seed_pages["depression"], seed_pages["adhd"])
    pages["labels-als-tekst"] = render_article(seed_pages["adhd"], [], labels_as_links=False)
    pages["kaal"] = simple_page("Kaal", ["Eén alinea."], ["/a", "/b"])
    for path, html in pages.items():
        new, old = _both(html)
        assert new == old, path


@pytest.mark.parametrize("html", EDGES)
def test_edge_cases_extract_the_same(html: str) -> None:
    new, old = _both(html)
    assert new == old
