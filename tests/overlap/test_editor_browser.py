"""The /editor page in real headless Chromium, against the app on a real local server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from indexer.pages.models import Page
from tests.conftest import needs_chromium, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    needs_chromium,
]


@pytest.fixture(scope="module")
def base_url(overlap_app: Flask) -> Iterator[str]:
    with served(overlap_app) as url:
        yield url


def test_paste_a_draft_and_see_the_shared_text_marked(
    page: Any, base_url: str, seed_pages: dict[str, Page]
) -> None:
    from playwright.sync_api import expect

    copied = next(p for p in seed_pages["adhd"].passages() if "Overmatige inname" in p.text)
    page.goto(base_url + "/editor")
    page.get_by_label("Titel (optioneel)").fill("Mijn <b>concept</b>")
    page.get_by_label("Tekst van het concept").fill(
        "Een eigen inleiding over <img src=x onerror=alert(1)> supplementen.\n\n" + copied.text
    )
    page.get_by_role("button", name="Concept controleren").click()

    expect(page.get_by_role("status")).to_have_text("Controle klaar.")
    expect(page.locator("#summary")).to_contain_text("van de tekst van het concept")
    expect(page.locator("#summary")).to_contain_text("%")
    match = page.locator("#matches .match").first
    expect(match.locator("mark").first).to_contain_text("Overmatige inname van magnesium")
    # Side by side: the draft's passage and the other article's, both marked.
    figures = match.locator("figure")
    expect(figures).to_have_count(2)
    expect(figures.nth(1)).to_contain_text("Elders:")
    expect(figures.nth(1).locator("mark").first).to_contain_text("bijwerkingen zoals diarree")
    expect(match.locator(".similarity")).to_contain_text("Overeenkomst:")
    expect(figures.first.locator("figcaption")).to_contain_text("Concept — alinea 2")
    # Much of this draft stands elsewhere: the meter warns (not green), in words too.
    meter = page.locator("#fraction-meter")
    assert float(meter.get_attribute("value") or 0) >= 0.3
    expect(meter).to_have_attribute("optimum", "0")
    expect(page.locator("#fraction-word")).to_have_text("veel overlap")
    expect(page.locator("#related li").first).to_contain_text("ADHD en Magnesium")
    # Text is shown as text: nothing the editor typed becomes markup.
    assert page.locator("#report img, #report b").count() == 0


def test_pick_an_article_by_title(page: Any, base_url: str, seed_pages: dict[str, Page]) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/editor")
    box = page.get_by_label("Titel van het artikel")
    box.press_sequentially("Magnesium bij", delay=30)
    title = seed_pages["depression"].title
    expect(page.locator(f'#article-options option[value="{title}"]')).to_have_count(1)
    box.fill(title)
    page.get_by_role("button", name="Artikel controleren").click()

    expect(page.get_by_role("status")).to_have_text("Controle klaar.")
    expect(page.locator("#summary")).to_contain_text(title)
    marks = page.locator("#matches mark")
    expect(marks.first).to_be_visible()
    all_marked = " ".join(marks.all_inner_texts())
    for words in ("cofactor voor meer dan 300 enzymen", "NMDA-receptor", "Overmatige inname"):
        assert words in all_marked
    assert "Mevrouw Jansen" not in page.locator("#matches").inner_text()
    assert page.url.endswith("/editor?article=" + seed_pages["depression"].id)
    # "Elders" links to the live article (its article page: the seeds have no URL of their
    # own), in a new tab; the related list offers that article's own check.
    elsewhere = page.locator("#matches figcaption a").first
    expect(elsewhere).to_have_attribute("href", "/artikel/" + seed_pages["adhd"].id)
    expect(elsewhere).to_have_attribute("target", "_blank")
    page.locator("#related a.check").first.click()
    expect(page.locator("#summary")).to_contain_text(seed_pages["adhd"].title)


def test_errors_are_shown_in_dutch(page: Any, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(base_url + "/editor")
    page.get_by_label("Tekst van het concept").fill("   ")
    page.get_by_role("button", name="Concept controleren").click()
    expect(page.get_by_role("status")).to_have_text("Plak eerst de tekst van het concept.")

    page.goto(base_url + "/editor?article=bestaat-niet")
    expect(page.get_by_role("status")).to_have_text(
        "Controle mislukt: dit artikel bestaat niet (meer).")
    expect(page.locator("#report")).to_be_hidden()


def test_the_whole_draft_paragraph_by_paragraph(
    page: Any, base_url: str, seed_pages: dict[str, Page]
) -> None:
    from playwright.sync_api import expect

    copied = next(p for p in seed_pages["depression"].passages() if "Mevrouw Jansen" in p.text)
    own = ("Een eigen inleiding over magnesium en slaap, geschreven voor dit concept en nergens "
           "anders op de site te vinden.")
    paragraphs = [own, copied.text, "Kort."]
    page.goto(base_url + "/editor")
    page.get_by_label("Tekst van het concept").fill("\n\n".join(paragraphs))
    page.get_by_role("button", name="Concept controleren").click()
    expect(page.get_by_role("status")).to_have_text("Controle klaar.")

    items = page.locator("#passages > li")
    expect(items).to_have_count(3)  # every paragraph, the ones without overlap too, in order
    for item, text in zip(items.all(), paragraphs, strict=True):
        expect(item.locator("blockquote")).to_have_text(text)
    first, second, third = items.all()
    expect(first).to_contain_text("Eerste alinea")
    expect(first).to_contain_text("0% staat elders")
    expect(first).to_have_class(re.compile(r"\blittle\b"))
    expect(second).to_contain_text("Alinea 2")
    expect(second).to_contain_text("100% staat elders")
    expect(second).to_have_class(re.compile(r"\bmuch\b"))  # warns: not the colour of "little"
    expect(second.locator("meter")).to_have_attribute("value", "1")
    expect(second.locator("mark").first).to_contain_text("Laten we beginnen")
    expect(third).to_contain_text("te kort om te vergelijken")
    assert first.locator("mark").count() == 0
    # Each paragraph leads to its matches, whose "Elders" is the live article.
    second.get_by_role("link", name="overeenkomst 1").click()
    match = page.locator("#match-1")
    expect(match).to_be_in_viewport()
    expect(match.locator("figcaption a")).to_have_attribute(
        "href", "/artikel/" + seed_pages["depression"].id)
