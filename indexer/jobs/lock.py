"""One reindex job per index at a time: an exclusive `flock` on `data_dir/locks/<name>.lock`.

`flock` is released by the kernel when the holding process exits, however it exits (SIGKILL
included), so a killed job never leaves a lock that blocks the next one. The lock file itself
stays on disk on purpose: deleting it while another process waits on it would let two
processes lock two different files of the same name. It holds the holder's pid and start time,
only to make the message for a second job useful.

A `flock` belongs to the open file, which a forked child shares: a worker process forked by
the job would keep the lock alive after the job is killed, until the worker notices and exits.
Forked workers therefore call `close_inherited_locks()` first thing, so that the lock ends with
the job itself.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from indexer.errors import SiteSearchError

# Descriptors of the locks this process holds (a forked child inherits the set with them).
_HELD: set[int] = set()


def close_inherited_locks() -> None:
    """In a forked child: close its copies of the parent's lock descriptors (closing, unlike
    unlocking, leaves the parent's lock in place), so that the parent's locks end with it."""
    for fd in _HELD:
        os.close(fd)
    _HELD.clear()


class JobLocked(SiteSearchError):
    """Another job holds the lock; the message says which process and since when."""


class JobLock:
    """An exclusive, non-blocking, per-index job lock (a context manager).

    `acquire()` raises `JobLocked` at once when another process holds the lock; it never
    waits. Not re-entrant: one `JobLock` object per job.
    """

    def __init__(self, data_dir: Path, name: str) -> None:
        self.path = Path(data_dir) / "locks" / f"{name}.lock"
        self.name = name
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise `JobLocked` naming the holder."""
        if self._fd is not None:
            raise RuntimeError("this JobLock is already held")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_CLOEXEC: a program started by the job must not keep the lock alive after it.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise JobLocked(
                f"another reindex job is running on index {self.name!r}{holder}; "
                f"wait for it to finish (lock file {self.path})"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        _HELD.add(fd)
        info = {"pid": os.getpid(), "since": datetime.now(UTC).replace(microsecond=0).isoformat()}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except OSError:
            pass  # a full disk: the lock holds all the same, only a second job's message is poorer

    def release(self) -> None:
        """Give the lock up (a no-op when not held)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.discard(fd)
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    """' (pid N, since T)' from the lock file, or '' when it cannot be read."""
    try:
        info = json.loads(os.pread(fd, 200, 0) or b"{}")
        return f" (pid {int(info['pid'])}, since {info['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""
