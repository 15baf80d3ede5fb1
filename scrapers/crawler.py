"""The crawl of one site: frontier, limits, politeness, the raw store, resume, the summary.

Seeds: the start URL, the pages listed by the site's sitemaps (robots.txt `Sitemap:` lines,
else /sitemap.xml) and the pages of this site already in the raw store (so that a page that
is no longer linked is still re-checked and marked gone when it answers 404/410).

Each URL is normalised once (`scrapers.urls`), checked against robots.txt, the depth limit,
the URL length limit and the per-pattern cap (digits folded, which stops calendar-like
traps) before it enters the frontier; `max_pages` bounds the page requests. Pages are fetched
by a small thread pool; the per-host delay holds across the threads (`scrapers.pacing`).

Resume: every `crawl_state_every` pages the frontier (including the pages in flight), the
seen set and the finished URLs are written atomically to `data_dir/crawl-state.json`. A crawl
of the same start URL that finds this file continues from it, and a page whose record was
stored during the interrupted run (fetched_at after the run's start) is not fetched again:
its links are read from the stored body. The file is removed when a crawl completes.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from indexer.atomic import write_atomic
from indexer.errors import InputError
from indexer.pages.html import extract_page, page_text
from indexer.pages.htmldoc import page_links, parse_html
from indexer.pages.parsing import page_id, parse_text
from indexer.pages.rawstore import (
    HTML,
    PAGE_EXPORT,
    PLAIN_TEXT,
    RawRecord,
    RawStore,
    utc_now,
)
from indexer.settings import Settings
from scrapers.addresses import AddressPolicy, Resolver, system_resolver
from scrapers.fetch import PAGE_TYPES, Fetcher, FetchError, FetchResult
from scrapers.pacing import Pacer
from scrapers.robots import RobotsCache
from scrapers.sitemaps import read_sitemaps
from scrapers.urls import UrlRejected, normalise_url, origin, path_pattern, same_site

STATE_FILE = "crawl-state.json"
_MAX_LISTED = 1000  # skipped URLs listed one by one in the summary; the rest are counted

OutcomeKind = Literal["fetched", "unchanged", "gone", "failed", "skipped", "resumed", "duplicate"]


@dataclass
class Outcome:
    """What happened to one URL of the frontier."""

    url: str
    kind: OutcomeKind
    reason: str = ""
    links: list[str] = field(default_factory=list)
    final_url: str | None = None


@dataclass
class CrawlSummary:
    """The result of a crawl: every URL is in one of these lists, with its reason."""

    start_url: str
    fetched: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    skipped_not_listed: int = 0
    resumed: list[str] = field(default_factory=list)
    redirected: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    offsite_links: int = 0
    stopped: bool = False

    def skip(self, url: str, reason: str) -> None:
        """Record a URL that was not fetched, with the reason (the list is capped)."""
        if url in self.skipped:
            return
        if len(self.skipped) < _MAX_LISTED:
            self.skipped[url] = reason
        else:
            self.skipped_not_listed += 1

    def counts(self) -> dict[str, int]:
        """How many URLs ended in each list."""
        return {
            "fetched": len(self.fetched),
            "unchanged": len(self.unchanged),
            "gone": len(self.gone),
            "failed": len(self.failed),
            "skipped": len(self.skipped) + self.skipped_not_listed,
            "resumed": len(self.resumed),
        }

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data, counts first."""
        return {"counts": self.counts(), **asdict(self)}


class _AlreadyCrawled(Exception):
    """A redirect leads to a page this crawl has fetched or is fetching."""


