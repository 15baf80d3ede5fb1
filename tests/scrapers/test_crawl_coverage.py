"""Coverage: a site whose pages are named by number is crawled whole, its sitemap's URLs are
never taken for a trap, while the hostile site's traps stay refused; the trap guard on its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_testsite import (
    LISTED_FAR_MONTH,
    SiteServer,
    crawl_settings,
    numbered_paths,
    numbered_site,
)

from indexer.pages.models import Page
from indexer.pages.rawstore import RawStore
from scrapers.crawler import crawl_site
from scrapers.traps import GROWTH, TrapGuard, group_of

NUMBERED = 5000
SHM = Path("/dev/shm")


@pytest.mark.slow
def test_a_site_of_numbered_pages_is_crawled_whole_and_its_traps_refused(
    tmp_path: Path, seed_pages: dict[str, Page]
) -> None:
    site = numbered_site(seed_pages["depression"], seed_pages["adhd"], NUMBERED)
    # The raw store fsyncs every page: on tmpfs when there is one, so that the disk does not
    # set the pace of this test.
    data_dir = (tmp_path if not SHM.is_dir() else Path(
        __import__("tempfile").mkdtemp(dir=SHM))) / "data"
    # crawl_max_per_pattern stays at the test settings' 5: numbered pages are never counted.
    settings = crawl_settings(data_dir, crawl_concurrency=8, crawl_max_pages=NUMBERED + 500,
                              crawl_state_every=1000)
    try:
        with SiteServer(site, own_process=True):
            summary = crawl_site(settings, site.url("/"))
        stored = {r.url for r in RawStore(data_dir / "raw").records()}
    finally:
        if data_dir.parent != tmp_path:
            __import__("shutil").rmtree(data_dir.parent, ignore_errors=True)
    missing = [p for p in numbered_paths(NUMBERED) if site.url(p) not in stored]
    assert missing == []
    # Listed by the sitemap: fetched, although a link to it would be refused.
    assert site.url(LISTED_FAR_MONTH) in stored
    assert not any(u.startswith(site.url(p)) for u in summary.skipped
                   for p in ("/artikel/", "/docs/", "/nummers/"))
    # The traps of the hostile site, refused all the same.
    trap_pages = [u for u in stored if u.startswith(site.url("/agenda"))]
    assert 0 < len(trap_pages) <= 12
    assert len([u for u in stored if u.startswith(site.url("/diep/"))]) <= 3
    assert len([u for u in stored if u.startswith(site.url("/zoek"))]) <= GROWTH + 1
    assert set(summary.failed) == {site.url(p) for p in (
        "/redirect/lus-a", "/redirect/prive", "/bom", "/traag", "/druppel", "/druppel-kop")}


# --- the guard on its own


@pytest.mark.parametrize(
    ("url", "parent"),
    [
        ("http://s.nl/artikel/12345", "http://s.nl/nummers/lijst/3"),
        ("http://s.nl/artikel/12346", "http://s.nl/artikel/12345"),
        ("http://s.nl/docs/01/05020100.html", "http://s.nl/docs/01/05020000.html"),
        ("http://s.nl/nieuws?pagina=12", "http://s.nl/nieuws?pagina=11"),
        ("http://s.nl/a/b/c/d/e/f/", "http://s.nl/a/b/c/d/e/"),
        ("http://s.nl/agenda?maand=12", "http://s.nl/agenda?maand=11"),
        ("http://s.nl/blog/2024/05/titel", "http://s.nl/blog/"),
        ("http://s.nl/product/1999/13", "http://s.nl/product/"),
    ],
)
def test_pages_named_by_number_are_followed(url: str, parent: str) -> None:
    assert TrapGuard(max_per_pattern=5).refusal(url, parent) is None


@pytest.mark.parametrize(
    ("url", "evidence"),
    [
        ("http://s.nl/a/b/a/b/a/b/", "ever deeper"),
        ("http://s.nl/x?f=1&f=2&f=3", "repeated"),
        ("http://s.nl/agenda?maand=13", "no date of any calendar"),
        ("http://s.nl/agenda?maand=0", "no date of any calendar"),
        ("http://s.nl/agenda?datum=2024-02-31", "no date of any calendar"),
        ("http://s.nl/agenda?jaar=2999", "far off"),
        ("http://s.nl/kalender/2150/01", "far off"),
    ],
)
def test_trap_urls_are_refused_with_their_evidence(url: str, evidence: str) -> None:
    reason = TrapGuard(max_per_pattern=5).refusal(url, "http://s.nl/")
    assert reason is not None and evidence in reason


def test_ever_longer_urls_are_refused_after_a_chain() -> None:
    guard = TrapGuard(max_per_pattern=5)
    parent, reasons = "http://s.nl/zoek?q=a", []
    for n in range(2, GROWTH + 4):
        url = f"http://s.nl/zoek?q={'a' * n}"
        reasons.append(guard.refusal(url, parent))
        parent = url
    assert reasons[: GROWTH] == [None] * GROWTH
    assert reasons[GROWTH] is not None and "ever longer" in reasons[GROWTH]


def test_date_like_urls_are_capped_per_pattern() -> None:
    guard = TrapGuard(max_per_pattern=3)
    found = [guard.refusal(f"http://s.nl/archief?week={n}", "http://s.nl/") for n in (1, 2, 3, 4)]
    assert found[:3] == [None, None, None]
    assert found[3] is not None and "crawl_max_per_pattern (3)" in found[3]


def test_near_identical_dead_end_pages_close_their_group() -> None:
    guard = TrapGuard(max_per_pattern=100)
    same = 0x1234_5678_9ABC_DEF0
    notes = [guard.observe(f"http://s.nl/leeg?maand={n}", same ^ n, 0) for n in range(1, 6)]
    assert notes[:4] == [None] * 4 and notes[4] is not None
    closed = guard.closed("http://s.nl/leeg?maand=9")
    assert closed is not None and "near-identical" in closed


def test_near_identical_list_pages_that_bring_new_pages_stay_open() -> None:
    guard = TrapGuard(max_per_pattern=100)
    for n in range(20):
        guard.observe(f"http://s.nl/nummers/lijst/{n}", 0xABCDEF, 100)
    assert guard.closed("http://s.nl/nummers/lijst/21") is None
    assert group_of("http://s.nl/nummers/lijst/21") == "/nummers/lijst/*"
