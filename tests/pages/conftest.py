"""Page fixtures: the seed pages plus 24 short articles about magnesium and another nutrient
each (so that "magnesium" has three pages of hits and a filter group has more than five
values), one of them with a URL of its own; the app on that index, served on a loopback port.
Nothing of ours is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from indexer.pages.parsing import parse_plain_text
from indexer.search.port import Engine
from indexer.settings import Settings, load_settings
from search_api import create_app
from tests.conftest import served

NUTRIENTS = (
    "zink", "ijzer", "calcium", "kalium", "natrium", "selenium", "jodium", "chroom",
    "mangaan", "lithium", "taurine", "choline",
)
OWN_URL = "https://www.voorbeeld.nl/magnesium-en-zink"


def _articles() -> list[Any]:
    pages = []
    for number in range(24):
        nutrient = NUTRIENTS[number % len(NUTRIENTS)]
        text = (
            f"Dit is artikel {number + 1} over magnesium en {nutrient}. Magnesium werkt samen "
            f"met {nutrient} in het lichaam.\n\nWie weinig {nutrient} eet, kan ook een "
            "magnesiumtekort krijgen; vraag een arts om advies."
        )
        page = parse_plain_text(text, title=f"Magnesium en {nutrient} ({number + 1})")
        if number == 0:
            page = page.model_copy(update={"url": OWN_URL})
        pages.append(page)
    return pages


@pytest.fixture(scope="session")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        data_dir=tmp_path_factory.mktemp("site") / "data", rate_limit_enabled=False
    )


@pytest.fixture(scope="session")
def site_engine(
    site_settings: Settings, nlp: Any, enriched_seeds: dict[str, Any]
) -> Iterator[Engine]:
    """A live tantivy index: the two seed pages and the 24 magnesium articles."""
    from indexer.engines import make_engine
    from indexer.nlp.enrich import enrich_pages

    engine = make_engine(site_settings)
    version = engine.create_version()
    report = engine.write(version, [*enriched_seeds.values(), *enrich_pages(nlp, _articles())])
    assert report.indexed == 26 and not report.failed, report
    engine.switch(version)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def site_app(site_settings: Settings, site_engine: Engine) -> Flask:
    return create_app(site_settings, engine=site_engine)


@pytest.fixture(scope="module")
def site_url(site_app: Flask) -> Iterator[str]:
    with served(site_app) as url:
        yield url
