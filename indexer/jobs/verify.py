"""Checking a version before anyone relies on it (before a switch, after in-place writes).

It must hold the expected number of pages, the written pages with their content hashes, what
a sample of raw records parses into, and answer the smoke checks. The smoke checks are the
operator's `smoke_queries` (each must find something) or, when there are none (the default),
automatic ones that fit any site: the titles of a few pages of the version itself, each of
which must find its own page.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from indexer.errors import SiteSearchError
from indexer.jobs.config import SMOKE_PAGES, JobConfig
from indexer.jobs.job import Job
from indexer.pages.records import load_urls
from indexer.search.searcher import Searcher
from indexer.search.values import SearchRequest

_SOURCE_SAMPLE = 20
_WORD = re.compile(r"[^\W_]+")
_QUERY_WORDS = 10  # of a title, searched for
_SIGNIFICANT = 4  # letters of a word that makes a title worth searching for


@dataclass(frozen=True)
class SmokeCheck:
    """A query that must find something on a new version; with `page_id`, that page."""

    query: str
    page_id: str | None = None


def smoke_checks(config: JobConfig, titles: Mapping[str, str]) -> list[SmokeCheck]:
    """The operator's smoke queries; else up to SMOKE_PAGES pages of `titles` (page id ->
    title, the pages of the version), spread over their ids, that have a title no other
    page has with a word of some letters in it, each searched for by its title."""
    if config.smoke_queries:
        return [SmokeCheck(query) for query in config.smoke_queries]
    shared = Counter(title.casefold().strip() for title in titles.values())
    candidates = sorted(
        page_id for page_id, title in titles.items()
        if shared[title.casefold().strip()] == 1
        and any(len(w) >= _SIGNIFICANT and w.isalpha() for w in _WORD.findall(title))
    )
    if len(candidates) > SMOKE_PAGES:
        last = len(candidates) - 1
        candidates = [candidates[round(k * last / (SMOKE_PAGES - 1))] for k in range(SMOKE_PAGES)]
    return [
        SmokeCheck(" ".join(_WORD.findall(titles[page_id])[:_QUERY_WORDS]), page_id)
        for page_id in candidates
    ]


def verify_version(
    job: Job, version: str, expected: dict[str, str], expected_count: int, exact: bool,
    titles: Mapping[str, str],
) -> None:
    """Check `version`; each failed check becomes a problem of the job.

    It must hold `expected_count` pages; the pages of `expected` (id -> content hash) with
    those hashes (with `exact`, no other page); a sample of raw records must give the hashes
    it holds; and the smoke checks (`titles`: id -> title of the pages it holds) must pass.
    """
    with job.timed("verify"):
        count = job.engine.count(version)
        if count != expected_count:
            job.fail(f"version {version} holds {count} pages, expected {expected_count} "
                     f"(pages read {job.report.pages_read}, minus rejected pages)")
        held = job.engine.content_hashes(version)
        wrong = [i for i, h in expected.items() if held.get(i) != h]
        extra = sorted(set(held) - set(expected)) if exact else []
        if wrong:
            job.fail(f"{len(wrong)} page(s) missing or with another content hash in "
                     f"{version}, e.g. {', '.join(sorted(wrong)[:5])}")
        if extra:
            job.fail(f"{len(extra)} page(s) in {version} that were not written, "
                     f"e.g. {', '.join(extra[:5])}")
        _sample_against_source(job, held)
        _smoke(job, version, {i: t for i, t in titles.items() if i in held})


def _sample_against_source(job: Job, held: dict[str, str]) -> None:
    """Re-read a random sample of records from the raw store: their pages' hashes must be
    those the index holds (catches a worker that parsed something else than the source)."""
    records = list(job.store.records())
    sample = random.Random(len(records)).sample(records, min(_SOURCE_SAMPLE, len(records)))
    rejected = {r.page_id for r in job.report.rejected}
    for loaded in load_urls(job.store, [r.url for r in sample], job.config.max_input_bytes):
        for page_id, page_hash in loaded.page_hashes:
            if page_id not in rejected and held.get(page_id) != page_hash:
                job.fail(f"page {page_id} of {loaded.url}: the index holds another "
                         "content hash than the raw store gives")


def _smoke(job: Job, version: str, titles: Mapping[str, str]) -> None:
    checks = smoke_checks(job.config, titles)
    job.report.smoke_queries = [check.query for check in checks]
    if not checks and titles:
        job.note("no smoke check: no page has a title of its own to search for")
    searcher = Searcher.from_settings(job.engine, job.config.settings)
    for check in checks:
        size = job.config.smoke_hits if check.page_id else 1
        # Words only: a smoke query checks what the version holds, not what is near it.
        request = SearchRequest(query=check.query, size=size, semantic=0.0)
        try:
            found = searcher.search(request, version=version)
        except SiteSearchError as exc:
            job.fail(f"smoke query {check.query!r} failed on {version}: {exc}")
            continue
        if check.page_id is None:
            if found.total == 0:
                job.fail(f"smoke query {check.query!r} found nothing on {version}")
        elif all(hit.id != check.page_id for hit in found.hits):
            job.fail(f"smoke query {check.query!r} (the title of page {check.page_id}) did "
                     f"not find that page on {version}")
