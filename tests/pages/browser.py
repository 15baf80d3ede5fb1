"""What the browser tests of the pages share: the two screen sizes, pages opened at one of
them (with or without JavaScript), and axe-core's accessibility check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
needs_axe = pytest.mark.skipif(
    not AXE.exists(), reason="needs axe-core (make browser installs it with npm)"
)


@pytest.fixture(params=list(WIDTHS))
def width(request: pytest.FixtureRequest) -> str:
    """Each browser test runs at a desktop's and at a phone's width."""
    name: str = request.param
    return name


@pytest.fixture
def open_page(browser: Any, width: str) -> Iterator[Callable[..., Any]]:
    """`open_page(javascript=True, bypass_csp=False)`: a fresh Dutch page at `width`; the
    test fails if a page raised a script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(javascript: bool = True, bypass_csp: bool = False) -> Any:
        w, h = WIDTHS[width]
        context = browser.new_context(
            locale="nl-NL", viewport={"width": w, "height": h},
            java_script_enabled=javascript, bypass_csp=bypass_csp,
            is_mobile=width == "phone", has_touch=width == "phone",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == [], f"script errors on the page: {errors}"


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.map((n) => n.target.join(" "))}))"""
    )
    return violations
