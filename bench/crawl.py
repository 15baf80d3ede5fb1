"""Benchmark: crawl and extract Debian's gimp-help-nl HTML (about 700 Dutch pages) served on
127.0.0.1 with the delay set to 0; then extraction time per page, ours vs trafilatura, on the
same stored pages in the same run.

Needs the package: `apt-get install gimp-help-nl` (`make bench-data` does it).
Run: .venv/bin/python bench/crawl.py [--concurrency N] [--max-pages N]
Prints figures only; nothing is asserted (tests never assert on wall-clock time).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from indexer.pages.html import extract_page
from indexer.pages.rawstore import HTML, RawStore
from indexer.settings import load_settings
from scrapers.crawler import crawl_site

CANDIDATES = (Path("/usr/share/gimp/2.0/help/nl"), Path("/usr/share/doc/gimp-help/html/nl"))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def _serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _time_per_page(run: object, pages: list[tuple[str, bytes]]) -> tuple[float, int]:
    """Median seconds per page of `run(body, url)` over all pages, and how many failed."""
    times: list[float] = []
    failures = 0
    for url, body in pages:
        start = time.perf_counter()
        try:
            run(body, url)  # type: ignore[operator]
        except Exception:
            failures += 1
        times.append(time.perf_counter() - start)
    return statistics.median(times), failures


def _trafilatura(body: bytes, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(body.decode("utf-8", errors="replace"), url=url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-pages", type=int, default=2000)
    args = parser.parse_args()
    root = next((p for p in CANDIDATES if (p / "index.html").is_file()), None)
    if root is None:
        sys.exit("gimp-help-nl is not installed: apt-get install gimp-help-nl")
    files = len(list(root.glob("*.html")))
    server, base = _serve(root)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp), crawl_delay=0.0, crawl_concurrency=args.concurrency,
            crawl_max_pages=args.max_pages, crawl_max_depth=50,
            crawl_max_per_pattern=args.max_pages, crawl_state_every=100,
        )
        store = RawStore(settings.data_dir / "raw")
        start = time.perf_counter()
        summary = crawl_site(settings, f"{base}/index.html", store=store)
        elapsed = time.perf_counter() - start
        server.shutdown()
        counts = summary.counts()
        print(f"source: {root} ({files} HTML files)")
        print(f"crawl: {counts} in {elapsed:.2f} s, concurrency {args.concurrency}, delay 0")
        print(f"crawl+extract: {counts['fetched'] / elapsed:.1f} pages/s")
        if summary.failed:
            print(f"failed: {len(summary.failed)}, e.g. {next(iter(summary.failed.items()))}")
        pages = [(r.url, store.body(r.url)) for r in store.records() if r.content_type == HTML]
        problems = sum(1 for r in store.records() if r.error)
        print(f"stored HTML pages: {len(pages)}, with an extraction problem: {problems}")
        # Warm both up once (imports, lxml/trafilatura caches) before timing.
        extract_page(pages[0][1], pages[0][0])
        _trafilatura(pages[0][1], pages[0][0])
        ours, ours_failed = _time_per_page(extract_page, pages)
        theirs, theirs_failed = _time_per_page(_trafilatura, pages)
        print(f"extract_page: median {ours * 1000:.2f} ms/page ({ours_failed} raised)")
        print(f"trafilatura.extract: median {theirs * 1000:.2f} ms/page ({theirs_failed} raised)")
        print(f"ratio ours/trafilatura: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
