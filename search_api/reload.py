"""Reloads without a gap: the old gunicorn workers stop only once the new ones are warm.

On SIGHUP gunicorn forks the new workers and stops the old ones at once; each new worker then
loads the app and warms its engine (`post_worker_init`, seconds of CPU) before it accepts, so
nothing answered meanwhile. `WarmReloadArbiter` lets the old workers serve until every new
one has said it is warm (`WarmSignal`, a pipe from the workers to the master), and only then
stops them; a stopping worker closes its listening socket at once (search_api/worker.py), so
that new connections go to the warm workers' sockets.
"""

from __future__ import annotations

import os
import struct
import time
from typing import Any

from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]

# How long (s) a reload waits for the new workers to warm up before it stops the old ones
# all the same (a new worker that hangs must not keep the old code serving for ever).
WARM_UP_LIMIT_S = 120.0
_PID = struct.Struct("=i")


class WarmSignal:
    """A pipe on which each worker, once warm, writes its pid for the master to read.

    Made by the master before it forks, so every worker inherits the writing end. A write of a
    few bytes to a pipe is atomic, so pids from several workers never interleave.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.warm: set[int] = set()

    def send(self, pid: int) -> None:
        """Say (from a worker) that `pid` is warm and accepting."""
        os.write(self.write_fd, _PID.pack(pid))

    def received(self) -> set[int]:
        """The pids said to be warm so far (read in the master)."""
        while True:
            try:
                data = os.read(self.read_fd, _PID.size * 256)
            except BlockingIOError:
                break
            if not data:
                break
            self.warm.update(pid for (pid,) in _PID.iter_unpack(data))
        return self.warm


class WarmReloadArbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's arbiter, stopping the old workers of a reload only once the new are warm."""

    def __init__(self, app: Any, signal: WarmSignal) -> None:
        self.warm_signal = signal
        self._reloading = False
        super().__init__(app)

    def reload(self) -> None:
        self._reloading = True
        try:
            super().reload()
        finally:
            self._reloading = False

    def manage_workers(self) -> None:
        if self._reloading:
            self._await_warm_successors()
        super().manage_workers()

    def _await_warm_successors(self) -> None:
        """Wait (serving on the old workers) until the newest `num_workers` workers are warm."""
        deadline = time.monotonic() + WARM_UP_LIMIT_S
        while time.monotonic() < deadline:
            newest = sorted(self.WORKERS.items(), key=lambda item: item[1].age)
            newest = newest[-self.num_workers:]
            warm = self.warm_signal.received()
            warm.intersection_update(self.WORKERS)  # forget workers that are gone
            if all(pid in warm for pid, _worker in newest):
                return
            self.reap_workers()  # a new worker that died is replaced (or halts the server)
            if len(self.WORKERS) < self.num_workers:
                return
            time.sleep(0.05)
        self.log.warning("new workers not warm within %.0f s: stopping the old ones anyway",
                         WARM_UP_LIMIT_S)
