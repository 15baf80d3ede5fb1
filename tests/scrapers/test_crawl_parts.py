"""The crawler's parts on their own: URLs, addresses, Retry-After, bounded inflation, sitemaps,
robots.txt answers, and the fetcher against a small local server."""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from crawl_testsite import crawl_settings

from indexer.errors import InputError
from scrapers.addresses import AddressPolicy, AddressRefused
from scrapers.config import CrawlConfig
from scrapers.fetch import Fetcher, FetchError, inflate_bounded, parse_retry_after
from scrapers.pacing import Pacer
from scrapers.robots import ROBOTS_MAX_BYTES, read_robots
from scrapers.sitemaps import parse_sitemap, read_sitemaps
from scrapers.urls import UrlRejected, normalise_url, path_pattern, same_site

# --- URLs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Site.NL:80/a/../b/?utm_source=x&b=2&a=1&fbclid=zz#frag", "http://site.nl/b/?a=1&b=2"),
        ("https://site.nl:443", "https://site.nl/"),
        ("https://site.nl/x?gclid=1&pagina=2", "https://site.nl/x?pagina=2"),
        ("http://site.nl/artikel#deel-2", "http://site.nl/artikel"),
    ],
)
def test_one_form_per_page(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


def test_relative_links_resolve_against_the_page() -> None:
    assert normalise_url("../b/./c?q=1", base="http://site.nl/x/y") == "http://site.nl/b/c?q=1"


@pytest.mark.parametrize(
    "raw", ["mailto:a@b.nl", "javascript:alert(1)", "ftp://site.nl/f", "http://user:pw@site.nl/"]
)
def test_unwanted_urls_are_rejected(raw: str) -> None:
    with pytest.raises(UrlRejected):
        normalise_url(raw)


def test_too_long_url_is_rejected_with_the_reason() -> None:
    with pytest.raises(UrlRejected, match="longer than 64"):
        normalise_url("http://site.nl/" + "a" * 100, max_length=64)


def test_same_site_and_patterns() -> None:
    assert same_site("https://www.site.nl/a", "http://site.nl/")
    assert not same_site("http://site.nl:8080/", "http://site.nl/")
    assert not same_site("http://blog.site.nl/", "http://site.nl/")
    assert path_pattern("/agenda?maand=13") == path_pattern("/agenda?maand=2024")


# --- addresses


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return lambda host, port: table[host]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.2", "10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "::ffff:127.0.0.1",
     "::ffff:10.0.0.1", "fe80::1", "0.0.0.0", "224.0.0.1", "100.64.0.1"],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    policy = AddressPolicy(["start.nl"], resolver=_resolver({"evil.nl": [address]}))
    with pytest.raises(AddressRefused, match="non-public"):
        policy.resolve("evil.nl", 80)


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    policy = AddressPolicy([], resolver=_resolver({"mixed.nl": ["93.184.216.34", "127.0.0.1"]}))
    with pytest.raises(AddressRefused):
        policy.resolve("mixed.nl", 80)


def test_public_start_host_and_listed_addresses_are_allowed() -> None:
    table = {"site.nl": ["93.184.216.34"], "127.0.0.1": ["127.0.0.1"],
             "intranet": ["10.0.0.7"], "db": ["10.9.9.9"], "127.0.0.2": ["127.0.0.2"]}
    policy = AddressPolicy(["127.0.0.1"], allowed=["intranet", "10.9.0.0/16"],
                           resolver=_resolver(table))
    assert policy.resolve("site.nl", 80) == "93.184.216.34"
    assert policy.resolve("127.0.0.1", 80) == "127.0.0.1"  # the start host: trusted
    assert policy.resolve("intranet", 80) == "10.0.0.7"
    assert policy.resolve("db", 80) == "10.9.9.9"
    with pytest.raises(AddressRefused):
        policy.resolve("127.0.0.2", 80)


def test_unresolvable_host_is_refused() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(AddressRefused, match="does not resolve"):
        AddressPolicy([], resolver=fail).resolve("nergens.invalid", 80)


