"""The article page of a page without a URL of its own."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from indexer.pages.models import Page, Section
from tests.pages.conftest import OWN_URL

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
DEPRESSION_ID = "magnesium-bij-depressie-kan-het-helpen"


@pytest.fixture
def client(site_app: Flask) -> FlaskClient:
    return site_app.test_client()


def _all_sections(sections: tuple[Section, ...]) -> list[Section]:
    found: list[Section] = []
    for section in sections:
        found += [section, *_all_sections(section.subsections)]
    return found


def _text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


def test_the_article_page_shows_title_sections_with_their_anchors_and_labels(
    client: FlaskClient, seed_pages: dict[str, Page]
) -> None:
    page = seed_pages["depression"]
    response = client.get(f"/artikel/{DEPRESSION_ID}", headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.title is not None and soup.title.get_text() == page.title
    assert _text(soup.select_one("h1")) == page.title
    for section in _all_sections(page.sections):
        heading = soup.find(id=section.anchor)
        assert heading is not None and heading.name in {"h2", "h3", "h4"}, section.anchor
        assert section.heading in _text(heading)
    first_paragraph = page.sections[0].paragraphs[0]
    assert first_paragraph in _text(soup.select_one("main"))
    labels = soup.select(".labels a")
    assert [_text(a) for a in labels] == [f"#{label}" for label in page.labels]
    assert labels[0]["href"] == "/?q=Depressie&label=Depressie"
    toc = [a["href"] for a in soup.select(".toc a")]
    assert toc == [f"#{s.anchor}" for s in page.sections]


def test_the_article_page_lists_related_articles(client: FlaskClient) -> None:
    soup = BeautifulSoup(
        client.get(f"/artikel/{DEPRESSION_ID}").get_data(as_text=True), "html.parser"
    )
    related = {_text(a): a["href"] for a in soup.select(".related a")}
    assert related.get("ADHD en Magnesium: Kan Magnesium Bisglycinaat Helpen?") == \
        "/artikel/adhd-en-magnesium-kan-magnesium-bisglycinaat-helpen"
    assert "Magnesium bij Depressie: Kan het Helpen?" not in related


def test_an_article_with_its_own_url_is_sent_there(client: FlaskClient) -> None:
    response = client.get("/artikel/magnesium-en-zink-1")
    assert response.status_code == 302 and response.headers["Location"] == OWN_URL


@pytest.mark.parametrize("article_id", ["bestaat-niet", "x" * 400])
def test_an_unknown_article_is_the_dutch_404_page(client: FlaskClient, article_id: str) -> None:
    response = client.get(f"/artikel/{article_id}", headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert _text(soup.select_one("h1")) == "Pagina niet gevonden"
    assert soup.select_one("form#search-form") is not None
