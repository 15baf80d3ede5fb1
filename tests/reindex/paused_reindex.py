"""Test-only entry point: `sitesearch` whose reindex job pauses at one stage, to be killed there.

    SITESEARCH_TEST_PAUSE_AT=verify SITESEARCH_TEST_PAUSE_FILE=/tmp/x \\
        python -m tests.reindex.paused_reindex reindex --full --workers 2

Before running the real command line, it wraps the job's stage functions (and the tantivy
engine's writer and switch) so that the job writes the point's name into the pause file once
it gets there, then sleeps until the crash test kills it. Production code has no hook for it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

PAUSE_AT = "SITESEARCH_TEST_PAUSE_AT"
PAUSE_FILE = "SITESEARCH_TEST_PAUSE_FILE"
POINTS = ("read", "enrich", "write", "verify", "switch", "cleanup")
_PAUSE_SECONDS = 120


def pause(point: str) -> None:
    """Say where the job is, then wait to be killed."""
    Path(os.environ[PAUSE_FILE]).write_text(point, encoding="utf-8")
    time.sleep(_PAUSE_SECONDS)


def before(owner: Any, name: str, point: str) -> None:
    """Pause before `owner.name` runs."""
    original = getattr(owner, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        pause(point)
        return original(*args, **kwargs)

    setattr(owner, name, paused)


def after(owner: Any, name: str, point: str) -> None:
    """Pause once `owner.name` has run."""
    original: Callable[..., Any] = getattr(owner, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        pause(point)
        return result

    setattr(owner, name, paused)


def after_first_result(owner: Any, name: str, point: str) -> None:
    """Pause once the job has taken the first result of the iterator `owner.name` gives."""
    original: Callable[..., Iterator[Any]] = getattr(owner, name)

    def paused(self: Any, chunks: Iterable[Any]) -> Iterator[Any]:
        for result in original(self, chunks):
            yield result
            pause(point)

    setattr(owner, name, paused)


def install(point: str) -> None:
    from indexer.engines.tantivy.engine import TantivyBulk, TantivyEngine
    from indexer.jobs import reading, retention, verify
    from indexer.jobs.pool import EnrichPool

    if point == "read":
        before(reading, "read_records", point)
    elif point == "enrich":
        after_first_result(EnrichPool, "map_records", point)
        after_first_result(EnrichPool, "map_pages", point)
    elif point == "write":
        after(TantivyBulk, "write", point)
    elif point == "verify":
        before(verify, "verify_version", point)
    elif point == "switch":
        before(TantivyEngine, "switch", point)
    elif point == "cleanup":
        before(retention, "drop_beyond_keep", point)
    else:
        raise SystemExit(f"unknown pause point {point!r}; one of {', '.join(POINTS)}")


def main() -> None:
    install(os.environ[PAUSE_AT])
    from indexer.cli import main as sitesearch

    sitesearch.main(args=sys.argv[1:], prog_name="sitesearch")


if __name__ == "__main__":
    main()
