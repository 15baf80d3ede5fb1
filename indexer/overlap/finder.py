"""The overlap finder: which passages of an article (or of a draft) already stand elsewhere.

Three stages, so that a check costs one engine call plus a little arithmetic:
1. candidates: the passages' LSH band keys (indexer.nlp.fingerprints), the rarest on the site
   first as long as the passages they are expected to bring fit the budget, in ONE
   `engine.passages_by_bands` call;
2. verification (indexer.overlap.align), pairs sharing the most keys first, with the site's
   boilerplate words masked so that template text never counts as duplication;
3. topical overlap, ranked apart: more like this (`indexer.search.related`) plus the entities
   both articles name.

A check has a budget (`Budget`): the passages read, the pairs aligned and the matches listed
are bounded; a check cut short says so (`truncated_by`), and every passage's coverage is still
computed from all the matches found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from indexer.errors import NotFound
from indexer.nlp.fingerprints import Words, passage_bands, text_words
from indexer.overlap.align import align, covered_indexes, masked
from indexer.overlap.boilerplate import Boilerplate
from indexer.overlap.limits import Budget, Thresholds
from indexer.overlap.models import (
    ArticleRef,
    Match,
    OverlapReport,
    PassageCoverage,
    PassageRef,
    RelatedRef,
    Span,
    Truncation,
)
from indexer.pages.models import EnrichedPage, EnrichedPassage
from indexer.search.related import related_articles as more_like_this

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.search.values import StoredPassage


@dataclass(frozen=True, slots=True)
class Probe:
    """A passage to check: its reference, its words (`compare`: with the boilerplate masked),
    the indexes of its boilerplate words, and its band keys."""

    ref: PassageRef
    words: Words
    compare: Words
    boilerplate: frozenset[int]
    bands: frozenset[str]
    compared: bool


def probes_of(
    page: EnrichedPage, article_id: str | None, limits: Thresholds, boilerplate: Boilerplate
) -> list[Probe]:
    """The passages of an enriched page, ready to be checked."""
    return [_probe(p, article_id, limits, boilerplate) for p in page.passages]


def _probe(
    passage: EnrichedPassage, article_id: str | None, limits: Thresholds,
    boilerplate: Boilerplate,
) -> Probe:
    p = passage.passage
    ref = PassageRef(
        id=p.id, article_id=article_id, index=p.index, section=p.section_heading,
        anchor=p.anchor, text=p.text,
    )
    words = text_words(p.text)
    mask = boilerplate.positions(words)
    bands = frozenset(passage_bands(passage.lemmas))
    compared = len(words) - len(mask) >= limits.min_passage_words and bool(bands)
    return Probe(ref, words, masked(words, mask), mask, bands, compared)


def stored_ref(stored: StoredPassage) -> PassageRef:
    return PassageRef(
        id=stored.id, article_id=stored.article_id, index=stored.index,
        section=stored.section_heading, anchor=stored.anchor, text=stored.text,
    )


def as_match(probe: Probe, other: StoredPassage, spans: Sequence[Span]) -> Match:
    """The Match of a probe and a stored passage with the spans they share."""
    similarity = min(1.0, sum(span.matched for span in spans) / len(probe.words))
    return Match(
        passage=probe.ref,
        other_article=ArticleRef(id=other.article_id, title=other.article_title),
        other_passage=stored_ref(other),
        similarity=round(similarity, 3),
        spans=tuple(spans),
    )


def find_overlaps(
    engine: Engine, page: EnrichedPage, article_id: str | None, limits: Thresholds,
    budget: Budget | None = None, boilerplate: Boilerplate | None = None,
    related_limit: int = 5,
) -> OverlapReport:
    """The overlap report of an enriched page (stored under `article_id`, or a draft: None).

    Candidates come from ONE `passages_by_bands` call for all passages of the page; passages
    of the page itself are never compared with each other.
    """
    budget = budget or Budget()
    boilerplate = boilerplate or Boilerplate(pages=0, articles=0, size=0)
    probes = probes_of(page, article_id, limits, boilerplate)
    truncated: list[Truncation] = []
    matches = _verified_matches(
        engine, probes, article_id, limits, budget, boilerplate, truncated
    )
    shown = _shown(matches, budget, truncated)
    positions = {id(match): number for number, match in enumerate(shown)}
    passages = []
    for probe in probes:
        own = [m for m in matches if m.passage.id == probe.ref.id]
        duplicated = covered_indexes(probe.words, [s for m in own for s in m.spans])
        duplicated -= probe.boilerplate
        own_words = len(probe.words) - len(probe.boilerplate)
        passages.append(PassageCoverage(
            passage=probe.ref, words=len(probe.words), boilerplate_words=len(probe.boilerplate),
            duplicated_words=len(duplicated),
            coverage=round(len(duplicated) / own_words, 4) if own_words else 0.0,
            compared=probe.compared,
            boilerplate=2 * len(probe.boilerplate) >= len(probe.words) > 0,
            matches=tuple(positions[id(m)] for m in own if id(m) in positions),
        ))
    total = sum(p.words for p in passages)
    boilerplate_words = sum(p.boilerplate_words for p in passages)
    duplicated_words = sum(p.duplicated_words for p in passages)
    own_total = total - boilerplate_words
    return OverlapReport(
        article=ArticleRef(id=article_id, title=page.page.title, url=page.page.url),
        words=total,
        boilerplate_words=boilerplate_words,
        duplicated_fraction=round(duplicated_words / own_total, 4) if own_total else 0.0,
        truncated=bool(truncated),
        truncated_by=tuple(truncated),
        matches=tuple(_with_urls(engine, shown)),
        matches_found=len(matches),
        passages=tuple(passages),
        related=tuple(related_articles(engine, page, article_id, related_limit)),
    )


def _verified_matches(
    engine: Engine, probes: Sequence[Probe], article_id: str | None, limits: Thresholds,
    budget: Budget, boilerplate: Boilerplate, truncated: list[Truncation],
) -> list[Match]:
    """Every verified (probe, stored passage) match, within the budget's candidates and
    comparisons; pairs sharing more band keys are aligned first."""
    compared = [p for p in probes if p.compared]
    bands = _rarest_bands(set().union(*(p.bands for p in compared)), boilerplate, budget)
    if not bands:
        return []
    candidates = engine.passages_by_bands(
        bands, exclude_article=article_id, limit=budget.max_candidates
    )
    if len(candidates) >= budget.max_candidates:
        truncated.append(Truncation(limit="candidates", value=budget.max_candidates))
    probes_of_band: dict[str, list[int]] = defaultdict(list)
    for number, probe in enumerate(compared):
        for band in probe.bands:
            probes_of_band[band].append(number)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for other, stored in enumerate(candidates):
        if stored.article_id != article_id:
            for band in stored.bands:
                for number in probes_of_band.get(band, ()):
                    shared[(number, other)] += 1
    order = sorted(shared, key=lambda pair: (-shared[pair], pair))
    matches: list[Match] = []
    # The same text can stand in several articles: align each (probe, text) pair once.
    outcomes: dict[tuple[int, str], list[Span]] = {}
    words: dict[str, Words] = {}
    for number, other in order:
        stored = candidates[other]
        key = (number, stored.text)
        if key not in outcomes:
            if len(outcomes) >= budget.max_comparisons:
                truncated.append(Truncation(limit="comparisons", value=budget.max_comparisons))
                break
            if stored.text not in words:
                words[stored.text] = _stored_words(stored, limits, boilerplate)
            outcomes[key] = align(compared[number].compare, words[stored.text], limits)
        if outcomes[key]:
            matches.append(as_match(compared[number], stored, outcomes[key]))
    matches.sort(key=lambda m: (m.passage.index, -m.similarity, m.other_passage.id))
    return matches


def _rarest_bands(bands: set[str], boilerplate: Boilerplate, budget: Budget) -> list[str]:
    """The band keys to ask for: the rarest on the site first, as long as the articles that
    carry them fit the candidate budget (a key only a few articles carry is always asked)."""
    counts = boilerplate.band_articles
    chosen = []
    expected = 0
    for band in sorted(bands, key=lambda b: (counts.get(b, 0), b)):
        expected += counts.get(band, 0)
        if expected > budget.max_candidates:
            break
        chosen.append(band)
    return chosen


def _stored_words(stored: StoredPassage, limits: Thresholds, boilerplate: Boilerplate) -> Words:
    words = text_words(stored.text)
    mask = boilerplate.positions(words)
    if len(words) - len(mask) < limits.min_passage_words:
        return text_words("")  # too short to compare: aligns with nothing
    return masked(words, mask)


def _shown(
    matches: Sequence[Match], budget: Budget, truncated: list[Truncation]
) -> list[Match]:
    """The matches an answer lists: the best few per passage, at most `max_matches`."""
    per_passage: dict[str, int] = defaultdict(int)
    shown = []
    for match in matches:  # in passage order, the most similar first
        per_passage[match.passage.id] += 1
        if per_passage[match.passage.id] <= budget.max_matches_per_passage:
            shown.append(match)
    if len(shown) < len(matches):
        truncated.append(
            Truncation(limit="matches_per_passage", value=budget.max_matches_per_passage)
        )
    if len(shown) > budget.max_matches:
        truncated.append(Truncation(limit="matches", value=budget.max_matches))
        shown = shown[: budget.max_matches]
    return shown


def _with_urls(engine: Engine, matches: Sequence[Match]) -> list[Match]:
    """The matches with their other article's URL (when it has one of its own)."""
    urls: dict[str, str | None] = {}
    found = []
    for match in matches:
        article_id = match.other_article.id
        if article_id is None:
            found.append(match)
            continue
        if article_id not in urls:
            try:
                urls[article_id] = engine.get_page(article_id).page.url
            except NotFound:  # deleted since the query
                urls[article_id] = None
        article = match.other_article.model_copy(update={"url": urls[article_id]})
        found.append(match.model_copy(update={"other_article": article}))
    return found


def related_articles(
    engine: Engine, page: EnrichedPage, article_id: str | None, limit: int
) -> list[RelatedRef]:
    """Articles on the same subject (more-like-this), with the entity values both name."""
    text = "\n\n".join([page.page.title, page.page.body_text()])
    mine = _entity_values(page)
    found = []
    for related in more_like_this(engine, text, exclude_article=article_id, limit=limit):
        url: str | None = None
        try:
            other = engine.get_page(related.article_id)
        except NotFound:  # deleted since the query: no entities to share
            shared: tuple[str, ...] = ()
        else:
            shared = tuple(sorted(mine & _entity_values(other)))
            url = other.page.url
        found.append(
            RelatedRef(
                article=ArticleRef(id=related.article_id, title=related.title, url=url),
                score=round(related.score, 4),
                shared_entities=shared,
            )
        )
    # Same subject first; among equals, the ones naming more of the same things.
    found.sort(key=lambda r: (-r.score, -len(r.shared_entities)))
    return found


def _entity_values(page: EnrichedPage) -> set[str]:
    return {e.value for e in page.entities}
