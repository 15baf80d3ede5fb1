"""What the server-rendered search page costs over the JSON answer it is made from.

    .venv/bin/python -m bench.pages [--pages 500] [--queries 200]   (from the repository root)

Indexes `--pages` pages of bench/corpus.py enriched by our NLP pipeline, then asks the same
varied visitor queries (bench/search.py's) of the app in-process (Flask's test client, no
network), with the answer cache off so that every request searches: `GET /api/search` (the
baseline: search plus JSON) and `GET /?q=` (the same search plus the page: filter groups,
numbered pages, links, Jinja). Each query is asked both ways in turn. Prints median/p90/max
of both and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.corpus import corpus_pages, corpus_source
from bench.search import visitor_queries
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.settings import load_settings
from search_api import create_app

_WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp) / "data", rate_limit_enabled=False, answer_cache_entries=0
        )
        pages = corpus_pages(args.pages)
        engine = TantivyEngine.from_settings(settings)
        version = engine.create_version()
        engine.write(version, enrich_pages(build_nlp(settings), pages))
        engine.switch(version)
        client = create_app(settings, engine=engine).test_client()
        urls = [urlencode([("q", text)]) for text in visitor_queries(pages, args.queries)]
        api, page = _timings(client, urls)
        engine.close()

    print(f"corpus: {len(pages)} pages ({corpus_source()}); {len(urls)} queries; "
          "answer cache off; in-process test client")
    for name, times in (("GET /api/search (baseline)", api), ("GET /?q= (page)", page)):
        ordered = sorted(times)
        print(f"{name:28} median {statistics.median(ordered):6.2f} ms   "
              f"p90 {ordered[int(len(ordered) * 0.9)]:6.2f} ms   max {ordered[-1]:6.2f} ms")
    print(f"ratio page/api (medians): {statistics.median(page) / statistics.median(api):.2f}")


def _timings(client: object, urls: list[str]) -> tuple[list[float], list[float]]:
    """Each query as the API's JSON and as the page, one after the other (so that both see
    the same moments of a busy machine)."""
    get = client.get  # type: ignore[attr-defined]
    for url in urls[:_WARM_UP]:
        get("/api/search?" + url)
        get("/?" + url, headers={"Accept": "text/html"})
    api: list[float] = []
    page: list[float] = []
    for url in urls:
        for times, prefix in ((api, "/api/search?"), (page, "/?")):
            started = time.perf_counter()
            response = get(prefix + url, headers={"Accept": "text/html"})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 302, 400), (prefix + url, response.status_code)
    return api, page


if __name__ == "__main__":
    main()
