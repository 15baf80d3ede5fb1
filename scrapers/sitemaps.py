"""Sitemaps (sitemaps.org): URL sets and sitemap indexes, plain XML, gzip or plain text.

Parsed with lxml with entity resolution and network access off (no XXE, no billion laughs).
Found through robots.txt `Sitemap:` lines, else at `/sitemap.xml`; indexes are followed up to
`max_sitemaps` files in all, and no further file is started after the stage's deadline.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree  # type: ignore[import-untyped]

from scrapers.fetch import SITEMAP_TYPES, Fetcher, FetchError, inflate_bounded


@dataclass(frozen=True)
class Sitemap:
    """What one sitemap file lists: page URLs, and (for an index) further sitemaps."""

    pages: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()


@dataclass
class SitemapReport:
    """Page URLs found in all sitemaps read, and the problems met (file -> reason)."""

    pages: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)


def parse_sitemap(body: bytes, max_bytes: int) -> Sitemap:
    """The URLs in a sitemap file's body; raise FetchError when it is unreadable."""
    if body[:2] == b"\x1f\x8b":
        body = inflate_bounded(body, max_bytes)
    stripped = body.lstrip()
    if not stripped.startswith(b"<"):
        lines = stripped.decode("utf-8", errors="replace").splitlines()
        return Sitemap(pages=tuple(line.strip() for line in lines if line.strip()))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=True
    )
    try:
        root = etree.fromstring(stripped, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"sitemap is not XML: {exc}") from None
    if root is None:
        raise FetchError("sitemap is empty or not XML")
    kind = etree.QName(root).localname
    locs = tuple(
        (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and etree.QName(el).localname == "loc" and el.text
    )
    if kind == "sitemapindex":
        return Sitemap(sitemaps=locs)
    if kind == "urlset":
        return Sitemap(pages=locs)
    raise FetchError(f"not a sitemap: root element <{kind}>")


def read_sitemaps(
    fetcher: Fetcher,
    roots: list[str],
    limit: int,
    max_bytes: int,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SitemapReport:
    """Read the sitemaps `roots` and the indexes' children, breadth first, `limit` files,
    starting none after `deadline` (a `clock()` time)."""
    report = SitemapReport()
    queue = deque(roots)
    seen: set[str] = set()
    while queue and len(report.read) < limit:
        if deadline is not None and clock() >= deadline:
            for url in dict.fromkeys(queue):
                if url not in seen:
                    report.problems[url] = "not read: the sitemap stage ran out of time " \
                        "(crawl_sitemap_deadline)"
            return report
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            result = fetcher.fetch(url, accept=SITEMAP_TYPES, max_bytes=max_bytes)
            if result.status != 200:
                raise FetchError(f"HTTP {result.status}")
            sitemap = parse_sitemap(result.body, max_bytes)
        except FetchError as exc:
            report.problems[url] = exc.reason
            continue
        report.read.append(url)
        report.pages.extend(sitemap.pages)
        queue.extend(sitemap.sitemaps)
    for url in queue:
        if url not in seen:
            report.problems[url] = f"not read: more than {limit} sitemap files"
    return report
