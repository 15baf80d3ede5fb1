"""Per-host politeness: requests to one origin are spaced at least `delay` seconds apart.

The spacing holds across threads: each caller reserves the next free slot of its origin under
a lock, then sleeps outside the lock until that slot. Retries and redirect hops go through the
same gate as first requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Hands out request slots per origin, `delay` seconds apart (per-origin overrides)."""

    def __init__(
        self,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.default_delay = max(0.0, delay)
        self._delays: dict[str, float] = {}
        self._next: dict[str, float] = {}
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

    def wait(self, origin: str) -> None:
        """Block until a request to `origin` may be sent, and reserve that moment."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(origin, now))
            self._next[origin] = slot + self._delays.get(origin, self.default_delay)
        if slot > now:
            self._sleep(slot - now)
