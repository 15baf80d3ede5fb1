"""Fixtures of the crawler tests: the local test site and fast crawl settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_testsite import Site, SiteServer, build_pages, crawl_settings

from indexer.pages.models import Page
from indexer.settings import Settings


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
