"""Benchmark: the crawler and its HTML extraction, each against a baseline in the same process.

    .venv/bin/python -m bench.crawl [--mode all|crawl|coverage|extraction]
                                    [--concurrency N] [--max-pages N] [--numbered N]

- crawl: Debian's gimp-help-nl HTML (about 700 Dutch pages) served on 127.0.0.1, crawled with
  delay 0 into a raw store on tmpfs; pages/s, against plain GETs of the same URLs with one
  httpx client (the network and server share, no politeness, extraction or storing).
- coverage: the test site (tests/scrapers/crawl_testsite.py) with its hostile cases and
  `--numbered` pages named by number (half in a sitemap, all reachable by links), server in
  its own process: the share of numbered pages stored, what the traps cost, pages/s.
- extraction: parse + extract of every page of gimp-help-nl and of debian-faq-nl, the lxml
  extraction (indexer.pages.html) against the former BeautifulSoup one (bench/extract_bs4.py)
  and trafilatura: median and mean ms/page, and how many pages the two extractions of ours
  give differently (alt_titles and anchors, which only the new one has, left aside).

Needs `apt-get install gimp-help-nl debian-faq-nl` (`make bench-data`) for crawl and
extraction. Prints figures only; nothing is asserted (tests never assert on wall-clock time).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "scrapers")]

from bench.corpus import DEBIAN_FAQ_DIR, GIMP_HELP_DIR  # noqa: E402
from bench.extract_bs4 import extract_page_bs4  # noqa: E402
from indexer.errors import InputError  # noqa: E402
from indexer.pages.html import extract_page  # noqa: E402
from indexer.pages.models import Page  # noqa: E402
from indexer.pages.rawstore import RawStore  # noqa: E402
from indexer.settings import load_settings  # noqa: E402
from scrapers.crawler import crawl_site  # noqa: E402

SCRATCH = Path("/dev/shm") if Path("/dev/shm").is_dir() else None  # the store's fsyncs


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def crawl_mode(args: argparse.Namespace) -> None:
    """Crawl gimp-help-nl; plain GETs of the same URLs as the baseline."""
    import httpx

    if not (GIMP_HELP_DIR / "index.html").is_file():
        print("crawl: gimp-help-nl is not installed (make bench-data); skipped")
        return
    server, base = _serve(GIMP_HELP_DIR)
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        settings = load_settings(
            data_dir=Path(tmp), crawl_delay=0.0, crawl_concurrency=args.concurrency,
            crawl_max_pages=args.max_pages, crawl_max_depth=50, crawl_state_every=1000,
        )
        start = time.perf_counter()
        summary = crawl_site(settings, f"{base}/index.html")
        elapsed = time.perf_counter() - start
        urls = [r.url for r in RawStore(settings.data_dir / "raw").records()]
    counts = summary.counts()
    start = time.perf_counter()
    with httpx.Client() as client:
        for url in urls:
            client.get(url)
    plain = time.perf_counter() - start
    server.shutdown()
    crawled = counts["fetched"] + counts["unchanged"]
    print(f"crawl of {GIMP_HELP_DIR} ({len(list(GIMP_HELP_DIR.glob('*.html')))} HTML files), "
          f"concurrency {args.concurrency}, delay 0: {counts}")
    print(f"  crawler: {crawled / elapsed:7.1f} pages/s ({elapsed:.2f} s)")
    print(f"  baseline, plain GETs one by one: {len(urls) / plain:7.1f} pages/s ({plain:.2f} s)")
    ratio = (elapsed / crawled) / (plain / len(urls))
    print(f"  ratio crawler/baseline time per page: {ratio:.2f}")
    if summary.failed:
        print(f"  failed: {len(summary.failed)}, e.g. {next(iter(summary.failed.items()))}")


def coverage_mode(args: argparse.Namespace) -> None:
    """The test site with numbered pages and its traps: coverage and speed."""
    from crawl_testsite import (  # type: ignore[import-not-found]
        SiteServer,
        crawl_settings,
        numbered_paths,
        numbered_site,
    )

    from indexer.pages.parsing import parse_bytes

    seeds = ROOT / "tests" / "data" / "seeds"
    depression, adhd = (parse_bytes(path.read_bytes()).pages[0] for path in (
        seeds / "000_2197648ae2898235.txt", seeds / "002_0ef097b5af8587ff.txt"))
    rows = []
    for hostile in (False, True):
        site = numbered_site(depression, adhd, args.numbered, hostile=hostile)
        with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp, SiteServer(site, own_process=True):
            settings = crawl_settings(
                Path(tmp), crawl_concurrency=args.concurrency,
                crawl_max_pages=args.numbered + 500, crawl_state_every=1000,
            )
            start = time.perf_counter()
            summary = crawl_site(settings, site.url("/"))
            elapsed = time.perf_counter() - start
            stored = {r.url for r in RawStore(Path(tmp) / "raw").records()}
        numbered = sum(1 for p in numbered_paths(args.numbered) if site.url(p) in stored)
        traps = sum(1 for reason in summary.skipped.values() if "crawl trap" in reason)
        counts = summary.counts()
        rows.append((hostile, elapsed, counts))
        print(f"test site, {args.numbered} numbered pages{' + hostile cases' if hostile else ''}"
              f": numbered stored {numbered}/{args.numbered} ({numbered / args.numbered:.1%}), "
              f"{counts['fetched']} fetched, {counts['failed']} failed, {traps} refused as "
              f"traps, {elapsed:.1f} s, {counts['fetched'] / elapsed:.1f} pages/s")
    (_, quiet, quiet_counts), (_, hostile_s, hostile_counts) = rows
    print(f"  ratio of time per page, hostile/quiet (what the traps and slow answers cost): "
          f"{(hostile_s / hostile_counts['fetched']) / (quiet / quiet_counts['fetched']):.2f}")


def _timed(run: Callable[[bytes, str], Any], pages: list[tuple[str, bytes]]) -> list[float]:
    times = []
    for url, body in pages:
        start = time.perf_counter()
        with contextlib.suppress(InputError):
            run(body, url)
        times.append(time.perf_counter() - start)
    return times


def _comparable(run: Callable[[bytes, str], Page], body: bytes, url: str) -> object:
    try:
        page = run(body, url)
    except InputError as exc:
        return ("InputError", str(exc).rsplit(":", 1)[-1])
    data = page.model_dump(exclude={"alt_titles", "content_hash"})
    stack = list(data["sections"])
    while stack:
        section = stack.pop()
        section.pop("anchor")
        stack.extend(section["subsections"])
    return data


def extraction_mode(args: argparse.Namespace) -> None:
    """Old (BeautifulSoup) and new (lxml) extraction, and trafilatura, on both corpora."""
    import trafilatura

    def with_trafilatura(body: bytes, url: str) -> object:
        return trafilatura.extract(body.decode("utf-8", errors="replace"), url=url)

    for name, folder in (("gimp-help-nl", GIMP_HELP_DIR), ("debian-faq-nl", DEBIAN_FAQ_DIR)):
        files = sorted(folder.glob("*.html"))
        if not files:
            print(f"extraction: {name} is not installed (make bench-data); skipped")
            continue
        pages = [(f"http://127.0.0.1/{p.name}", p.read_bytes()) for p in files]
        for run in (extract_page, extract_page_bs4):  # warm up imports and caches
            _timed(run, pages[:3])
        results = {
            "lxml (new)": _timed(extract_page, pages),
            "BeautifulSoup (old)": _timed(extract_page_bs4, pages),
            "trafilatura": _timed(with_trafilatura, pages),
        }
        differ = sum(
            1 for url, body in pages
            if _comparable(extract_page, body, url) != _comparable(extract_page_bs4, body, url)
        )
        kb = statistics.mean(len(body) for _, body in pages) / 1024
        print(f"extraction, {name}: {len(pages)} pages ({kb:.0f} KiB on average), parse + "
              f"extract per page:")
        for label, times in results.items():
            print(f"  {label:<20} median {statistics.median(times) * 1000:6.2f} ms, "
                  f"mean {statistics.mean(times) * 1000:6.2f} ms")
        new, old = results["lxml (new)"], results["BeautifulSoup (old)"]
        print(f"  ratio old/new: median {statistics.median(old) / statistics.median(new):.1f}x, "
              f"mean {statistics.mean(old) / statistics.mean(new):.1f}x; pages extracted "
              f"differently: {differ} of {len(pages)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("all", "crawl", "coverage", "extraction"),
                        default="all")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-pages", type=int, default=2000)
    parser.add_argument("--numbered", type=int, default=5000)
    args = parser.parse_args()
    print(f"(a shared machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; figures "
          "move with its load)")
    if args.mode in ("all", "extraction"):
        extraction_mode(args)
    if args.mode in ("all", "crawl"):
        crawl_mode(args)
    if args.mode in ("all", "coverage"):
        coverage_mode(args)


if __name__ == "__main__":
    main()
