"""URL normalisation and the same-site rule: one form per page, so each page is fetched once.

Normalisation (courlan's `normalize_url`, plus what it leaves to us): resolve against the
page's base URL, only http/https, lower-case scheme and host, default port dropped, dot
segments resolved, percent-encoding normalised, query parameters sorted with tracking
parameters (utm_*, fbclid, gclid, msclkid, mc_*, ...) removed, fragment dropped, and a
folder's index file dropped (`/a/index.html` is `/a/`: servers answer both with one page).
A server that insists on the index file (redirects `/a/` to `/a/index.html`) is followed by
the fetcher (`keep_index`), and the page keeps its one URL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from courlan import normalize_url

_SCHEMES = ("http", "https")
_INDEX_FILE = re.compile(r"/index\.html?$", re.I)


class UrlRejected(ValueError):
    """A URL the crawler will not follow; the message says why."""


def normalise_url(
    url: str, base: str | None = None, max_length: int = 2048, keep_index: bool = False
) -> str:
    """The one form of `url` (resolved against `base`); raise UrlRejected with the reason.

    Rejected: other schemes (mailto:, javascript:, ftp: ...), URLs without a host, URLs with
    user info, and URLs longer than `max_length` characters (before or after normalising).
    """
    url = url.strip()
    if len(url) > max_length:
        raise UrlRejected(f"URL longer than {max_length} characters")
    absolute = urljoin(base, url) if base else url
    return _normalise_absolute(absolute, max_length, keep_index)


@lru_cache(maxsize=65536)
def _normalise_absolute(absolute: str, max_length: int, keep_index: bool) -> str:
    # Cached: every page of a site links the same menu, footer and neighbours.
    try:
        parts = urlsplit(absolute)
        port = parts.port
    except ValueError as exc:
        raise UrlRejected(f"malformed URL: {exc}") from None
    if parts.scheme.lower() not in _SCHEMES:
        raise UrlRejected(f"scheme {parts.scheme or '(none)'!r} is not crawled")
    if not parts.hostname:
        raise UrlRejected("URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UrlRejected("URL carries user info")
    del port  # only validated above
    if "." in parts.path:
        # Resolve dot segments (RFC 3986 5.2.4): urljoin does it for an absolute path.
        absolute = urljoin(absolute, urlunsplit(("", "", parts.path, parts.query, "")))
    try:
        normal = normalize_url(absolute, strict=False)
    except ValueError as exc:
        raise UrlRejected(f"URL cannot be normalised: {exc}") from None
    clean = urlsplit(normal)._replace(fragment="")
    if not keep_index:
        clean = clean._replace(path=_INDEX_FILE.sub("/", clean.path))
    if not clean.path:
        clean = clean._replace(path="/")
    result = urlunsplit(clean)
    if len(result) > max_length:
        raise UrlRejected(f"URL longer than {max_length} characters")
    return result


def site_of(url: str) -> tuple[str, str]:
    """(host, port as text) of a URL: what "the same site" compares.

    http and https of one host count as the same site (sites move to https); another
    subdomain or port does not.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return host, ""
    return host, str(port)


def same_site(url: str, start_url: str) -> bool:
    """Whether `url` belongs to the site of `start_url` (see `site_of`)."""
    return site_of(url) == site_of(start_url)


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the key of per-host robots rules and delays."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def path_pattern(url: str) -> str:
    """The URL's path with digits folded: how a crawl trap's endless variants are grouped.

    "/calendar?month=13" and "/calendar?month=14" share the pattern "/calendar?month=0".
    """
    parts = urlsplit(url)
    text = parts.path + ("?" + parts.query if parts.query else "")
    folded = []
    previous_digit = False
    for ch in text:
        if ch.isdigit():
            if not previous_digit:
                folded.append("0")
            previous_digit = True
        else:
            folded.append(ch)
            previous_digit = False
    return "".join(folded)
