"""Benchmark: the search API under load, as `sitesearch serve` (gunicorn) runs it.

    .venv/bin/python -m bench.api [--pages 2000] [--clients 16] [--seconds 30]
                                  [--load-generator {wrk,python}] [--client-processes 4]
                                  [--workers N] [--threads N] [--answer-cache {shared,worker,off}]
                                  [--no-reuse-port] [--slow-clients 16]
                                  [--data-dir DIR]

1. Ingests `--pages` pages of varied Dutch text (bench/corpus.py) plus the two seed pages with
   `sitesearch ingest` into a temporary data dir (or reuses `--data-dir` if it holds an index).
2. Baseline, in this process: the engine's own `search` over the first 500 queries of the mix
   (the most frequent), one at a time, uncached.
3. Starts `sitesearch serve` (gunicorn, workers/threads from settings or the options) on a free
   loopback port, rate limits off, and runs `--clients` concurrent keep-alive connections
   against /api/search for `--seconds` seconds (after a 2 s warm-up), drawing from 3,000 varied
   queries (frequent words, pairs, typos) with Zipf-like frequencies, as a search box sees
   them. The load generator (bench/load.py) is wrk (`-t 2`, a generated Lua script drawing the
   mix) when it is installed (`make bench-data`), else Python clients (threads spread over
   `--client-processes` processes); `--load-generator` picks one. The API's answer cache is
   shared by the workers, as in production, in a fresh folder; `--answer-cache worker` keeps
   one per worker, `off` (or `--no-answer-cache`) measures without it.
Prints requests/s, p50, p99, errors, the ratio of API p50 to in-process engine p50, and how many
of the clients' connections each gunicorn worker held halfway through.
4. Then, on the same server, the floor: the same clients for `--floor-seconds` requesting one
   query only (answered from the cache after its first request), so gunicorn, Flask, the load
   generator and the kernel are all that is measured; prints its figures and the ratio of the
   mix's p99 to the floor's. This VM's speed drifts from run to run: the floor, taken minutes
   apart from the mix, says how much of a run's p99 is the machine and the serving stack.
5. With `--slow-clients N` (e.g. 16), then the attack of issue 18: N connections sending their
   request headers a byte a second (reconnecting whenever the server answers or closes them)
   while the same clients run the mix again for `--seconds`; prints the victims' p99 and
   errors, the slow connections' answers, and the ratio of the victims' p99 to the mix's p99
   without the attack, measured on the same server just before (its answer cache as warm).
   Goal: victims' p99 < 100 ms.
6. `--overlap-attack`: instead of 4 and 5, the overlap checks' attack load (see
   `overlap_attack`): the same search clients alone, then next to 8 clients posting worst-case
   drafts to POST /api/overlap back to back; prints the victims' p99 and errors in both runs.
Goal on a 2-core machine: p99 < 30 ms, >= 300 requests/s, 0 errors. The load generator runs on
the same machine and takes CPU from the server (the Python clients far more than wrk), so the
figures are a lower bound.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import select
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import corpus_source, raw_pages  # noqa: E402
from bench.load import (  # noqa: E402
    LoadFigures,
    default_generator,
    percentile,
    python_load,
    wrk_load,
)
from indexer.engines import make_engine  # noqa: E402
from indexer.search.searcher import Searcher  # noqa: E402
from indexer.search.values import SearchRequest  # noqa: E402
from indexer.settings import load_settings  # noqa: E402

SITESEARCH = Path(sys.executable).with_name("sitesearch")
SEEDS_DIR = ROOT / "tests" / "data" / "seeds"
GOALS = {"p99_ms": 30.0, "rps": 300.0}
FLOOR_QUERY = "magnesium"
FIXED_QUERIES = [
    "magnesium", "magnesium depressie", "magnesuim", "magnesuim tekrot", "adhd",
    "aandachtstekortstoornis", "depressieve klachten", "afbeelding", "laag", "kleur",
    "penseel", "gereedschap", "selectie", "filter", "venster", "debian pakket",
]
WARM_UP_S = 2.0
SLOW_GOAL_P99_MS = 100.0
# What each slow connection sends, a byte a second: a request head that never ends in time.
SLOW_HEAD = b"GET /api/search?q=magnesium HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"y" * 200
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
    settings = load_settings(data_dir=data_dir)
    engine = make_engine(settings)
    searcher = Searcher.from_settings(engine, settings)
    try:
        for q in queries[:50]:  # warm caches as the server's warm-up does
            searcher.search(SearchRequest(query=q))
        latencies = []
        for _ in range(rounds):
            for q in queries:
                started = time.perf_counter()
                searcher.search(SearchRequest(query=q))
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        engine.close()


def free_port() -> int:
    """A loopback port nobody listens on now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, answers_dir: Path) -> dict[str, str]:
    """The environment `sitesearch serve` runs in: this one without our settings, then the
    data dir, rate limits off and a fresh answer folder (a reused data dir must not start with
    remembered answers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITESEARCH_")}
    env.update({
        "SITESEARCH_DATA_DIR": str(data_dir), "SITESEARCH_RATE_LIMIT_ENABLED": "false",
        "SITESEARCH_ANSWER_CACHE_DIR": str(answers_dir),
    })
    return env


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a `sitesearch serve` as a supervisor would: SIGTERM (gunicorn's graceful stop),
    SIGKILL after 30 s. (tests/api/test_serve.py stops its server with this too.)"""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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


