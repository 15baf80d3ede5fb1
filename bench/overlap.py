"""Benchmark: the overlap report and checks on real Dutch sites, from 700 to 10,000 pages.

    .venv/bin/python bench/overlap.py [--sizes real,2500,10000] [--drafts 40] [--sample 120]
                                      [--fingerprints]

Corpora (Debian's gimp-help-nl and debian-faq-nl, `make bench-data`):
- real: every HTML file, one page each, extracted as the crawler extracts pages
  (indexer.pages.html): the manuals' own boilerplate (notes, "Report a bug" lines, menu paths,
  tables of contents) included;
- N (2500, 10000): the real pages multiplied with variation up to N pages: each copy has its
  own title and URL, each paragraph is kept (75 %), lightly edited (15 %: a word changed,
  dropped or added every dozen words) or dropped (10 %), and a third of the copies get a
  paragraph of another page.
Per corpus, after enriching and indexing it into a temporary tantivy index:
1. the site report (`analyse` over `engine.iter_passages`): seconds (goals: < 30 s for 2,500
   pages, < 2 min for 10,000), articles with duplication (and at >= 50 %), boilerplate texts,
   clusters; the largest cluster's articles and the share of ALL its member pairs that
   verification accepts when aligned again one by one (goal 100 %); beside it, the largest
   group that chaining (union-find over the same verified pairs) would have made;
2. draft checks (`OverlapService.draft`): copied-and-edited and unrelated drafts, median and
   p95; the worst draft (the site's own text, `overlap_max_draft_chars` long): CPU seconds,
   answer bytes, what the budget cut;
3. the baseline, in this process: brute force over the passages of `--sample` pages (every
   pair of passages of different articles aligned, boilerplate masked) against the report on
   the same passages: both times, the ratio, and the recall of the report's pairs.
--fingerprints: the LSH band keys of every passage of the real pages, in ms per page, four ways
(the same keys, checked): datasketch's MinHash per window (the reference), the previous
implementation (one numpy pass per passage, nothing remembered), `passage_bands` one passage
at a time, and `page_bands` a page at a time (what indexing does).
Times are wall-clock seconds of this one process, CPU seconds where said.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32
from numpy.typing import NDArray

from bench.corpus import debian_faq_html_files, gimp_html_files
from indexer.engines import make_engine
from indexer.errors import InputError
from indexer.nlp import fingerprints as fp
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.overlap.align import MIN_SPAN_CONTENT, align, masked
from indexer.overlap.boilerplate import Boilerplate, find_boilerplate
from indexer.overlap.limits import Thresholds
from indexer.overlap.report import SiteReport, analyse
from indexer.overlap.service import OverlapService
from indexer.pages.html import extract_page
from indexer.pages.models import EnrichedPage, Page, Section
from indexer.search.values import StoredPassage
from indexer.settings import Settings, load_settings

GOAL_SECONDS = {2500: 30.0, 10000: 120.0}
_FILLERS = ("ook", "vaak", "nieuwe", "goed", "eenvoudig", "daarbij", "hier", "snel")


def real_pages() -> list[Page]:
    """Every HTML file of the Dutch manuals as one page (files without text are left out)."""
    pages = []
    for path in gimp_html_files() + debian_faq_html_files():
        try:
            pages.append(extract_page(path.read_bytes(), f"https://docs.example/{path.name}"))
        except InputError:
            continue
    return pages


def light_edit(text: str, rng: random.Random, rate: float = 0.08) -> str:
    """Change, drop or add a word at about `rate` of the words."""
    out: list[str] = []
    for word in text.split():
        roll = rng.random()
        if roll < rate / 3:
            continue
        if roll < 2 * rate / 3:
            out.append(rng.choice(_FILLERS))
            continue
        out.append(word)
        if roll < rate:
            out.append(rng.choice(_FILLERS))
    return " ".join(out)


def multiplied(pages: Sequence[Page], count: int, seed: int = 5) -> list[Page]:
    """`count` pages: the real ones, then copies of them with variation."""
    rng = random.Random(seed)
    found = list(pages[:count])
    copy = 0
    while len(found) < count:
        base = pages[copy % len(pages)]
        number = copy // len(pages) + 1
        extra = rng.choice(pages).body_text().split("\n\n")[0] if rng.random() < 0.33 else None
        found.append(_variant(base, number, rng, extra))
        copy += 1
    return found


def _variant(page: Page, number: int, rng: random.Random, extra: str | None) -> Page:
    def vary(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
        kept = []
        for text in paragraphs:
            roll = rng.random()
            if roll < 0.10:
                continue
            kept.append(light_edit(text, rng) if roll < 0.25 else text)
        return tuple(kept)

    def section(s: Section) -> Section:
        return s.model_copy(update={
            "paragraphs": vary(s.paragraphs),
            "subsections": tuple(section(sub) for sub in s.subsections),
        })

    intro = vary(page.intro) + ((extra,) if extra else ())
    return page.model_copy(update={
        "id": f"{page.id}-{number}", "title": f"{page.title} ({number})",
        "url": f"{page.url}?kopie={number}", "intro": intro,
        "sections": tuple(section(s) for s in page.sections),
        "content_hash": f"{page.content_hash}-{number}",
    })


def index(settings: Settings, enriched: list[EnrichedPage]) -> None:
    engine = make_engine(settings)
    version = engine.create_version()
    report = engine.write(version, enriched)
    engine.switch(version)
    engine.close()
    if report.failed:
        sys.exit(f"indexing failed for {len(report.failed)} pages")


def cluster_figures(
    report: SiteReport, boilerplate: Boilerplate, limits: Thresholds, order: dict[str, int]
) -> dict[str, object]:
    """The largest cluster, its member pairs verified again, and what chaining would make."""
    figures: dict[str, object] = {"clusters": len(report.clusters)}
    if not report.clusters:
        return figures
    largest = max(report.clusters, key=lambda c: (c.articles, len(c.passages)))
    # Aligned in the report's order (alignment is not quite symmetric at a span's edges).
    members = sorted(largest.passages, key=lambda p: order[p.id])
    words = [fp.text_words(p.text) for p in members]
    prepared = [masked(w, boilerplate.positions(w)) for w in words]
    pairs = list(combinations(range(len(prepared)), 2))
    verified = sum(1 for i, j in pairs if align(prepared[i], prepared[j], limits))
    # Chaining: every verified pair stands in some cluster, so the union of overlapping
    # clusters is what union-find over the verified pairs would give.
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for cluster in report.clusters:
        first = find(cluster.passages[0].id)
        for passage in cluster.passages[1:]:
            parent[find(passage.id)] = first
    groups: dict[str, set[str]] = {}
    for cluster in report.clusters:
        for passage in cluster.passages:
            groups.setdefault(find(passage.id), set()).add(passage.article_id or "")
    figures.update({
        "largest_cluster_articles": largest.articles,
        "largest_cluster_pairs": len(pairs),
        "largest_cluster_pairs_verified": round(verified / len(pairs), 4),
        "largest_chained_group_articles": max(len(g) for g in groups.values()),
    })
    return figures


def draft_figures(
    service: OverlapService, pages: Sequence[Page], seeds: Sequence[str], count: int
) -> dict[str, object]:
    rng = random.Random(11)
    service.draft("opwarmen van de pijplijn met een paar woorden")
    latencies: dict[str, list[float]] = {"copied": [], "unrelated": []}
    found = 0
    for number in range(count):
        if number % 2 == 0:
            page = pages[rng.randrange(len(pages))]
            texts = [p.text for p in page.passages() if len(p.text.split()) >= 12][:3]
            if not texts:
                continue
            kind, text = "copied", "\n\n".join(light_edit(t, rng) for t in texts)
        else:
            kind, text = "unrelated", "\n\n".join(rng.sample(list(seeds), 3))
        started = time.perf_counter()
        result = service.draft(text)
        latencies[kind].append((time.perf_counter() - started) * 1000)
        found += kind == "copied" and bool(result.matches)
    every = sorted(latencies["copied"] + latencies["unrelated"])
    # The worst draft: the site's own text, as long as a draft may be.
    own = "\n\n".join(p.text for page in pages for p in page.passages()
                      if len(p.text.split()) >= 12)
    worst = own[: service.budget.max_draft_chars]
    started_cpu, started = time.process_time(), time.perf_counter()
    result = service.draft(worst)
    worst_cpu, worst_s = time.process_time() - started_cpu, time.perf_counter() - started
    return {
        "drafts": len(every), "draft_median_ms": round(statistics.median(every), 1),
        "draft_p95_ms": round(every[min(len(every) - 1, round(0.95 * (len(every) - 1)))], 1),
        "copied_found": f"{found}/{len(latencies['copied'])}",
        "worst_draft_chars": len(worst), "worst_draft_cpu_s": round(worst_cpu, 2),
        "worst_draft_s": round(worst_s, 2),
        "worst_draft_answer_bytes": len(json.dumps(result.model_dump(mode="json"))),
        "worst_draft_truncated_by": [t.limit for t in result.truncated_by],
        "worst_draft_matches_found": result.matches_found,
    }


def brute_force(passages: Sequence[StoredPassage], limits: Thresholds) -> set[tuple[str, str]]:
    """Every pair of passages of different articles that verification accepts, boilerplate
    masked (pairs sharing fewer than MIN_SPAN_CONTENT content terms cannot hold a span)."""
    words = [fp.text_words(p.text) for p in passages]
    site = find_boilerplate(passages, words, limits)
    prepared = [masked(w, m) for w, m in zip(words, site.positions, strict=True)]
    eligible = [i for i, (w, m) in enumerate(zip(words, site.positions, strict=True))
                if len(w) - len(m) >= limits.min_passage_words]
    found = set()
    for i, j in combinations(eligible, 2):
        if passages[i].article_id == passages[j].article_id:
            continue
        if len(prepared[i].content_terms & prepared[j].content_terms) < MIN_SPAN_CONTENT:
            continue
        if align(prepared[i], prepared[j], limits):
            found.add((passages[i].id, passages[j].id))
    return found


def baseline_figures(
    passages: Sequence[StoredPassage], sample: int, limits: Thresholds
) -> dict[str, object]:
    articles = sorted({p.article_id for p in passages})
    chosen = articles[:: max(1, len(articles) // sample)][:sample]  # spread over the site
    wanted = set(chosen)
    subset = [p for p in passages if p.article_id in wanted]
    started = time.perf_counter()
    truth = brute_force(subset, limits)
    brute_s = time.perf_counter() - started
    started = time.perf_counter()
    report, _ = analyse(subset, limits)
    report_s = time.perf_counter() - started
    reported = {
        tuple(sorted((a.id, b.id))) for c in report.clusters
        for a, b in combinations(c.passages, 2)
    }
    truth_sorted = {tuple(sorted(pair)) for pair in truth}
    recall = len(truth_sorted & reported) / len(truth_sorted) if truth_sorted else 1.0
    return {
        "sample_pages": len(chosen), "sample_passages": len(subset),
        "brute_force_pairs": len(truth), "brute_force_s": round(brute_s, 2),
        "sample_report_s": round(report_s, 2), "ratio": round(brute_s / report_s, 1),
        "recall": round(recall, 3),
    }


def run_corpus(
    name: str, pages: list[Page], nlp: Any, seeds: Sequence[str], args: argparse.Namespace
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-overlap-") as folder:
        settings = load_settings(data_dir=Path(folder) / "data")
        limits = Thresholds.from_settings(settings)
        started = time.perf_counter()
        enriched = enrich_pages(nlp, pages)
        index(settings, enriched)
        built_s = time.perf_counter() - started
        engine = make_engine(settings)
        started, started_cpu = time.perf_counter(), time.process_time()
        passages = list(engine.iter_passages())
        report, boilerplate = analyse(passages, limits)
        report_s, report_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
        figures: dict[str, object] = {
            "corpus": name, "pages": len(pages), "passages": report.passages,
            "enrich_and_index_s": round(built_s, 1), "report_s": round(report_s, 1),
            "report_cpu_s": round(report_cpu_s, 1),
            "goal_s": GOAL_SECONDS.get(len(pages)),
            "candidate_pairs": report.candidate_pairs, "verified_pairs": report.verified_pairs,
            "articles_duplicated": sum(a.duplicated_fraction > 0 for a in report.articles),
            "articles_at_least_half": sum(a.duplicated_fraction >= 0.5 for a in report.articles),
            "boilerplate_pages": report.boilerplate_pages,
            "boilerplate_texts": len(report.boilerplate),
        }
        order = {p.id: number for number, p in enumerate(passages)}
        figures.update(cluster_figures(report, boilerplate, limits, order))
        service = OverlapService(engine, settings, nlp=nlp)
        service.boilerplate.store(boilerplate)
        figures.update(draft_figures(service, pages, seeds, args.drafts))
        figures.update(baseline_figures(passages, args.sample, limits))
        engine.close()
    return figures


# --- fingerprints


@lru_cache(maxsize=1)
def _previous_permutations() -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    a, b = MinHash(num_perm=1, seed=fp.SEED, scheme="legacy").permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def previous_passage_bands(lemmas: Sequence[str]) -> tuple[str, ...]:
    """The previous implementation, as the baseline: one numpy pass per passage, each
    shingle hashed every time (windows of one shingle, one band of one row)."""
    grams = fp.shingles([fp.term(w) for lemma in lemmas for w in fp.WORD.findall(lemma)
                         if fp.is_content(w)])
    if not grams:
        return ()
    hashes = np.array([sha1_hash32(g.encode("utf-8")) for g in grams], dtype=np.uint64)
    a, b = _previous_permutations()
    permuted = ((hashes[:, None] * a + b) % np.uint64((1 << 61) - 1)) & np.uint64((1 << 32) - 1)
    return tuple(sorted({f"0.{int(v):x}" for v in permuted[:, 0]}))


def datasketch_bands(lemmas: Sequence[str]) -> tuple[str, ...]:
    """The reference: one datasketch MinHash per window of shingles."""
    grams = fp.shingles(fp.content_terms(lemmas))
    keys = set()
    for start in range(max(0, len(grams) - fp.WINDOW + 1)):
        minhash = MinHash(num_perm=fp.BANDS * fp.ROWS, seed=fp.SEED, scheme="legacy")
        minhash.update_batch([g.encode("utf-8") for g in grams[start : start + fp.WINDOW]])
        keys.add(f"0.{int(minhash.hashvalues[0]):x}")
    return tuple(sorted(keys))


def fingerprint_figures(enriched: list[EnrichedPage], rounds: int = 3) -> dict[str, object]:
    assert (fp.WINDOW, fp.BANDS, fp.ROWS) == (1, 1, 1), "the baselines assume the defaults"
    lemma_lists = [[p.lemmas for p in page.passages] for page in enriched]
    ways: dict[str, Callable[[], object]] = {
        "datasketch_per_window": lambda: [[datasketch_bands(x) for x in page]
                                          for page in lemma_lists],
        "previous_per_passage": lambda: [[previous_passage_bands(x) for x in page]
                                         for page in lemma_lists],
        "passage_bands": lambda: [[fp.passage_bands(x) for x in page] for page in lemma_lists],
        "page_bands": lambda: [fp.page_bands(page) for page in lemma_lists],
    }
    results = {name: way() for name, way in ways.items()}
    assert all(r == results["datasketch_per_window"] for r in results.values()), "keys differ"
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):  # interleaved, so that the machine's drift touches all alike
        for name, way in ways.items():
            started = time.process_time()
            way()
            cpu[name].append((time.process_time() - started) * 1000 / len(enriched))
    medians = {name: round(statistics.median(times), 3) for name, times in cpu.items()}
    return {
        "pages": len(enriched), "passages": sum(map(len, lemma_lists)),
        "cpu_ms_per_page_median": medians,
        "ratio_previous_over_page_bands": round(
            medians["previous_per_passage"] / medians["page_bands"], 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="real,2500,10000",
                        help="comma-separated: real and/or page counts")
    parser.add_argument("--drafts", type=int, default=40)
    parser.add_argument("--sample", type=int, default=120)
    parser.add_argument("--fingerprints", action="store_true",
                        help="only the fingerprint timing on the real pages")
    args = parser.parse_args()

    pages = real_pages()
    if not pages:
        sys.exit("gimp-help-nl / debian-faq-nl are not installed: run `make bench-data`")
    nlp = build_nlp(load_settings())
    print(f"real pages: {len(pages)} (gimp-help-nl + debian-faq-nl HTML, one page per file)")
    if args.fingerprints:
        print(json.dumps({"fingerprints": fingerprint_figures(enrich_pages(nlp, pages))}))
        return
    seeds_dir = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"
    from indexer.pages.parsing import parse_text

    seeds = [p.text for path in sorted(seeds_dir.glob("*.txt"))
             for page in parse_text(path.read_text(encoding="utf-8")).pages
             for p in page.passages() if len(p.text.split()) >= 12]
    for size in args.sizes.split(","):
        corpus = pages if size == "real" else multiplied(pages, int(size))
        figures = run_corpus(size, corpus, nlp, seeds, args)
        print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
