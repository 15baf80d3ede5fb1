"""The crawl of one site: frontier, limits, politeness, the raw store, resume, the summary.

Seeds: the start URL, the pages listed by the site's sitemaps (robots.txt `Sitemap:` lines,
else /sitemap.xml) and the pages of this site already in the raw store (so that a page that
is no longer linked is still re-checked and marked gone when it answers 404/410). Seeds are
trusted: the trap guard never judges them. When nothing answers at the start URL's site
(refused connection, unknown host), the crawl stops at once with `StartUnreachable`.

Each URL is normalised once (`scrapers.urls`: one page, one URL), checked against robots.txt,
the depth limit and the URL length limit; a URL found through a link also passes the trap
guard (`scrapers.traps`: evidence of a trap, never a count of numbered names) before it enters
the frontier; `max_pages` bounds the page requests. Pages are fetched by a small thread pool;
the per-host delay holds across the threads (`scrapers.pacing`).

One page, one URL: a page whose `<link rel="canonical">` names another URL of the site is not
stored under its own URL (the canonical one is crawled instead), and a page that is the same
as one already stored under the same URL up to a trailing slash is skipped.

Deadlines: each response has one (`scrapers.fetch`), reading robots.txt and the sitemaps has
`sitemap_deadline`, and the whole crawl `deadline` when set (it then stops and resumes later).

Resume: every `state_every` pages the frontier (including the pages in flight), the seen set
and the finished URLs are written atomically to `data_dir/crawl-state.json`. A crawl of the
same start URL that finds this file continues from it, and a page whose record was stored
during the interrupted run (fetched_at after the run's start) is not fetched again: its links
are read from the stored body. The file is removed when a crawl completes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from indexer.errors import InputError
from indexer.pages.htmldoc import page_links
from indexer.pages.rawstore import HTML, RawRecord, RawStore, utc_now
from indexer.settings import Settings
from scrapers.addresses import AddressPolicy, Resolver, system_resolver
from scrapers.config import CrawlConfig
from scrapers.fetch import PAGE_TYPES, Fetcher, FetchError, FetchResult
from scrapers.identity import PageIdentity
from scrapers.pacing import Pacer
from scrapers.reading import read_answer
from scrapers.resume import STATE_FILE, CrawlState, load_state
from scrapers.robots import RobotsCache, RobotsRules
from scrapers.sitemaps import read_sitemaps
from scrapers.summary import CrawlSummary, Outcome, OutcomeKind
from scrapers.traps import TrapGuard, group_of, page_fingerprint
from scrapers.urls import UrlRejected, normalise_url, origin, same_site

__all__ = ["STATE_FILE", "CrawlSummary", "Crawler", "Outcome", "StartUnreachable", "crawl_site"]

class StartUnreachable(InputError):
    """Nothing answers at the start URL's site: there is nothing to crawl."""


class _AlreadyCrawled(Exception):
    """A redirect leads to a page this crawl has fetched or is fetching."""


