"""Lay queries: does a visitor who asks in their own words find the passage that answers?

    .venv/bin/python -m bench.lay [--distractors 200] [--misses 3] [--queries FILE...]
                                  [--data DIR]   (from the repository root)

The site: the two real health articles of tests/data/seeds, one page per section (as a health
site publishes short pages; the intro is a page of its own), titled "<article> – <section>",
among `--distractors` pages of other real Dutch text (the GIMP manual and the Debian FAQ of
bench/corpus.py, when installed; none otherwise). The queries (bench/lay_queries.toml, 46)
ask in a visitor's words for something one or a few passages answer; a page is relevant when
it holds one of them.

Each query is searched three times through `Searcher.search` on the default engine, with the
request's `semantic` ratio at 0 (lexical only), 1 (semantic only) and the settings' default
(hybrid). Prints hit@3 (a relevant page among the first three hits) and MRR@10 for each, the
model, and the misses of the hybrid search.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ir_measures
from ir_measures import RR, Success

from bench.corpus import SEEDS_DIR, corpus_pages, gimp_html_files
from indexer.engines import make_engine
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.pages.models import Page, Section
from indexer.pages.parsing import parse_plain_text, parse_text
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import Settings, load_settings

QUERIES_FILE = Path(__file__).resolve().parent / "lay_queries.toml"
TOP = 10
HIT_AT = 3


@dataclass(frozen=True)
class LayQuery:
    """A visitor's question and the opening words of the passages that answer it."""

    text: str
    targets: tuple[str, ...]


def lay_queries(path: Path = QUERIES_FILE) -> list[LayQuery]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return [LayQuery(q["text"], tuple(q["targets"])) for q in data["query"]]


def section_pages() -> list[Page]:
    """The seed articles, one page per section (and one for an intro)."""
    pages = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        article = parse_text(path.read_text(encoding="utf-8"), source=path.name).pages[0]
        if article.intro:
            pages.append(parse_plain_text("\n\n".join(article.intro), title=article.title))
        for section in _flat(article.sections):
            blocks = [*section.paragraphs, *(["\n".join(section.items)] if section.items else [])]
            if blocks:
                pages.append(parse_plain_text("\n\n".join(blocks),
                                              title=f"{article.title} – {section.heading}"))
    return pages


def _flat(sections: Sequence[Section]) -> list[Section]:
    return [s for section in sections for s in (section, *_flat(section.subsections))]


def relevant_pages(pages: Sequence[Page], query: LayQuery) -> frozenset[str]:
    """The pages holding a passage that answers `query`."""
    return frozenset(page.id for page in pages for passage in page.passages()
                     if passage.text.startswith(query.targets))


def scores(ranked: Sequence[Sequence[str]], relevant: Sequence[frozenset[str]]
           ) -> list[tuple[float, float]]:
    """Per query, (hit@HIT_AT, RR@TOP) of its ranked page ids (ir-measures: Success and RR);
    0 for a query with no answer."""
    ids = [f"q{n}" for n in range(len(ranked))]
    qrels = {qid: dict.fromkeys(wanted, 1) for qid, wanted in zip(ids, relevant, strict=True)}
    # Scores from the rank, so that the library keeps our order.
    run = {qid: {page: float(TOP - rank) for rank, page in enumerate(pages[:TOP])}
           for qid, pages in zip(ids, ranked, strict=True) if pages}
    values = {qid: [0.0, 0.0] for qid in ids}
    for metric in ir_measures.iter_calc([Success @ HIT_AT, RR @ TOP], qrels, run):
        values[metric.query_id][0 if metric.measure == Success @ HIT_AT else 1] = \
            float(metric.value)
    return [(values[qid][0], values[qid][1]) for qid in ids]


@dataclass(frozen=True)
class ModeFigures:
    hit: float
    mrr: float
    misses: tuple[tuple[str, str], ...]  # query, what came first


