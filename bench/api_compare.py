"""Benchmark: two or more server set-ups of the search API, measured in turns.

    .venv/bin/python -m bench.api_compare --data-dir DIR \
        --variant 2x2: --variant 2x3:SITESEARCH_THREADS=3 [--rounds 8] [--seconds 10]

This machine's speed drifts by 2x and more over minutes, so two set-ups measured one after the
other by bench/api.py are not comparable. Here every set-up runs at once as its own
`sitesearch serve` (an idle server takes no CPU) on the same index, and the load (wrk, as
bench/api.py draws it: 16 connections over the 3,000-query Zipf mix) goes to each in turn for
`--seconds`, round after round, the order reversed every other round. Each set-up starts with
an empty answer folder of its own, so that all warm up alike. Prints every segment, then per
set-up the median requests/s and p99, and in how many rounds each had the lowest p99.

A variant is `NAME:` followed by comma-separated settings (`SITESEARCH_*` environment
variables, see config/); `NAME:` alone is the default set-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import (
    QUERY_POOL,
    free_port,
    queries_from,
    server_env,
    start_server,
    stop_server,
)
from bench.corpus import raw_pages
from bench.load import default_generator, wrk_load
from indexer.engines import make_engine
from indexer.settings import load_settings

CLIENTS = 16
WARM_UP_S = 1.0


def variant(text: str) -> tuple[str, dict[str, str]]:
    """`NAME:KEY=VALUE,KEY=VALUE` as (name, settings)."""
    name, colon, rest = text.partition(":")
    if not name or not colon:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME:[KEY=VALUE,...]")
    settings = {}
    for item in filter(None, rest.split(",")):
        key, equals, value = item.partition("=")
        if not equals or not key.startswith("SITESEARCH_"):
            raise argparse.ArgumentTypeError(f"{item!r}: expected SITESEARCH_KEY=VALUE")
        settings[key] = value
    return name, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="a data dir holding an index (bench/api.py --data-dir fills one)")
    parser.add_argument("--variant", type=variant, action="append", required=True,
                        help="NAME:[SITESEARCH_KEY=VALUE,...]; give two or more")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per segment")
    parser.add_argument("--pages", type=int, default=2000,
                        help="the pages the index was built from (for the query mix)")
    args = parser.parse_args()
    names = [name for name, _ in args.variant]
    if len(set(names)) < 2 or len(set(names)) != len(names):
        parser.error("give two or more variants with different names")
    if default_generator() != "wrk":
        parser.error("needs wrk (`make bench-data` installs it)")
    if make_engine(load_settings(data_dir=args.data_dir)).count() == 0:
        parser.error(f"{args.data_dir} holds no index: run bench/api.py --data-dir on it first")

    texts = [text for _name, text in raw_pages(args.pages)]
    paths = ["/api/search?" + urllib.parse.urlencode({"q": q})
             for q in queries_from(texts, QUERY_POOL)]
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    lowest = dict.fromkeys(names, 0)
    with tempfile.TemporaryDirectory(prefix="bench-api-compare-") as folder:
        servers = {}
        try:
            for name, settings in args.variant:
                env = server_env(args.data_dir, Path(folder, name))
                env.update(settings)
                port = free_port()
                servers[name] = (port, start_server(env, port))
            for round_number in range(args.rounds):
                order = names if round_number % 2 == 0 else names[::-1]
                p99s = {}
                for name in order:
                    load = wrk_load(servers[name][0], paths, CLIENTS, args.seconds, WARM_UP_S)
                    figures[name].append((load.requests_per_s, load.p99_ms))
                    p99s[name] = load.p99_ms
                    print(f"round {round_number + 1} {name}: {load.requests_per_s:.0f} "
                          f"requests/s, p50 {load.p50_ms:.2f} ms, p99 {load.p99_ms:.2f} ms, "
                          f"errors {sum(load.errors.values())}", flush=True)
                lowest[min(p99s, key=p99s.__getitem__)] += 1
        finally:
            for _port, process in servers.values():
                stop_server(process)
    for name in names:
        rps = statistics.median(r for r, _ in figures[name])
        p99 = statistics.median(p for _, p in figures[name])
        print(f"{name}: median {rps:.0f} requests/s, median p99 {p99:.2f} ms; lowest p99 in "
              f"{lowest[name]} of {args.rounds} rounds")


if __name__ == "__main__":
    main()
