"""Typed values passed between the stages: Page (parsed) and EnrichedPage (after Dutch NLP).

Everything here is immutable. Pages are pydantic models so that they cross every boundary
(JSON output, the raw store, the API, worker processes) with one validated serialisation.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

PassageKind = Literal["intro", "paragraph", "list"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RelatedLink(_Frozen):
    """An entry of the "Gerelateerde artikelen:" block (or a related link in HTML)."""

    title: str
    url: str | None = None


class Section(_Frozen):
    """A "Deel N: Titel" section (level 2) or a sub-heading ending in ':' (level 3)."""

    number: int | None
    heading: str
    anchor: str
    level: int
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    subsections: tuple[Section, ...] = ()


class Passage(_Frozen):
    """One block of text of a page: the intro, a paragraph, or a bullet list.

    Passages are the grain at which search hits point into an article and at which the
    overlap finder compares text. `section_heading`/`anchor` are those of the innermost
    section the block stands in (None for the intro).
    """

    id: str
    article_id: str
    index: int
    kind: PassageKind
    section_heading: str | None
    anchor: str | None
    text: str


class Page(_Frozen):
    """A parsed article. The site chrome never reaches any of these fields."""

    id: str
    url: str | None = None
    source: str | None = None
    title: str
    # Other titles the page goes by (an HTML page's <title> and og:title where they differ from
    # its display title): found by search as title text; `title` stays the one shown.
    alt_titles: tuple[str, ...] = ()
    intro: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    labels: tuple[str, ...] = ()
    related: tuple[RelatedLink, ...] = ()
    content_hash: str

    def passages(self) -> list[Passage]:
        """The page's text blocks in reading order, with stable ids `<page id>/p<index>`."""
        blocks: list[tuple[PassageKind, str | None, str | None, str]] = []
        for paragraph in self.intro:
            blocks.append(("intro", None, None, paragraph))
        for section in self.sections:
            _section_blocks(section, blocks)
        # model_construct: every value comes from this validated Page (validating them again
        # costs a tenth of the NLP for a whole ingest).
        return [
            Passage.model_construct(
                id=f"{self.id}/p{index}",
                article_id=self.id,
                index=index,
                kind=kind,
                section_heading=heading,
                anchor=anchor,
                text=text,
            )
            for index, (kind, heading, anchor, text) in enumerate(blocks)
        ]

    def body_text(self) -> str:
        """All text of the page below the title, blocks separated by blank lines."""
        return "\n\n".join(passage.text for passage in self.passages())

    def headings(self) -> list[str]:
        """Every section and sub-section heading, in reading order."""
        found: list[str] = []
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            found.append(section.heading)
            stack.extend(reversed(section.subsections))
        return found


def _section_blocks(
    section: Section, blocks: list[tuple[PassageKind, str | None, str | None, str]]
) -> None:
    for paragraph in section.paragraphs:
        blocks.append(("paragraph", section.heading, section.anchor, paragraph))
    if section.items:
        blocks.append(("list", section.heading, section.anchor, "\n".join(section.items)))
    for sub in section.subsections:
        _section_blocks(sub, blocks)


class Entity(_Frozen):
    """A domain entity found by the NLP pipeline.

    `start`/`end` are character offsets into the text of the passage `passage_id`
    (or into the page title when `passage_id` is None). `value` is the normalised value
    that ties variants together ("magnesiumtekort" -> "magnesium").
    """

    text: str
    label: str
    value: str
    passage_id: str | None
    section: str | None
    start: int
    end: int


class EnrichedPassage(_Frozen):
    """A passage with its Dutch NLP annotations.

    `sentences` are (start, end) character spans; `lemmas` and `offsets` are aligned, one per
    word token (punctuation and spaces left out), lower-cased.
    """

    passage: Passage
    sentences: tuple[tuple[int, int], ...]
    lemmas: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...]
    entities: tuple[Entity, ...]


class EnrichedPage(_Frozen):
    """A Page with the annotations of the NLP pipeline, ready to be indexed."""

    page: Page
    title_lemmas: tuple[str, ...]
    title_entities: tuple[Entity, ...]
    passages: tuple[EnrichedPassage, ...]
    keywords: tuple[str, ...] = ()

    @property
    def entities(self) -> tuple[Entity, ...]:
        """Every entity of the page: the title's first, then the passages' in order."""
        return self.title_entities + tuple(e for p in self.passages for e in p.entities)
