"""What counts as overlap, and what one check may cost: the overlap component's config, built
from Settings in one place (`Thresholds.from_settings`, `Budget.from_settings`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.settings import Settings

# Words that may stand between two matching runs of one span (an inserted adjective, a
# changed verb), but not so many that unrelated sentences sharing a few function words join.
MAX_GAP = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When two texts overlap, and when a text is the site's boilerplate."""

    similarity: float = 0.6
    min_passage_words: int = 12
    min_span_words: int = 7
    max_gap: int = MAX_GAP
    # A run of words standing on at least max(boilerplate_min_pages, boilerplate_share x the
    # site's articles) articles is template text, not an editor's copy.
    boilerplate_share: float = 0.01
    boilerplate_min_pages: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Thresholds:
        return cls(
            similarity=settings.overlap_threshold,
            min_passage_words=settings.overlap_min_words,
            min_span_words=settings.overlap_min_span_words,
            boilerplate_share=settings.overlap_boilerplate_share,
            boilerplate_min_pages=settings.overlap_boilerplate_min_pages,
        )

    def boilerplate_pages(self, articles: int) -> int:
        """On how many articles of a site of `articles` a text must stand to be boilerplate."""
        return max(self.boilerplate_min_pages, math.ceil(self.boilerplate_share * articles))

    def min_matched_words(self) -> int:
        """The fewest matching words any accepted span holds."""
        return math.ceil(self.similarity * self.min_span_words)


@dataclass(frozen=True, slots=True)
class Budget:
    """What one check (an article or a draft) may cost: the draft's size, the passages asked
    from the engine, the alignments made, and the matches listed in the answer."""

    max_draft_chars: int = 100_000
    max_candidates: int = 2000
    max_comparisons: int = 20_000
    max_matches: int = 200
    max_matches_per_passage: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(
            max_draft_chars=settings.overlap_max_draft_chars,
            max_candidates=settings.overlap_max_candidates,
            max_comparisons=settings.overlap_max_comparisons,
            max_matches=settings.overlap_max_matches,
            max_matches_per_passage=settings.overlap_max_matches_per_passage,
        )
