"""Fixtures shared by the whole suite: settings on a temporary data dir, the seed pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from indexer.settings import Settings, load_settings

SEEDS_DIR = Path(__file__).parent / "data" / "seeds"
DEPRESSION_SEED = SEEDS_DIR / "000_2197648ae2898235.txt"
ADHD_SEED = SEEDS_DIR / "002_0ef097b5af8587ff.txt"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SITESEARCH_* setting of the developer's shell leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("SITESEARCH_") and not key.startswith("SITESEARCH_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with their own empty data dir and no rate limits."""
    return load_settings(data_dir=tmp_path / "data", rate_limit_enabled=False)


@pytest.fixture(scope="session")
def seed_bytes() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(SEEDS_DIR.glob("*.txt"))}


@pytest.fixture(scope="session")
def seed_pages(seed_bytes: dict[str, bytes]) -> dict[str, object]:
    """The two seed pages parsed: {"depression": Page, "adhd": Page}."""
    from indexer.pages.parsing import parse_bytes

    depression = parse_bytes(seed_bytes[DEPRESSION_SEED.name], source=str(DEPRESSION_SEED))
    adhd = parse_bytes(seed_bytes[ADHD_SEED.name], source=str(ADHD_SEED))
    return {"depression": depression.pages[0], "adhd": adhd.pages[0]}


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The default Dutch pipeline, built once for the whole session."""
    from indexer.nlp.pipeline import build_nlp

    return build_nlp(load_settings())


@pytest.fixture(scope="session")
def enriched_seeds(nlp, seed_pages):  # type: ignore[no-untyped-def]
    """The two seed pages enriched: {"depression": EnrichedPage, "adhd": EnrichedPage}."""
    from indexer.nlp.enrich import enrich_pages

    names = list(seed_pages)
    enriched = enrich_pages(nlp, [seed_pages[n] for n in names])
    return dict(zip(names, enriched, strict=True))


# --- engine fixtures (tantivy), shared by the engine, API, overlap and reindex tests


@pytest.fixture(scope="session")
def seed_index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose data dir holds the session's live tantivy index of the seed pages."""
    return load_settings(
        data_dir=tmp_path_factory.mktemp("seed-index") / "data", rate_limit_enabled=False
    )


@pytest.fixture(scope="session")
def seed_engine(seed_index_settings: Settings, enriched_seeds):  # type: ignore[no-untyped-def]
    """A TantivyEngine with both seed pages in a live version. Read-only: do not write to it."""
    from indexer.engines.tantivy.engine import TantivyEngine

    engine = TantivyEngine.from_settings(seed_index_settings)
    version = engine.create_version()
    report = engine.write(version, list(enriched_seeds.values()))
    assert report.indexed == 2 and not report.failed, report
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture
def tantivy_engine(settings: Settings):  # type: ignore[no-untyped-def]
    """An empty TantivyEngine on the test's own data dir (no version yet)."""
    from indexer.engines.tantivy.engine import TantivyEngine

    engine = TantivyEngine.from_settings(settings)
    yield engine
    engine.close()


# --- headless Chromium, shared by the browser tests of the search page and the editor page ---
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make browser installs it)"
)


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served by werkzeug on a free loopback port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh Dutch-locale browser page; the test fails if the page raised a script error."""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"
