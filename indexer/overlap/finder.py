"""The overlap finder: which passages of an article (or of a draft) already stand elsewhere.

Three stages, so that a check costs one engine call plus a little arithmetic:
1. candidates: the passage's LSH band keys (indexer.nlp.fingerprints) in ONE
   `engine.passages_by_bands` call;
2. verification: the two texts aligned word by word (difflib on comparison terms); runs of
   matching words close to each other are merged into spans, and a span counts when it is long
   enough (`overlap_min_span_words`) and similar enough (`overlap_threshold`);
3. topical overlap, ranked apart: more like this (`indexer.search.related`) plus the entities both
   articles name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from indexer.errors import InputError, NotFound
from indexer.nlp.fingerprints import Words, passage_bands, text_words
from indexer.pages.models import EnrichedPage, EnrichedPassage, Page
from indexer.search.related import related_articles as more_like_this

if TYPE_CHECKING:
    from indexer.search.port import Engine
    from indexer.search.values import StoredPassage
    from indexer.settings import Settings

# Words that may stand between two matching runs of one span (an inserted adjective, a
# changed verb). Measured on the seeds: 3 joins "de regulatie van [de] NMDA-receptor" but
# not unrelated sentences that share a few function words.
MAX_GAP = 3
# Distinct content words a span must share (matched, not just spanned): "De relatie tussen X
# en Y is complex" shares only a sentence frame (relatie, complex), not text worth reporting.
MIN_SPAN_CONTENT = 3
# Candidate passages asked from the engine per check (one terms query).
CANDIDATE_LIMIT = 1000


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(_Value):
    """Aligned overlapping text: [start, end) in the passage, [other_start, other_end) there."""

    start: int
    end: int
    other_start: int
    other_end: int
    words: int  # words of the passage inside the span
    matched: int  # of which the same in the other passage
    similarity: float


class PassageRef(_Value):
    id: str
    article_id: str | None
    index: int
    section: str | None
    anchor: str | None
    text: str


class ArticleRef(_Value):
    id: str | None
    title: str


class Match(_Value):
    """A passage pair with verified duplicate text; `similarity` = share of `passage`'s words
    that stand, in the same order, in the other passage (1.0: a verbatim copy)."""

    passage: PassageRef
    other_article: ArticleRef
    other_passage: PassageRef
    similarity: float
    spans: tuple[Span, ...]


class RelatedRef(_Value):
    article: ArticleRef
    score: float
    shared_entities: tuple[str, ...]


class OverlapReport(_Value):
    """The overlap of one article or draft with the rest of the site."""

    article: ArticleRef
    words: int
    duplicated_fraction: float
    truncated: bool = False  # more candidate passages than were checked (CANDIDATE_LIMIT)
    matches: tuple[Match, ...]
    related: tuple[RelatedRef, ...]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Verification limits (from settings)."""

    similarity: float = 0.6
    min_passage_words: int = 12
    min_span_words: int = 7
    max_gap: int = MAX_GAP

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            similarity=settings.overlap_threshold,
            min_passage_words=settings.overlap_min_words,
            min_span_words=settings.overlap_min_span_words,
        )


def align(
    a: Words, b: Words, limits: Thresholds, matcher: SequenceMatcher[str] | None = None
) -> list[Span]:
    """The overlapping spans of two texts' words, in the order of `a`.

    Matching runs (difflib, on comparison terms) with at most `max_gap` words between them in
    both texts form one span; a span is kept when it has at least `min_span_words` words in
    the longer text, the share of matching words, over the longer side, is at least
    `similarity`, and it shares MIN_SPAN_CONTENT distinct content words. Runs of function
    words alone never start or end a span. `matcher`, if given, already holds `b.terms` as
    its second sequence (difflib indexes it once for many `a`).
    """
    if not a or not b or len(a.content_terms & b.content_terms) < MIN_SPAN_CONTENT:
        return []  # no span can share enough content words: skip the alignment
    if matcher is None:
        matcher = SequenceMatcher(None, a.terms, b.terms, autojunk=False)
    else:
        matcher.set_seq1(a.terms)
    blocks = [(i, j, n) for i, j, n in matcher.get_matching_blocks() if n]
    spans: list[Span] = []
    chain: list[tuple[int, int, int]] = []
    for block in [*blocks, (len(a) + limits.max_gap + 1, len(b) + limits.max_gap + 1, 0)]:
        if chain:
            pi, pj, pn = chain[-1]
            if block[0] - (pi + pn) <= limits.max_gap and block[1] - (pj + pn) <= limits.max_gap:
                chain.append(block)
                continue
            span = _span(a, b, chain, limits)
            if span is not None:
                spans.append(span)
        chain = [block]
    return spans


