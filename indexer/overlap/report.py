"""The site-wide overlap report: how much of each article stands elsewhere on the site, which
passages repeat one another (clusters), and which text is the site's boilerplate.

One pass over the live index (`engine.iter_passages`, which carries each passage's LSH band
keys):
1. boilerplate: word runs on many articles (indexer.overlap.boilerplate); its words are
   masked;
2. candidates: passages of different articles sharing a pair of consecutive content words of
   their own text, rarest pairs first within a budget of pairs per passage, enumerated per
   passage (no global list of pairs: a large site has millions); each pair of distinct texts
   is aligned once;
3. clusters that do not chain: a representative passage (the one repeated by most articles
   first) and the passages that repeat it, each of which also repeats every other member
   (verified pair by pair), so a cluster is one text, never friends of friends; every
   verified pair stands in some cluster;
4. order by editorial value: clusters by words repeated x articles, articles by duplicated
   words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict

from indexer.nlp.fingerprints import Words, text_words
from indexer.overlap.align import align, covered_indexes, masked
from indexer.overlap.boilerplate import Boilerplate, BoilerplateStore, find_boilerplate
from indexer.overlap.finder import stored_ref
from indexer.overlap.limits import Thresholds
from indexer.overlap.models import ArticleRef, PassageRef

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.search.values import StoredPassage

_T = TypeVar("_T")
# Candidate pairs a report may propose, per passage of the site (see `_largest_bucket`).
PAIRS_PER_PASSAGE = 40


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArticleOverlap(_Value):
    """An article's words, its boilerplate words, and how many of the others stand elsewhere
    (`duplicated_fraction` is out of the words that are not boilerplate)."""

    article: ArticleRef
    words: int
    boilerplate_words: int
    duplicated_words: int
    duplicated_fraction: float
    matches: int
    shared_with: int  # other articles it shares text with


class PassageCluster(_Value):
    """Passages of several articles that all repeat the first one (the representative) and
    one another; `words` of the representative stand in the others."""

    articles: int
    words: int
    passages: tuple[PassageRef, ...]


class BoilerplateText(_Value):
    """A run of boilerplate ("standaardtekst") and the articles that carry it."""

    text: str
    words: int
    pages: int
    articles: tuple[ArticleRef, ...]


class SiteReport(_Value):
    passages: int
    candidate_pairs: int
    verified_pairs: int
    boilerplate_pages: int  # articles a text must stand on to count as boilerplate
    articles: tuple[ArticleOverlap, ...]
    clusters: tuple[PassageCluster, ...]
    boilerplate: tuple[BoilerplateText, ...]


Covered = tuple[frozenset[int], frozenset[int]]


class _Pairs:
    """Verification of passage pairs, each pair of distinct texts aligned once."""

    def __init__(self, passages: Sequence[StoredPassage], words: Sequence[Words],
                 masks: Sequence[frozenset[int]], limits: Thresholds) -> None:
        text_ids: dict[str, int] = {}
        self.texts = [text_ids.setdefault(p.text, len(text_ids)) for p in passages]
        self.words = [masked(w, m) for w, m in zip(words, masks, strict=True)]
        self.masks = masks
        self.limits = limits
        self.outcomes: dict[tuple[int, int], Covered | None] = {}

    def outcome(self, i: int, j: int) -> Covered | None:
        """The words of i and of j inside the spans they share (None: no shared span)."""
        key = (self.texts[i], self.texts[j])
        if key not in self.outcomes:
            spans = align(self.words[i], self.words[j], self.limits)
            self.outcomes[key] = (
                (frozenset(covered_indexes(self.words[i], spans)) - self.masks[i],
                 frozenset(covered_indexes(self.words[j], spans, other=True)) - self.masks[j])
                if spans else None
            )
        return self.outcomes[key]


def site_report(
    engine: Engine, limits: Thresholds, progress: bool = False,
    store: BoilerplateStore | None = None,
) -> SiteReport:
    """The overlap of every article of the live index with the rest of the site.

    `progress` shows tqdm bars on standard error (the CLI turns it on for a terminal);
    `store` keeps the boilerplate found for the checks of single articles and drafts.
    """
    report, boilerplate = analyse(list(engine.iter_passages()), limits, progress)
    if store is not None:
        store.store(boilerplate)
    return report


def report_of(
    passages: Sequence[StoredPassage], limits: Thresholds, progress: bool = False
) -> SiteReport:
    """The site report of a list of stored passages (the pure part of `site_report`)."""
    return analyse(passages, limits, progress)[0]


def analyse(
    passages: Sequence[StoredPassage], limits: Thresholds, progress: bool = False
) -> tuple[SiteReport, Boilerplate]:
    """The site report of a list of stored passages, and the site's boilerplate."""
    words = [text_words(p.text) for p in _bar(passages, progress, "woorden")]
    site = find_boilerplate(passages, words, limits)
    masks = site.positions
    pairs = _Pairs(passages, words, masks, limits)
    # Passages whose own text is too short to compare never enter a bucket.
    eligible = [
        len(w) - len(m) >= limits.min_passage_words for w, m in zip(words, masks, strict=True)
    ]
    keys = [
        _pair_keys(w, m) if ok else frozenset()
        for w, m, ok in zip(words, masks, eligible, strict=True)
    ]
    buckets: dict[int, list[int]] = defaultdict(list)
    for number, its_keys in enumerate(keys):
        for key in its_keys:
            buckets[key].append(number)
    largest = _largest_bucket(buckets, PAIRS_PER_PASSAGE * len(passages))
    edges: dict[int, dict[int, Covered]] = defaultdict(dict)
    candidates = 0
    for i in _bar(range(len(passages)), progress, "passages"):
        if not eligible[i]:
            continue
        others = {
            j for key in keys[i] if len(buckets[key]) <= largest for j in buckets[key] if j > i
        }
        for j in sorted(others):
            if passages[j].article_id == passages[i].article_id:
                continue
            candidates += 1
            outcome = pairs.outcome(i, j)
            if outcome is not None:
                edges[i][j] = outcome
                edges[j][i] = (outcome[1], outcome[0])
    return SiteReport(
        passages=len(passages),
        candidate_pairs=candidates,
        verified_pairs=sum(len(others) for others in edges.values()) // 2,
        boilerplate_pages=site.boilerplate.pages,
        articles=tuple(_articles(passages, words, masks, edges)),
        clusters=tuple(_clusters(passages, edges, pairs)),
        boilerplate=tuple(_boilerplate_texts(passages, words, masks)),
    ), site.boilerplate