def connections_per_worker(server: int, port: int) -> list[int]:
    """Established connections on `port` that each worker of the gunicorn master `server`
    holds, fewest first: how evenly the kernel (reuse_port) spread the clients."""
    import psutil

    counts = []
    for worker in psutil.Process(server).children():
        try:
            held = worker.net_connections(kind="tcp")
        except psutil.Error:  # a worker gone meanwhile
            continue
        counts.append(sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                          for c in held))
    return sorted(counts)


class SlowClients:
    """`count` connections dripping SLOW_HEAD a byte a second, each reconnecting as soon as
    the server answers or closes it, until `stop()`; counts the answers' status codes."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.answers: Counter[str] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._drip, daemon=True) for _ in range(count)]

    def start(self) -> SlowClients:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _drip(self) -> None:
        while not self._stop.is_set():
            outcome = "closed"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    for byte in SLOW_HEAD:
                        if self._stop.wait(1.0):
                            return
                        sock.sendall(bytes([byte]))
                        if select.select([sock], [], [], 0)[0]:
                            answer = sock.recv(64)
                            outcome = answer[9:12].decode("ascii", "replace") or "closed"
                            break
            except OSError as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.answers[outcome] += 1


def slow_clients_attack(args: argparse.Namespace, port: int, paths: list[str]
                        ) -> dict[str, object]:
    """The mix alone, then again next to `args.slow_clients` slow connections (the same
    server, its answers cached alike); prints and returns the victims' figures, with their
    p99's ratio to the mix's alone."""
    without = run_load(args, port, paths, args.seconds)
    print(f"mix alone before the attack: p50 {without.p50_ms:.2f} ms, "
          f"p99 {without.p99_ms:.2f} ms, errors {sum(without.errors.values())}")
    attack = SlowClients(port, args.slow_clients).start()
    time.sleep(2.0)  # every slow connection holds its first bytes in
    try:
        victims = run_load(args, port, paths, args.seconds)
    finally:
        attack.stop()
    errors = sum(victims.errors.values())
    ratio = victims.p99_ms / without.p99_ms
    print(f"slow-client attack: {args.slow_clients} connections sending a byte a second "
          f"(answered: {dict(attack.answers) or 'not yet'}); victims, {args.clients} "
          f"connections, {victims.seconds:.0f} s: {victims.requests_per_s:.1f} requests/s, "
          f"p50 {victims.p50_ms:.2f} ms, p99 {victims.p99_ms:.2f} ms, errors {errors} "
          f"{dict(victims.errors) if errors else ''}")
    print(f"ratio victims' p99 / p99 without the attack: {ratio:.2f}; goal p99 < "
          f"{SLOW_GOAL_P99_MS:.0f} ms {'met' if victims.p99_ms < SLOW_GOAL_P99_MS else 'MISSED'}"
          f", 0 errors {'met' if errors == 0 else 'MISSED'}")
    return {
        "slow_clients": args.slow_clients, "slow_answers": dict(attack.answers),
        "victims_requests_per_s": round(victims.requests_per_s, 1),
        "victims_p50_ms": round(victims.p50_ms, 2), "victims_p99_ms": round(victims.p99_ms, 2),
        "victims_errors": errors, "victims_p99_over_p99_without": round(ratio, 2),
    }


def run_load(args: argparse.Namespace, port: int, paths: list[str],
             seconds: float) -> LoadFigures:
    """The chosen load generator against `paths` for `seconds` (after its warm-up)."""
    if args.load_generator == "wrk":
        return wrk_load(port, paths, args.clients, seconds, WARM_UP_S)
    return python_load(port, paths, args.clients, seconds, WARM_UP_S, args.client_processes)


# --- issue 16: real pages, visitors' queries that never repeat, no answer cache

VISITORS_GOALS = {"p99_ms": 30.0, "rps": 500.0}
VISITOR_QUERIES = 20_000
VISITOR_WARM_UP = 300


def visitors(args: argparse.Namespace) -> None:
    """The API on the real pages of bench/corpus.py multiplied to `--pages` (written by the
    engine in this process), asked visitors' queries (titles, typos, questions, headings, body
    words) that never repeat within the run, each wrk thread walking its own share in order,
    the answer cache off: every answer is computed. Prints the figures, the in-process
    engine's p50 over the same queries as the baseline, and the goals."""
    from bench.corpus import HTML_CORPORA, html_corpus, multiplied
    from bench.search import visitor_queries
    from indexer.nlp.enrich import enrich_pages
    from indexer.nlp.pipeline import build_nlp

    temp = tempfile.TemporaryDirectory(prefix="bench-api-")
    data_dir = args.data_dir or Path(temp.name) / "data"
    env = server_env(data_dir, Path(temp.name) / "answers")
    env["SITESEARCH_ANSWER_CACHE_ENTRIES"] = "0"
    for name, value in (("WORKERS", args.workers), ("THREADS", args.threads)):
        if value:
            env[f"SITESEARCH_{name}"] = str(value)
    settings = load_settings(data_dir=data_dir)
    real = [p.page for name in HTML_CORPORA for p in html_corpus(name)]
    pages = multiplied(real, args.pages)
    engine = make_engine(settings)
    if engine.live_version() is None:
        started = time.perf_counter()
        version = engine.create_version()
        engine.write(version, enrich_pages(build_nlp(settings), pages))
        engine.switch(version)
        print(f"index: {len(pages)} pages ({len(real)} real pages multiplied with variation) "
              f"in {time.perf_counter() - started:.0f} s")
    engine.close()
    queries = visitor_queries(pages, VISITOR_QUERIES)
    warm, measured = queries[:VISITOR_WARM_UP], queries[VISITOR_WARM_UP:]
    engine_ms = engine_baseline(data_dir, measured[:ENGINE_QUERIES], rounds=1)
    print(f"engine in-process, uncached: p50 {statistics.median(engine_ms):.2f} ms, "
          f"p99 {percentile(engine_ms, 0.99):.2f} ms over {len(engine_ms)} queries")

    def paths(texts: list[str]) -> list[str]:
        return ["/api/search?" + urllib.parse.urlencode({"q": q}) for q in texts]

    port = free_port()
    server = start_server(env, port)
    try:
        load = wrk_load(port, paths(measured), args.clients, args.seconds, WARM_UP_S,
                        warm_paths=paths(warm))
    finally:
        stop_server(server)
        temp.cleanup()
    errors = sum(load.errors.values())
    print(f"API, {args.clients} connections, {load.seconds:.0f} s, answer cache off: "
          f"{load.requests_per_s:.1f} requests/s, p50 {load.p50_ms:.2f} ms, "
          f"p99 {load.p99_ms:.2f} ms, errors {errors}; {len(measured)} different queries "
          f"for {load.requests} requests ({'none' if load.requests <= len(measured) else 'some'}"
          f" asked twice)")
    print(f"ratio API p50 / engine p50: {load.p50_ms / statistics.median(engine_ms):.1f}")
    met = load.p99_ms < VISITORS_GOALS["p99_ms"] and load.requests_per_s >= \
        VISITORS_GOALS["rps"] and errors == 0
    print(f"goal p99 < {VISITORS_GOALS['p99_ms']:.0f} ms, >= {VISITORS_GOALS['rps']:.0f} "
          f"requests/s, 0 errors: {'met' if met else 'NOT met'}")


