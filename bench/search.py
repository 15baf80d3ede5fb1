"""Search latency on a real index, in-process and uncached, against plain tantivy in the same run.

    .venv/bin/python -m bench.search [--pages 2000] [--queries 300] [--runs 1]

The index holds the real pages of Debian's Dutch GIMP manual and Debian FAQ as the crawler
extracts them (bench/corpus.py `html_corpus`), multiplied with variation up to `--pages`
(`multiplied`: real titles, text and entities, no two pages alike), enriched by our pipeline and
written by the default engine. Visitors' queries are built from the pages as `bench/relevance`
builds them (titles, titles with a typo, questions, section headings, two body words, rare words)
and never repeat within a run; each is asked once through `Searcher.search` (nothing is
remembered between queries but the index's vocabulary, as in a running API), and the same text
through plain tantivy (default tokenizer, BM25 over title x2 and body, top 10 with their stored
documents). Prints median/p90/p99 of both, their ratio, and the time of each stage of ours
(query planning, the engine's runs, snippets, facets, "bedoelde u"), measured by wrapping those
functions in this process. Goal: p50 <= 3 ms and p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy

from bench.corpus import HTML_CORPORA, html_corpus, multiplied
from bench.relevance_queries import QueryMaker
from indexer.engines import make_engine
from indexer.errors import QueryError
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.pages.models import Page
from indexer.search import facets, plan, searcher
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.search.vocabulary import Vocabulary
from indexer.settings import CONFIG_DIR, load_settings

_WARM_UP = 30
KINDS = ("title", "title typo", "question", "title varied", "section", "body words", "rare word")


def visitor_queries(pages: Sequence[Page], count: int, seed: int = 7) -> list[str]:
    """`count` different queries as visitors type them, built from the pages' structure
    (bench/relevance_queries.py), kinds mixed, in a random order."""
    rng = random.Random(seed)
    sample = rng.sample(list(pages), min(len(pages), count))
    maker = QueryMaker.for_site(pages, CONFIG_DIR, seed)
    texts = list(dict.fromkeys(q.text for q in maker.queries(sample, KINDS)))
    rng.shuffle(texts)
    return texts[:count]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"median": statistics.median(ordered), "p90": at(0.90), "p99": at(0.99),
            "max": ordered[-1]}


def plain_words(text: str) -> str:
    """A visitor's text as plain tantivy's query parser gets it: its words, lower case,
    without any query syntax."""
    return " ".join(re.findall(r"\w+", text.lower()))


def plain_index(pages: Sequence[Page], folder: Path) -> tantivy.Index:
    """Plain tantivy over the same pages: the default tokenizer, BM25 over title and body."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body", stored=True)
    folder.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(50_000_000, 1)
    for page in pages:
        writer.add_document(tantivy.Document(id=page.id, title=page.title,
                                             body=page.body_text()))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def plain_search(index: tantivy.Index, text: str) -> int:
    words = plain_words(text)
    if not words:
        return 0
    searcher = index.searcher()
    try:
        query = index.parse_query(words, ["title", "body"], field_boosts={"title": 2.0})
    except ValueError:  # only stop words: tantivy's parser has nothing left to search
        return 0
    found = searcher.search(query, limit=10)
    for _, address in found.hits:
        searcher.doc(address)
    return len(found.hits)


class Stages:
    """Wall time spent in each stage of `Searcher.search`, by wrapping the functions that do
    them (in this process only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    @contextmanager
    def wrapped(self, engine: Any) -> Iterator[None]:
        targets: list[tuple[Any, str, str]] = [
            (plan, "plan_query", "plan the query"),
            (engine, "run", "engine runs"),
            (searcher, "highlight", "snippets"),
            (searcher, "best_passage", "snippets"),
            (facets, "decode", "facets"),
            (Vocabulary, "correct", "bedoelde u"),
        ]
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
        for owner, name, stage in targets:
            setattr(owner, name, self._timed(getattr(owner, name), stage))
        try:
            yield
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)

    def _timed(self, function: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[stage] += time.perf_counter() - started

        return timed


def run(n_pages: int, n_queries: int) -> None:
    real = [p.page for name in HTML_CORPORA for p in html_corpus(name)]
    pages = multiplied(real, n_pages)
    print(f"corpus: {len(pages)} pages ({len(real)} real pages of "
          f"{' + '.join(HTML_CORPORA)}, multiplied with variation)")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp) / "data")
        started = time.perf_counter()
        enriched = enrich_pages(build_nlp(settings), pages, batch_size=settings.nlp_batch_size)
        engine = make_engine(settings)
        version = engine.create_version()
        report = engine.write(version, enriched)
        engine.switch(version)
        print(f"index: {report.indexed} articles, {len(report.failed)} failed, "
              f"{time.perf_counter() - started:.0f} s with enrichment")
        search = Searcher.from_settings(engine, settings)
        search.warm_up()
        queries = visitor_queries(pages, n_queries + _WARM_UP)
        warm, measured = queries[:_WARM_UP], queries[_WARM_UP:]
        index = plain_index(pages, Path(tmp) / "plain")
        for text in warm:
            _ours(search, text)
            plain_search(index, text)
        ours: list[float] = []
        plain: list[float] = []
        stages = Stages()
        spent_in_ours = 0.0
        with stages.wrapped(engine):
            for text in measured:  # in turns, so that both see the same machine
                started = time.perf_counter()
                _ours(search, text)
                ours.append((time.perf_counter() - started) * 1000)
                spent_in_ours += ours[-1]
                started = time.perf_counter()
                plain_search(index, text)
                plain.append((time.perf_counter() - started) * 1000)
        engine.close()
    print(f"queries: {len(measured)} different ones after {len(warm)} warm-up; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count() or 1} CPUs")
    a, b = percentiles(ours), percentiles(plain)
    print(f"\n{'wall clock (ms)':24}{'median':>9}{'p90':>9}{'p99':>9}{'max':>9}")
    for name, figures in (("Searcher.search", a), ("plain tantivy", b)):
        print(f"{name:24}" + "".join(f"{figures[k]:9.2f}" for k in a))
    print(f"{'ratio (ours / plain)':24}" + "".join(f"{a[k] / b[k]:9.1f}" for k in a))
    print(f"goal p50 <= 3 ms and p99 <= 10 ms: "
          f"{'met' if a['median'] <= 3 and a['p99'] <= 10 else 'NOT met'}")
    print("\nstages (ms per query, mean; the rest is assembling the answer):")
    for stage, seconds in sorted(stages.spent.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:20}{seconds * 1000 / len(measured):8.3f}")
    print(f"  {'total':20}{spent_in_ours / len(measured):8.3f}")


def _ours(search: Searcher, text: str) -> int:
    try:
        return len(search.search(SearchRequest(query=text)).hits)
    except QueryError:
        return -1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    arguments = parser.parse_args()
    run(arguments.pages, arguments.queries)
