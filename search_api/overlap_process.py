"""The overlap checks of one API worker, run in a child process of lower CPU priority.

A check is CPU work in Python for up to a few seconds. Run in a worker's thread, it holds the
interpreter lock that the worker's searches need, and their latency grows tenfold. In a child
process at `overlap_check_nice` the operating system gives the searches the CPU first, and the
worker's thread only waits for the answer. The child is started (spawned, never forked from a
threaded worker) on the first check, opens the engine from the settings, builds the NLP
pipeline on its first draft, and serves one check at a time.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from indexer.errors import EngineUnavailable

if TYPE_CHECKING:
    from indexer.overlap.models import OverlapReport
    from indexer.overlap.service import OverlapService
    from indexer.settings import Settings

_service: OverlapService | None = None  # the child's own (one per child process)


def _start(settings: Settings) -> None:
    os.nice(settings.overlap_check_nice)
    from indexer.engines import make_engine
    from indexer.overlap.service import OverlapService

    global _service
    _service = OverlapService(make_engine(settings), settings)


def _check(kind: str, args: tuple[Any, ...]) -> OverlapReport:
    assert _service is not None
    report: OverlapReport = getattr(_service, kind)(*args)
    return report


class CheckProcess:
    """Runs `OverlapService.article` / `.draft` in the child process; exceptions of the check
    (NotFound, InputError) come back as they were raised."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def article(self, article_id: str) -> OverlapReport:
        return self._run("article", article_id)

    def draft(self, text: str, title: str = "Concept") -> OverlapReport:
        return self._run("draft", text, title)

    def _run(self, kind: str, *args: Any) -> OverlapReport:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start, initargs=(self.settings,),
                )
            executor = self._executor
        try:
            return executor.submit(_check, kind, args).result()
        except BrokenProcessPool:
            with self._lock:  # the child died (killed, out of memory): a new one next time
                if self._executor is executor:
                    self._executor = None
            raise EngineUnavailable("the overlap check process stopped; retry") from None

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
