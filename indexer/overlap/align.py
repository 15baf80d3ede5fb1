"""Verification: two texts aligned word by word into spans of shared text.

The alignment is the longest common subsequence of the two texts' comparison terms
(rapidfuzz's Indel opcodes, in C++): "the same words in the same order" is exactly what a
span's similarity measures. Runs of matching words close to each other are joined into spans,
and a span counts when it is long enough (`min_span_words`), similar enough (`similarity`) and
shares enough content words. Words masked as the site's boilerplate (`masked`) never match.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence

from rapidfuzz.distance import Indel, LCSseq

from indexer.nlp.fingerprints import Words
from indexer.overlap.limits import Thresholds
from indexer.overlap.models import Span

# Distinct content words a span must share (matched, not just spanned): "De relatie tussen X
# en Y is complex" shares only a sentence frame (relatie, complex), not text worth reporting.
MIN_SPAN_CONTENT = 3
# Masked words become terms no text holds, each unique, so that they match nothing.
_MASKS = itertools.count()


def masked(words: Words, positions: Collection[int]) -> Words:
    """`words` with the words at `positions` turned into terms that match nothing (and count
    as no content word); offsets stay, so spans still point into the text."""
    if not positions:
        return words
    terms = list(words.terms)
    content = list(words.content)
    for position in positions:
        terms[position] = f"\x00{next(_MASKS)}"
        content[position] = False
    sequence = tuple(t for t, flag in zip(terms, content, strict=True) if flag)
    return Words(
        terms=tuple(terms),
        starts=words.starts,
        ends=words.ends,
        content=tuple(content),
        content_terms=frozenset(sequence),
        content_sequence=sequence,
    )


def align(a: Words, b: Words, limits: Thresholds) -> list[Span]:
    """The overlapping spans of two texts' words, in the order of `a`.

    Matching runs with at most `max_gap` words between them in both texts form one span; a
    span is kept when it has at least `min_span_words` words in the longer text, the share
    of matching words, over the longer side, is at least `similarity`, and it shares
    MIN_SPAN_CONTENT distinct content words. Runs of function words alone never start or end
    a span.
    """
    if not a or not b or len(a.content_terms & b.content_terms) < MIN_SPAN_CONTENT:
        return []  # no span can share enough content words: skip the alignment
    # What any span needs, in the two texts as wholes: content words in the same order, and
    # matching words in all.
    if LCSseq.similarity(a.content_sequence, b.content_sequence) < MIN_SPAN_CONTENT:
        return []
    need = limits.min_matched_words()
    if LCSseq.similarity(a.terms, b.terms) < need:
        return []
    gap = limits.max_gap
    spans: list[Span] = []
    chain: list[tuple[int, int, int]] = []
    matched = 0
    for block in Indel.opcodes(a.terms, b.terms).as_matching_blocks():
        i, j, n = block.a, block.b, block.size
        if not n:
            continue
        if chain:
            pi, pj, pn = chain[-1]
            if i - (pi + pn) <= gap and j - (pj + pn) <= gap:
                chain.append((i, j, n))
                matched += n
                continue
            if matched >= need:  # else no span: too few matching words
                span = _span(a, b, chain, limits)
                if span is not None:
                    spans.append(span)
        chain = [(i, j, n)]
        matched = n
    if chain and matched >= need:
        span = _span(a, b, chain, limits)
        if span is not None:
            spans.append(span)
    return spans


def _span(a: Words, b: Words, chain: list[tuple[int, int, int]], limits: Thresholds) -> Span | None:
    # A cheap rejection first: trimming the chain below only makes it shorter.
    if chain[-1][0] + chain[-1][2] - chain[0][0] < limits.min_span_words \
            and chain[-1][1] + chain[-1][2] - chain[0][1] < limits.min_span_words:
        return None
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
        # Words are in text order: those starting at or after `start` and ending by `end`.
        found.update(range(bisect_left(words.starts, start), bisect_right(words.ends, end)))
    return found
