"""The values of an overlap check, as the API and the CLI show them (pydantic, frozen)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
    url: str | None = None  # the live article's own URL, when it has one


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


class PassageCoverage(_Value):
    """One passage of the checked article or draft, in order, with how much of it stands
    elsewhere. `coverage` is the share of its own words (boilerplate left out) inside verified
    spans; `compared` is False when its own text is too short to compare, or boilerplate;
    `matches` are indexes into the report's `matches`."""

    passage: PassageRef
    words: int
    boilerplate_words: int
    duplicated_words: int
    coverage: float
    compared: bool
    boilerplate: bool
    matches: tuple[int, ...]


class Truncation(_Value):
    """A limit of the check's budget that was reached: `limit` names it (candidates,
    comparisons, matches, matches_per_passage), `value` is the limit."""

    limit: str
    value: int


class OverlapReport(_Value):
    """The overlap of one article or draft with the rest of the site.

    `duplicated_fraction` is the share of the words that stand inside verified spans, out of
    the words that are not the site's boilerplate (text on many pages, see
    indexer.overlap.boilerplate). `truncated` says that a budget limit cut the check short
    (`truncated_by` says which): the matches shown are then a part of all.
    """

    article: ArticleRef
    words: int
    boilerplate_words: int = 0
    duplicated_fraction: float
    truncated: bool = False
    truncated_by: tuple[Truncation, ...] = ()
    matches: tuple[Match, ...]
    matches_found: int = 0  # verified matches, of which `matches` lists the best
    passages: tuple[PassageCoverage, ...] = ()
    related: tuple[RelatedRef, ...]