class Crawler:
    """Crawls one site into a RawStore. Build one per crawl; `run()` once."""

    def __init__(
        self,
        settings: Settings,
        store: RawStore,
        start_url: str,
        *,
        delay: float | None = None,
        max_pages: int | None = None,
        client: httpx.Client | None = None,
        resolver: Resolver = system_resolver,
        on_outcome: Callable[[Outcome], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        """Raises InputError when `start_url` is not a crawlable http(s) URL."""
        self.settings = settings
        self.store = store
        try:
            self.start_url = normalise_url(start_url, max_length=settings.crawl_max_url_length)
        except UrlRejected as exc:
            raise InputError(f"cannot crawl {start_url!r}: {exc}") from None
        self.max_pages = max_pages or settings.crawl_max_pages
        self.user_agent = settings.user_agent
        policy = AddressPolicy(
            trusted_hosts=[urlsplit(self.start_url).hostname or ""],
            allowed=settings.crawl_allowed_private_hosts,
            resolver=resolver,
        )
        self.pacer = Pacer(settings.crawl_delay if delay is None else delay)
        self.fetcher = Fetcher(settings, policy, self.pacer, client=client)
        self.robots = RobotsCache(self.fetcher, self.user_agent)
        self.state_path = settings.data_dir / STATE_FILE
        self.summary = CrawlSummary(start_url=self.start_url)
        self._on_outcome = on_outcome
        self._should_stop = should_stop
        self._frontier: deque[tuple[str, int]] = deque()
        self._seen: set[str] = set()
        self._claimed: set[str] = set()
        self._claim_lock = threading.Lock()
        self._done: list[str] = []
        self._patterns: Counter[str] = Counter()
        self._started_at = utc_now()
        self._resuming = False

    # --- the loop
    def run(self) -> CrawlSummary:
        """Crawl until the frontier is empty, `max_pages` is reached or `should_stop()`."""
        try:
            if not self._load_state():
                self._seed()
            self._loop()
        finally:
            self.fetcher.close()
        return self.summary

    def _loop(self) -> None:
        running: dict[Future[Outcome], tuple[str, int]] = {}
        dispatched = 0
        since_save = 0
        with ThreadPoolExecutor(self.settings.crawl_concurrency) as pool:
            while self._frontier or running:
                stop = self._should_stop is not None and self._should_stop()
                while (
                    not stop
                    and self._frontier
                    and len(running) < self.settings.crawl_concurrency
                    and dispatched < self.max_pages
                ):
                    url, depth = self._frontier.popleft()
                    with self._claim_lock:
                        if url in self._claimed:
                            continue
                        self._claimed.add(url)
                    running[pool.submit(self._visit, url)] = (url, depth)
                    dispatched += 1
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    url, depth = running.pop(future)
                    self._take(future.result(), depth)
                    since_save += 1
                if since_save >= self.settings.crawl_state_every:
                    self._save_state(list(running.values()))
                    since_save = 0
                if stop:
                    self.summary.stopped = True
        if self.summary.stopped:
            self._save_state([])
            return
        for url, _ in self._frontier:
            self.summary.skip(url, f"max pages ({self.max_pages}) reached")
        self.state_path.unlink(missing_ok=True)

    def _take(self, outcome: Outcome, depth: int) -> None:
        summary = self.summary
        if outcome.kind == "fetched":
            summary.fetched.append(outcome.final_url or outcome.url)
            if outcome.reason:
                summary.problems[outcome.final_url or outcome.url] = outcome.reason
        elif outcome.kind == "unchanged":
            summary.unchanged.append(outcome.final_url or outcome.url)
        elif outcome.kind == "gone":
            summary.gone.append(outcome.url)
        elif outcome.kind == "failed":
            summary.failed[outcome.url] = outcome.reason
        elif outcome.kind == "skipped":
            summary.skip(outcome.url, outcome.reason)
        elif outcome.kind == "resumed":
            summary.resumed.append(outcome.url)
        if outcome.final_url and outcome.final_url != outcome.url:
            summary.redirected[outcome.url] = outcome.final_url
        self._done.append(outcome.url)
        base = outcome.final_url or outcome.url
        for link in outcome.links:
            self._enqueue(link, base, depth + 1)
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    # --- the frontier
    def _enqueue(self, link: str, base: str | None, depth: int) -> None:
        try:
            url = normalise_url(link, base=base, max_length=self.settings.crawl_max_url_length)
        except UrlRejected as exc:
            if "longer than" in str(exc):
                self.summary.skip(link[:200], str(exc))
            return
        if not same_site(url, self.start_url):
            self.summary.offsite_links += 1
            return
        if url in self._seen:
            return
        self._seen.add(url)
        if depth > self.settings.crawl_max_depth:
            self.summary.skip(url, f"deeper than crawl_max_depth ({self.settings.crawl_max_depth})")
            return
        pattern = path_pattern(url)
        self._patterns[pattern] += 1
        if self._patterns[pattern] > self.settings.crawl_max_per_pattern:
            self.summary.skip(
                url,
                f"more than crawl_max_per_pattern ({self.settings.crawl_max_per_pattern}) URLs "
                f"like {pattern} (a crawl trap?)",
            )
            return
        if refusal := self.robots.refusal(url):
            self.summary.skip(url, refusal)
            return
        self._frontier.append((url, depth))

    def _seed(self) -> None:
        rules = self.robots.rules(self.start_url)
        self.summary.notes.append(rules.note)
        self._enqueue(self.start_url, None, 0)
        roots = [u for u in rules.sitemaps] or [f"{origin(self.start_url)}/sitemap.xml"]
        report = read_sitemaps(
            self.fetcher, roots, self.settings.crawl_max_sitemaps, self.settings.crawl_max_bytes
        )
        if report.read:
            self.summary.notes.append(f"sitemaps read: {', '.join(report.read)}")
        for url, reason in report.problems.items():
            explicit = url in rules.sitemaps or not url.endswith("/sitemap.xml")
            if explicit or "404" not in reason:
                self.summary.notes.append(f"sitemap {url}: {reason}")
        for url in report.pages:
            self._enqueue(url, self.start_url, 0)
        for record in self.store.records():
            if record.url.startswith(("http://", "https://")):
                self._enqueue(record.url, None, 0)

    # --- one page (runs in a worker thread)
    def _visit(self, url: str) -> Outcome:
        try:
            return self._visit_unsafe(url)
        except FetchError as exc:
            return Outcome(url, exc.kind, exc.reason)
        except _AlreadyCrawled as exc:
            return Outcome(url, "duplicate", f"redirects to {exc}, crawled already", [], str(exc))
        except Exception as exc:  # one bad page must not end the crawl; it is reported
            return Outcome(url, "failed", f"{type(exc).__name__}: {exc}")

    def _visit_unsafe(self, url: str) -> Outcome:
        record = self.store.get(url)
        if (
            self._resuming
            and record is not None
            and not record.gone
            and record.fetched_at >= self._started_at
        ):
            return Outcome(url, "resumed", links=self._stored_links(record), final_url=url)
        result = self.fetcher.fetch(
            url,
            accept=PAGE_TYPES,
            conditional=self._conditional_headers,
            allow_redirect=self._redirect_refusal,
        )
        final = result.url
        if final != url and record is not None:
            self.store.mark_gone(url, status=301)  # the page lives at `final` now
        if result.status == 304:
            stored = self.store.get(final)
            links = self._stored_links(stored) if stored else []
            return Outcome(url, "unchanged", links=links, final_url=final)
        if result.status in (404, 410):
            if self.store.get(final) is not None:
                self.store.mark_gone(final, status=result.status)
                return Outcome(final, "gone", f"HTTP {result.status}")
            return Outcome(url, "failed", f"HTTP {result.status}")
        if result.status != 200:
            return Outcome(url, "failed", f"HTTP {result.status}")
        return self._store_page(url, result)

    def _store_page(self, url: str, result: FetchResult) -> Outcome:
        final = result.url
        links: list[str] = []
        noindex = False
        error: str | None = None
        text = ""
        ident: str | None = None
        if result.content_type in ("text/html", "application/xhtml+xml"):
            content_type = HTML
            try:
                document = parse_html(result.body)
            except InputError as exc:
                error = f"{final}: {exc}"
            else:
                found = page_links(document, final)  # before extraction: it prunes the tree
                links, noindex = found.links, found.noindex
                try:
                    page = extract_page(document, final)
                    text, ident = page_text(page), page.id
                except InputError as exc:
                    error = str(exc)
        else:
            decoded = result.body.decode("utf-8", errors="replace")
            content_type = PAGE_EXPORT if "top of page" in decoded.lower() else PLAIN_TEXT
            text = decoded
            if content_type == PAGE_EXPORT:
                try:
                    first = parse_text(decoded, url=final).pages[0]
                    text, ident = page_text(first), first.id
                except InputError as exc:
                    error = str(exc)
            else:
                ident = page_id("", final)
        if noindex:
            self.store.mark_gone(final)
            return Outcome(url, "skipped", "robots meta tag says noindex", links, final)
        record = RawRecord(
            url=final,
            status=200,
            etag=result.headers.get("etag"),
            last_modified=result.headers.get("last-modified"),
            content_type=content_type,
            text=text,
            page_id=ident,
            error=error,
        )
        changed = self.store.put(record, result.body)
        kind: OutcomeKind = "fetched" if changed else "unchanged"
        return Outcome(url, kind, error or "", links, final)

    def _stored_links(self, record: RawRecord) -> list[str]:
        if record.content_type != HTML:
            return []
        try:
            return page_links(self.store.body(record.url), record.url).links
        except Exception:  # an unreadable stored body only costs its links
            return []

    def _conditional_headers(self, url: str) -> dict[str, str]:
        record = self.store.get(url)
        if record is None or record.gone:
            return {}
        headers = {}
        if record.etag:
            headers["If-None-Match"] = record.etag
        if record.last_modified:
            headers["If-Modified-Since"] = record.last_modified
        return headers

    def _redirect_refusal(self, url: str) -> str | None:
        if not same_site(url, self.start_url):
            return "another site"
        if reason := self.robots.refusal(url):
            return reason
        with self._claim_lock:
            if url in self._claimed:
                raise _AlreadyCrawled(url)
            self._claimed.add(url)
        return None

    # --- resumable state
    def _save_state(self, in_flight: list[tuple[str, int]]) -> None:
        state = {
            "start_url": self.start_url,
            "started_at": self._started_at,
            "frontier": [list(item) for item in [*in_flight, *self._frontier]],
            "seen": sorted(self._seen),
            "done": self._done,
            "patterns": dict(self._patterns),
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.state_path, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def _load_state(self) -> bool:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as exc:
            self.summary.notes.append(f"crawl state {self.state_path} unreadable ({exc}): ignored")
            return False
        if state.get("start_url") != self.start_url:
            self.summary.notes.append(
                f"crawl state of another start URL ({state.get('start_url')}) ignored"
            )
            return False
        self._resuming = True
        self._started_at = str(state["started_at"])
        self._frontier = deque((str(u), int(d)) for u, d in state["frontier"])
        self._seen = set(state["seen"])
        self._done = list(state["done"])
        self._claimed = set(self._done)
        self._patterns = Counter({str(k): int(v) for k, v in state["patterns"].items()})
        rules = self.robots.rules(self.start_url)
        self.summary.notes.append(rules.note)
        self.summary.notes.append(
            f"resumed the crawl started at {self._started_at}: {len(self._done)} URL(s) done, "
            f"{len(self._frontier)} in the frontier"
        )
        return True


def crawl_site(
    settings: Settings,
    start_url: str,
    store: RawStore | None = None,
    **options: Any,
) -> CrawlSummary:
    """Crawl `start_url` into the raw store of `settings` (see `Crawler` for the options)."""
    store = store or RawStore(settings.data_dir / "raw")
    return Crawler(settings, store, start_url, **options).run()


def state_path(settings: Settings) -> Path:
    """Where an interrupted crawl leaves its state."""
    return settings.data_dir / STATE_FILE