class Crawler:
    """Crawls one site into a RawStore. Build one per crawl; `run()` once."""

    def __init__(
        self,
        config: CrawlConfig,
        store: RawStore,
        start_url: str,
        *,
        resolver: Resolver = system_resolver,
        on_outcome: Callable[[Outcome], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Raises InputError when `start_url` is not a crawlable http(s) URL."""
        self.config = config
        self.store = store
        try:
            self.start_url = normalise_url(start_url, max_length=config.max_url_length)
        except UrlRejected as exc:
            raise InputError(f"cannot crawl {start_url!r}: {exc}") from None
        self.max_pages = config.max_pages
        policy = AddressPolicy(
            trusted_hosts=[urlsplit(self.start_url).hostname or ""],
            allowed=list(config.allowed_private_hosts),
            resolver=resolver,
        )
        self.pacer = Pacer(config.delay)
        self.fetcher = Fetcher(config, policy, self.pacer)
        self.robots = RobotsCache(self.fetcher, config.user_agent)
        self.guard = TrapGuard(config.max_per_pattern)
        self.identity = PageIdentity(self.start_url, config.max_url_length)
        self.state_path = config.data_dir / STATE_FILE
        self.summary = CrawlSummary(start_url=self.start_url)
        self._on_outcome = on_outcome
        self._should_stop = should_stop
        self._clock = clock
        self._frontier: deque[tuple[str, int]] = deque()
        self._seen: set[str] = set()
        self._trusted: set[str] = set()
        self._claimed: set[str] = set()
        self._lock = threading.Lock()
        self._done: list[str] = []
        self._started_at = utc_now()
        self._resuming = False

    # --- the loop
    def run(self) -> CrawlSummary:
        """Crawl until the frontier is empty, `max_pages` is reached, `should_stop()` or the
        crawl's deadline. Raises StartUnreachable when nothing answers at the start URL."""
        began = self._clock()
        try:
            if not self._load_state():
                self._seed()
            self._loop(began)
        finally:
            self.fetcher.close()
        return self.summary

    def _out_of_time(self, began: float) -> bool:
        deadline = self.config.deadline
        return deadline is not None and self._clock() - began >= deadline

    def _loop(self, began: float) -> None:
        running: dict[Future[Outcome], tuple[str, int]] = {}
        dispatched = 0
        since_save = 0
        concurrency = self.config.concurrency
        with ThreadPoolExecutor(concurrency) as pool:
            while self._frontier or running:
                late = self._out_of_time(began)
                stop = late or (self._should_stop is not None and self._should_stop())
                while (
                    not stop
                    and self._frontier
                    and len(running) < concurrency
                    and dispatched < self.max_pages
                ):
                    url, depth = self._frontier.popleft()
                    if url not in self._trusted and (reason := self.guard.closed(url)):
                        self.summary.skip(url, reason)
                        continue
                    with self._lock:
                        if url in self._claimed:
                            continue
                        self._claimed.add(url)
                    running[pool.submit(self._visit, url)] = (url, depth)
                    dispatched += 1
                if stop and self._frontier and not self.summary.stopped:
                    # (the pages in flight are still taken; none is started any more)
                    self.summary.stopped = True
                    if late:
                        self.summary.notes.append(
                            f"stopped after crawl_deadline ({self.config.deadline:g} s): "
                            "run the same command again to go on"
                        )
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    url, depth = running.pop(future)
                    self._take(future.result(), depth)
                    since_save += 1
                if since_save >= self.config.state_every:
                    self._save_state(list(running.values()))
                    since_save = 0
        if self.summary.stopped:
            self._save_state([])
            return
        for url, _ in self._frontier:
            self.summary.skip(url, f"max pages ({self.max_pages}) reached")
        self.state_path.unlink(missing_ok=True)

    def _take(self, outcome: Outcome, depth: int) -> None:
        summary = self.summary
        final = outcome.final_url or outcome.url
        if outcome.kind == "fetched":
            summary.fetched.append(final)
            if outcome.reason:
                summary.problems[final] = outcome.reason
        elif outcome.kind == "unchanged":
            summary.unchanged.append(final)
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
        group = group_of(final)
        new_elsewhere = 0
        for link in outcome.links:
            if (added := self._enqueue(link, final, depth + 1)) and group_of(added) != group:
                new_elsewhere += 1
        if outcome.fingerprint is not None and (note := self.guard.observe(
            final, outcome.fingerprint, new_elsewhere
        )):
            summary.notes.append(note)
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    # --- the frontier
    def _enqueue(
        self, link: str, base: str | None, depth: int, trusted: bool = False
    ) -> str | None:
        """Put the URL of `link` in the frontier unless it is refused; the URL if it is."""
        try:
            url = normalise_url(link, base=base, max_length=self.config.max_url_length)
        except UrlRejected as exc:
            if "longer than" in str(exc):
                self.summary.skip(link[:200], str(exc))
            return None
        if not same_site(url, self.start_url):
            self.summary.offsite_links += 1
            return None
        if url in self._seen:
            return None
        self._seen.add(url)
        if trusted:
            self._trusted.add(url)
        elif depth > self.config.max_depth:
            self.summary.skip(url, f"deeper than crawl_max_depth ({self.config.max_depth})")
            return None
        elif reason := self.guard.refusal(url, base):
            self.summary.skip(url, reason)
            return None
        if refusal := self.robots.refusal(url):
            self.summary.skip(url, refusal)
            return None
        self._frontier.append((url, depth))
        return url

    def _seed(self) -> None:
        stage_end = self._clock() + self.config.sitemap_deadline
        rules = self._start_rules()
        self._enqueue(self.start_url, None, 0, trusted=True)
        roots = [u for u in rules.sitemaps] or [f"{origin(self.start_url)}/sitemap.xml"]
        report = read_sitemaps(
            self.fetcher, roots, self.config.max_sitemaps, self.config.max_bytes,
            deadline=stage_end, clock=self._clock,
        )
        if report.read:
            self.summary.notes.append(f"sitemaps read: {', '.join(report.read)}")
        for url, reason in report.problems.items():
            explicit = url in rules.sitemaps or not url.endswith("/sitemap.xml")
            if explicit or "404" not in reason:
                self.summary.notes.append(f"sitemap {url}: {reason}")
        for url in report.pages:
            self._enqueue(url, self.start_url, 0, trusted=True)
        for record in self.store.records():
            if record.url.startswith(("http://", "https://")):
                self._enqueue(record.url, None, 0, trusted=True)

    def _start_rules(self) -> RobotsRules:
        """robots.txt of the start URL's site; StartUnreachable when nothing answers there."""
        rules = self.robots.rules(self.start_url)
        if rules.unreachable:
            raise StartUnreachable(
                f"De start-URL {self.start_url} is niet bereikbaar ({rules.problem}); er is "
                "niets gecrawld. Klopt het adres, en draait de server?"
            )
        self.summary.notes.append(rules.note)
        return rules

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
            fingerprint = page_fingerprint(stored.text) if stored and stored.text else None
            return Outcome(url, "unchanged", links=links, final_url=final,
                           fingerprint=fingerprint)
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
        reading = read_answer(result)
        links = reading.links
        if reading.noindex:
            self.store.mark_gone(final)
            return Outcome(url, "skipped", "robots meta tag says noindex", links, final)
        if canonical := self.identity.canonical(reading.canonical, final):
            self.store.mark_gone(final)
            return Outcome(url, "skipped", f"the page names {canonical} as its URL (canonical)",
                           [*links, canonical], final)
        if reading.content is not None and (twin := self.identity.twin(final, reading.content)):
            self.store.mark_gone(final)
            return Outcome(url, "skipped", f"the same page as {twin}", links, final)
        record = reading.record
        changed = self.store.put(record, result.body)
        kind: OutcomeKind = "fetched" if changed else "unchanged"
        fingerprint = page_fingerprint(record.text) if record.text else None
        return Outcome(url, kind, record.error or "", links, final, fingerprint)

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
        with self._lock:
            if url in self._claimed:
                raise _AlreadyCrawled(url)
            self._claimed.add(url)
        return None

    # --- resumable state (scrapers.resume)
    def _save_state(self, in_flight: list[tuple[str, int]]) -> None:
        CrawlState(
            self.start_url, self._started_at, [*in_flight, *self._frontier], self._seen,
            self._trusted, self._done, self.guard.state(),
        ).save(self.state_path)

    def _load_state(self) -> bool:
        try:
            state = load_state(self.state_path)
        except (OSError, ValueError) as exc:
            self.summary.notes.append(f"crawl state {self.state_path} unreadable ({exc}): ignored")
            return False
        if state is None:
            return False
        if state.start_url != self.start_url:
            self.summary.notes.append(
                f"crawl state of another start URL ({state.start_url}) ignored"
            )
            return False
        self._start_rules()
        self._resuming = True
        self._started_at = state.started_at
        self._frontier = deque(state.frontier)
        self._seen, self._trusted, self._done = state.seen, state.trusted, state.done
        self._claimed = set(self._done)
        self.guard.restore(state.guard)
        self.summary.notes.append(
            f"resumed the crawl started at {self._started_at}: {len(self._done)} URL(s) done, "
            f"{len(self._frontier)} in the frontier"
        )
        return True


def crawl_site(
    settings: Settings,
    start_url: str,
    store: RawStore | None = None,
    *,
    delay: float | None = None,
    max_pages: int | None = None,
    **options: Any,
) -> CrawlSummary:
    """Crawl `start_url` into the raw store of `settings` (see `Crawler` for the options)."""
    store = store or RawStore(settings.data_dir / "raw")
    config = CrawlConfig.from_settings(settings, delay=delay, max_pages=max_pages)
    return Crawler(config, store, start_url, **options).run()


def state_path(settings: Settings) -> Path:
    """Where an interrupted crawl leaves its state."""
    return settings.data_dir / STATE_FILE
