"""The per-host delay and robots.txt Crawl-delay, observed on the server side."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from crawl_testsite import Site, crawl_settings

from indexer.pages.rawstore import RawStore
from scrapers.config import CrawlConfig
from scrapers.crawler import Crawler, crawl_site
from scrapers.urls import origin

# The pacer starts a request `delay` after the previous one FINISHED, so the server's arrival
# stamps are at least `delay` apart; the margin only covers the stamps' own granularity.
_JITTER = 0.02


def _gaps(site: Site) -> list[float]:
    times = sorted(r.at for r in site.page_requests())
    return [b - a for a, b in pairwise(times)]


def test_requests_are_spaced_by_the_delay_setting(quiet_site: Site, tmp_path: Path) -> None:
    settings = crawl_settings(tmp_path / "data", crawl_delay=0.2, crawl_concurrency=2)
    summary = crawl_site(settings, quiet_site.url("/"), store=RawStore(tmp_path / "raw"))
    assert len(summary.fetched) >= 4
    gaps = _gaps(quiet_site)
    assert len(gaps) >= 5
    assert min(gaps) >= 0.2 - _JITTER


def test_crawl_delay_of_robots_txt_wins_over_a_smaller_delay(
    quiet_site: Site, tmp_path: Path
) -> None:
    quiet_site.crawl_delay = 0.25
    settings = crawl_settings(tmp_path / "data", crawl_delay=0.0, crawl_concurrency=2)
    crawl_site(settings, quiet_site.url("/"), store=RawStore(tmp_path / "raw"), max_pages=3)
    gaps = _gaps(quiet_site)
    assert len(gaps) >= 4
    # Only robots.txt itself is fetched before its Crawl-delay is known.
    assert min(gaps[1:]) >= 0.25 - _JITTER


def test_delay_option_overrides_the_setting(quiet_site: Site, tmp_path: Path) -> None:
    settings = crawl_settings(tmp_path / "data", crawl_delay=5.0)
    config = CrawlConfig.from_settings(settings, delay=0.1, max_pages=2)
    crawler = Crawler(config, RawStore(tmp_path / "raw"), quiet_site.url("/"))
    assert crawler.pacer.delay_for(origin(quiet_site.url("/"))) == 0.1
    crawler.run()
    assert min(_gaps(quiet_site)) >= 0.1 - _JITTER
