"""A small hostile website on 127.0.0.1 for the crawler tests (a real HTTP server in a thread).

The two seed articles are rendered as HTML pages with Wix-like site chrome (skip links, header,
navigation, cookie banner, footer, a related-articles block), built from the seed text through
the text parser. Around them: robots.txt with disallowed paths and a wildcard, a sitemap index
pointing to a gzip sitemap, redirects (normal, loop, to 127.0.0.2), a slow page, a 503-then-200
page, a gzip bomb, a PDF, an endless calendar, and ETag/Last-Modified with 304 answers.
Tests can change or delete pages between crawls and read the request log.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from indexer.pages.models import Page, Section
from indexer.settings import Settings, load_settings

DEPRESSION_PATH = "/artikelen/magnesium-bij-depressie"
ADHD_PATH = "/artikelen/adhd-en-magnesium"
SITEMAP_ONLY_PATH = "/artikelen/alleen-in-de-sitemap"
FLAKY_PATH = "/artikelen/soms-even-weg"
SITEMAP_PATHS = (DEPRESSION_PATH, ADHD_PATH, SITEMAP_ONLY_PATH)
LAST_MODIFIED = "Mon, 02 Jun 2025 10:00:00 GMT"
SLOW_SECONDS = 4.0
BOMB_BYTES = 10_000_000  # decoded size of /bom; its gzip body is about 10 KB

# Text that must appear in an extraction (from the article) / must not (from the chrome).
CHROME_SNIPPETS = (
    "top of page",
    "bottom of page",
    "Wij gebruiken cookies",
    "Alle rechten voorbehouden",
    "Abonneer op onze nieuwsbrief",
    "Home Over ons Contact",
    "Recente posts",
    "Vitamine D in de winter",
    "Reacties zijn uitgeschakeld",
)

# Small limits so that every hostile case trips quickly; delay 0 unless a test sets one.
CRAWL_SETTINGS: dict[str, object] = {
    "crawl_delay": 0.0,
    "crawl_timeout": 1.5,
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


@dataclass
class Request:
    """One request as the server saw it."""

    at: float
    path: str
    headers: dict[str, str]


@dataclass
class Site:
    """The mutable content of the site and the log of what it was asked."""

    port: int = 0
    pages: dict[str, bytes] = field(default_factory=dict)
    crawl_delay: float | None = None
    requests: list[Request] = field(default_factory=list)
    flaky_failures: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requested(self, path: str) -> list[Request]:
        """The requests for `path` (path with query), in order."""
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def page_requests(self) -> list[Request]:
        with self.lock:
            return list(self.requests)


def render_article(page: Page, related: list[tuple[str, str]], labels_as_links: bool) -> bytes:
    """An article page as a Wix-like site would serve it, chrome included."""
    body: list[str] = [f"<h1>{html.escape(page.title)}</h1>"]
    body.append('<div class="post-meta">3 min lezen</div>')
    body.extend(f"<p>{html.escape(p)}</p>" for p in page.intro)
    for section in page.sections:
        body.append(_render_section(section))
    if labels_as_links:
        tags = "".join(
            f'<li><a href="/labels/{html.escape(t.lower())}">#{html.escape(t)}</a></li>'
            for t in page.labels
        )
        body.append(f'<ul class="post-tags">{tags}</ul>')
    else:
        tags = " ".join(f"#{html.escape(t)}" for t in page.labels)
        body.append(f"<p>Labels: {tags}</p>")
    cards = "".join(
        f'<li><a href="{href}"><span>{html.escape(title)}</span></a></li>'
        for href, title in related
    )
    body.append(f"<section><h2>Gerelateerde artikelen</h2><ul>{cards}</ul></section>")
    return _chrome(page.title, "\n".join(body))


def _render_section(section: Section) -> str:
    tag = "h2" if section.level == 2 else "h3"
    heading = f"Deel {section.number}: {section.heading}" if section.number else section.heading
    if tag == "h3":
        heading += ":"
    parts = [f'<{tag} id="{section.anchor}">{html.escape(heading)}</{tag}>']
    parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
    if section.items:
        parts.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in section.items)
                     + "</ul>")
    parts.extend(_render_section(sub) for sub in section.subsections)
    return "\n".join(parts)


def _chrome(title: str, main: str, head: str = "") -> bytes:
    document = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{html.escape(title)} | Gezond Brein</title>
<style>.x{{color:red}}</style><script>var tracking = "top of page";</script>{head}</head>
<body>
<a href="#SITE_CONTAINER" class="skip">top of page</a>
<div id="SITE_CONTAINER">
<header id="SITE_HEADER"><div class="logo">Gezond Brein</div>
<nav><a href="/">Home</a> <a href="/#over-ons">Over ons</a> <a href="/#contact">Contact</a></nav>
</header>
<div id="cookie-consent-banner"><p>Wij gebruiken cookies om de site te verbeteren.</p>
<button>Accepteren</button></div>
<main id="PAGES_CONTAINER"><article>
{main}
</article>
<section class="recent-posts"><h2>Recente posts</h2>
<div><a href="/#recent">Vitamine D in de winter</a></div></section>
<section id="comments"><h2>Opmerkingen</h2><p>Reacties zijn uitgeschakeld.</p></section>
</main>
<aside><h3>Nieuwsbrief</h3><p>Abonneer op onze nieuwsbrief voor meer artikelen.</p></aside>
<footer id="SITE_FOOTER"><p>© 2025 Gezond Brein. Alle rechten voorbehouden.</p>
<a href="/#privacy">Privacy</a></footer>
</div>
<a href="#SITE_CONTAINER">bottom of page</a>
</body></html>"""
    return document.encode("utf-8")


