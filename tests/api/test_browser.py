"""The search page in real headless Chromium, against the app on a real local server."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import needs_chromium, served

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium]


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    with served(app) as url:
        yield url


def test_type_suggest_submit_highlight_and_narrow_by_facet(  # type: ignore[no-untyped-def]
    page, base_url: str, app: Flask
) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/")
    expect(page.get_by_label("Zoek in alle artikelen")).to_be_visible()

    box = page.locator("#q")
    box.press_sequentially("magnes", delay=40)
    options = page.locator("#suggestions [role=option]")
    expect(options.first).to_be_visible()
    assert 1 <= options.count() <= 10
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")  # the list is keyboard-navigable
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(page.locator("#suggestions")).to_be_hidden()

    box.fill("magnesium")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    hits = page.locator("#results li.hit")
    expect(hits).to_have_count(2)
    expect(page.locator("#results mark").first).to_be_visible()
    # The snippet reads exactly as the API's HTML would (spaces and entities kept).
    api_hits = app.test_client().get("/api/search?q=magnesium").get_json()["hits"]
    shown = page.locator("#results .snippet").first.text_content()
    assert shown == html.unescape(re.sub(r"</?mark>", "", api_hits[0]["snippet"]))
    expect(page.locator("#status")).to_contain_text("2 resultaten")
    assert re.search(r"[?&]q=magnesium\b", page.url)

    page.get_by_role("checkbox", name=re.compile(r"^Depressie")).check()
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("Magnesium bij Depressie")
    assert "label=Depressie" in page.url

    page.go_back()  # state lives in the URL: back restores the wider list
    expect(hits).to_have_count(2)
    page.go_forward()
    expect(hits).to_have_count(1)
    page.get_by_role("link", name="Wis filters").click()  # widens it again
    expect(hits).to_have_count(2)


def test_did_you_mean_and_no_results(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(base_url + "/?q=magnesium+depressie")  # a linkable result page
    first = page.locator("#results li.hit").first
    expect(first).to_contain_text("Magnesium bij Depressie")
    expect(first.locator("mark").first).to_be_visible()
    expect(page.locator("#q")).to_have_value("magnesium depressie")

    page.goto(base_url + "/?q=magnesuim+tekrot")
    did_you_mean = page.locator("#did-you-mean")
    expect(did_you_mean).to_contain_text("Bedoelde u")
    did_you_mean.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"[?&]q=magnesium\+tekort"))
    expect(page.locator("#results li.hit").first).to_be_visible()

    page.goto(base_url + "/?q=qwxzv")
    expect(page.locator("#status")).to_contain_text("Geen resultaten voor")
    expect(page.locator("#results li.hit")).to_have_count(0)
    expect(page.locator(".no-results")).to_contain_text("Controleer de spelling")
