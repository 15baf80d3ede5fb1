"""Benchmark: the overlap finder on a realistic site, against brute force in the same run.

    .venv/bin/python bench/overlap.py [--pages 2000] [--drafts 100] [--sample 300] [--sweep]

1. Builds `--pages` pages (bench/corpus.py) and, deterministically (seeded), copies
   paragraphs and sentences between some of them with light edits (a word changed, dropped or
   added every dozen words or so), the way editors reuse text. Enriches them with the Dutch
   pipeline and indexes them into a temporary tantivy index.
2. Times the whole site-wide report (`indexer.overlap.report.site_report`).
3. Times `--drafts` draft checks (`OverlapService.draft`: parse, NLP, one band lookup,
   verification, more-like-this): half copied-and-edited paragraphs, half unrelated text.
4. On the passages of the first `--sample` pages: brute force (every pair of passages of
   different articles verified) against LSH candidates + verification; prints both times, the
   ratio, and the recall of the LSH stage (share of the brute-force pairs that the band keys
   propose). With --sweep, the same recall and candidate count for other shingle/window/band
   settings, to justify the defaults.
5. Fingerprinting itself: all windows of a passage in one numpy pass vs one datasketch
   MinHash.update_batch per window (the same signatures).
Times are wall-clock seconds of this one process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasketch import MinHash

from bench.corpus import corpus_source, raw_pages
from indexer.engines import make_engine
from indexer.nlp import fingerprints as fp
from indexer.nlp.enrich import enrich_pages
from indexer.nlp.pipeline import build_nlp
from indexer.overlap.finder import OverlapService, Thresholds, align
from indexer.overlap.report import candidate_pairs, report_of, site_report
from indexer.pages.models import EnrichedPage, Page
from indexer.pages.parsing import parse_text
from indexer.search.values import StoredPassage

SEEDS = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"
GOAL_REPORT_SECONDS = 30.0
GOAL_DRAFT_P95_MS = 100.0
GOAL_RECALL = 0.95
_FILLERS = ("ook", "vaak", "nieuwe", "goed", "eenvoudig", "daarbij", "hier", "snel")
_MARKERS = ("top of page", "bottom of page", "labels:", "gerelateerde artikelen", "deel ")


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


def paragraph_lines(lines: list[str]) -> list[int]:
    """Indexes of the body paragraphs of a raw page (not markers, title or headings)."""
    return [
        i for i, line in enumerate(lines)
        if i > 2 and len(line.split()) >= 12 and not line.lower().startswith(_MARKERS)
    ]


def with_copies(
    raw: list[tuple[str, str]], sample: int, seed: int = 5
) -> tuple[list[str], list[tuple[int, int]]]:
    """The raw pages with text copied between some of them, and (source, target) of each."""
    rng = random.Random(seed)
    pages = [text.split("\n") for _, text in raw]
    copies: list[tuple[int, int]] = []
    for target in range(len(pages)):
        if rng.random() > 0.25:
            continue
        # Inside the brute-force sample, copy from the sample, so that it holds real pairs.
        source = rng.randrange(sample) if target < sample else rng.randrange(len(pages))
        sources, targets = paragraph_lines(pages[source]), paragraph_lines(pages[target])
        if source == target or not sources or not targets:
            continue
        text = pages[source][rng.choice(sources)]
        at = rng.choice(targets)
        if rng.random() < 0.5:  # a whole paragraph, lightly edited, replaces one
            pages[target][at] = light_edit(text, rng)
        else:  # a sentence-sized run of 15-30 words inserted into a paragraph
            words = text.split()
            size = min(len(words), rng.randint(15, 30))
            start = rng.randrange(len(words) - size + 1)
            run = light_edit(" ".join(words[start : start + size]), rng, rate=0.04)
            pages[target][at] = f"{pages[target][at]} {run}."
        copies.append((source, target))
    return ["\n".join(lines) for lines in pages], copies


def stored_passages(pages: list[EnrichedPage]) -> list[StoredPassage]:
    return [
        StoredPassage(
            id=p.passage.id, article_id=p.passage.article_id, article_title=page.page.title,
            index=p.passage.index, section_heading=p.passage.section_heading,
            anchor=p.passage.anchor, text=p.passage.text, bands=fp.passage_bands(p.lemmas),
        )
        for page in pages for p in page.passages
    ]


def brute_force(passages: list[StoredPassage], limits: Thresholds) -> set[tuple[int, int]]:
    """Every pair of passages of different articles that verification accepts.

    Pairs sharing fewer than MIN_SPAN_CONTENT distinct content terms are skipped: a span
    needs that many matched content words, so this filter is exact, not a heuristic.
    """
    from indexer.overlap.finder import MIN_SPAN_CONTENT

    words = [fp.text_words(p.text) for p in passages]
    eligible = [i for i, ws in enumerate(words) if len(ws) >= limits.min_passage_words]
    found = set()
    for i, j in combinations(eligible, 2):
        if passages[i].article_id == passages[j].article_id:
            continue
        if len(words[i].content_terms & words[j].content_terms) < MIN_SPAN_CONTENT:
            continue
        if align(words[i], words[j], limits):
            found.add((i, j))
    return found


def bands_with(lemmas: tuple[str, ...], k: int, w: int, b: int, r: int) -> tuple[str, ...]:
    grams = fp.shingles(fp.content_terms(lemmas), size=k)
    return fp.band_keys(fp.window_signatures(grams, window=w, num_perm=b * r), bands=b, rows=r)


def datasketch_windows(lemmas: tuple[str, ...]) -> list[MinHash]:
    """The baseline: one datasketch MinHash per window (what window_signatures computes)."""
    grams = fp.shingles(fp.content_terms(lemmas))
    found = []
    for start in range(max(1, len(grams) - fp.WINDOW + 1)):
        minhash = MinHash(num_perm=fp.BANDS * fp.ROWS, seed=fp.SEED, scheme="legacy")
        minhash.update_batch([g.encode("utf-8") for g in grams[start : start + fp.WINDOW]])
        found.append(minhash)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--drafts", type=int, default=100)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        from indexer.settings import load_settings

        settings = load_settings(data_dir=Path(tmp) / "data")
        limits = Thresholds.from_settings(settings)
        nlp = build_nlp(settings)
        texts, copies = with_copies(raw_pages(args.pages), args.sample)
        pages: list[Page] = [p for text in texts for p in parse_text(text).pages]
        started = time.perf_counter()
        enriched = enrich_pages(nlp, pages)
        enrich_s = time.perf_counter() - started
        engine = make_engine(settings)
        version = engine.create_version()
        written = engine.write(version, enriched)
        engine.switch(version)
        n_passages = sum(len(p.passages) for p in enriched)
        print(f"corpus: {corpus_source()}")
        print(f"pages: {len(pages)} ({written.indexed} indexed), passages: {n_passages}, "
              f"copies injected: {len(copies)}; enrich {enrich_s:.1f} s")
        print(f"settings: threshold {limits.similarity}, min passage words "
              f"{limits.min_passage_words}, min span words {limits.min_span_words}; "
              f"shingle {fp.SHINGLE}, window {fp.WINDOW}, bands {fp.BANDS} x rows {fp.ROWS}")

        # --- 2. the site-wide report
        started = time.perf_counter()
        report = site_report(engine, limits)
        report_s = time.perf_counter() - started
        duplicated = [a for a in report.articles if a.duplicated_fraction > 0]
        print(f"\nsite report: {report_s:.2f} s (goal < {GOAL_REPORT_SECONDS:.0f} s); "
              f"{report.candidate_pairs} candidate pairs, {report.verified_pairs} verified, "
              f"{len(report.clusters)} clusters, {len(duplicated)} articles with duplication")

        # --- 3. draft checks
        service = OverlapService(engine, settings, nlp=nlp)
        rng = random.Random(11)
        seed_paragraphs = [
            p.text for path in sorted(SEEDS.glob("*.txt"))
            for page in parse_text(path.read_text(encoding="utf-8")).pages
            for p in page.passages() if len(p.text.split()) >= 12
        ]
        drafts = []
        for number in range(args.drafts):
            page = enriched[rng.randrange(len(enriched))].page
            paragraphs = [p.text for p in page.passages() if len(p.text.split()) >= 12][:3]
            if number % 2 == 0:
                drafts.append(("copied", "\n\n".join(light_edit(t, rng) for t in paragraphs)))
            else:  # real Dutch on another subject (the seed pages), not in the index
                drafts.append(("unrelated", "\n\n".join(rng.sample(seed_paragraphs, 3))))
        service.draft(drafts[0][1] or "opwarmen van de pijplijn")  # warm-up, not timed
        latencies: dict[str, list[float]] = {"copied": [], "unrelated": []}
        found = truncated = unrelated_hits = 0
        for kind, text in drafts:
            if not text.strip():
                continue
            started = time.perf_counter()
            result = service.draft(text)
            latencies[kind].append((time.perf_counter() - started) * 1000)
            found += kind == "copied" and bool(result.matches)
            unrelated_hits += kind == "unrelated" and bool(result.matches)
            truncated += result.truncated
        every = sorted(latencies["copied"] + latencies["unrelated"])
        p95 = every[min(len(every) - 1, round(0.95 * (len(every) - 1)))]
        print(f"\ndraft checks: {len(every)}, median {statistics.median(every):.1f} ms, "
              f"p95 {p95:.1f} ms (goal < {GOAL_DRAFT_P95_MS:.0f} ms); copied drafts found: "
              f"{found}/{len(latencies['copied'])}; unrelated drafts with matches: "
              f"{unrelated_hits}/{len(latencies['unrelated'])}; truncated: {truncated}")

        # --- 4. brute force vs LSH on a sample
        sample_ids = {p.page.id for p in enriched[: args.sample]}
        sample = [p for p in stored_passages(enriched) if p.article_id in sample_ids]
        started = time.perf_counter()
        truth = brute_force(sample, limits)
        brute_s = time.perf_counter() - started
        started = time.perf_counter()
        sample_report = report_of(sample, limits)
        lsh_s = time.perf_counter() - started
        candidates = candidate_pairs(sample)
        recall = len(truth & candidates) / len(truth) if truth else 1.0
        print(f"\nsample: {len(sample_ids)} pages, {len(sample)} passages, "
              f"{len(truth)} duplicate pairs by brute force")
        print(f"brute force {brute_s:.2f} s, LSH + verification {lsh_s:.2f} s "
              f"({sample_report.verified_pairs} pairs): ratio {brute_s / lsh_s:.1f}x")
        print(f"LSH recall {recall:.3f} (goal >= {GOAL_RECALL}), "
              f"{len(candidates)} candidate pairs")
        # Pairs grow with the square of the passages: what brute force would cost site-wide.
        extrapolated = brute_s * (n_passages / len(sample)) ** 2
        print(f"brute force over all {n_passages} passages, extrapolated: "
              f"~{extrapolated:.0f} s vs the report's {report_s:.1f} s")

        if args.sweep:
            page_of = {p.id: n for n, p in enumerate(pages)}
            injected = {(a, b) for a, b in copies if a < args.sample and b < args.sample}
            candidates_sorted = sorted(candidates)
            words = [fp.text_words(p.text) for p in sample]
            print("\nthreshold (on the LSH candidates of the sample): injected copies found, "
                  "other page pairs with shared text")
            for threshold in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
                strict = Thresholds(similarity=threshold,
                                    min_passage_words=limits.min_passage_words,
                                    min_span_words=limits.min_span_words)
                page_pairs = set()
                for i, j in candidates_sorted:
                    if min(len(words[i]), len(words[j])) < strict.min_passage_words:
                        continue
                    if align(words[i], words[j], strict):
                        a, b = page_of[sample[i].article_id], page_of[sample[j].article_id]
                        page_pairs |= {(a, b), (b, a)}
                hit = sum(1 for pair in injected if pair in page_pairs)
                others = len({tuple(sorted(pair)) for pair in page_pairs}
                             - {tuple(sorted(pair)) for pair in injected})
                print(f"  {threshold}: injected copies found {hit}/{len(injected)}, "
                      f"other page pairs {others}")
            lemmas_of = {p.passage.id: p.lemmas for page in enriched for p in page.passages}
            print("\nsweep (shingle, window, bands, rows): recall, candidates, keys/passage, "
                  "LSH + verification seconds on the sample")
            for k, w, b, r in [(2, 1, 1, 1), (2, 2, 1, 1), (2, 2, 2, 1), (2, 3, 2, 1),
                               (2, 4, 2, 1), (3, 1, 1, 1), (3, 2, 2, 1), (2, 2, 4, 2),
                               (2, 3, 8, 2), (2, 8, 16, 2)]:
                swept = [p.model_copy(update={"bands": bands_with(lemmas_of[p.id], k, w, b, r)})
                         for p in sample]
                pairs = candidate_pairs(swept)
                keys = sum(len(p.bands) for p in swept) / len(swept)
                recall = len(truth & pairs) / len(truth) if truth else 1.0
                started = time.perf_counter()
                report_of(swept, limits)
                seconds = time.perf_counter() - started
                print(f"  ({k}, {w}, {b}, {r}): recall {recall:.3f}, {len(pairs)} candidates, "
                      f"{keys:.1f} keys, {seconds:.2f} s")

        # --- 5. fingerprinting: numpy windows vs datasketch per window
        lemma_lists = [p.lemmas for page in enriched[: args.sample] for p in page.passages]
        started = time.perf_counter()
        for lemmas in lemma_lists:
            fp.passage_bands(lemmas)
        numpy_s = time.perf_counter() - started
        started = time.perf_counter()
        for lemmas in lemma_lists:
            datasketch_windows(lemmas)
        datasketch_s = time.perf_counter() - started
        print(f"\nfingerprints of {len(lemma_lists)} passages: numpy windows {numpy_s:.3f} s, "
              f"datasketch per window {datasketch_s:.3f} s: ratio {datasketch_s / numpy_s:.1f}x")
        engine.close()


if __name__ == "__main__":
    main()
