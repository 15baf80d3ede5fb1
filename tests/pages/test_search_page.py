"""The search page rendered on the server: results, filters, pages and the ways out of an
empty result, all in the HTML (what a visitor without JavaScript gets)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask, render_template
from flask.testing import FlaskClient

from indexer.search.values import Completion, Facets, FacetValue, SearchResult
from search_api.results_page import (
    PageQuery,
    closest_topics,
    facet_groups,
    page_links,
    popular_topics,
    results_view,
)
from tests.pages.conftest import OWN_URL

HTML = {"Accept": "text/html"}


@pytest.fixture
def client(site_app: Flask) -> FlaskClient:
    return site_app.test_client()


def _soup(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url, headers=HTML)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _text(node: Any) -> str:
    return " ".join(node.get_text(" ").split())


def test_results_are_in_the_html_with_the_query_in_the_title(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=magnesium+depressie")
    assert soup.title is not None and "magnesium depressie" in soup.title.get_text()
    hits = soup.select("#results li.hit")
    assert hits and "Magnesium bij Depressie" in _text(hits[0])
    assert hits[0].select_one(".snippet mark") is not None
    assert soup.select_one("#results")["start"] == "1"  # type: ignore[index]
    assert soup.select_one("#q")["value"] == "magnesium depressie"  # type: ignore[index]
    status = soup.select_one("#status")
    assert status is not None and status["role"] == "status"
    assert re.match(r"\d+ resulta(at|ten) voor “magnesium depressie”", _text(status))
    assert soup.select_one("#results[aria-live]") is None  # the list is not read out


def test_a_hit_without_url_links_to_its_article_page_and_sections_to_their_anchor(
    client: FlaskClient,
) -> None:
    soup = _soup(client, "/?q=magnesium+depressie")
    hit = soup.select("#results li.hit")[0]
    title_link = hit.select_one("h3 a")
    assert title_link is not None
    assert title_link["href"] == "/artikel/magnesium-bij-depressie-kan-het-helpen"
    section = hit.select_one(".section a")
    assert section is not None and str(section["href"]).startswith(str(title_link["href"]) + "#")
    assert "/api/" not in str(soup.select("#results"))


def test_a_hit_with_its_own_url_links_there(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=zink")
    hrefs = [a["href"] for a in soup.select("#results li.hit h3 a")]
    assert OWN_URL in hrefs


def test_numbered_pages_continue_the_numbering(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=magnesium&page=2")
    assert soup.select_one("#results")["start"] == "11"  # type: ignore[index]
    assert soup.title is not None and "pagina 2 van 3" in soup.title.get_text()
    current = soup.select_one(".pagination a[aria-current=page]")
    assert current is not None and _text(current).endswith("2")
    assert [_text(a) for a in soup.select(".pagination a")] == [
        "Vorige pagina", "Pagina 1", "Pagina 2", "Pagina 3", "Volgende pagina"
    ]
    prev = soup.select_one(".pagination a[rel=prev]")
    assert prev is not None and str(prev["href"]).endswith("#resultaten")
    assert "pagina 2 van 3" in _text(soup.select_one("#status"))


@pytest.mark.parametrize(("asked", "shown"), [("9", "page=3"), ("200", "page=3")])
def test_a_page_past_the_last_is_redirected_to_the_last(
    client: FlaskClient, asked: str, shown: str
) -> None:
    response = client.get(f"/?q=magnesium&page={asked}", headers=HTML)
    assert response.status_code == 302
    assert shown in response.headers["Location"]


@pytest.mark.parametrize("page", ["twee", "0", "-1", ""])
def test_a_page_that_is_no_page_number_is_the_first(client: FlaskClient, page: str) -> None:
    soup = _soup(client, f"/?q=magnesium&page={page}")
    assert soup.select_one("#results")["start"] == "1"  # type: ignore[index]


def test_an_empty_result_past_page_one_goes_to_page_one(client: FlaskClient) -> None:
    response = client.get("/?q=qwxzv&page=4", headers=HTML)
    assert response.status_code == 302 and "page=" not in response.headers["Location"]


def test_filters_are_a_form_with_chosen_values_checked_in_their_group(
    client: FlaskClient,
) -> None:
    soup = _soup(client, "/?q=magnesium&label=Depressie")
    assert len(soup.select("#results li.hit")) == 1
    form = soup.select_one("details#filters form#filter-form")
    assert form is not None and form["method"] == "get"
    assert form.select_one("input[type=hidden][name=q]")["value"] == "magnesium"  # type: ignore[index]
    box = form.select_one("input[name=label][value=Depressie]")
    assert box is not None and box.has_attr("checked")
    assert "(1 gekozen)" in _text(soup.select_one("#filters summary"))
    clear = soup.select_one("a.clear")
    assert clear is not None and clear["href"] == "/?q=magnesium"


def test_at_most_five_values_per_group_then_meer(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=magnesium")
    nutrients = next(
        f for f in soup.select("#filters fieldset") if "Voedingsstoffen" in _text(f.legend)
    )
    shown = nutrients.select(":scope > ul > li")
    more = nutrients.select("details.more li")
    assert len(shown) == 5 and more
    assert _text(nutrients.select_one("details.more summary")).startswith("meer")


def test_a_chosen_value_is_shown_first_and_checked_even_beyond_the_first_five() -> None:
    values = tuple(FacetValue(value=f"stof{n}", count=10 - n) for n in range(8))
    query = PageQuery(q="x", entities=("NUTRIENT:stof7", "RECEPTOR:NMDA-receptor"))
    groups = facet_groups(query, Facets(entities={"NUTRIENT": values}))
    nutrients, receptors = groups
    assert nutrients.title == "Voedingsstoffen"
    assert nutrients.shown[0].text == "stof7" and nutrients.shown[0].checked
    assert nutrients.shown[0].value == "NUTRIENT:stof7"
    assert len(nutrients.shown) == 5 and len(nutrients.more) == 3
    # A chosen value the facets lack (no hit has it) stays visible, checked, in its group.
    assert receptors.title == "Receptoren"
    assert [(o.text, o.checked, o.count) for o in receptors.shown] == [
        ("NMDA-receptor", True, None)
    ]


def test_groups_are_whatever_the_facets_hold_each_value_in_its_own_group() -> None:
    facets = Facets(
        labels=(FacetValue(value="Depressie", count=1),),
        entities={"NUTRIENT": (FacetValue(value="magnesium", count=2),),
                  "NEW_TYPE": (FacetValue(value="iets", count=1),)},
    )
    groups = facet_groups(PageQuery(q="x"), facets)
    assert [g.title for g in groups] == ["Thema's", "Voedingsstoffen", "NEW_TYPE"]
    assert [o.value for g in groups for o in g.shown] == ["Depressie", "NUTRIENT:magnesium",
                                                          "NEW_TYPE:iets"]


def test_missing_words_are_said(site_app: Flask) -> None:
    result = SearchResult(
        query="magnesium hoofdpijn", total=1, page=1, size=10, took_ms=1.0, hits=(),
        facets=Facets(), missing=("hoofdpijn",),
    )
    query = PageQuery(q="magnesium hoofdpijn")
    with site_app.test_request_context("/"):
        html = render_template(
            "search.html", query=query, view=results_view(query, result), title="t"
        )
    missing = BeautifulSoup(html, "html.parser").select_one(".missing")
    assert missing is not None and _text(missing) == "Niet gevonden: hoofdpijn"


def test_missing_words_of_a_real_search_are_said(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=magnesium+hoofdpijn")
    assert soup.select("#results li.hit")
    missing = soup.select_one("#content > .missing")
    assert missing is not None and _text(missing) == "Niet gevonden: hoofdpijn"


def test_an_empty_result_offers_popular_labels(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=qwxzv")
    popular = {_text(a): a["href"] for a in soup.select(".no-results .topics a")}
    assert popular.get("Depressie") == "/?q=Depressie&label=Depressie"


def test_an_empty_result_offers_a_correction_and_topics(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=slaapproblemen")
    assert "Geen resultaten voor “slaapproblemen”" in _text(soup.select_one("#status"))
    topics = [_text(a) for a in soup.select(".no-results .topics a")]
    assert "slaapstoornis" in topics
    soup = _soup(client, "/?q=depressiezzz")
    links = {_text(a): a["href"] for a in soup.select(".no-results .topics a")}
    assert links["depressie"] == "/?q=depressie"
    assert links["Magnesium bij Depressie: Kan het Helpen?"] == \
        "/artikel/magnesium-bij-depressie-kan-het-helpen"
    soup = _soup(client, "/?q=magnesuim")
    did_you_mean = soup.select_one("#did-you-mean a")
    assert did_you_mean is not None and did_you_mean["href"] == "/?q=magnesium"


def test_an_empty_result_offers_popular_labels_when_given(site_app: Flask) -> None:
    result = SearchResult(query="qwxzv", total=0, page=1, size=10, took_ms=1.0, hits=(),
                          facets=Facets())
    query = PageQuery(q="qwxzv")
    popular = popular_topics(Facets(labels=(FacetValue(value="Depressie", count=5),)))
    with site_app.test_request_context("/"):
        html = render_template(
            "search.html", query=query, view=results_view(query, result), title="t",
            popular=popular,
        )
    soup = BeautifulSoup(html, "html.parser")
    link = soup.select_one(".no-results .topics a")
    assert link is not None and _text(link) == "Depressie"
    assert link["href"] == "/?q=Depressie&label=Depressie"


@pytest.mark.parametrize(("url", "says"), [
    ("/?q=" + "magnesium " * 60, "langer dan 500 tekens"),
    ("/?q=-magnesium", "typ een of meer woorden"),
    ("/?q=magnesium&label=", "mag niet leeg zijn"),
])
def test_a_query_that_cannot_be_searched_is_explained_in_dutch(
    client: FlaskClient, url: str, says: str
) -> None:
    soup = _soup(client, url, status=400)
    error = soup.select_one("#content .error")
    assert error is not None and says in _text(error)
    assert soup.select_one("#search-form") is not None


def test_other_parameters_are_ignored(client: FlaskClient) -> None:
    soup = _soup(client, "/?q=magnesium&utm_source=nieuwsbrief")
    assert soup.select("#results li.hit")


def test_the_start_page_has_no_results_and_no_noscript(client: FlaskClient) -> None:
    soup = _soup(client, "/")
    assert soup.title is not None and soup.title.get_text() == "Zoeken"
    assert soup.select_one("#results") is None
    assert soup.select_one("noscript") is None


def test_many_pages_show_the_first_the_last_and_those_around_the_current() -> None:
    links = page_links(PageQuery(q="x", page=10), last=20)
    assert [link.number for link in links] == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert [link.number for link in links if link.current] == [10]
    assert links[0].href == "/?q=x#resultaten"  # page 1 is left out of its address
    assert page_links(PageQuery(q="x"), last=1) == ()


def test_closest_topics_take_the_longest_start_that_completes_in_few_lookups() -> None:
    known = ("slaapstoornis", "slaap")
    asked: list[str] = []

    def suggest(prefix: str) -> list[Completion]:
        asked.append(prefix)
        return [Completion(text=k, kind="term") for k in known if k.startswith(prefix)]

    topics = closest_topics(suggest, "slaapproblemen")
    assert [t.text for t in topics] == ["slaapstoornis", "slaap"]
    assert len(asked) <= 5  # the query, then a binary search over the word's starts
    assert closest_topics(suggest, "qwxzv") == ()