def _span(a: Words, b: Words, chain: list[tuple[int, int, int]], limits: Thresholds) -> Span | None:
    # Function words alone ("en", "van de") join runs but never start or end a span.
    anchored = [i for i, (ai, _, n) in enumerate(chain) if any(a.content[ai : ai + n])]
    if not anchored:
        return None
    chain = chain[anchored[0] : anchored[-1] + 1]
    a_start, b_start = chain[0][0], chain[0][1]
    a_end, b_end = chain[-1][0] + chain[-1][2], chain[-1][1] + chain[-1][2]
    length = max(a_end - a_start, b_end - b_start)
    matched = sum(n for _, _, n in chain)
    similarity = matched / length
    if length < limits.min_span_words:
        return None
    if similarity < limits.similarity:
        return None
    content = {a.terms[k] for ai, _, n in chain for k in range(ai, ai + n) if a.content[k]}
    if len(content) < MIN_SPAN_CONTENT:
        return None
    return Span(
        start=a.starts[a_start],
        end=a.ends[a_end - 1],
        other_start=b.starts[b_start],
        other_end=b.ends[b_end - 1],
        words=a_end - a_start,
        matched=matched,
        similarity=round(similarity, 3),
    )


def covered_words(words: Words, spans: Sequence[Span], other: bool = False) -> int:
    """How many of `words` stand inside at least one span (`other`: the spans' other side)."""
    return len(covered_indexes(words, spans, other))


def covered_indexes(words: Words, spans: Sequence[Span], other: bool = False) -> set[int]:
    """The indexes of `words` inside at least one span."""
    found: set[int] = set()
    for span in spans:
        start, end = (span.other_start, span.other_end) if other else (span.start, span.end)
        found.update(
            k for k in range(len(words)) if start <= words.starts[k] and words.ends[k] <= end
        )
    return found


@dataclass(frozen=True, slots=True)
class Probe:
    """A passage to check: its reference, words and band keys."""

    ref: PassageRef
    words: Words
    bands: frozenset[str]


def probes_of(page: EnrichedPage, article_id: str | None) -> list[Probe]:
    """The passages of an enriched page, ready to be checked."""
    return [_probe(p, article_id) for p in page.passages]


def _probe(passage: EnrichedPassage, article_id: str | None) -> Probe:
    p = passage.passage
    ref = PassageRef(
        id=p.id, article_id=article_id, index=p.index, section=p.section_heading,
        anchor=p.anchor, text=p.text,
    )
    return Probe(ref, text_words(p.text), frozenset(passage_bands(passage.lemmas)))


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
    related_limit: int = 5,
) -> OverlapReport:
    """The overlap report of an enriched page (stored under `article_id`, or a draft: None).

    Candidates come from ONE `passages_by_bands` call for all passages of the page; passages
    of the page itself are never compared with each other. `truncated` is set when more
    passages shared a key than the engine was asked for (CANDIDATE_LIMIT).
    """
    every = probes_of(page, article_id)
    probes = [p for p in every if len(p.words) >= limits.min_passage_words]
    all_bands = sorted(set().union(*(p.bands for p in probes))) if probes else []
    candidates = (
        engine.passages_by_bands(all_bands, exclude_article=article_id, limit=CANDIDATE_LIMIT)
        if all_bands else []
    )
    matches: list[Match] = []
    # The same text can stand in several articles: align each (probe, text) pair once.
    outcomes: dict[tuple[int, str], list[Span]] = {}
    for stored in candidates:
        words = text_words(stored.text)
        if stored.article_id == article_id or len(words) < limits.min_passage_words:
            continue
        matcher: SequenceMatcher[str] | None = None
        for number, probe in enumerate(probes):
            if probe.bands.isdisjoint(stored.bands):
                continue
            key = (number, stored.text)
            if key not in outcomes:
                if matcher is None:
                    matcher = SequenceMatcher(None, (), words.terms, autojunk=False)
                outcomes[key] = align(probe.words, words, limits, matcher)
            if outcomes[key]:
                matches.append(as_match(probe, stored, outcomes[key]))
    matches.sort(key=lambda m: (m.passage.index, -m.similarity, m.other_passage.id))
    total = sum(len(p.words) for p in every)
    duplicated = sum(
        covered_words(p.words, [s for m in matches if m.passage.id == p.ref.id for s in m.spans])
        for p in probes
    )
    return OverlapReport(
        article=ArticleRef(id=article_id, title=page.page.title),
        words=total,
        duplicated_fraction=round(duplicated / total, 4) if total else 0.0,
        truncated=len(candidates) >= CANDIDATE_LIMIT,
        matches=tuple(matches),
        related=tuple(related_articles(engine, page, article_id, related_limit)),
    )


