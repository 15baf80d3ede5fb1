"""HTML extraction: the display title (visible h1, else <title>), alt_titles, the page's own
heading ids as section anchors, and the page's encoding."""

from __future__ import annotations

import pytest

from indexer.errors import InputError
from indexer.pages.html import extract_page

URL = "https://site.nl/handleiding/tabel"
BODY = "<p>Een lange tekst over tabellen en hoe u ze invoegt in een document.</p>"


def _page(head: str, body: str) -> str:
    return f"<html><head>{head}</head><body><main>{body}</main></body></html>"


@pytest.mark.parametrize(
    "h1",
    [
        "<h1><span hidden>Variant A</span><span hidden>Variant B</span></h1>",
        '<h1><span aria-hidden="true">Variant</span></h1>',
        '<h1><span style="display: none">Variant</span></h1>',
        "<h1></h1>",
        "<h1>  </h1>",
        '<h1 style="display:none">Verborgen kop</h1>',
    ],
)
def test_hidden_or_empty_h1_gives_the_title_element(h1: str) -> None:
    page = extract_page(_page("<title>Tabel invoegen</title>", h1 + BODY), URL)
    assert page.title == "Tabel invoegen"
    assert page.intro == ("Een lange tekst over tabellen en hoe u ze invoegt in een document.",)


def test_a_page_with_only_a_title_stays_rejected_with_its_reason() -> None:
    html = _page("<title>Tabel invoegen</title>", "<h1><span hidden>X</span></h1>")
    with pytest.raises(InputError, match="only a title"):
        extract_page(html, URL)


def test_site_name_suffix_is_cut_only_when_the_page_names_the_site() -> None:
    plain = extract_page(_page("<title>Tabel invoegen – Handleiding</title>", BODY), URL)
    assert plain.title == "Tabel invoegen - Handleiding"
    named = extract_page(
        _page('<title>Tabel invoegen – Handleiding</title>'
              '<meta property="og:site_name" content="Handleiding">', BODY), URL)
    assert named.title == "Tabel invoegen"
    assert named.alt_titles == ("Tabel invoegen - Handleiding",)


def test_alt_titles_hold_the_other_titles_of_the_page() -> None:
    html = _page(
        '<title>Tabel invoegen | Handleiding</title>'
        '<meta property="og:title" content="Tabellen">',
        "<h1>Invoegen</h1>" + BODY,
    )
    page = extract_page(html, URL)
    assert page.title == "Invoegen"
    assert page.alt_titles == ("Tabel invoegen | Handleiding", "Tabellen")
    same = extract_page(_page("<title>invoegen</title>", "<h1>Invoegen</h1>" + BODY), URL)
    assert same.alt_titles == ()


def test_alt_titles_count_in_the_content_hash() -> None:
    first = extract_page(_page("<title>Tabel</title>", "<h1>Invoegen</h1>" + BODY), URL)
    second = extract_page(_page("<title>Tabel 2</title>", "<h1>Invoegen</h1>" + BODY), URL)
    assert first.content_hash != second.content_hash


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ('<h2 id="installatie">Hoe installeer ik het?</h2>', "installatie"),
        ('<h2 class="title"><a id="whatisdebian"></a>1.2. Wat is Debian?</h2>', "whatisdebian"),
        ('<a name="s-kop"></a>\n<h2>Kop</h2>', "s-kop"),
        ('<section id="deel-b"><h2>Kop B</h2><p>Tekst in de sectie.</p></section>', "deel-b"),
        ("<h2>Zonder id</h2>", "zonder-id"),
    ],
)
def test_sections_use_the_page_own_heading_id(heading: str, anchor: str) -> None:
    html = _page("<title>T</title>", f"<h1>Titel</h1>{BODY}{heading}<p>Meer tekst hier.</p>")
    page = extract_page(html, URL)
    assert [s.anchor for s in page.sections] == [anchor]
    assert {p.anchor for p in page.passages() if p.kind != "intro"} == {anchor}


def test_a_heading_id_is_never_given_twice() -> None:
    html = _page("<title>T</title>", '<h1>Titel</h1><p>Intro.</p><h2 id="a">Een</h2><p>x</p>'
                 '<h2 id="a">Twee</h2><p>y</p><h2>A</h2><p>z</p>')
    anchors = [s.anchor for s in extract_page(html, URL).sections]
    assert anchors[0] == "a" and len(set(anchors)) == 3


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ("<html><body><h1>Café</h1><p>Crème brûlée.</p></body></html>".encode(), "Café"),
        ("<html><body><h1>Café</h1><p>Crème brûlée.</p></body></html>".encode("cp1252"),
         "Café"),
        ('<html><head><meta charset="iso-8859-1"></head><body><h1>Café</h1><p>Crème.</p>'
         "</body></html>".encode("latin-1"), "Café"),
    ],
)
def test_the_page_encoding_is_read(data: bytes, word: str) -> None:
    assert extract_page(data, URL).title == word


def test_words_about_related_articles_inside_the_related_block_are_no_error() -> None:
    # The BeautifulSoup extraction raised AttributeError on this page.
    html = _page("<title>T</title>", "<h1>Titel</h1><p>Tekst.</p><h2>Gerelateerde artikelen</h2>"
                 "<p><a href='/a'>A</a></p><p>Meer gerelateerde artikelen volgen.</p>")
    page = extract_page(html, URL)
    assert [r.title for r in page.related] == ["A"] and page.intro == ("Tekst.",)
