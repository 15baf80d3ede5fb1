"""Relevance as visitors type: our search against plain BM25, on real Dutch sites, per kind
of query. An IR evaluation that can fail.

    .venv/bin/python -m bench.relevance [--corpus NAME ...] [--kinds K1,K2] [--pages N]
                                        [--misses N] [--check] [--lay]  (from the repo root)

Corpora (Debian packages; `make bench-data` installs them): gimp-help-nl (the Dutch GIMP
manual, one page per HTML file) and debian-faq-nl (the Dutch Debian FAQ, one page per
question), and "seeds" (the two health pages of tests/data/seeds among the bench corpus'
seed-derived pages: only for the "synonym" kind, since config/synonyms.txt is about health
and the two sites hardly use its words). Every page of a site is indexed; queries are made
from up to `--pages` of its pages that read as Dutch (bench/relevance_queries.py says how,
per kind), with a fixed seed.

Ours: each page through the crawler's extraction (`indexer.pages.html.extract_page`), the
Dutch enrichment and the default engine (`make_engine`), searched through `Searcher.search`
(a fresh `Searcher.from_settings` on a fresh engine; no answer cache is involved in-process).
Plain BM25, in the same run: tantivy with its default tokenizer (lower case, no Dutch
analysis, no typo tolerance), a title field holding `<title>` and the h1 title, boosted x2,
and a body field with the same extracted text; any query word may match (BM25's OR).

Judgements are binary: the page the query was made from is relevant and, for the kinds made
from its title, every page whose title is typed the same. Measures (ir-measures, over
pytrec_eval): MRR@10 (RR@10 averaged), success@1 and nDCG@10; a query with no answer scores
0. Prints per corpus and kind: the number of queries, each measure for ours and plain and the
difference; for "section", how often our first hit is the page and names that section; then
a sample of the misses (ours did not rank a relevant page first). Exits 2 when a corpus is
not installed; with --check, exits 1 when the acceptance of issue 16 is not met (ours >=
plain on every kind's MRR@10, and MRR@10 >= 0.90 on "title typo" and "question").

Ours is the product as configured: words only by default; with an embedding model
(SITESEARCH_EMBEDDING_MODEL=e5) its search is hybrid: run once more so, to see what meaning
changes per kind. `--lay` adds the lay queries (bench/lay.py).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ir_measures
import tantivy
from ir_measures import RR, Success, nDCG

from bench.corpus import (
    HTML_CORPORA,
    SEEDS_DIR,
    CorpusMissing,
    HtmlPage,
    corpus_pages,
    html_corpus,
)
from bench.relevance_queries import KINDS, Query, QueryMaker
from bench.search import plain_words
from indexer.engines import make_engine
from indexer.errors import QueryError
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.pages.parsing import parse_text
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest
from indexer.settings import Settings, load_settings

if TYPE_CHECKING:
    from spacy.language import Language

TOP = 10
MEASURES = {"MRR@10": RR @ TOP, "S@1": Success @ 1, "nDCG@10": nDCG @ TOP}
CORPORA = (*HTML_CORPORA, "seeds")
SEED_KINDS = ("synonym",)
SEED_PAGES = 200  # seed-derived pages around the two real health pages
ACCEPTANCE_MRR = {"title typo": 0.90, "question": 0.90}


@dataclass(frozen=True)
class Answer:
    """What a search ranked first: page ids, best first (at most TOP), and for ours the
    title and named section of the first hit."""

    ids: tuple[str, ...]
    first_title: str | None = None
    first_section: str | None = None


Search = Callable[[str], Answer]


@dataclass(frozen=True)
class KindFigures:
    """The mean of each measure over a kind's queries, for ours and for plain."""

    queries: int
    ours: dict[str, float]
    plain: dict[str, float]
    section_named: float | None = None


def site(name: str) -> list[HtmlPage]:
    """The pages of a corpus (CorpusMissing when it is not installed)."""
    if name != "seeds":
        return html_corpus(name)
    pages = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        pages += parse_text(path.read_text(encoding="utf-8"), source=path.name).pages
    for page in corpus_pages(SEED_PAGES, source="seeds"):
        # "Pagina 12: <four words of its shuffled text>": only "Pagina 12", so that its
        # queries come from its text (a title of shuffled words is no title to ask for).
        title = page.title.split(":", 1)[0].strip()
        pages.append(page.model_copy(update={"title": title}))
    return [HtmlPage(page, page.title, dutch=True) for page in pages]


