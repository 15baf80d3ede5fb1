"""What a crawl reports: one Outcome per URL of the frontier, and the CrawlSummary of all."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

_MAX_LISTED = 1000  # skipped URLs listed one by one in the summary; the rest are counted

OutcomeKind = Literal["fetched", "unchanged", "gone", "failed", "skipped", "resumed", "duplicate"]


@dataclass
class Outcome:
    """What happened to one URL of the frontier.

    `fingerprint`: a simhash of the stored page's text, for the trap guard (None when the
    page was not read).
    """

    url: str
    kind: OutcomeKind
    reason: str = ""
    links: list[str] = field(default_factory=list)
    final_url: str | None = None
    fingerprint: int | None = None


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

    def start_failure(self) -> str | None:
        """Why the crawl got no page at all, when its start URL failed (else None)."""
        if self.fetched or self.unchanged or self.resumed or self.gone:
            return None
        return self.failed.get(self.start_url)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data, counts first."""
        return {"counts": self.counts(), **asdict(self)}