# --- the overlap checks' attack load (issue: one client's drafts must not stop the searches)

ATTACKERS = 8
ATTACK_GOAL_P99_MS = 100.0


def worst_draft(texts: list[str], chars: int) -> bytes:
    """The JSON body of the costliest draft: the site's own text, as long as a draft may be
    (every paragraph matches passages of the index)."""
    own = "\n\n".join(line for text in texts for line in text.splitlines()
                       if len(line.split()) >= 12)
    return json.dumps({"text": own[:chars]}).encode("utf-8")


def attacker(port: int, body: bytes, stop: float, seen: Counter[str],
             latencies: list[float], lock: threading.Lock) -> None:
    """One client posting the draft again as soon as it has its answer, until `stop`."""
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while (started := time.perf_counter()) < stop:
        try:
            connection.request("POST", "/api/overlap", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            outcome = f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            outcome = type(exc).__name__
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        with lock:
            seen[outcome] += 1
            if outcome == "HTTP 200":
                latencies.append(time.perf_counter() - started)
    connection.close()


def overlap_attack(args: argparse.Namespace, port: int, paths: list[str], texts: list[str],
                   settings: Any) -> dict[str, Any]:
    """The search clients alone, then next to ATTACKERS clients posting worst-case drafts
    (rate limits off: the attackers may come from as many addresses as they like, so the
    checks' budget and the workers' gate must hold on their own). The victims' figures of both
    runs, the ratio of their p99, and what the attackers got."""
    alone = run_load(args, port, paths, args.seconds)
    body = worst_draft(texts, settings.overlap_max_draft_chars)
    seen: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + WARM_UP_S + args.seconds + 5
    threads = [threading.Thread(target=attacker, args=(port, body, stop, seen, latencies, lock))
               for _ in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    try:
        attacked = run_load(args, port, paths, args.seconds)
    finally:
        for thread in threads:
            thread.join()
    errors = {"alone": sum(alone.errors.values()), "attacked": sum(attacked.errors.values())}
    print(f"victims alone: {alone.requests_per_s:.1f} requests/s, p50 {alone.p50_ms:.2f} ms, "
          f"p99 {alone.p99_ms:.2f} ms, errors {errors['alone']}")
    print(f"victims next to {ATTACKERS} worst-case drafts ({len(body)} bytes each, back to "
          f"back): {attacked.requests_per_s:.1f} requests/s, p50 {attacked.p50_ms:.2f} ms, "
          f"p99 {attacked.p99_ms:.2f} ms, errors {errors['attacked']} "
          f"{dict(attacked.errors) if errors['attacked'] else ''}")
    print(f"ratio victims' p99 attacked / alone: {attacked.p99_ms / alone.p99_ms:.2f}")
    answered = sorted(latencies)
    print(f"attackers: {dict(seen)}; checks answered in median "
          f"{statistics.median(answered) if answered else float('nan'):.2f} s")
    met = attacked.p99_ms < ATTACK_GOAL_P99_MS and errors["attacked"] == 0
    print(f"goal: victims' p99 < {ATTACK_GOAL_P99_MS:.0f} ms and 0 errors under attack: "
          f"{'met' if met else 'MISSED'}")
    return {
        "victims_alone_p99_ms": round(alone.p99_ms, 2), "victims_alone_errors": errors["alone"],
        "victims_attacked_p50_ms": round(attacked.p50_ms, 2),
        "victims_attacked_p99_ms": round(attacked.p99_ms, 2),
        "victims_attacked_errors": errors["attacked"],
        "victims_attacked_requests_per_s": round(attacked.requests_per_s, 1),
        "attackers": dict(seen),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="measured seconds (wrk: rounded up to whole seconds)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--load-generator", choices=["wrk", "python"],
                        default=default_generator(),
                        help="wrk (default when installed) or Python clients")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="python: processes the clients are spread over (threads within)")
    parser.add_argument("--answer-cache", choices=["shared", "worker", "off"], default="shared",
                        help="the API's answer cache: shared by the workers (production), "
                             "one per worker, or off")
    parser.add_argument("--no-answer-cache", action="store_const", dest="answer_cache",
                        const="off", help="the same as --answer-cache off")
    parser.add_argument("--no-reuse-port", action="store_true",
                        help="the workers share one listening socket (gunicorn's default) "
                             "instead of one each (setting reuse_port)")
    parser.add_argument("--floor-seconds", type=float, default=10.0,
                        help="seconds of the one-query floor run after the mix (0: skip it)")
    parser.add_argument("--slow-clients", type=int, default=0,
                        help="then run the mix again next to this many connections sending "
                             "their headers a byte a second (issue 18's attack; 0: skip)")
    parser.add_argument("--overlap-attack", action="store_true",
                        help="run the searches alone, then next to 8 clients posting "
                             "worst-case drafts to POST /api/overlap (see overlap_attack)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="reuse (or fill, when empty) this data dir instead of a temp one")
    parser.add_argument("--visitors", action="store_true",
                        help="issue 16's run: real pages multiplied to --pages, visitors' "
                             "queries that never repeat, the answer cache off (wrk)")
    args = parser.parse_args()
    if args.visitors:
        visitors(args)
        return

    temp = tempfile.TemporaryDirectory(prefix="bench-api-")
    data_dir = args.data_dir or Path(temp.name) / "data"
    env = server_env(data_dir, Path(temp.name) / "answers")
    env["SITESEARCH_ANSWER_CACHE_SHARED"] = str(args.answer_cache == "shared").lower()
    if args.workers:
        env["SITESEARCH_WORKERS"] = str(args.workers)
    if args.threads:
        env["SITESEARCH_THREADS"] = str(args.threads)
    if args.no_reuse_port:
        env["SITESEARCH_REUSE_PORT"] = "false"
    if args.answer_cache == "off":
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
    if args.overlap_attack:
        try:
            print(json.dumps(overlap_attack(args, port, paths, texts, settings)))
        finally:
            stop_server(server)
            temp.cleanup()
        return
    try:
        split: list[int] = []
        sampler = threading.Timer(WARM_UP_S + args.seconds / 2,
                                  lambda: split.extend(connections_per_worker(server.pid, port)))
        sampler.start()
        load = run_load(args, port, paths, args.seconds)
        sampler.join()
        floor = None
        if args.floor_seconds > 0:
            floor_path = "/api/search?" + urllib.parse.urlencode({"q": FLOOR_QUERY})
            floor = run_load(args, port, [floor_path], args.floor_seconds)
        attacked = slow_clients_attack(args, port, paths) if args.slow_clients else {}
    finally:
        stop_server(server)
        temp.cleanup()

    errors = sum(load.errors.values())
    rps = load.requests_per_s
    figures = {
        "load_generator": args.load_generator, "workers": workers, "threads": threads,
        "reuse_port": not args.no_reuse_port,
        "clients": args.clients, "answer_cache": args.answer_cache, "query_pool": len(paths),
        "seconds": round(load.seconds, 2), "requests": load.requests,
        "requests_per_s": round(rps, 1), "p50_ms": round(load.p50_ms, 2),
        "p99_ms": round(load.p99_ms, 2), "errors": errors,
        "engine_p50_ms": round(engine_p50, 2), "connections_per_worker": split,
        "api_p50_over_engine_p50": round(load.p50_ms / engine_p50, 2),
    }
    if load.report:
        print("wrk's report:\n" + "\n".join("    " + line for line in load.report.splitlines()))
    print(f"load generator: {load.generator}")
    sockets = "one shared socket" if args.no_reuse_port else "a socket each"
    print(f"API via gunicorn ({workers} workers x {threads} threads, {sockets}, answer cache "
          f"{args.answer_cache}), {args.clients} connections, {len(paths)} queries (Zipf), "
          f"{load.seconds:.0f} s: {rps:.1f} requests/s, p50 {load.p50_ms:.2f} ms, "
          f"p99 {load.p99_ms:.2f} ms, errors {errors} {dict(load.errors) if errors else ''}")
    print(f"ratio API p50 / engine p50: {load.p50_ms / engine_p50:.2f}")
    print(f"connections per worker, mid-run: {', '.join(map(str, split)) or 'not seen'}")
    if floor is not None:
        floor_errors = sum(floor.errors.values())
        print(f"floor, one cached query ({FLOOR_QUERY!r}), same server and clients, "
              f"{floor.seconds:.0f} s: {floor.requests_per_s:.1f} requests/s, "
              f"p50 {floor.p50_ms:.2f} ms, p99 {floor.p99_ms:.2f} ms, errors {floor_errors}")
        print(f"ratio p99 of the mix / p99 of the floor: {load.p99_ms / floor.p99_ms:.2f}")
        figures.update({
            "floor_requests_per_s": round(floor.requests_per_s, 1),
            "floor_p50_ms": round(floor.p50_ms, 2), "floor_p99_ms": round(floor.p99_ms, 2),
            "floor_errors": floor_errors,
            "p99_over_floor_p99": round(load.p99_ms / floor.p99_ms, 2),
        })
    figures.update(attacked)
    p99_met, rps_met = load.p99_ms < GOALS["p99_ms"], rps >= GOALS["rps"]
    print(f"goals: p99 < {GOALS['p99_ms']:.0f} ms {'met' if p99_met else 'MISSED'}"
          f", >= {GOALS['rps']:.0f} requests/s {'met' if rps_met else 'MISSED'}, "
          f"0 errors {'met' if errors == 0 else 'MISSED'}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
