"""Crawling the local test site: what is stored, what is refused and why, re-crawls."""

from __future__ import annotations

import pytest
from crawl_testsite import (
    ADHD_PATH,
    CANONICAL_PATH,
    CHROME_SNIPPETS,
    DEPRESSION_PATH,
    DRIP_SECONDS,
    FLAKY_PATH,
    MAP_PATH,
    RESPONSE_DEADLINE,
    SITEMAP_ONLY_PATH,
    TWIN_PATHS,
    Site,
    SiteServer,
    build_pages,
    crawl_settings,
    simple_page,
)

from indexer.pages.html import extract_page
from indexer.pages.models import Page
from indexer.pages.rawstore import RawStore
from indexer.settings import Settings
from scrapers.crawler import CrawlSummary, crawl_site

ARTICLES = ("/", DEPRESSION_PATH, ADHD_PATH, SITEMAP_ONLY_PATH)
TRAPS = ("/agenda", "/kalender/", "/diep/", "/zoek")


def _crawl(settings: Settings, site: Site, **options: object) -> tuple[CrawlSummary, RawStore]:
    store = RawStore(settings.data_dir / "raw")
    return crawl_site(settings, site.url("/"), store=store, **options), store


def _snapshot(store: RawStore) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(store.root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(store.root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def first_crawl(
    tmp_path_factory: pytest.TempPathFactory, seed_pages: dict[str, Page]
) -> tuple[Site, CrawlSummary, RawStore]:
    """One crawl of the hostile site, shared by the tests that only read its results."""
    settings = crawl_settings(tmp_path_factory.mktemp("crawl") / "data")
    site = Site(pages=build_pages(seed_pages["depression"], seed_pages["adhd"]))
    with SiteServer(site):
        summary, store = _crawl(settings, site)
    return site, summary, store


def test_stores_exactly_the_allowed_pages(first_crawl: tuple[Site, CrawlSummary, RawStore]) -> None:
    site, _, store = first_crawl
    stored = {r.url for r in store.records()}
    expected = {site.url(p) for p in (*ARTICLES, FLAKY_PATH, TWIN_PATHS[0], MAP_PATH)}
    trap_pages = {u for u in stored if u.removeprefix(site.base).startswith(TRAPS)}
    assert stored - trap_pages == expected
    # The tracking parameters and the fragment of a link to an article were dropped.
    assert not any("utm_" in u or "#" in u for u in stored)


def test_one_page_has_one_url(first_crawl: tuple[Site, CrawlSummary, RawStore]) -> None:
    site, summary, store = first_crawl
    stored = {r.url for r in store.records()}
    # / and /index.html: one page, fetched once.
    assert site.url("/index.html") not in stored and not site.requested("/index.html")
    assert len(site.requested("/")) == 1
    # The print version names the article as its canonical URL: stored only as the article.
    assert "canonical" in summary.skipped[site.url(CANONICAL_PATH)]
    assert site.url(CANONICAL_PATH) not in stored
    # The same page with and without a trailing slash: stored once.
    assert len({site.url(p) for p in TWIN_PATHS} & stored) == 1
    # A server that redirects /map/ to /map/index.html: followed, stored as /map/.
    assert store.get(site.url(MAP_PATH)) is not None
    assert site.url(MAP_PATH) not in summary.failed


def test_robots_txt_is_obeyed(first_crawl: tuple[Site, CrawlSummary, RawStore]) -> None:
    site, summary, _ = first_crawl
    asked = {r.path for r in site.page_requests()}
    assert "/private/concept-artikel" not in asked
    assert DEPRESSION_PATH + "?print=1" not in asked
    assert not any(p.startswith("/labels/") for p in asked)
    assert summary.skipped[site.url("/private/concept-artikel")] == "disallowed by robots.txt"
    assert summary.skipped[site.url(DEPRESSION_PATH + "?print=1")] == "disallowed by robots.txt"


def test_sitemap_index_and_gzip_sitemap_are_read(
    first_crawl: tuple[Site, CrawlSummary, RawStore],
) -> None:
    site, _, store = first_crawl
    assert site.requested("/sitemaps/artikelen.xml.gz")
    # Linked from nowhere: only the gzip sitemap behind the sitemap index names it.
    assert store.get(site.url(SITEMAP_ONLY_PATH)) is not None


def test_hostile_cases_are_reported_with_their_reason(
    first_crawl: tuple[Site, CrawlSummary, RawStore],
) -> None:
    site, summary, _ = first_crawl
    failed = summary.failed
    assert "redirect loop" in failed[site.url("/redirect/lus-a")]
    private = failed[site.url("/redirect/prive")]
    assert "127.0.0.2" in private and "non-public address" in private
    assert "too large" in failed[site.url("/bom")]
    assert "timed out" in failed[site.url("/traag")]
    for path in ("/druppel", "/druppel-kop"):
        assert f"binnen {RESPONSE_DEADLINE:g} s" in failed[site.url(path)]
    assert "application/pdf" in summary.skipped[site.url("/folder.pdf")]
    assert summary.redirected[site.url("/redirect/normaal")] == site.url(ADHD_PATH)
    # Each slow attempt was cut off by the read timeout; it was retried crawl_retries times.
    assert len(site.requested("/traag")) == 2


def test_slow_drip_ends_at_the_response_deadline(
    first_crawl: tuple[Site, CrawlSummary, RawStore],
) -> None:
    site, summary, _ = first_crawl
    # A byte a second never trips the read timeout; the deadline ends the answer, once (no
    # retry), after about RESPONSE_DEADLINE seconds of drip (bytes the server could send).
    for path in ("/druppel", "/druppel-kop"):
        assert len(site.requested(path)) == 1
        assert site.drip_writes[path] <= RESPONSE_DEADLINE / DRIP_SECONDS + 3
    assert not summary.stopped


def test_503_is_retried_after_retry_after(first_crawl: tuple[Site, CrawlSummary, RawStore]) -> None:
    site, summary, store = first_crawl
    first, second = site.requested(FLAKY_PATH)
    assert second.at - first.at >= 0.95  # Retry-After: 1
    assert site.url(FLAKY_PATH) in summary.fetched
    assert store.get(site.url(FLAKY_PATH)) is not None


def test_crawl_traps_are_refused_with_their_evidence(
    first_crawl: tuple[Site, CrawlSummary, RawStore],
) -> None:
    site, summary, _ = first_crawl
    asked = [r.path for r in site.page_requests()]
    reasons = {u.removeprefix(site.base): r for u, r in summary.skipped.items()}
    # The calendar by query: months 1-12 at most, never month 0 or 13.
    assert 0 < len([p for p in asked if p.startswith("/agenda")]) <= 12
    assert "no date of any calendar" in reasons["/agenda?maand=0"]
    # The calendar by path: cut by its near-identical, dead-end pages or the date cap.
    assert 0 < len([p for p in asked if p.startswith("/kalender/")]) <= 8
    # Folders in folders, and an ever longer query.
    assert len([p for p in asked if p.startswith("/diep/")]) <= 3
    assert "ever deeper" in reasons["/diep/verder/verder/verder/"]
    assert len([p for p in asked if p.startswith("/zoek")]) <= 9
    assert any("ever longer URLs" in r for p, r in reasons.items() if p.startswith("/zoek"))


def test_redirect_to_an_article_is_not_fetched_twice(
    first_crawl: tuple[Site, CrawlSummary, RawStore],
) -> None:
    site, _, _ = first_crawl
    assert len(site.requested(ADHD_PATH)) == 1


def test_extracted_articles_match_the_text_parser(
    first_crawl: tuple[Site, CrawlSummary, RawStore], seed_pages: dict[str, Page]
) -> None:
    site, _, store = first_crawl
    for name, path in (("depression", DEPRESSION_PATH), ("adhd", ADHD_PATH)):
        expected = seed_pages[name]
        url = site.url(path)
        page = extract_page(store.body(url), url)
        assert page.title == expected.title
        assert page.headings() == expected.headings()
        assert [s.anchor for s in page.sections] == [s.anchor for s in expected.sections]
        assert page.labels == expected.labels
        assert [p.text for p in page.passages()] == [p.text for p in expected.passages()]
        record = store.get(url)
        assert record is not None and record.page_id == page.id
        for snippet in CHROME_SNIPPETS:
            assert snippet.lower() not in record.text.lower()
    related = extract_page(store.body(site.url(DEPRESSION_PATH)), site.url(DEPRESSION_PATH))
    assert [r.title for r in related.related] == [seed_pages["adhd"].title]


def test_second_crawl_sends_conditional_requests_and_rewrites_nothing(
    quiet_site: Site, crawl_config: Settings
) -> None:
    first, store = _crawl(crawl_config, quiet_site)
    assert set(first.fetched) == {quiet_site.url(p) for p in ARTICLES}
    before = _snapshot(store)
    asked_before = len(quiet_site.page_requests())
    second, _ = _crawl(crawl_config, quiet_site)
    assert second.fetched == [] and second.gone == [] and second.failed == {}
    assert set(second.unchanged) == {quiet_site.url(p) for p in ARTICLES}
    again = quiet_site.page_requests()[asked_before:]
    article_requests = [r for r in again if r.path in ARTICLES]
    assert len(article_requests) == len(ARTICLES)
    assert all(r.headers.get("if-none-match", "").startswith('"') for r in article_requests)
    assert all("if-modified-since" in r.headers for r in article_requests)
    assert _snapshot(store) == before


def test_changing_one_page_changes_exactly_one_record(
    quiet_site: Site, crawl_config: Settings
) -> None:
    _crawl(crawl_config, quiet_site)
    store = RawStore(crawl_config.data_dir / "raw")
    before = {r.url: r.content_hash for r in store.records()}
    with quiet_site.lock:
        quiet_site.pages[SITEMAP_ONLY_PATH] = simple_page(
            "Alleen in de sitemap", ["Deze pagina is vandaag herschreven."]
        )
    summary, _ = _crawl(crawl_config, quiet_site)
    after = {r.url: r.content_hash for r in store.records()}
    assert after.keys() == before.keys()
    assert [u for u in after if after[u] != before[u]] == [quiet_site.url(SITEMAP_ONLY_PATH)]
    assert summary.fetched == [quiet_site.url(SITEMAP_ONLY_PATH)]
    record = store.get(quiet_site.url(SITEMAP_ONLY_PATH))
    assert record is not None and "vandaag herschreven" in record.text


def test_deleting_one_page_marks_it_gone(quiet_site: Site, crawl_config: Settings) -> None:
    _crawl(crawl_config, quiet_site)
    with quiet_site.lock:
        del quiet_site.pages[ADHD_PATH]
    summary, store = _crawl(crawl_config, quiet_site)
    assert summary.gone == [quiet_site.url(ADHD_PATH)]
    record = store.get(quiet_site.url(ADHD_PATH))
    assert record is not None and record.gone and record.status == 404
    assert quiet_site.url(ADHD_PATH) not in {r.url for r in store.records()}
    assert len(store) == len(ARTICLES) - 1


def test_unlinked_stored_page_is_rechecked_and_marked_gone(
    quiet_site: Site, crawl_config: Settings
) -> None:
    _crawl(crawl_config, quiet_site)
    # Gone from the site and from its sitemap, linked from nowhere: only the store knows it.
    with quiet_site.lock:
        del quiet_site.pages[SITEMAP_ONLY_PATH]
    summary, store = _crawl(crawl_config, quiet_site)
    assert summary.gone == [quiet_site.url(SITEMAP_ONLY_PATH)]
    record = store.get(quiet_site.url(SITEMAP_ONLY_PATH))
    assert record is not None and record.gone