def related_articles(
    engine: Engine, page: EnrichedPage, article_id: str | None, limit: int
) -> list[RelatedRef]:
    """Articles on the same subject (more-like-this), with the entity values both name."""
    text = "\n\n".join([page.page.title, page.page.body_text()])
    mine = _entity_values(page)
    found = []
    for related in more_like_this(engine, text, exclude_article=article_id, limit=limit):
        try:
            other = engine.get_page(related.article_id)
        except NotFound:  # deleted since the query: no entities to share
            shared: tuple[str, ...] = ()
        else:
            shared = tuple(sorted(mine & _entity_values(other)))
        found.append(
            RelatedRef(
                article=ArticleRef(id=related.article_id, title=related.title),
                score=round(related.score, 4),
                shared_entities=shared,
            )
        )
    # Same subject first; among equals, the ones naming more of the same things.
    found.sort(key=lambda r: (-r.score, -len(r.shared_entities)))
    return found


def _entity_values(page: EnrichedPage) -> set[str]:
    return {e.value for e in page.entities}


class OverlapService:
    """Overlap checks for the API and the CLI: a stored article, or a draft never indexed.

    The NLP pipeline (needed for drafts only) is built on first use, once per process.
    """

    def __init__(
        self, engine: Engine, settings: Settings, nlp: Any | None = None,
        nlp_factory: Callable[[Settings], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.limits = Thresholds.from_settings(settings)
        self._nlp = nlp
        self._nlp_factory = nlp_factory
        self._lock = threading.Lock()
        self._enrich_lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        with self._lock:
            if self._nlp is None:
                factory = self._nlp_factory
                if factory is None:
                    from indexer.nlp.pipeline import build_nlp

                    factory = build_nlp
                self._nlp = factory(self.settings)
            return self._nlp

    def article(self, article_id: str) -> OverlapReport:
        """The overlap of a stored article; raises NotFound for an unknown id."""
        page = self.engine.get_page(article_id)
        return find_overlaps(self.engine, page, article_id, self.limits)

    def draft(self, text: str, title: str = "Concept") -> OverlapReport:
        """The overlap of a draft (raw page text or plain paragraphs); nothing is indexed.

        Raises InputError for an empty draft or one over the size limit.
        """
        page = parse_draft(text, self.settings.overlap_max_draft_chars, title)
        from indexer.nlp.enrich import enrich_pages

        nlp = self.nlp
        with self._enrich_lock:  # one pipeline per process, shared by the server's threads
            enriched = enrich_pages(nlp, [page])[0]
        return find_overlaps(self.engine, enriched, None, self.limits)


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_draft(text: str, max_chars: int, title: str = "Concept") -> Page:
    """A draft's Page; InputError when it is empty, too long or not text."""
    if len(text) > max_chars:
        raise InputError(f"draft is too long: {len(text)} characters, at most {max_chars}")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r")
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise InputError("draft contains binary data (control characters), not text")
    if _SURROGATE.search(text) or _SURROGATE.search(title):
        # JSON can carry "\ud800" escapes that no UTF-8 text holds.
        raise InputError("draft contains invalid characters (unpaired UTF-16 surrogates)")
    if not text.strip():
        raise InputError("draft text is empty")
    from indexer.pages.parsing import parse_plain_text

    page = parse_plain_text(text, title=title)
    if not page.passages():
        raise InputError("draft has no paragraphs to compare")
    return page
