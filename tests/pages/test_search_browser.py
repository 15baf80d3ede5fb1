"""The search page in real headless Chromium at a desktop's and a phone's width."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import needs_chromium
from tests.pages.browser import WIDTHS, open_page, width

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]
__all__ = ["open_page", "width"]  # fixtures


def test_the_first_hit_is_on_the_first_screen(
    open_page: Callable[..., Any], site_url: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = open_page()
    page.goto(site_url + "/?q=magnesium")
    first = page.locator("#results li.hit").first
    expect(first).to_be_visible()
    box = first.locator("h3").bounding_box()
    assert box is not None and box["y"] + box["height"] <= WIDTHS[width][1], box
    if width == "phone":  # the filters wait, folded, above the results
        expect(page.locator("#filters > summary")).to_be_visible()
        expect(page.locator("#filter-form")).to_be_hidden()
    else:
        expect(page.locator("#filter-form")).to_be_visible()


def test_search_filter_and_page_without_javascript(
    open_page: Callable[..., Any], site_url: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(javascript=False)
    page.goto(site_url + "/")
    page.get_by_label("Zoek in alle artikelen").fill("magnesium")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    hits = page.locator("#results li.hit")
    expect(hits).to_have_count(10)
    expect(page).to_have_title(re.compile("magnesium"))
    expect(page.get_by_role("status")).to_contain_text("26 resultaten voor “magnesium”")

    if width == "phone":
        page.locator("#filters > summary").click()
    page.get_by_role("checkbox", name=re.compile(r"^Depressie")).check()
    page.get_by_role("button", name="Filters toepassen").click()
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Magnesium bij Depressie")
    if width == "phone":
        page.locator("#filters > summary").click()
    expect(page.get_by_role("checkbox", name=re.compile(r"^Depressie"))).to_be_checked()
    page.get_by_role("link", name="Wis filters").click()
    expect(hits).to_have_count(10)

    page.get_by_role("link", name="Pagina 3").click()
    expect(page).to_have_title(re.compile("pagina 3 van 3"))
    expect(page.locator("#results")).to_have_attribute("start", "21")
    expect(hits).to_have_count(6)


def test_paging_moves_focus_to_the_results_without_a_reload(
    open_page: Callable[..., Any], site_url: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = open_page()
    page.goto(site_url + "/?q=magnesium")
    page.evaluate("window.stillHere = true")
    page.get_by_role("link", name="Volgende pagina").click()
    expect(page.get_by_role("status")).to_contain_text("pagina 2 van 3")
    expect(page.locator("#results")).to_have_attribute("start", "11")
    expect(page).to_have_title(re.compile("pagina 2 van 3"))
    assert re.search(r"[?&]page=2\b", page.url)
    assert page.evaluate("window.stillHere") is True  # swapped in, not reloaded
    expect(page.locator("#resultaten")).to_be_focused()
    box = page.locator("#resultaten").bounding_box()
    assert box is not None and 0 <= box["y"] < WIDTHS[width][1] / 2, box  # at the top
    page.go_back()
    expect(page.locator("#results")).to_have_attribute("start", "1")


def test_a_filter_applies_at_once_and_keeps_focus(
    open_page: Callable[..., Any], site_url: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = open_page()
    page.goto(site_url + "/?q=magnesium")
    if width == "phone":
        page.locator("#filters > summary").click()
    page.get_by_role("checkbox", name=re.compile(r"^Depressie")).check()
    hits = page.locator("#results li.hit")
    expect(hits).to_have_count(1)
    assert "label=Depressie" in page.url
    expect(page.get_by_role("checkbox", name=re.compile(r"^Depressie"))).to_be_focused()
    expect(page.get_by_role("checkbox", name=re.compile(r"^Depressie"))).to_be_checked()
    expect(page.get_by_role("button", name="Filters toepassen")).to_be_hidden()
    page.go_back()
    expect(hits).to_have_count(10)


def test_enter_on_a_suggestion_opens_it(
    open_page: Callable[..., Any], site_url: str
) -> None:
    from playwright.sync_api import expect

    page = open_page()
    page.goto(site_url + "/")
    box = page.get_by_label("Zoek in alle artikelen")
    box.press_sequentially("depr", delay=30)
    topic = page.get_by_role("option", name="depressie, onderwerp", exact=True)
    expect(topic).to_be_visible()  # the kind is read apart from the words
    options = page.get_by_role("option")
    index = [o.get_attribute("id") for o in options.all()].index(topic.get_attribute("id"))
    for _ in range(index + 1):
        box.press("ArrowDown")
    expect(topic).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.locator("#results li.hit").first).to_be_visible()
    assert re.search(r"[?&]q=depressie\b", page.url)

    box.fill("")
    box.press_sequentially("Magnesium bij", delay=30)
    article = page.get_by_role("option", name=re.compile(r"^Magnesium bij Depressie.*, artikel$"))
    expect(article).to_be_visible()
    while article.get_attribute("aria-selected") != "true":
        box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/artikel/magnesium-bij-depressie-kan-het-helpen$"))
    expect(page.locator("h1")).to_have_text("Magnesium bij Depressie: Kan het Helpen?")


def test_an_empty_result_leads_on(open_page: Callable[..., Any], site_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page()
    page.goto(site_url + "/?q=magnesium")
    box = page.get_by_label("Zoek in alle artikelen")
    box.fill("slaapproblemen")
    box.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Geen resultaten voor “slaapproblemen”.")
    page.locator(".no-results").get_by_role("link", name="slaapstoornis", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("voor “slaapstoornis”")
    expect(page.locator("#results li.hit").first).to_be_visible()
    expect(box).to_have_value("slaapstoornis")


def test_the_article_page_opens_at_a_section(
    open_page: Callable[..., Any], site_url: str, seed_pages: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    article = seed_pages["depression"]
    section = article.sections[2]
    page = open_page()
    page.goto(site_url + "/?q=magnesium+depressie")
    href = page.locator("#results li.hit h3 a").first.get_attribute("href")
    assert href == f"/artikel/{article.id}"
    page.goto(f"{site_url}/artikel/{article.id}#{section.anchor}")
    expect(page.locator("h1")).to_have_text(article.title)
    heading = page.locator(f"[id='{section.anchor}']")
    expect(heading).to_be_in_viewport()
    expect(heading).to_contain_text(section.heading)
    page.get_by_role("link", name=f"#{article.labels[0]}").click()
    expect(page.locator("#results li.hit").first).to_contain_text(article.title)
