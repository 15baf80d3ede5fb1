"""The resumable state of a crawl: what an interrupted crawl leaves in `crawl-state.json`.

Written atomically every few pages and when a crawl stops early; read by the next crawl of the
same start URL, which then goes on from it; removed when a crawl completes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.atomic import write_atomic

STATE_FILE = "crawl-state.json"


@dataclass
class CrawlState:
    """The frontier (pages in flight first), what was seen, trusted and done, and the trap
    guard's memory, of the crawl of `start_url` begun at `started_at`."""

    start_url: str
    started_at: str
    frontier: list[tuple[str, int]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    trusted: set[str] = field(default_factory=set)
    done: list[str] = field(default_factory=list)
    guard: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """Write the state to `path`, atomically."""
        data = {
            "start_url": self.start_url,
            "started_at": self.started_at,
            "frontier": [list(item) for item in self.frontier],
            "seen": sorted(self.seen),
            "trusted": sorted(self.trusted),
            "done": self.done,
            "guard": self.guard,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def load_state(path: Path) -> CrawlState | None:
    """The state at `path`, None when there is none; raises ValueError or OSError when it
    cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    try:
        return CrawlState(
            start_url=str(data["start_url"]),
            started_at=str(data["started_at"]),
            frontier=[(str(u), int(d)) for u, d in data["frontier"]],
            seen=set(data["seen"]),
            trusted=set(data.get("trusted", ())),
            done=list(data["done"]),
            guard=dict(data.get("guard", {})),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a crawl state: {exc!r}") from None
