"""Fixtures of the crawler tests: the local test site and fast crawl settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_testsite import Site, SiteServer, build_pages

from indexer.models import Page
from indexer.settings import Settings, load_settings

# Small limits so that every hostile case trips quickly; delay 0 unless a test sets one.
CRAWL_SETTINGS = {
    "crawl_delay": 0.0,
    "crawl_timeout": 0.5,
    "crawl_retries": 1,
    "crawl_backoff_base": 0.05,
    "crawl_max_backoff": 2.0,
    "crawl_max_bytes": 1_000_000,
    "crawl_max_per_pattern": 5,
    "crawl_max_depth": 10,
    "crawl_concurrency": 2,
    "crawl_state_every": 1,
}


def crawl_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a crawl of the test site into `data_dir`."""
    return load_settings(data_dir=data_dir, **{**CRAWL_SETTINGS, **overrides})


@pytest.fixture
def crawl_config(tmp_path: Path) -> Settings:
    return crawl_settings(tmp_path / "data")


def _site(seed_pages: dict[str, Page], hostile: bool) -> Iterator[Site]:
    site = Site(pages=build_pages(seed_pages["depression"], seed_pages["adhd"], hostile=hostile))
    with SiteServer(site) as running:
        yield running


@pytest.fixture
def hostile_site(seed_pages: dict[str, Page]) -> Iterator[Site]:
    """The test site with every hostile case linked from its index page."""
    yield from _site(seed_pages, hostile=True)


@pytest.fixture
def quiet_site(seed_pages: dict[str, Page]) -> Iterator[Site]:
    """The test site with only its articles (for the re-crawl tests)."""
    yield from _site(seed_pages, hostile=False)