@contextmanager
def our_search(pages: Sequence[HtmlPage], settings: Settings,
               nlp: Language | None = None) -> Iterator[Search]:
    """The product's search over the pages: enriched (by `nlp`, else the pipeline the
    settings name), indexed by the default engine, asked through `Searcher`."""
    nlp = nlp or build_nlp(settings)
    engine = make_engine(settings)
    version = engine.create_version()
    engine.write(version, enrich_pages(nlp, [p.page for p in pages],
                                       batch_size=settings.nlp_batch_size))
    engine.switch(version)
    searcher = Searcher.from_settings(engine, settings)

    def search(text: str) -> Answer:
        try:
            hits = searcher.search(SearchRequest(query=text, size=TOP)).hits
        except QueryError:
            return Answer(())
        if not hits:
            return Answer(())
        first = hits[0]
        return Answer(tuple(hit.id for hit in hits), first.title,
                      first.section.heading if first.section else None)

    try:
        yield search
    finally:
        engine.close()


def plain_index(pages: Sequence[HtmlPage], folder: Path) -> tantivy.Index:
    """tantivy's default tokenizer over a title field (`<title>` and the h1 title, once when
    they are the same) and a body field; the page id stored."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("body")
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer()
    for item in pages:
        titles = dict.fromkeys((item.html_title, item.page.title))
        writer.add_document(tantivy.Document(id=item.page.id, title="\n".join(titles),
                                             body=item.page.body_text()))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def plain_search(index: tantivy.Index) -> Search:
    """BM25 over title (x2) and body; any of the words may match."""
    searcher = index.searcher()

    def search(text: str) -> Answer:
        words = plain_words(text)
        if not words:
            return Answer(())
        try:
            query = index.parse_query(words, ["title", "body"], field_boosts={"title": 2.0})
        except ValueError:
            return Answer(())
        found = searcher.search(query, limit=TOP).hits
        return Answer(tuple(str(searcher.doc(address)["id"][0]) for _, address in found))

    return search


def query_ids(queries: Sequence[Query]) -> list[str]:
    return [f"q{number}" for number in range(len(queries))]


def measures(queries: Sequence[Query], answers: Sequence[Answer]) -> list[dict[str, float]]:
    """Per query (in order), each measure of MEASURES for its answer; 0 for no answer."""
    ids = query_ids(queries)
    qrels = {qid: dict.fromkeys(query.relevant, 1) for qid, query in zip(ids, queries,
                                                                          strict=True)}
    # Scores from the rank, so that the library keeps our order (it breaks ties by id).
    run = {qid: {page: float(TOP - rank) for rank, page in enumerate(answer.ids[:TOP])}
           for qid, answer in zip(ids, answers, strict=True) if answer.ids}
    by_measure = {measure: name for name, measure in MEASURES.items()}
    values = {qid: dict.fromkeys(MEASURES, 0.0) for qid in ids}
    for metric in ir_measures.iter_calc(list(MEASURES.values()), qrels, run):
        values[metric.query_id][by_measure[metric.measure]] = float(metric.value)
    return [values[qid] for qid in ids]


def figures(queries: Sequence[Query], ours: Sequence[Answer],
            plain: Sequence[Answer]) -> dict[str, KindFigures]:
    """Per kind (in KINDS order), the mean measures of ours and plain."""
    ours_values, plain_values = measures(queries, ours), measures(queries, plain)
    result = {}
    for kind in KINDS:
        at = [i for i, query in enumerate(queries) if query.kind == kind]
        if not at:
            continue
        named = None
        if kind == "section":
            named = statistics.fmean(
                ours[i].ids[:1] == (queries[i].source,)
                and ours[i].first_section == queries[i].section for i in at)
        result[kind] = KindFigures(
            len(at),
            {m: statistics.fmean(ours_values[i][m] for i in at) for m in MEASURES},
            {m: statistics.fmean(plain_values[i][m] for i in at) for m in MEASURES},
            named,
        )
    return result


def rank_of(query: Query, answer: Answer) -> str:
    for rank, page in enumerate(answer.ids, start=1):
        if page in query.relevant:
            return f"rank {rank}"
    return "not in the top 10"


def print_figures(table: dict[str, KindFigures]) -> None:
    header = "".join(f"{m + ' ours':>14}{'plain':>7}{'diff':>7}" for m in MEASURES)
    print(f"{'kind':16}{'queries':>8}{header}")
    for kind, row in table.items():
        cells = "".join(f"{row.ours[m]:14.3f}{row.plain[m]:7.3f}{row.ours[m] - row.plain[m]:+7.3f}"
                        for m in MEASURES)
        print(f"{kind:16}{row.queries:8}{cells}")
    if (section := table.get("section")) is not None and section.section_named is not None:
        print(f"section: our first hit is the page and names that section for "
              f"{section.section_named:.1%} of the section queries")


def print_misses(queries: Sequence[Query], ours: Sequence[Answer], plain: Sequence[Answer],
                 per_kind: int) -> None:
    if per_kind <= 0:
        return
    print(f"misses (ours did not rank a relevant page first; at most {per_kind} per kind):")
    shown: dict[str, int] = {}
    for query, mine, theirs in zip(queries, ours, plain, strict=True):
        hit = bool(mine.ids) and mine.ids[0] in query.relevant
        if hit or shown.get(query.kind, 0) >= per_kind:
            continue
        shown[query.kind] = shown.get(query.kind, 0) + 1
        first = f"first {mine.first_title!r}" if mine.first_title else "no hits"
        print(f"  {query.kind:15} {query.text!r} -> expected {query.expected_title!r}"
              + (f" / {query.section!r}" if query.section else "")
              + f"; ours: {rank_of(query, mine)}, {first}; plain: {rank_of(query, theirs)}")


def shortfalls(results: dict[str, dict[str, KindFigures]]) -> list[str]:
    """What keeps the figures from issue 16's acceptance, one line each; empty when met."""
    lines = []
    for corpus, table in results.items():
        for kind, row in table.items():
            if row.ours["MRR@10"] < row.plain["MRR@10"]:
                lines.append(f"{corpus}, {kind}: MRR@10 ours {row.ours['MRR@10']:.3f} < "
                             f"plain {row.plain['MRR@10']:.3f}")
            goal = ACCEPTANCE_MRR.get(kind)
            if goal is not None and row.ours["MRR@10"] < goal:
                lines.append(f"{corpus}, {kind}: MRR@10 ours {row.ours['MRR@10']:.4f} < {goal}")
    return lines


