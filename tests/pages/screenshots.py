"""Screenshots of the visitors' and editors' pages at a desktop's and a phone's width.

Run by hand (not in CI): `.venv/bin/python -m tests.pages.screenshots [OUT_DIR]`. It indexes
the seed pages into a temporary data dir, serves the app on a loopback port and has Debian's
Chromium photograph `/?q=magnesium`, an empty result, an article page and `/editor` with a
draft checked, each
as the first screen and as the whole page, into OUT_DIR (default build/screenshots, ignored by
git).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.overlap.service import OverlapService
from indexer.pages.parsing import parse_bytes
from indexer.settings import load_settings
from search_api import create_app
from search_api.overlap import install
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SEEDS_DIR, served

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
ARTICLE = "magnesium-bij-depressie-kan-het-helpen"
DRAFT = (
    "Magnesium en slaap\n\n"
    "Veel mensen slapen slecht. In dit concept lees je wat magnesium daaraan kan doen.\n\n"
)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data", rate_limit_enabled=False)
        nlp = build_nlp(settings)
        pages = [
            page for path in sorted(SEEDS_DIR.glob("*.txt"))
            for page in parse_bytes(path.read_bytes(), source=str(path)).pages
        ]
        engine = TantivyEngine.from_settings(settings)
        version = engine.create_version()
        engine.write(version, enrich_pages(nlp, pages))
        engine.switch(version)
        app = create_app(settings, engine=engine)
        install(app, OverlapService(engine, settings, nlp=nlp))
        copied = next(p.text for p in pages[0].passages() if "magnesium" in p.text.lower())
        with served(app) as base_url:
            _photograph(base_url, out_dir, DRAFT + copied)
        engine.close()


def _photograph(base_url: str, out_dir: Path, draft: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        for name, (width, height) in WIDTHS.items():
            context = browser.new_context(
                locale="nl-NL", viewport={"width": width, "height": height}
            )
            page = context.new_page()
            page.goto(base_url + "/?q=magnesium")
            _save(page, out_dir, f"search-{name}")
            page.goto(base_url + "/?q=slaapproblemen")
            _save(page, out_dir, f"empty-{name}")
            page.goto(base_url + "/artikel/" + ARTICLE)
            _save(page, out_dir, f"article-{name}")
            page.goto(base_url + "/editor")
            page.get_by_label("Tekst van het concept").fill(draft)
            page.get_by_role("button", name="Concept controleren").click()
            page.get_by_role("status").filter(has_text="Controle klaar").wait_for()
            _save(page, out_dir, f"editor-{name}")
            context.close()
        browser.close()


def _save(page: Any, out_dir: Path, name: str) -> None:
    page.screenshot(path=str(out_dir / f"{name}.png"))
    page.screenshot(path=str(out_dir / f"{name}-full.png"), full_page=True)
    print(out_dir / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("build/screenshots"))
