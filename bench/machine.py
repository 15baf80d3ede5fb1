"""What this machine's CPUs give in parallel, measured next to a benchmark's own runs.

A speed-up goal such as "2 workers at least 1.6x faster than 1" assumes that two processes on
two CPUs do twice the work of one. On a virtual machine they may not: the host may run the
two virtual CPUs on one physical core's hyperthreads, or share them with other guests, and
the time lost shows up neither as steal time nor as idle time (a slowed process still
accrues CPU seconds). `parallel_speedup` measures it for a given piece of work: timed in one
forked process alone, then in `processes` forked processes at once, several times. Work with
nothing to share or coordinate cannot do better than that ratio, so a job's own speed-up is
best read against it: bench/reindex.py measures it with the job's own per-page work between
its rounds. Run alone, this measures a fixed piece of pure-Python work (strings, dicts,
lists) that way, and then times it alone on each CPU in turn (`alone_per_cpu`): how far one
CPU's own speed moves while nothing else of ours runs.

    .venv/bin/python -m bench.machine [--processes 2] [--samples 7]
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

WORK_ROUNDS = 2_000_000  # about 0.4 s on this machine


def python_work(rounds: int = WORK_ROUNDS) -> None:
    """A fixed piece of interpreter-bound work."""
    counts: dict[str, int] = {}
    words: list[str] = []
    for number in range(rounds):
        word = f"w{number % 997}"
        counts[word] = counts.get(word, 0) + 1
        words.append(word.upper())
        if len(words) > 64:
            words.clear()


@dataclass
class Speedups:
    """Speed-ups of `processes` processes over one, one per sample."""

    processes: int
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def reaching(self, goal: float) -> int:
        """How many samples reached `goal`."""
        return sum(sample >= goal for sample in self.samples)

    def describe(self, work: str = "pure-Python work") -> str:
        low, high = min(self.samples), max(self.samples)
        return (f"{self.processes} processes of {work} run {self.median:.2f}x as "
                f"fast as one (median of {len(self.samples)}; {low:.2f}-{high:.2f}x)")


def parallel_speedup(processes: int = 2, samples: int = 5,
                     work: Callable[[], object] = python_work) -> Speedups:
    """Per sample: `work` alone in one forked process, then in `processes` forked processes
    started together (a barrier); the speed-up is `processes` x alone / the slowest of those.
    `work` runs in forks of this process: what it uses (a loaded pipeline) is set up once,
    here, and shared as the reindex job's workers share it."""
    found = []
    for _ in range(samples):
        (alone,) = _timed_at_once(1, work)
        together = _timed_at_once(processes, work)
        found.append(processes * alone / max(together))
    return Speedups(processes, found)


def alone_per_cpu(samples: int = 5, work: Callable[[], object] = python_work
                  ) -> dict[int, list[float]]:
    """Seconds `work` takes in one forked process pinned to each CPU in turn, with nothing
    else of ours running, `samples` times per CPU. On a machine of its own, a CPU takes about
    the same time for the same work every time; when the host runs something else on the
    same physical core (another guest, or our other virtual CPU as its hyperthread), the
    times of one CPU spread widely."""
    found: dict[int, list[float]] = {cpu: [] for cpu in sorted(os.sched_getaffinity(0))}
    for _ in range(samples):
        for cpu, times in found.items():
            times += _timed_at_once(1, work, cpu)
    return found


def _timed_at_once(processes: int, work: Callable[[], object],
                   cpu: int | None = None) -> list[float]:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results: multiprocessing.queues.Queue[float] = context.Queue()
    started = [context.Process(target=_run, args=(barrier, results, work, cpu))
               for _ in range(processes)]
    for process in started:
        process.start()
    times = [results.get(timeout=600) for _ in started]
    for process in started:
        process.join()
    return times


def _run(barrier: multiprocessing.synchronize.Barrier,
         results: multiprocessing.queues.Queue[float], work: Callable[[], object],
         cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    barrier.wait()
    started = time.perf_counter()
    work()
    results.put(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--samples", type=int, default=7)
    args = parser.parse_args()
    print(parallel_speedup(args.processes, args.samples).describe())
    for cpu, times in alone_per_cpu(args.samples).items():
        print(f"CPU {cpu} alone, the same work: {min(times):.3f}-{max(times):.3f} s "
              f"(median {statistics.median(times):.3f} s; slowest/fastest "
              f"{max(times) / min(times):.2f})")


if __name__ == "__main__":
    main()
