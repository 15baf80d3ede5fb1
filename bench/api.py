"""Benchmark: the search API under load, as `sitesearch serve` (gunicorn) runs it.

    .venv/bin/python bench/api.py [--pages 2000] [--clients 16] [--seconds 30]
                                  [--client-processes 4] [--workers N] [--threads N]
                                  [--no-answer-cache] [--data-dir DIR]

1. Ingests `--pages` pages of varied Dutch text (bench/corpus.py) plus the two seed pages with
   `sitesearch ingest` into a temporary data dir (or reuses `--data-dir` if it holds an index).
2. Baseline, in this process: the engine's own `search` over the first 500 queries of the mix
   (the most frequent), one at a time, uncached.
3. Starts `sitesearch serve` (gunicorn, workers/threads from settings or the options) on a free
   loopback port, rate limits off, and runs `--clients` concurrent keep-alive clients (threads
   spread over `--client-processes` processes) against
   /api/search for `--seconds` seconds (after a short warm-up), drawing from 3,000 varied queries
   (frequent words, pairs, typos) with Zipf-like frequencies, as a search box sees them. The
   API's answer cache is on, as in production; `--no-answer-cache` measures without it.
Prints requests/s, p50, p99, errors, and the ratio of API p50 to in-process engine p50.
Goal on a 2-core machine: p99 < 30 ms, >= 300 requests/s, 0 errors. The load generator runs on
the same machine and takes CPU from the server, so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import corpus_source, raw_pages  # noqa: E402
from indexer.engine import SearchRequest, make_engine  # noqa: E402
from indexer.settings import load_settings  # noqa: E402

SITESEARCH = Path(sys.executable).with_name("sitesearch")
SEEDS_DIR = ROOT / "tests" / "data" / "seeds"
GOALS = {"p99_ms": 30.0, "rps": 300.0}
FIXED_QUERIES = [
    "magnesium", "magnesium depressie", "magnesuim", "magnesuim tekrot", "adhd",
    "aandachtstekortstoornis", "depressieve klachten", "afbeelding", "laag", "kleur",
    "penseel", "gereedschap", "selectie", "filter", "venster", "debian pakket",
]
WARM_UP_S = 2.0
QUERY_POOL = 3000
ENGINE_QUERIES = 500


def queries_from(texts: list[str], count: int, seed: int = 7) -> list[str]:
    """A varied, repeatable query mix: frequent words, word pairs and misspelt words."""
    words = Counter(
        w for text in texts for w in re.findall(r"[a-zà-ÿ]{5,}", text.lower())
    )
    common = [w for w, _ in words.most_common(400)]
    rng = random.Random(seed)
    found = list(FIXED_QUERIES)
    while len(found) < count:
        kind = rng.random()
        first = rng.choice(common)
        if kind < 0.45:
            found.append(first)
        elif kind < 0.8:
            found.append(f"{first} {rng.choice(common)}")
        else:  # a typo: two neighbouring letters swapped
            i = rng.randrange(1, len(first) - 2)
            found.append(first[:i] + first[i + 1] + first[i] + first[i + 2:])
    return found


def ingest(pages: int, data_dir: Path, env: dict[str, str]) -> tuple[list[str], float]:
    """Write the corpus as raw files and ingest it with `sitesearch ingest`; (texts, seconds)."""
    raw = raw_pages(pages)
    with tempfile.TemporaryDirectory(prefix="bench-api-raw-") as folder:
        for index, (_name, text) in enumerate(raw):
            Path(folder, f"{index:05d}.txt").write_text(text, encoding="utf-8")
        for seed in SEEDS_DIR.glob("*.txt"):
            Path(folder, seed.name).write_bytes(seed.read_bytes())
        started = time.perf_counter()
        done = subprocess.run(
            [str(SITESEARCH), "ingest", folder, "--json"], env=env, capture_output=True,
            text=True, check=False,
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"ingest failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return [text for _name, text in raw], seconds


def engine_baseline(data_dir: Path, queries: list[str], rounds: int) -> list[float]:
    """Milliseconds of each in-process `engine.search` call over the query mix."""
    engine = make_engine(load_settings(data_dir=data_dir))
    try:
        for q in queries[:50]:  # warm caches as the server's warm-up does
            engine.search(SearchRequest(query=q))
        latencies = []
        for _ in range(rounds):
            for q in queries:
                started = time.perf_counter()
                engine.search(SearchRequest(query=q))
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        engine.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [str(SITESEARCH), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"sitesearch serve exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit("sitesearch serve did not become healthy within 60 s")


class LoadResult:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.lock = threading.Lock()


def client_loop(port: int, paths: list[str], start: float, stop: float, seed: int,
                result: LoadResult) -> None:
    """One keep-alive client: requests back to back until `stop`; counted after `start`.

    Queries are drawn with Zipf-like weights (the i-th query 1/i as often as the first), as a
    search box sees them: a few very frequent queries and a long tail of rare ones.
    """
    rng = random.Random(seed)
    cum_weights = list(itertools.accumulate(1 / rank for rank in range(1, len(paths) + 1)))
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while (now := time.perf_counter()) < stop:
        path = rng.choices(paths, cum_weights=cum_weights)[0]
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            status = 0
            errors[type(exc).__name__] += 1 if now >= start else 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        elapsed = (time.perf_counter() - now) * 1000
        if now >= start:
            latencies.append(elapsed)
            if status not in (200, 0):
                errors[f"HTTP {status}"] += 1
    connection.close()
    with result.lock:
        result.latencies.extend(latencies)
        result.errors.update(errors)


def load_process(port: int, paths: list[str], start: float, stop: float, seeds: list[int]
                 ) -> tuple[list[float], Counter[str]]:
    """One client process: a thread per seed. Several processes, so that the clients' own
    Python (GIL) does not queue their requests and inflate the latencies they measure."""
    result = LoadResult()
    clients = [
        threading.Thread(target=client_loop, args=(port, paths, start, stop, seed, result))
        for seed in seeds
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return result.latencies, result.errors


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--client-processes", type=int, default=4,
                        help="processes the clients are spread over (threads within each)")
    parser.add_argument("--no-answer-cache", action="store_true",
                        help="turn the API's answer cache off (answer_cache_entries=0)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="reuse (or fill, when empty) this data dir instead of a temp one")
    args = parser.parse_args()

    temp = None
    data_dir = args.data_dir
    if data_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="bench-api-")
        data_dir = Path(temp.name) / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")}
    env.update({"SITESEARCH_DATA_DIR": str(data_dir), "SITESEARCH_RATE_LIMIT_ENABLED": "false"})
    if args.workers:
        env["SITESEARCH_WORKERS"] = str(args.workers)
    if args.threads:
        env["SITESEARCH_THREADS"] = str(args.threads)
    if args.no_answer_cache:
        env["SITESEARCH_ANSWER_CACHE_ENTRIES"] = "0"
    settings = load_settings(data_dir=data_dir)
    workers = args.workers or settings.workers
    threads = args.threads or settings.threads

    try:
        existing = data_dir.exists() and make_engine(settings).count() > 0
    except Exception:
        existing = False
    if existing:
        texts = [text for _name, text in raw_pages(args.pages)]
        print(f"index: reusing {data_dir}")
    else:
        texts, seconds = ingest(args.pages, data_dir, env)
        print(f"index: {args.pages} pages ({corpus_source()}) + 2 seeds ingested "
              f"by `sitesearch ingest` in {seconds:.1f} s")
    documents = make_engine(settings).count()
    queries = queries_from(texts, QUERY_POOL)
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q}) for q in queries]

    engine_ms = engine_baseline(data_dir, queries[:ENGINE_QUERIES], rounds=2)
    engine_p50 = statistics.median(engine_ms)
    print(f"engine in-process: {len(engine_ms)} searches, p50 {engine_p50:.2f} ms, "
          f"p99 {percentile(engine_ms, 0.99):.2f} ms ({documents} articles)")

    port = free_port()
    server = start_server(env, port)
    try:
        result = LoadResult()
        # perf_counter is the system-wide monotonic clock on Linux: comparable across processes.
        start = time.perf_counter() + WARM_UP_S
        stop = start + args.seconds
        processes = max(1, min(args.client_processes, args.clients))
        seeds = [list(range(args.clients))[i::processes] for i in range(processes)]
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(load_process, port, paths, start, stop, s) for s in seeds]
            for future in futures:
                latencies, errors = future.result()
                result.latencies.extend(latencies)
                result.errors.update(errors)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        if temp is not None:
            temp.cleanup()

    count = len(result.latencies)
    errors = sum(result.errors.values())
    rps = count / args.seconds
    p50 = statistics.median(result.latencies)
    p99 = percentile(result.latencies, 0.99)
    figures = {
        "workers": workers, "threads": threads, "clients": args.clients,
        "client_processes": processes,
        "answer_cache": not args.no_answer_cache, "query_pool": len(paths),
        "seconds": args.seconds, "requests": count, "requests_per_s": round(rps, 1),
        "p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "errors": errors,
        "engine_p50_ms": round(engine_p50, 2),
        "api_p50_over_engine_p50": round(p50 / engine_p50, 2),
    }
    cache = "off" if args.no_answer_cache else "on"
    print(f"API via gunicorn ({workers} workers x {threads} threads, answer cache {cache}), "
          f"{args.clients} clients, {len(paths)} queries (Zipf), "
          f"{args.seconds:.0f} s: {rps:.1f} requests/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"errors {errors} {dict(result.errors) if errors else ''}")
    print(f"ratio API p50 / engine p50: {p50 / engine_p50:.2f}")
    print(f"goals: p99 < {GOALS['p99_ms']:.0f} ms {'met' if p99 < GOALS['p99_ms'] else 'MISSED'}"
          f", >= {GOALS['rps']:.0f} requests/s {'met' if rps >= GOALS['rps'] else 'MISSED'}, "
          f"0 errors {'met' if errors == 0 else 'MISSED'}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
