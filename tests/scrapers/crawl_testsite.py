"""A small hostile website on 127.0.0.1 for the crawler tests (a real HTTP server in a thread).

The two seed articles are rendered as HTML pages with Wix-like site chrome (skip links, header,
navigation, cookie banner, footer, a related-articles block), built from the seed text through
the text parser. Around them: robots.txt with disallowed paths and a wildcard, a sitemap index
pointing to a gzip sitemap, redirects (normal, loop, to 127.0.0.2), a slow page, two slow-drip
answers (headers, body: a byte a second), a 503-then-200 page, a gzip bomb, a PDF, crawl traps
(an endless calendar by query and by path, ever deeper folders, an ever longer query), one page
under two URLs (/ and /index.html, a trailing slash, a canonical link), and ETag/Last-Modified
with 304 answers. With `numbered`, a site of that many pages named by number
(/artikel/12345, /docs/01/05020100.html), half of them in a sitemap, all reachable by links.
Tests can change or delete pages between crawls and read the request log.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import multiprocessing
import random
import re
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
DRIP_SECONDS = 1.0  # a byte a second: each read is quick, the whole answer never comes
DRIP_BYTES = 30
RESPONSE_DEADLINE = 2.5
NUMBERED_PER_LIST = 100
LISTED_FAR_MONTH = "/kalender/2099/1"  # a month the trap guard refuses, but a sitemap lists it
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
    "crawl_response_deadline": RESPONSE_DEADLINE,
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
    numbered: int = 0
    sentences: tuple[str, ...] = ()
    drip_writes: dict[str, int] = field(default_factory=dict)
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
    "/druppel",
    "/druppel-kop",
    "/bom",
    "/folder.pdf",
    "/agenda?maand=1",
    "/kalender/2025/6",
    "/diep/",
    "/zoek?q=a",
    "/index.html",
    "/artikelen/afdrukversie",
    "/over-ons",
    "/over-ons/",
    "/map/",
]
# One page, one URL: these answer with a page that is stored under another URL.
MAP_PATH = "/map/"  # redirects to /map/index.html: stored as /map/
CANONICAL_PATH = "/artikelen/afdrukversie"  # names DEPRESSION_PATH as its canonical URL
TWIN_PATHS = ("/over-ons", "/over-ons/")  # the same page with and without the slash


def numbered_paths(count: int) -> list[str]:
    """The paths of the numbered pages: half /artikel/<id>, half /docs/<dd>/<nnnnnnnn>.html."""
    paths = []
    for n in range(count):
        if n % 2:
            paths.append(f"/artikel/{10_000 + 7 * n}")
        else:
            paths.append(f"/docs/{n % 17:02d}/{5_020_000 + 100 * n:08d}.html")
    return paths


def numbered_page(site: Site, path: str) -> bytes:
    """The page at one numbered path: its own mix of the seed sentences (no two alike)."""
    rng = random.Random(path)
    paragraphs = [
        " ".join(rng.sample(site.sentences, 3)) for _ in range(3)
    ]
    number = re.sub(r"\D", "", path)
    return simple_page(f"Artikel {number}: {rng.choice(site.sentences)[:40]}", paragraphs)


def sentences_of(*pages: Page) -> tuple[str, ...]:
    """The sentences of pages' passages, to build numbered pages from."""
    found = []
    for page in pages:
        for passage in page.passages():
            found.extend(s.strip() + "." for s in passage.text.split(". ") if len(s) > 30)
    return tuple(dict.fromkeys(found))


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
        pages[CANONICAL_PATH] = render_article(depression, [], labels_as_links=True).replace(
            b"</title>", f'</title><link rel="canonical" href="{DEPRESSION_PATH}">'.encode(), 1
        )
        over_ons = simple_page("Over ons", ["Wie wij zijn en wat wij doen."])
        pages.update(dict.fromkeys(TWIN_PATHS, over_ons))
        pages[MAP_PATH] = simple_page("Map", ["De pagina van deze map."])
    return pages


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def handle(self) -> None:
            # A crawler that gives up on an answer (a deadline) resets the connection.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

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
                    + (f"<sitemap><loc>{base}/sitemaps/nummers.xml</loc></sitemap>"
                       if site.numbered else "")
                    + "</sitemapindex>"
                )
                self._send(200, xml.encode(), "application/xml")
            elif route == "/sitemaps/nummers.xml":
                listed = [*numbered_paths(site.numbered)[::2], LISTED_FAR_MONTH]
                urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in listed)
                xml = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
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
            elif route in ("/druppel", "/druppel-kop"):
                self._drip(route)
            elif route.startswith("/kalender/"):
                year, month = (int(p) for p in route.split("/")[2:4])
                after = (year + month // 12, month % 12 + 1)
                before = (year - (month == 1), (month - 2) % 12 + 1)
                self._send(200, simple_page(
                    f"Kalender {month}-{year}", [f"Geen activiteiten in maand {month} van {year}."],
                    [f"/kalender/{after[0]}/{after[1]}", f"/kalender/{before[0]}/{before[1]}"],
                ))
            elif route.startswith("/diep/"):
                self._send(200, simple_page("Dieper", ["Nog een map dieper."], ["verder/"]))
            elif route == "/zoek":
                term = query.get("q", [""])[0]
                self._send(200, simple_page(
                    f"Zoeken: {term}", [f"Geen resultaten voor {term}."], [f"/zoek?q={term}a"]
                ))
            elif route == "/index.html":
                self._page("/")
            elif route == MAP_PATH:  # a server that insists on the index file
                self._send(301, headers={"Location": MAP_PATH + "index.html"})
            elif route == MAP_PATH + "index.html":
                self._page(MAP_PATH)
            elif route == "/nummers/":
                lists = -(-site.numbered // NUMBERED_PER_LIST)
                self._send(200, simple_page("Alle artikelen", ["Het archief, per honderd."],
                                            [f"/nummers/lijst/{k}" for k in range(lists)]))
            elif route.startswith("/nummers/lijst/"):
                k = int(route.rsplit("/", 1)[1])
                paths = numbered_paths(site.numbered)
                chunk = paths[k * NUMBERED_PER_LIST:(k + 1) * NUMBERED_PER_LIST]
                self._send(200, simple_page(f"Archief {k}", [f"Deel {k} van het archief."],
                                            chunk))
            elif site.numbered and (route.startswith(("/artikel/", "/docs/"))):
                self._send(200, numbered_page(site, route))
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

        def _drip(self, route: str) -> None:
            """A byte a second: the body (/druppel) or already the headers (/druppel-kop)."""
            body = b"<h1>Druppel</h1><p>" + b"x" * DRIP_BYTES + b"</p>"
            head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            data = head + body if route == "/druppel-kop" else body
            if route == "/druppel":
                self.wfile.write(head)
                self.wfile.flush()
            for n in range(min(len(data), DRIP_BYTES)):
                self.wfile.write(data[n:n + 1])
                self.wfile.flush()
                with site.lock:
                    site.drip_writes[route] = site.drip_writes.get(route, 0) + 1
                time.sleep(DRIP_SECONDS)
            self.wfile.write(data[DRIP_BYTES:])
            self.close_connection = True

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
    """The site served by ThreadingHTTPServer on 127.0.0.1 in a daemon thread, or (with
    `own_process`) in a child process of its own, so that a large crawl test does not share
    one interpreter lock between the server and the crawler; the child's request log and
    content changes are then its own."""

    def __init__(self, site: Site, own_process: bool = False) -> None:
        self.site = site
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
        self.server.daemon_threads = True
        site.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self.process: multiprocessing.process.BaseProcess | None = None
        if own_process:
            self.process = multiprocessing.get_context("fork").Process(
                target=self.server.serve_forever, args=(0.05,), daemon=True
            )

    def __enter__(self) -> Site:
        if self.process is not None:
            self.process.start()
        else:
            self.thread.start()
        return self.site

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
        else:
            self.server.shutdown()
        self.server.server_close()


def numbered_site(depression: Page, adhd: Page, count: int, hostile: bool = True) -> Site:
    """The test site with `count` numbered pages besides, linked from its index page through
    /nummers/ (lists of a hundred) and half of them listed in a sitemap."""
    pages = build_pages(depression, adhd, hostile=hostile)
    links = re.findall(rb'href="([^"]+)"', pages["/"])
    pages["/"] = simple_page(
        "Artikelen", ["Alle artikelen over voeding en het brein."],
        [html.unescape(link.decode()) for link in links if not link.startswith(b"/#")]
        + ["/nummers/"],
    )
    return Site(pages=pages, numbered=count, sentences=sentences_of(depression, adhd))
