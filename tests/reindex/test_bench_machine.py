"""bench/machine.py: the parallel speed-up this machine gives, which bench/reindex.py prints
beside the job's own. Only the arithmetic and the process plumbing are checked here, never a
speed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.machine import (
    Speedups,
    _timed_at_once,
    alone_per_cpu,
    parallel_speedup,
    python_work,
)


def test_speedups_summarise_their_samples() -> None:
    speedups = Speedups(2, [1.2, 1.7, 1.5, 1.65])
    assert speedups.median == pytest.approx(1.575)
    assert speedups.reaching(1.6) == 2
    assert "median of 4; 1.20-1.70x" in speedups.describe()


def test_each_process_times_its_own_work() -> None:
    times = _timed_at_once(2, lambda: python_work(2_000))
    assert len(times) == 2
    assert all(t > 0 for t in times)


def test_a_sample_per_request() -> None:
    found = parallel_speedup(processes=2, samples=2, work=lambda: python_work(2_000))
    assert found.processes == 2
    assert len(found.samples) == 2
    assert all(sample > 0 for sample in found.samples)




def test_each_cpu_is_timed_alone_with_its_process_pinned_to_it(tmp_path: Path) -> None:
    record = tmp_path / "affinities"

    def work() -> None:  # runs in the forks: what each was pinned to is written down
        with record.open("a", encoding="utf-8") as out:
            out.write(" ".join(map(str, sorted(os.sched_getaffinity(0)))) + "\n")
        python_work(2_000)

    found = alone_per_cpu(samples=2, work=work)
    cpus = os.sched_getaffinity(0)
    assert set(found) == cpus
    assert all(len(times) == 2 and all(t > 0 for t in times) for times in found.values())
    pinned = record.read_text(encoding="utf-8").split("\n")[:-1]
    assert sorted(pinned) == sorted(str(cpu) for cpu in cpus for _ in range(2))
