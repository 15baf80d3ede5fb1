"""bench/machine.py: the parallel speed-up this machine gives, which bench/reindex.py prints
beside the job's own. Only the arithmetic and the process plumbing are checked here, never a
speed."""

from __future__ import annotations

import pytest

from bench.machine import Speedups, _timed_at_once, parallel_speedup, python_work


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