def evaluate(search: Callable[[str], list[tuple[str, str]]], queries: Sequence[LayQuery],
             relevant: Sequence[frozenset[str]]) -> ModeFigures:
    """hit@HIT_AT and MRR@TOP of `search` (query -> [(page id, title)]) over the queries."""
    answers = [search(query.text) for query in queries]
    values = scores([[page for page, _ in found] for found in answers], relevant)
    misses = tuple((query.text, found[0][1] if found else "(geen hits)")
                   for query, found, (hit, _) in zip(queries, answers, values, strict=True)
                   if not hit)
    return ModeFigures(statistics.fmean(h for h, _ in values),
                       statistics.fmean(r for _, r in values), misses)


MODES: dict[str, float | None] = {"lexical": 0.0, "semantic": 1.0, "hybrid": None}


def run(settings: Settings, distractors: int, query_files: Sequence[Path] = (QUERIES_FILE,)
        ) -> dict[str, ModeFigures]:
    """Index the lay site with `settings` and evaluate every mode of MODES over the queries
    of each file (their figures printed apart when there are more files; the last file's
    returned)."""
    pages = section_pages()
    if distractors and gimp_html_files():
        pages += corpus_pages(distractors)
    sets = {path: lay_queries(path) for path in query_files}
    queries = [q for found in sets.values() for q in found]
    relevant = [relevant_pages(pages, q) for q in queries]
    lost = [q.text for q, r in zip(queries, relevant, strict=True) if not r]
    if lost:
        raise SystemExit(f"bench.lay: no page holds the targets of {lost}")
    engine = make_engine(settings)
    version = engine.create_version()
    engine.write(version, enrich_pages(build_nlp(settings), pages,
                                       batch_size=settings.nlp_batch_size))
    engine.switch(version)
    searcher = Searcher.from_settings(engine, settings)
    try:
        for number, (path, some) in enumerate(sets.items(), start=1):
            figures = {}
            wanted = [relevant_pages(pages, q) for q in some]
            for mode, ratio in MODES.items():
                def search(text: str, ratio: float | None = ratio) -> list[tuple[str, str]]:
                    hits = searcher.search(SearchRequest(query=text, size=TOP,
                                                         semantic=ratio)).hits
                    return [(hit.id, hit.title) for hit in hits]

                figures[mode] = evaluate(search, some, wanted)
            if number < len(sets):
                print(f"{path.name} ({len(some)} queries):")
                print_figures(figures, 0)
    finally:
        engine.close()
    print(f"lay queries: {len(queries)} over {len(section_pages())} section pages of the two "
          f"health articles and {len(pages) - len(section_pages())} other pages; model "
          f"{settings.embedding_model}, default semantic ratio {settings.semantic_ratio}")
    if len(sets) > 1:
        print(f"{path.name} ({len(some)} queries):")
    return figures


def print_figures(figures: dict[str, ModeFigures], misses: int) -> None:
    print(f"{'mode':10}{'hit@3':>8}{'MRR@10':>8}")
    for mode, row in figures.items():
        print(f"{mode:10}{row.hit:8.3f}{row.mrr:8.3f}")
    hybrid = figures["hybrid"]
    if misses and hybrid.misses:
        print(f"hybrid misses ({len(hybrid.misses)}; first hit shown):")
        for text, first in hybrid.misses[:misses]:
            print(f"  {text!r} -> {first!r}")


def model_settings(data_dir: Path) -> Settings:
    """The settings with an embedding model: SITESEARCH_EMBEDDING_MODEL when set, else e5
    (the product's default is off: these benches measure what a model adds)."""
    if "SITESEARCH_EMBEDDING_MODEL" in os.environ:
        return load_settings(data_dir=data_dir)
    return load_settings(data_dir=data_dir, embedding_model="e5")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--distractors", type=int, default=200,
                        help="pages of other Dutch text around the health pages")
    parser.add_argument("--misses", type=int, default=10, help="hybrid misses shown")
    parser.add_argument("--queries", type=Path, nargs="+", default=[QUERIES_FILE],
                        help="files of lay queries (bench/lay_queries.toml; "
                             "bench/lay_queries_check.toml is a second set)")
    parser.add_argument("--data", type=Path,
                        help="data folder to index into (kept: its store of passage vectors "
                             "spares the next run the embedding)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-lay-") as folder:
        settings = model_settings(args.data or Path(folder) / "data")
        print_figures(run(settings, args.distractors, args.queries), args.misses)


if __name__ == "__main__":
    main()