def run_corpus(name: str, pages: Sequence[HtmlPage], kinds: Sequence[str], sample: int,
               misses: int, seed: int) -> dict[str, KindFigures]:
    with tempfile.TemporaryDirectory(prefix="bench-relevance-") as folder:
        settings = load_settings(data_dir=Path(folder) / "data")
        started = time.perf_counter()
        maker = QueryMaker.for_site([p.page for p in pages], settings.config_dir, seed)
        dutch = sorted((p.page for p in pages if p.dutch), key=lambda page: page.id)
        asked = random.Random(seed).sample(dutch, min(sample, len(dutch)))
        queries = maker.queries(asked, kinds)
        (Path(folder) / "plain").mkdir()
        plain = plain_search(plain_index(pages, Path(folder) / "plain"))
        with our_search(pages, settings) as ours:
            print(f"\n== {name}: {len(pages)} pages ({len(dutch)} read as Dutch, queries made "
                  f"from {len(asked)}), {len(queries)} queries; indexed in "
                  f"{time.perf_counter() - started:.0f} s ==")
            our_answers = [ours(query.text) for query in queries]
        plain_answers = [plain(query.text) for query in queries]
    table = figures(queries, our_answers, plain_answers)
    print_figures(table)
    print_misses(queries, our_answers, plain_answers, misses)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", choices=CORPORA,
                        help="a corpus to measure (repeatable; default: all)")
    parser.add_argument("--kinds", help=f"comma-separated kinds (default: all): {', '.join(KINDS)}")
    parser.add_argument("--pages", type=int, default=200,
                        help="pages per corpus to make queries from (default 200)")
    parser.add_argument("--misses", type=int, default=3, help="misses shown per kind")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the acceptance of issue 16 is not met")
    parser.add_argument("--lay", action="store_true",
                        help="also the lay queries (bench/lay.py): lexical, semantic, hybrid")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}")
    try:
        sites = {name: site(name) for name in args.corpus or CORPORA}
    except CorpusMissing as missing:
        print(f"bench.relevance: {missing}", file=sys.stderr)
        return 2
    results = {}
    for name, pages in sites.items():
        asked = [k for k in kinds if name != "seeds" or k in SEED_KINDS]
        if asked:
            results[name] = run_corpus(name, pages, asked, args.pages, args.misses, args.seed)
    if args.lay:
        print("\n== lay queries (bench/lay.py) ==")
        from bench import lay

        lay.main(["--misses", str(args.misses)])
    falls = shortfalls(results)
    print("\nacceptance (issue 16: ours >= plain on every kind; MRR@10 >= 0.90 on "
          f"\"title typo\" and \"question\"): {'met' if not falls else 'NOT met'}")
    for line in falls:
        print(f"  {line}")
    return 1 if args.check and falls else 0


if __name__ == "__main__":
    sys.exit(main())