def simple_page(title: str, paragraphs: list[str], links: list[str] = ()) -> bytes:  # type: ignore[assignment]
    """A small page with chrome, some text and links."""
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    anchors = "".join(f'<li><a href="{href}">{html.escape(href)}</a></li>' for href in links)
    return _chrome(title, f"<h1>{html.escape(title)}</h1>{text}<ul>{anchors}</ul>")


HOSTILE_LINKS = [
    FLAKY_PATH,
    "/redirect/normaal",
    "/redirect/lus-a",
    "/redirect/prive",
    "/traag",
    "/bom",
    "/folder.pdf",
    "/agenda?maand=1",
]


def build_pages(depression: Page, adhd: Page, hostile: bool = True) -> dict[str, bytes]:
    """The normal pages of the site (the hostile ones are answered by the handler).

    Without `hostile`, the index page links only the articles (and the pages robots.txt
    forbids), for the tests of re-crawls.
    """
    index_links = [
        DEPRESSION_PATH,
        "/private/concept-artikel",
        DEPRESSION_PATH + "?print=1",
        DEPRESSION_PATH + "?utm_source=nieuwsbrief&utm_medium=email#deel-2",
        "mailto:redactie@example.org",
        "https://elders.example.org/artikel",
        *(HOSTILE_LINKS if hostile else []),
    ]
    pages = {
        "/": simple_page("Artikelen", ["Alle artikelen over voeding en het brein."], index_links),
        DEPRESSION_PATH: render_article(
            depression, [(ADHD_PATH, adhd.title)], labels_as_links=True
        ),
        ADHD_PATH: render_article(
            adhd, [(DEPRESSION_PATH, depression.title)], labels_as_links=False
        ),
        SITEMAP_ONLY_PATH: simple_page(
            "Alleen in de sitemap", ["Deze pagina staat alleen in de sitemap."]
        ),
        "/private/concept-artikel": simple_page("Geheim", ["Mag niet gecrawld worden."]),
    }
    if hostile:
        pages[FLAKY_PATH] = simple_page("Soms even weg", ["Deze pagina faalt eerst met 503."])
    return pages


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            with site.lock:
                site.requests.append(
                    Request(time.monotonic(), self.path, {k.lower(): v for k, v in
                                                         self.headers.items()})
                )
            parts = urlsplit(self.path)
            route = parts.path
            query = parse_qs(parts.query)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(route, query)

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _route(self, route: str, query: dict[str, list[str]]) -> None:
            base = site.base
            if route == "/robots.txt":
                delay = f"Crawl-delay: {site.crawl_delay}\n" if site.crawl_delay else ""
                text = (
                    "User-agent: *\nDisallow: /private/\nDisallow: /labels/\nDisallow: /*?print=\n"
                    f"{delay}Sitemap: {base}/sitemap_index.xml\n"
                )
                self._send(200, text.encode(), "text/plain")
            elif route == "/sitemap_index.xml":
                xml = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{base}/sitemaps/artikelen.xml.gz</loc></sitemap>"
                    "</sitemapindex>"
                )
                self._send(200, xml.encode(), "application/xml")
            elif route == "/sitemaps/artikelen.xml.gz":
                with site.lock:
                    listed = [p for p in SITEMAP_PATHS if p in site.pages]
                urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in listed)
                xml = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                )
                self._send(200, gzip.compress(xml.encode()), "application/gzip")
            elif route == "/redirect/normaal":
                self._send(301, headers={"Location": ADHD_PATH})
            elif route == "/redirect/lus-a":
                self._send(302, headers={"Location": "/redirect/lus-b"})
            elif route == "/redirect/lus-b":
                self._send(302, headers={"Location": "/redirect/lus-a"})
            elif route == "/redirect/prive":
                self._send(302, headers={"Location": f"http://127.0.0.2:{site.port}/"})
            elif route == "/traag":
                time.sleep(SLOW_SECONDS)
                self._send(200, simple_page("Traag", ["Te laat."]))
            elif route == "/bom":
                self._send(200, _BOMB, headers={"Content-Encoding": "gzip"})
            elif route == "/folder.pdf":
                self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf")
            elif route == "/agenda":
                month = int(query.get("maand", ["1"])[0])
                page = simple_page(
                    f"Agenda maand {month}", [f"Niets gepland in maand {month}."],
                    [f"/agenda?maand={month + 1}", f"/agenda?maand={month - 1}"],
                )
                self._send(200, page)
            elif route == FLAKY_PATH and self._flaky():
                self._send(503, b"even weg", "text/plain", {"Retry-After": "1"})
            else:
                self._page(route)

        def _flaky(self) -> bool:
            with site.lock:
                if site.flaky_failures > 0:
                    site.flaky_failures -= 1
                    return True
                return False

        def _page(self, route: str) -> None:
            with site.lock:
                body = site.pages.get(route)
            if body is None:
                self._send(404, b"<h1>Niet gevonden</h1>")
                return
            etag = etag_of(body)
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers=headers)
                return
            self._send(200, body, headers=headers)

    return Handler


_BOMB = gzip.compress(b"<p>" + b"\0" * BOMB_BYTES, compresslevel=9)


class SiteServer:
    """The site served by ThreadingHTTPServer on 127.0.0.1 in a daemon thread."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
        self.server.daemon_threads = True
        site.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> Site:
        self.thread.start()
        return self.site

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