# --- Retry-After, gzip


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 31
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


def test_inflation_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(FetchError, match="expands past"):
        inflate_bounded(bomb, 100_000)
    assert inflate_bounded(gzip.compress(b"abc"), 100) == b"abc"


# --- sitemaps


def test_sitemap_urlset_index_and_gzip() -> None:
    urlset = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc> http://s.nl/a </loc></url><url><loc>http://s.nl/b</loc></url></urlset>")
    assert parse_sitemap(urlset, 10_000).pages == ("http://s.nl/a", "http://s.nl/b")
    assert parse_sitemap(gzip.compress(urlset), 10_000).pages == ("http://s.nl/a", "http://s.nl/b")
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://s.nl/s1.xml.gz</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index, 10_000).sitemaps == ("http://s.nl/s1.xml.gz",)
    assert parse_sitemap(b"http://s.nl/a\nhttp://s.nl/b\n", 100).pages == (
        "http://s.nl/a", "http://s.nl/b")


def test_sitemap_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           "<url><loc>http://s.nl/&x;</loc></url></urlset>").encode()
    pages = parse_sitemap(xxe, 10_000).pages
    assert not any("GEHEIM" in p for p in pages)


def test_not_a_sitemap_is_an_error() -> None:
    with pytest.raises(FetchError, match="not a sitemap"):
        parse_sitemap(b"<html><body>hoi</body></html>", 10_000)


# --- the fetcher and robots.txt against a small local server


class _Answers:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: dict[str, int] = {}


@pytest.fixture
def server() -> Iterator[tuple[str, _Answers]]:
    answers = _Answers()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def handle(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def do_GET(self) -> None:
            answers.hits[self.path] = answers.hits.get(self.path, 0) + 1
            status, headers, body = answers.routes.get(self.path, (404, {}, b"nee"))
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", answers
    httpd.shutdown()
    httpd.server_close()


def _fetcher(tmp_path: Path, **overrides: object) -> Fetcher:
    # A generous timeout: a loaded CI machine must not turn a 500 into a timeout.
    settings = crawl_settings(tmp_path / "data", **{"crawl_timeout": 10.0, **overrides})
    return Fetcher(CrawlConfig.from_settings(settings), AddressPolicy(["127.0.0.1"]), Pacer(0.0))


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (403, True), (500, False), (503, False)]
)
def test_robots_txt_status_rules_of_rfc_9309(
    server: tuple[str, _Answers], tmp_path: Path, status: int, allowed: bool
) -> None:
    base, answers = server
    answers.routes["/robots.txt"] = (status, {"Content-Type": "text/plain"}, b"")
    rules = read_robots(_fetcher(tmp_path, crawl_retries=0), base)
    assert rules.allowed(base + "/artikel", "sitesearch-crawler/0.1") is allowed
    assert str(status) in rules.note


def test_long_robots_txt_is_parsed_up_to_the_limit(
    server: tuple[str, _Answers], tmp_path: Path
) -> None:
    base, answers = server
    padding = b"# " + b"x" * 70 + b"\n"
    text = b"User-agent: *\nDisallow: /geheim/\n" + padding * 10_000 + b"Disallow: /\n"
    assert len(text) > ROBOTS_MAX_BYTES
    answers.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, text)
    rules = read_robots(_fetcher(tmp_path), base)
    assert not rules.allowed(base + "/geheim/x", "sitesearch-crawler/0.1")
    # The last line lies beyond the limit: ignored.
    assert rules.allowed(base + "/artikel", "sitesearch-crawler/0.1")


def test_robots_txt_unreachable_disallows_everything(tmp_path: Path) -> None:
    rules = read_robots(_fetcher(tmp_path, crawl_retries=0), "http://127.0.0.1:9")
    assert not rules.allowed("http://127.0.0.1:9/a", "sitesearch-crawler/0.1")
    assert "unreachable" in rules.note