def _pair_keys(words: Words, mask: frozenset[int]) -> frozenset[int]:
    """The candidate keys of a passage: each pair of consecutive content words of its own
    text (boilerplate left out), as the band keys of the index are made of pairs of content
    lemmas; here of the very words that verification aligns."""
    content = [t for k, (t, c) in enumerate(zip(words.terms, words.content, strict=True))
               if c and k not in mask]
    return frozenset(hash(pair) for pair in pairwise(content))


def _largest_bucket(buckets: dict[int, list[int]], budget: int) -> int:
    """The largest bucket that proposes candidates: buckets from the smallest up, as long as
    the pairs they propose fit `budget`. A copied sentence shares its rarer word pairs too;
    the commonest pairs of words ("het gereedschap", "de afbeelding") would propose most of
    the site to most of the site."""
    proposed = 0
    largest = 1
    for size in sorted(len(members) for members in buckets.values()):
        proposed += size * (size - 1) // 2
        if proposed > budget:
            break
        largest = size
    return largest


def _articles(
    passages: Sequence[StoredPassage], words: Sequence[Words],
    masks: Sequence[frozenset[int]], edges: dict[int, dict[int, Covered]],
) -> list[ArticleOverlap]:
    totals: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    shared: dict[str, set[str]] = defaultdict(set)
    for number, passage in enumerate(passages):
        covered = set().union(*(mine for mine, _ in edges.get(number, {}).values()))
        counts = totals.setdefault(passage.article_id, [0, 0, 0, 0])
        counts[0] += len(words[number])
        counts[1] += len(masks[number])
        counts[2] += len(covered)
        counts[3] += len(edges.get(number, {}))
        shared[passage.article_id].update(passages[j].article_id for j in edges.get(number, {}))
        titles[passage.article_id] = passage.article_title
    found = []
    for article_id, (total, boilerplate, duplicated, matches) in totals.items():
        own = total - boilerplate
        found.append(ArticleOverlap(
            article=ArticleRef(id=article_id, title=titles[article_id]),
            words=total,
            boilerplate_words=boilerplate,
            duplicated_words=duplicated,
            duplicated_fraction=round(duplicated / own, 4) if own else 0.0,
            matches=matches,
            shared_with=len(shared[article_id]),
        ))
    found.sort(key=lambda a: (-a.duplicated_words, -a.duplicated_fraction, a.article.id or ""))
    return found


