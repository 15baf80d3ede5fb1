"""One polite, bounded HTTP GET: what the crawler asks of the network.

- Timeouts on connect and read (`settings.crawl_timeout`).
- Retries with exponential backoff (`crawl_backoff_base` * 2**n) on 429, 5xx, timeouts and
  connection errors, honouring Retry-After (seconds or an HTTP date), each wait capped at
  `crawl_max_backoff`.
- A size limit on the DECODED body, enforced while reading: the body is read raw and inflated
  here with a bounded zlib call, so a small gzip that expands past the limit is cut off after
  at most limit+1 bytes of output (never inflated in full). Only gzip/deflate are accepted
  (that is all we advertise in Accept-Encoding).
- A content-type check before the body is read: only the types the caller accepts.
- No automatic redirects: each hop is normalised, checked for loops, checked by the caller's
  `allow_redirect` (same site, robots.txt) and by the address policy, up to
  `crawl_max_redirects` hops.
- Every request passes the address policy and then goes to the very address that was checked
  (the URL's host is replaced by the IP, the Host header and TLS SNI keep the name), so a DNS
  answer cannot change between check and connection. The client ignores proxy environment
  variables for the same reason (a proxy would connect on our behalf, unchecked).
"""

from __future__ import annotations

import email.utils
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpx

