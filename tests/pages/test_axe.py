"""axe-core finds no serious or critical accessibility violation on the pages, at a desktop's
and at a phone's width (Debian's Chromium; axe-core from npm, injected by Playwright)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import needs_chromium
from tests.pages.browser import needs_axe, open_page, serious_violations, width

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_chromium, needs_axe]
__all__ = ["open_page", "width"]  # fixtures

PAGES = {
    "start": "/",
    "results": "/?q=magnesium&page=2",
    "filtered": "/?q=magnesium&label=Depressie",
    "empty result": "/?q=slaapproblemen",
    "article": "/artikel/magnesium-bij-depressie-kan-het-helpen",
    "not found": "/bestaat-niet",
    "editor": "/editor",
}


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_no_serious_violations(
    open_page: Callable[..., Any], site_url: str, path: str
) -> None:
    page = open_page(bypass_csp=True)  # axe is injected as an inline script
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []


def test_no_serious_violations_with_suggestions_and_open_filters(
    open_page: Callable[..., Any], site_url: str, width: str
) -> None:
    from playwright.sync_api import expect

    page = open_page(bypass_csp=True)
    page.goto(site_url + "/?q=magnesium")
    if width == "phone":
        page.locator("#filters > summary").click()
    page.locator("#filters details.more > summary").first.click()
    page.get_by_label("Zoek in alle artikelen").fill("")
    page.get_by_label("Zoek in alle artikelen").press_sequentially("magn", delay=30)
    expect(page.get_by_role("option").first).to_be_visible()
    page.get_by_label("Zoek in alle artikelen").press("ArrowDown")
    assert serious_violations(page) == []


@pytest.mark.parametrize("width", ["phone"], indirect=True)
def test_the_check_finds_what_it_should(open_page: Callable[..., Any]) -> None:
    page = open_page(bypass_csp=True)
    page.set_content('<html lang="nl"><title>t</title><main><img src="data:,"></main></html>')
    assert [v["id"] for v in serious_violations(page)] == ["image-alt"]


def test_no_serious_violations_on_a_checked_draft(
    open_page: Callable[..., Any], site_url: str, seed_pages: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    copied = next(p for p in seed_pages["adhd"].passages() if "Overmatige inname" in p.text)
    page = open_page(bypass_csp=True)
    page.goto(site_url + "/editor")
    page.get_by_label("Tekst van het concept").fill(
        "Een eigen inleiding over supplementen, voor dit concept geschreven en nergens anders "
        "op de site te vinden.\n\n" + copied.text)
    page.get_by_role("button", name="Concept controleren").click()
    expect(page.get_by_role("status")).to_have_text("Controle klaar.", timeout=60_000)
    expect(page.locator("#passages > li")).to_have_count(2)
    assert serious_violations(page) == []
