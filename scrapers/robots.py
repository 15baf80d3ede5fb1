"""robots.txt per RFC 9309, parsed by protego, fetched once per origin and cached.

What an answer means (RFC 9309 section 2.3.1): 2xx -> the rules it holds; 4xx ("unavailable")
-> everything is allowed; 5xx, a network failure or a refused address ("unreachable") ->
nothing is allowed. Redirects are followed (up to the crawl's redirect limit). The first
`ROBOTS_MAX_BYTES` are parsed and the rest ignored (the RFC asks for at least 500 KiB).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from protego import Protego

from scrapers.fetch import ANY_TEXT, Fetcher, FetchError
from scrapers.urls import origin

ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one origin for our user agent."""

    origin: str
    parser: Protego | None = None
    allow_all: bool = False
    note: str = ""
    sitemaps: tuple[str, ...] = field(default=())
    unreachable: bool = False  # nothing answered at all (refused, no such host)
    problem: str = ""  # why robots.txt could not be read

    def allowed(self, url: str, user_agent: str) -> bool:
        """Whether robots.txt lets `user_agent` fetch `url`."""
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay (seconds) asked for our user agent, if any."""
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def read_robots(fetcher: Fetcher, site_origin: str) -> RobotsRules:
    """Fetch and parse `<origin>/robots.txt`; never raises (see the module docstring)."""
    url = f"{site_origin}/robots.txt"
    try:
        result = fetcher.fetch(url, accept=ANY_TEXT, max_bytes=ROBOTS_MAX_BYTES, truncate=True)
    except FetchError as exc:
        return RobotsRules(
            site_origin, allow_all=False, note=f"robots.txt unreachable ({exc.reason}): "
            "nothing is crawled", unreachable=exc.unreachable, problem=exc.reason,
        )
    if 400 <= result.status < 500:
        return RobotsRules(
            site_origin, allow_all=True, note=f"robots.txt answered {result.status}: all allowed"
        )
    if result.status != 200:
        return RobotsRules(
            site_origin, allow_all=False,
            note=f"robots.txt answered {result.status}: nothing is crawled",
        )
    text = result.body.decode("utf-8", errors="replace")
    parser = Protego.parse(text)
    return RobotsRules(
        site_origin, parser=parser, note="robots.txt read", sitemaps=tuple(parser.sitemaps)
    )


class RobotsCache:
    """robots.txt rules per origin, each read once per crawl (thread-safe)."""

    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self._rules: dict[str, RobotsRules] = {}
        self._lock = threading.Lock()

    def rules(self, url: str) -> RobotsRules:
        """The rules of the origin of `url` (fetched on first use)."""
        key = origin(url)
        with self._lock:
            known = self._rules.get(key)
            if known is None:
                known = read_robots(self.fetcher, key)
                self._rules[key] = known
                delay = known.crawl_delay(self.user_agent)
                if delay is not None and delay > self.fetcher.pacer.delay_for(key):
                    self.fetcher.pacer.set_delay(key, delay)
            return known

    def refusal(self, url: str) -> str | None:
        """Why robots.txt refuses `url` (None when it is allowed)."""
        rules = self.rules(url)
        if rules.allowed(url, self.user_agent):
            return None
        if rules.parser is None:
            return rules.note
        return "disallowed by robots.txt"