def _clusters(
    passages: Sequence[StoredPassage], edges: dict[int, dict[int, Covered]], pairs: _Pairs
) -> list[PassageCluster]:
    """One cluster per text repeated: a representative and the passages of other articles
    repeating it that also repeat one another. A passage repeating two different texts (one
    with each of two articles) is the representative of two clusters, never a bridge."""

    def repeated(i: int) -> int:  # words of i that some other passage repeats
        return len(set().union(*(mine for mine, _ in edges[i].values())))

    def articles_around(i: int) -> int:
        return len({passages[j].article_id for j in edges[i]})

    seeds = sorted(edges, key=lambda i: (-articles_around(i), -repeated(i), passages[i].id))
    shown_pairs: set[tuple[int, int]] = set()
    clusters = []
    for seed in seeds:
        while around := [j for j in edges[seed] if _pair(seed, j) not in shown_pairs]:
            # The passages repeating most of the representative first.
            around.sort(key=lambda j: (-len(edges[seed][j][0]), passages[j].id))
            members = [seed]
            articles = {passages[seed].article_id}
            shown: set[int] = set()
            for j in around:
                if passages[j].article_id in articles:
                    continue
                if all(_verified(j, m, edges, pairs) for m in members[1:]):
                    members.append(j)
                    articles.add(passages[j].article_id)
                    shown |= edges[seed][j][0]
            shown_pairs.update(_pair(a, b) for a in members for b in members if a < b)
            clusters.append(PassageCluster(
                articles=len(articles), words=len(shown),
                passages=tuple(stored_ref(passages[i]) for i in members),
            ))
    clusters.sort(key=lambda c: (-c.words * c.articles, c.passages[0].id))
    return clusters


def _pair(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def _verified(i: int, j: int, edges: dict[int, dict[int, Covered]], pairs: _Pairs) -> bool:
    if j in edges.get(i, {}):
        return True
    # Never candidates, or not verified: decide by aligning them (once per pair of texts).
    return pairs.outcome(*_pair(i, j)) is not None


def _boilerplate_texts(
    passages: Sequence[StoredPassage], words: Sequence[Words], masks: Sequence[frozenset[int]]
) -> list[BoilerplateText]:
    """Each maximal run of boilerplate words, once, with the articles that carry it."""
    texts: dict[tuple[str, ...], str] = {}
    carriers: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
    for passage, its_words, mask in zip(passages, words, masks, strict=True):
        for first, last in _runs(sorted(mask)):
            key = its_words.terms[first : last + 1]
            texts.setdefault(key, passage.text[its_words.starts[first] : its_words.ends[last]])
            carriers[key][passage.article_id] = passage.article_title
    found = [
        BoilerplateText(
            text=texts[key], words=len(key), pages=len(carriers[key]),
            articles=tuple(ArticleRef(id=i, title=t) for i, t in sorted(carriers[key].items())),
        )
        for key in texts
    ]
    found.sort(key=lambda b: (-b.words * b.pages, b.text))
    return found


def _runs(indexes: list[int]) -> Iterable[tuple[int, int]]:
    """(first, last) of each run of consecutive numbers in sorted `indexes`."""
    start = previous = None
    for index in indexes:
        if previous is None or index != previous + 1:
            if start is not None and previous is not None:
                yield start, previous
            start = index
        previous = index
    if start is not None and previous is not None:
        yield start, previous


def _bar(items: Sequence[_T], progress: bool, what: str) -> Iterable[_T]:
    if not progress:
        return items
    from tqdm import tqdm  # type: ignore[import-untyped]

    bar: Iterable[_T] = tqdm(items, desc=what, unit="", leave=False)
    return bar
