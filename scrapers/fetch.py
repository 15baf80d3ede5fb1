"""One polite, bounded HTTP GET: what the crawler asks of the network.

- A timeout on connect and on each read (`timeout`), and a total deadline for the whole
  response, connect + headers + body (`response_deadline`, `scrapers.deadline`): a server that
  drips its answer fails the page at the deadline, and that is not retried.
- Retries with exponential backoff (`backoff_base` * 2**n) on 429, 5xx, timeouts and
  connection errors, honouring Retry-After (seconds or an HTTP date), each wait capped at
  `max_backoff`. A refused connection, a connect timeout or an unknown host name at an origin
  that has not answered yet is not retried: nothing is listening there (the crawl says so at
  once instead of after a round of retries).
- A size limit on the DECODED body, enforced while reading: the body is read raw and inflated
  here with a bounded zlib call, so a small gzip that expands past the limit is cut off after
  at most limit+1 bytes of output (never inflated in full). Only gzip/deflate are accepted
  (that is all we advertise in Accept-Encoding).
- A content-type check before the body is read: only the types the caller accepts.
- No automatic redirects: each hop is normalised, checked for loops, checked by the caller's
  `allow_redirect` (same site, robots.txt) and by the address policy, up to
  `max_redirects` hops.
- Every request passes the address policy and then goes to the very address that was checked
  (the URL's host is replaced by the IP, the Host header and TLS SNI keep the name), so a DNS
  answer cannot change between check and connection. No proxy is ever used for the same reason
  (a proxy would connect on our behalf, unchecked): httpcore's connection pool directly.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from scrapers.addresses import AddressPolicy, AddressRefused, HostUnresolved
from scrapers.config import CrawlConfig
from scrapers.deadline import DeadlineBackend
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
    """A URL that could not be fetched (kind "failed") or was not wanted (kind "skipped").

    `unreachable`: nothing answered at all (refused connection, connect timeout, unknown host).
    """

    def __init__(
        self, reason: str, kind: FailureKind = "failed", unreachable: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: FailureKind = kind
        self.unreachable = unreachable


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


_CONNECT_FAILURES = (httpcore.ConnectError, httpcore.ConnectTimeout)
_RETRIED = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError)


def make_pool(config: CrawlConfig, backend: DeadlineBackend) -> httpcore.ConnectionPool:
    """The connections of one crawl: httpx's TLS defaults, the deadline backend, no proxy."""
    return httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=max(2, config.concurrency * 2),
        network_backend=backend,
    )


class Fetcher:
    """GETs URLs under the crawl's policies (addresses, pacing, limits, deadlines, retries)."""

    def __init__(
        self,
        config: CrawlConfig,
        policy: AddressPolicy,
        pacer: Pacer,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.policy = policy
        self.pacer = pacer
        self.backend = DeadlineBackend()
        self.pool = make_pool(config, self.backend)
        self._sleep = sleep
        self._answered: set[str] = set()  # origins that have answered at least once
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connections."""
        self.pool.close()

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
        limit = max_bytes or self.config.max_bytes
        seen = [url]
        current = request = url
        for _ in range(self.config.max_redirects + 1):
            headers = conditional(current) if conditional else {}
            result = self._with_retries(request, headers, accept, limit, truncate)
            location = result.headers.get("location")
            if result.status not in _REDIRECTS or not location:
                return replace(result, url=current, redirects=tuple(seen[1:]))
            try:
                target = normalise_url(
                    location, base=request, max_length=self.config.max_url_length
                )
                exact = normalise_url(
                    location, base=request, max_length=self.config.max_url_length,
                    keep_index=True,
                )
            except UrlRejected as exc:
                raise FetchError(f"redirect to an unusable URL {location[:200]!r}: {exc}") from None
            if target == current and exact != request:
                request = exact  # the server insists on the index file: /a/ -> /a/index.html
                continue
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
            current, request = target, exact  # ask for what the server named
        raise FetchError(
            f"more than {self.config.max_redirects} redirects: {' -> '.join(seen)}"
        )

    def _with_retries(
        self, url: str, headers: dict[str, str], accept: frozenset[str], limit: int,
        truncate: bool,
    ) -> FetchResult:
        retries = self.config.retries
        waits: list[float] = []
        site = origin(url)
        for attempt in range(retries + 1):
            last = attempt == retries
            try:
                with self.pacer.slot(site):
                    result = self._send(url, headers, accept, limit, truncate)
            except _RETRIED as exc:
                kind = "timed out" if isinstance(exc, httpcore.TimeoutException) else (
                    "network error")
                with self._lock:
                    answered = site in self._answered
                if isinstance(exc, _CONNECT_FAILURES) and not answered:
                    raise FetchError(
                        f"{kind}: {type(exc).__name__}: {exc} (nothing answers at {site})",
                        unreachable=True,
                    ) from None
                if last:
                    raise FetchError(
                        f"{kind} ({type(exc).__name__}) after {attempt + 1} attempt(s): {exc}"
                    ) from None
                waits.append(self._backoff(attempt, None))
            else:
                if result.status not in _RETRY_STATUSES or last:
                    return replace(result, attempts=attempt + 1, retry_waits=tuple(waits))
                waits.append(self._backoff(attempt, result.headers.get("retry-after")))
            self._sleep(waits[-1])
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wait: float = self.config.backoff_base * float(1 << attempt)
        if retry_after is not None:
            asked = parse_retry_after(retry_after)
            if asked is not None:
                wait = asked
        return min(max(0.0, wait), self.config.max_backoff)

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
            raise FetchError(str(exc), unreachable=isinstance(exc, HostUnresolved)) from None
        shown = f"[{address}]" if ":" in address else address
        netloc = f"{shown}:{parts.port}" if parts.port else shown
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        request_headers = [
            ("Host", parts.netloc), ("User-Agent", self.config.user_agent),
            ("Accept-Encoding", "gzip, deflate"), *headers.items(),
        ]
        timeout = self.config.timeout
        extensions: dict[str, object] = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }
        if parts.scheme == "https":
            extensions["sni_hostname"] = host
        deadline = self.config.response_deadline
        with self.backend.deadline(deadline):
            try:
                with self.pool.stream(
                    "GET", pinned, headers=request_headers, extensions=extensions
                ) as response:
                    with self._lock:
                        self._answered.add(origin(url))
                    return self._answer(url, response, accept, limit, truncate)
            except httpcore.TimeoutException:
                if not self.backend.expired():
                    raise
                raise FetchError(
                    f"geen volledig antwoord binnen {deadline:g} s: de server stuurt te traag "
                    "(crawl_response_deadline)"
                ) from None

    def _answer(
        self, url: str, response: httpcore.Response, accept: frozenset[str], limit: int,
        truncate: bool,
    ) -> FetchResult:
        answer = _header_map(response.headers)
        if response.status != 200:
            return FetchResult(url=url, status=response.status, headers=answer)
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
        body = _read_bounded(
            response.iter_stream(), answer.get("content-encoding", ""), limit, truncate
        )
        return FetchResult(url=url, status=200, headers=answer, body=body, content_type=media)


def _header_map(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers by lower-case name; a repeated header's values joined by ", "."""
    found: dict[str, str] = {}
    for key, value in raw:
        name, text = key.decode("latin-1").lower(), value.decode("latin-1")
        found[name] = f"{found[name]}, {text}" if name in found else text
    return found


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
    chunks: Iterable[bytes], encoding: str, limit: int, truncate: bool = False
) -> bytes:
    decoder = _BoundedDecoder(encoding)
    out = bytearray()
    for chunk in chunks:
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