def test_declared_oversize_body_is_refused_before_reading(
    server: tuple[str, _Answers], tmp_path: Path
) -> None:
    base, answers = server
    answers.routes["/groot"] = (200, {"Content-Type": "text/html"}, b"x" * 2_000_000)
    with pytest.raises(FetchError, match="too large"):
        _fetcher(tmp_path).fetch(base + "/groot")


def test_too_many_redirects(server: tuple[str, _Answers], tmp_path: Path) -> None:
    base, answers = server
    for n in range(10):
        answers.routes[f"/r{n}"] = (302, {"Location": f"/r{n + 1}"}, b"")
    with pytest.raises(FetchError, match="more than 2 redirects"):
        _fetcher(tmp_path, crawl_max_redirects=2).fetch(base + "/r0")
    assert "/r3" not in answers.hits


def test_429_is_retried_then_reported(server: tuple[str, _Answers], tmp_path: Path) -> None:
    base, answers = server
    answers.routes["/druk"] = (429, {"Retry-After": "0"}, b"")
    result = _fetcher(tmp_path, crawl_retries=2).fetch(base + "/druk")
    assert result.status == 429 and result.attempts == 3
    assert answers.hits["/druk"] == 3
    assert result.retry_waits == (0.0, 0.0)


def test_retry_after_is_capped(server: tuple[str, _Answers], tmp_path: Path) -> None:
    base, answers = server
    answers.routes["/later"] = (503, {"Retry-After": "3600"}, b"")
    waits: list[float] = []
    settings = crawl_settings(tmp_path / "data", crawl_retries=1, crawl_max_backoff=0.01)
    fetcher = Fetcher(CrawlConfig.from_settings(settings), AddressPolicy(["127.0.0.1"]), Pacer(0.0),
                      sleep=waits.append)
    assert fetcher.fetch(base + "/later").status == 503
    assert waits == [0.01]


def test_gzip_content_encoding_is_decoded_within_the_limit(
    server: tuple[str, _Answers], tmp_path: Path
) -> None:
    base, answers = server
    body = b"<h1>Gezond</h1><p>Tekst</p>"
    answers.routes["/gz"] = (
        200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip.compress(body)
    )
    assert _fetcher(tmp_path).fetch(base + "/gz").body == body


def test_the_sitemap_stage_stops_at_its_deadline(
    server: tuple[str, _Answers], tmp_path: Path
) -> None:
    base, answers = server
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             + b"".join(f"<sitemap><loc>{base}/s{n}.xml</loc></sitemap>".encode()
                        for n in range(3)) + b"</sitemapindex>")
    answers.routes["/index.xml"] = (200, {"Content-Type": "application/xml"}, index)
    ticks = iter([0.0, 100.0, 100.0, 100.0])  # the clock, read once before each file
    report = read_sitemaps(_fetcher(tmp_path), [base + "/index.xml"], 50, 10_000,
                           deadline=50.0, clock=lambda: next(ticks))
    assert report.read == [base + "/index.xml"]
    assert not any(path.startswith("/s") for path in answers.hits)
    assert all("sitemap stage ran out of time" in report.problems[f"{base}/s{n}.xml"]
               for n in range(3))


@pytest.mark.parametrize(
    "bad", [{"concurrency": 0}, {"max_bytes": 0}, {"delay": -1.0}, {"response_deadline": 0.0},
            {"deadline": 0.0}],
)
def test_crawl_config_checks_its_limits(tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(InputError, match=next(iter(bad))):
        CrawlConfig(data_dir=tmp_path, user_agent="test", **bad)  # type: ignore[arg-type]


def test_crawl_config_takes_the_command_line_over_the_settings(tmp_path: Path) -> None:
    settings = crawl_settings(tmp_path / "data", crawl_delay=3.0, crawl_deadline=0.0)
    config = CrawlConfig.from_settings(settings, delay=0.5, max_pages=7)
    assert (config.delay, config.max_pages, config.deadline) == (0.5, 7, None)
    assert config.response_deadline == settings.crawl_response_deadline
