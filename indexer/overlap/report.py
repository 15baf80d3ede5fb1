"""The site-wide overlap report: how much of each article stands elsewhere on the site, and
which passages repeat across articles (clusters).

One pass over the live index (`engine.iter_passages`, which carries each passage's LSH band
keys): passages are bucketed by band key in memory, each pair of passages of different
articles sharing a bucket is verified once (indexer.overlap.finder.align), and verified pairs are
joined into clusters with union-find.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict

from indexer.nlp.fingerprints import Words, text_words
from indexer.overlap.finder import (
    ArticleRef,
    PassageRef,
    Thresholds,
    align,
    covered_indexes,
    stored_ref,
)

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.search.values import StoredPassage

_T = TypeVar("_T")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArticleOverlap(_Value):
    article: ArticleRef
    words: int
    duplicated_words: int
    duplicated_fraction: float
    matches: int


class PassageCluster(_Value):
    """Passages of several articles that repeat one another (joined by verified pairs)."""

    articles: int
    passages: tuple[PassageRef, ...]


class SiteReport(_Value):
    passages: int
    candidate_pairs: int
    verified_pairs: int
    articles: tuple[ArticleOverlap, ...]
    clusters: tuple[PassageCluster, ...]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def candidate_pairs(
    passages: Sequence[StoredPassage], eligible: Sequence[bool] | None = None
) -> set[tuple[int, int]]:
    """Index pairs (i < j) of passages of different articles sharing at least one band key
    (among the `eligible` ones, by default all)."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for index, passage in enumerate(passages):
        if eligible is None or eligible[index]:
            for band in passage.bands:
                buckets[band].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        for i, j in combinations(members, 2):
            if passages[i].article_id != passages[j].article_id:
                pairs.add((i, j))
    return pairs


def site_report(
    engine: Engine, limits: Thresholds, progress: bool = False
) -> SiteReport:
    """The overlap of every article of the live index with the rest of the site.

    `progress` shows tqdm bars on standard error (the CLI turns it on for a terminal).
    """
    return report_of(list(engine.iter_passages()), limits, progress)


def report_of(
    passages: Sequence[StoredPassage], limits: Thresholds, progress: bool = False
) -> SiteReport:
    """The site report of a list of stored passages (the pure part of `site_report`)."""
    words = [text_words(p.text) for p in _bar(passages, progress, "woorden")]
    # Passages too short to compare never enter a bucket (headings, one-line items).
    eligible = [len(w) >= limits.min_passage_words for w in words]
    pairs = sorted(candidate_pairs(passages, eligible))
    # Repeated passages are the very thing we look for, so the same two texts meet again and
    # again: each pair of distinct texts is aligned once.
    text_ids: dict[str, int] = {}
    texts = [text_ids.setdefault(p.text, len(text_ids)) for p in passages]
    outcomes: dict[tuple[int, int], tuple[set[int], set[int]] | None] = {}
    covered: list[set[int]] = [set() for _ in passages]
    matches_of: dict[str, int] = defaultdict(int)
    joined = _UnionFind()
    verified = 0
    for i, j in _bar(pairs, progress, "paren"):
        key = (texts[i], texts[j])
        if key not in outcomes:
            spans = align(words[i], words[j], limits)
            outcomes[key] = (
                (covered_indexes(words[i], spans), covered_indexes(words[j], spans, other=True))
                if spans else None
            )
        outcome = outcomes[key]
        if outcome is None:
            continue
        verified += 1
        covered[i].update(outcome[0])
        covered[j].update(outcome[1])
        matches_of[passages[i].article_id] += 1
        matches_of[passages[j].article_id] += 1
        joined.union(i, j)
    return SiteReport(
        passages=len(passages),
        candidate_pairs=len(pairs),
        verified_pairs=verified,
        articles=tuple(_articles(passages, words, covered, matches_of)),
        clusters=tuple(_clusters(passages, joined)),
    )


def _articles(
    passages: Sequence[StoredPassage], words: Sequence[Words],
    covered: Sequence[set[int]], matches_of: dict[str, int],
) -> list[ArticleOverlap]:
    totals: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for passage, its_words, its_covered in zip(passages, words, covered, strict=True):
        counts = totals.setdefault(passage.article_id, [0, 0])
        counts[0] += len(its_words)
        counts[1] += len(its_covered)
        titles[passage.article_id] = passage.article_title
    found = [
        ArticleOverlap(
            article=ArticleRef(id=article_id, title=titles[article_id]),
            words=total,
            duplicated_words=duplicated,
            duplicated_fraction=round(duplicated / total, 4) if total else 0.0,
            matches=matches_of.get(article_id, 0),
        )
        for article_id, (total, duplicated) in totals.items()
    ]
    found.sort(key=lambda a: (-a.duplicated_fraction, a.article.id or ""))
    return found


def _clusters(passages: Sequence[StoredPassage], joined: _UnionFind) -> list[PassageCluster]:
    groups: dict[int, list[int]] = defaultdict(list)
    for index in list(joined.parent):
        groups[joined.find(index)].append(index)
    clusters = [
        PassageCluster(
            articles=len({passages[i].article_id for i in members}),
            passages=tuple(stored_ref(passages[i]) for i in sorted(members)),
        )
        for members in groups.values()
    ]
    clusters.sort(key=lambda c: (-c.articles, -len(c.passages), c.passages[0].id))
    return clusters


def _bar(items: Sequence[_T], progress: bool, what: str) -> Iterable[_T]:
    if not progress:
        return items
    from tqdm import tqdm  # type: ignore[import-untyped]

    bar: Iterable[_T] = tqdm(items, desc=what, unit="", leave=False)
    return bar


def render_html(report: SiteReport, limit: int = 200) -> str:
    """The report as a standalone Dutch HTML page (every text escaped)."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{e(a.article.title)}<br><code>{e(a.article.id or '')}</code></td>"
        f"<td>{a.duplicated_fraction:.0%}</td><td>{a.duplicated_words} / {a.words}</td>"
        f"<td>{a.matches}</td></tr>"
        for a in report.articles[:limit]
    )
    clusters = "\n".join(
        "<li><ul>"
        + "".join(
            f"<li><strong>{e(p.article_id or '')}</strong> "
            f"({e(p.section or 'inleiding')}): {e(p.text[:300])}</li>"
            for p in cluster.passages
        )
        + "</ul></li>"
        for cluster in report.clusters[:limit]
    )
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Overlaprapport</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:.3em .6em}}</style>
</head><body><main>
<h1>Overlaprapport van de site</h1>
<p>{report.passages} passages, {report.candidate_pairs} kandidaatparen,
{report.verified_pairs} paren met gedeelde tekst.</p>
<h2>Per artikel</h2>
<table><thead><tr><th scope="col">Artikel</th><th scope="col">Gedupliceerd</th>
<th scope="col">Woorden</th><th scope="col">Overeenkomsten</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Herhaalde passages</h2>
<ol>
{clusters}
</ol>
</main></body></html>
"""
