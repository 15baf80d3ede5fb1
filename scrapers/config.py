"""The crawler's own settings: one typed, checked value built from `Settings`.

Everything the crawl, the fetcher, robots.txt and the sitemaps need, so that none of them
reads `Settings` itself, and every limit is checked here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.errors import InputError
from indexer.settings import Settings


@dataclass(frozen=True)
class CrawlConfig:
    """The limits and politeness of one crawl (see `Settings` for what each one means)."""

    data_dir: Path
    user_agent: str
    delay: float = 1.0
    concurrency: int = 2
    max_pages: int = 10_000
    max_depth: int = 10
    max_url_length: int = 2048
    max_bytes: int = 5_000_000
    timeout: float = 10.0
    response_deadline: float = 30.0
    sitemap_deadline: float = 120.0
    deadline: float | None = None
    retries: int = 3
    max_redirects: int = 5
    allowed_private_hosts: tuple[str, ...] = ()
    backoff_base: float = 0.5
    max_backoff: float = 60.0
    max_per_pattern: int = 200
    state_every: int = 10
    max_sitemaps: int = 50

    def __post_init__(self) -> None:
        positive = {
            "concurrency": self.concurrency, "max_pages": self.max_pages,
            "max_url_length": self.max_url_length, "max_bytes": self.max_bytes,
            "timeout": self.timeout, "response_deadline": self.response_deadline,
            "sitemap_deadline": self.sitemap_deadline, "max_per_pattern": self.max_per_pattern,
            "state_every": self.state_every,
        }
        not_negative = {
            "delay": self.delay, "max_depth": self.max_depth, "retries": self.retries,
            "max_redirects": self.max_redirects, "backoff_base": self.backoff_base,
            "max_backoff": self.max_backoff, "max_sitemaps": self.max_sitemaps,
        }
        for name, value in positive.items():
            if not value > 0:
                raise InputError(f"crawl setting {name} must be more than 0, not {value}")
        for name, value in not_negative.items():
            if value < 0:
                raise InputError(f"crawl setting {name} must not be negative, not {value}")
        if self.deadline is not None and self.deadline <= 0:
            raise InputError(f"crawl setting deadline must be more than 0, not {self.deadline}")

    @classmethod
    def from_settings(
        cls, settings: Settings, *, delay: float | None = None, max_pages: int | None = None
    ) -> CrawlConfig:
        """The crawl's config from `settings`; `delay` and `max_pages` override them (the
        command line's options)."""
        return cls(
            data_dir=settings.data_dir,
            user_agent=settings.user_agent,
            delay=settings.crawl_delay if delay is None else delay,
            concurrency=settings.crawl_concurrency,
            max_pages=max_pages or settings.crawl_max_pages,
            max_depth=settings.crawl_max_depth,
            max_url_length=settings.crawl_max_url_length,
            max_bytes=settings.crawl_max_bytes,
            timeout=settings.crawl_timeout,
            response_deadline=settings.crawl_response_deadline,
            sitemap_deadline=settings.crawl_sitemap_deadline,
            deadline=settings.crawl_deadline or None,
            retries=settings.crawl_retries,
            max_redirects=settings.crawl_max_redirects,
            allowed_private_hosts=tuple(settings.crawl_allowed_private_hosts),
            backoff_base=settings.crawl_backoff_base,
            max_backoff=settings.crawl_max_backoff,
            max_per_pattern=settings.crawl_max_per_pattern,
            state_every=settings.crawl_state_every,
            max_sitemaps=settings.crawl_max_sitemaps,
        )
