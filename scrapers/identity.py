"""One page, one URL, beyond what URL normalisation can see (`scrapers.urls`): a page may name
another URL as its own (`<link rel="canonical">`), and a server may answer the same page with
and without a trailing slash. Thread-safe: the crawler's workers ask at once.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

from scrapers.urls import UrlRejected, normalise_url, same_site


class PageIdentity:
    """Which fetched pages are another URL's page, within one crawl of `start_url`."""

    def __init__(self, start_url: str, max_url_length: int) -> None:
        self.start_url = start_url
        self.max_url_length = max_url_length
        self._lock = threading.Lock()
        self._canonical_of: dict[str, str] = {}
        self._stored: dict[str, tuple[str, str]] = {}

    def canonical(self, declared: str | None, url: str) -> str | None:
        """The other URL of this site that the page at `url` names as its own (`declared`,
        from its canonical link); None when the page is its own (or names another site)."""
        if not declared:
            return None
        try:
            canonical = normalise_url(declared, max_length=self.max_url_length)
        except UrlRejected:
            return None
        if not same_site(canonical, self.start_url) or same_page(canonical, url):
            return None
        with self._lock:
            if self._canonical_of.get(canonical) == url:
                return None  # the two name each other: this one is kept
            self._canonical_of[url] = canonical
        return canonical

    def twin(self, url: str, content: str) -> str | None:
        """The URL under which this crawl already has this page (`content`: its content hash)
        when it differs from `url` only by a trailing slash; else None (and `url` is noted)."""
        parts = urlsplit(url)
        key = parts._replace(path=parts.path.rstrip("/")).geturl()
        with self._lock:
            first, first_content = self._stored.setdefault(key, (url, content))
        return first if first != url and first_content == content else None


def same_page(a: str, b: str) -> bool:
    """Whether two URLs differ at most in http/https and a leading "www."."""
    first, second = urlsplit(a), urlsplit(b)
    return (
        first.netloc.removeprefix("www.") == second.netloc.removeprefix("www.")
        and first.path == second.path
        and first.query == second.query
    )
