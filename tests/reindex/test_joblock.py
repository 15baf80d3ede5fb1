"""The job lock: one job per index, a clear message for the second, no stale lock after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.jobs.lock import JobLock, JobLocked


def test_second_lock_on_same_index_is_refused_with_holder(tmp_path: Path) -> None:
    with JobLock(tmp_path, "sitesearch") as first:
        assert first.held
        with pytest.raises(JobLocked) as caught:
            JobLock(tmp_path, "sitesearch").acquire()
    message = str(caught.value)
    assert "another reindex job is running on index 'sitesearch'" in message
    assert f"pid {os.getpid()}" in message


def test_lock_is_free_again_after_release(tmp_path: Path) -> None:
    with JobLock(tmp_path, "sitesearch"):
        pass
    again = JobLock(tmp_path, "sitesearch")
    again.acquire()
    assert again.held
    again.release()
    assert not again.held


def test_locks_of_different_indices_are_independent(tmp_path: Path) -> None:
    with JobLock(tmp_path, "one"), JobLock(tmp_path, "two") as two:
        assert two.held


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from indexer.jobs.lock import JobLock\n"
        f"JobLock(Path({str(tmp_path)!r}), 'sitesearch').acquire()\n"
        "print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(JobLocked, match=f"pid {holder.pid}"):
            JobLock(tmp_path, "sitesearch").acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with JobLock(tmp_path, "sitesearch") as lock:
        assert lock.held


@pytest.mark.parametrize("child_closes", [True, False], ids=["closes", "keeps"])
def test_a_forked_child_keeps_the_lock_alive_unless_it_closes_its_copy(
    tmp_path: Path, child_closes: bool
) -> None:
    """The reindex workers are forked children of the job: what they inherit decides whether a
    killed job's lock is free at once or only once its workers are gone too."""
    code = (
        "import os, sys, time; from pathlib import Path\n"
        "from indexer.jobs.lock import JobLock, close_inherited_locks\n"
        f"JobLock(Path({str(tmp_path)!r}), 'sitesearch').acquire()\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        f"    if {child_closes}: close_inherited_locks()\n"
        # The child says its pid once it has closed (or kept) its copy: the job is killed
        # only then.
        "    print(os.getpid(), flush=True); time.sleep(60); os._exit(0)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    child = int(holder.stdout.readline())
    try:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        os.kill(child, 0)  # the child still runs
        if child_closes:
            with JobLock(tmp_path, "sitesearch") as lock:
                assert lock.held
        else:
            with pytest.raises(JobLocked, match=f"pid {holder.pid}"):
                JobLock(tmp_path, "sitesearch").acquire()
    finally:
        os.kill(child, signal.SIGKILL)
