"""Per-host politeness: requests to one origin are spaced at least `delay` seconds apart.

With a delay, requests to one origin are serialised: a request starts no earlier than `delay`
seconds after the previous one to that origin has FINISHED. So the site sees the spacing even
when threads are scheduled late or a response is slow (spacing request starts only would let
two requests arrive closer together than the delay). Other origins, and the extraction and
storing of pages, still run in parallel. With delay 0 nothing is serialised (benchmarks).
Retries and redirect hops go through the same gate as first requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Pacer:
    """Request slots per origin, `delay` seconds apart (per-origin overrides)."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.default_delay = max(0.0, delay)
        self._delays: dict[str, float] = {}
        self._finished: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def set_delay(self, origin: str, delay: float) -> None:
        """Space requests to `origin` by `delay` seconds (e.g. robots.txt crawl-delay)."""
        with self._lock:
            self._delays[origin] = max(0.0, delay)

    def delay_for(self, origin: str) -> float:
        """The spacing currently used for `origin`."""
        with self._lock:
            return self._delays.get(origin, self.default_delay)

    @contextmanager
    def slot(self, origin: str) -> Iterator[None]:
        """Hold the turn of `origin` for one request (waiting for it as long as needed)."""
        delay = self.delay_for(origin)
        if delay <= 0:
            yield
            return
        with self._lock:
            turn = self._locks.setdefault(origin, threading.Lock())
        with turn:
            previous = self._finished.get(origin)
            if previous is not None:
                wait = previous + delay - self._clock()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                self._finished[origin] = self._clock()