from indexer.settings import Settings
from scrapers.addresses import AddressPolicy, AddressRefused
from scrapers.pacing import Pacer
from scrapers.urls import UrlRejected, normalise_url, origin

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
SITEMAP_TYPES = frozenset(
    {
        "application/xml",
        "text/xml",
        "application/gzip",
        "application/x-gzip",
        "application/octet-stream",
        "text/plain",
    }
)
ANY_TEXT = frozenset({"*"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

FailureKind = Literal["failed", "skipped"]


class FetchError(Exception):
    """A URL that could not be fetched (kind "failed") or was not wanted (kind "skipped")."""

    def __init__(self, reason: str, kind: FailureKind = "failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: FailureKind = kind


@dataclass(frozen=True)
class FetchResult:
    """The final answer for a URL, after redirects and retries. `body` only for status 200."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""
    content_type: str = ""
    redirects: tuple[str, ...] = ()
    attempts: int = 1
    retry_waits: tuple[float, ...] = field(default=())


def make_client(settings: Settings) -> httpx.Client:
    """The HTTP client of one crawl: our User-Agent, timeouts, no redirects, no proxies."""
    timeout = settings.crawl_timeout
    return httpx.Client(
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(connect=timeout, read=timeout, write=timeout, pool=timeout),
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_connections=max(2, settings.crawl_concurrency * 2)),
    )


class Fetcher:
    """GETs URLs under the crawl's policies (addresses, pacing, limits, retries)."""

    def __init__(
        self,
        settings: Settings,
        policy: AddressPolicy,
        pacer: Pacer,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.pacer = pacer
        self.client = client or make_client(settings)
        self._sleep = sleep

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self.client.close()

    def fetch(
        self,
        url: str,
        accept: frozenset[str] = PAGE_TYPES,
        conditional: Callable[[str], dict[str, str]] | None = None,
        allow_redirect: Callable[[str], str | None] | None = None,
        max_bytes: int | None = None,
        truncate: bool = False,
    ) -> FetchResult:
        """GET `url` (already normalised), following redirects hop by hop.

        `conditional(url)` gives extra headers for a hop (If-None-Match ...);
        `allow_redirect(url)` returns a reason to refuse a redirect target, or None.
        `truncate`: keep the first `max_bytes` of a longer body instead of failing.
        Raises FetchError; HTTP error statuses are returned, not raised.
        """
        limit = max_bytes or self.settings.crawl_max_bytes
        seen = [url]
        current = url
        for _ in range(self.settings.crawl_max_redirects + 1):
            headers = conditional(current) if conditional else {}
            result = self._with_retries(current, headers, accept, limit, truncate)
            location = result.headers.get("location")
            if result.status not in _REDIRECTS or not location:
                return replace(result, redirects=tuple(seen[1:]))
            try:
                target = normalise_url(
                    location, base=current, max_length=self.settings.crawl_max_url_length
                )
            except UrlRejected as exc:
                raise FetchError(f"redirect to an unusable URL {location[:200]!r}: {exc}") from None
            if target in seen:
                raise FetchError(f"redirect loop: {' -> '.join([*seen, target])}")
            hop = urlsplit(target)
            try:
                self.policy.resolve(
                    hop.hostname or "", hop.port or (443 if hop.scheme == "https" else 80)
                )
            except AddressRefused as exc:
                raise FetchError(f"redirect to {target} refused: {exc}") from None
            if allow_redirect is not None and (reason := allow_redirect(target)):
                raise FetchError(f"redirect to {target} refused: {reason}")
            seen.append(target)
            current = target
        raise FetchError(
            f"more than {self.settings.crawl_max_redirects} redirects: {' -> '.join(seen)}"
        )

    def _with_retries(
        self, url: str, headers: dict[str, str], accept: frozenset[str], limit: int,
        truncate: bool,
    ) -> FetchResult:
        retries = self.settings.crawl_retries
        waits: list[float] = []
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                with self.pacer.slot(origin(url)):
                    result = self._send(url, headers, accept, limit, truncate)
            except httpx.TimeoutException as exc:
                if last:
                    raise FetchError(
                        f"timed out ({type(exc).__name__}) after {attempt + 1} attempt(s)"
                    ) from None
                waits.append(self._backoff(attempt, None))
            except httpx.TransportError as exc:
                if last:
                    raise FetchError(
                        f"network error after {attempt + 1} attempt(s): {type(exc).__name__}: "
                        f"{exc}"
                    ) from None
                waits.append(self._backoff(attempt, None))
            else:
                if result.status not in _RETRY_STATUSES or last:
                    return replace(result, attempts=attempt + 1, retry_waits=tuple(waits))
                waits.append(self._backoff(attempt, result.headers.get("retry-after")))
            self._sleep(waits[-1])
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wait: float = self.settings.crawl_backoff_base * float(1 << attempt)
        if retry_after is not None:
            asked = parse_retry_after(retry_after)
            if asked is not None:
                wait = asked
        return min(max(0.0, wait), self.settings.crawl_max_backoff)

    def _send(
        self, url: str, headers: dict[str, str], accept: frozenset[str], limit: int,
        truncate: bool,
    ) -> FetchResult:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = self.policy.resolve(host, port)
        except AddressRefused as exc:
            raise FetchError(str(exc)) from None
        shown = f"[{address}]" if ":" in address else address
        netloc = f"{shown}:{parts.port}" if parts.port else shown
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        request_headers = {"Host": parts.netloc, **headers}
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        with self.client.stream(
            "GET", pinned, headers=request_headers, extensions=extensions
        ) as response:
            answer = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code != 200:
                return FetchResult(url=url, status=response.status_code, headers=answer)
            media = answer.get("content-type", "").split(";")[0].strip().lower()
            if "*" not in accept and media not in accept:
                raise FetchError(f"content type {media or '(none)'} is not crawled", "skipped")
            declared = answer.get("content-length", "")
            if (
                not truncate
                and answer.get("content-encoding", "identity") == "identity"
                and declared.isdigit()
                and int(declared) > limit
            ):
                raise FetchError(f"response too large: {int(declared):,} bytes > {limit:,}")
            body = _read_bounded(response, answer.get("content-encoding", ""), limit, truncate)
        return FetchResult(
            url=url, status=200, headers=answer, body=body, content_type=media
        )


def parse_retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, float((when - datetime.now(UTC)).total_seconds()))


class _BoundedDecoder:
    """Content-Encoding decoding that never produces more than it is asked for."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._identity = encoding in ("", "identity")
        self._raw_deflate_tried = False
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif not self._identity:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self._encoding = encoding

    def feed(self, chunk: bytes, most: int) -> bytes:
        if self._identity:
            return chunk[:most]
        try:
            return self._zlib.decompress(chunk, most)
        except zlib.error as exc:
            if self._encoding == "deflate" and not self._raw_deflate_tried:
                # Some servers send raw deflate without the zlib header.
                self._raw_deflate_tried = True
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(chunk, most)
            raise FetchError(f"corrupt {self._encoding} body: {exc}") from None


def _read_bounded(
    response: httpx.Response, encoding: str, limit: int, truncate: bool = False
) -> bytes:
    decoder = _BoundedDecoder(encoding)
    out = bytearray()
    for chunk in response.iter_raw():
        out += decoder.feed(chunk, limit - len(out) + 1)
        if len(out) > limit:
            if truncate:
                return bytes(out[:limit])
            raise FetchError(f"response too large: more than {limit:,} bytes (decoded)")
    return bytes(out)


def inflate_bounded(data: bytes, limit: int) -> bytes:
    """Gunzip `data` (a .gz file such as sitemap.xml.gz), refusing output past `limit` bytes."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(data, limit + 1)
    except zlib.error as exc:
        raise FetchError(f"corrupt gzip file: {exc}") from None
    if len(out) > limit:
        raise FetchError(f"gzip file expands past {limit:,} bytes")
    return out
