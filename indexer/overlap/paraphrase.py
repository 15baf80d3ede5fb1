"""Paraphrases: passages of a draft that say what a passage elsewhere on the site says, in
other words.

The copy check (`indexer.overlap.finder`) finds text that stands elsewhere word for word; a
reworded paragraph shares too few words in order for it. Here each passage of the draft is
embedded (`indexer.nlp.embed`) and the site's nearest passage is asked for (the engine's
passage vectors, `indexer.search.clauses.Nearest`); a pair at least as similar as the model's
`paraphrase_similarity` that the copy check did not already report is a paraphrase. Its
sentences are then aligned: each sentence of the draft's passage with the most similar
sentence of the other, where they are similar enough, so that an editor sees which sentence
says what again.

They are reported apart from copied text (`paraphrases`, each with `kind` "paraphrase") and
never count in the duplicated fraction: a paraphrase is a question for the editor, not
duplication proven.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from indexer.nlp.embed import Embedder
from indexer.overlap.finder import stored_ref
from indexer.overlap.models import ArticleRef, OverlapReport, PassageRef
from indexer.search.clauses import Nearest, Retrieval
from indexer.search.documents import PASSAGE
from indexer.search.values import StoredPassage

if TYPE_CHECKING:
    from indexer.pages.models import EnrichedPage
    from indexer.search.port import Engine

MAX_PASSAGES = 50  # passages of a draft compared by meaning (embedding costs ~0.15 s each)
NEAREST = 3  # the site's nearest passages looked at per passage of the draft
MIN_WORDS = 12  # shorter passages say too little to be a paraphrase of anything
SENTENCE_MARGIN = 0.05  # a sentence pair may be this much less similar than a passage pair
_SENTENCE = re.compile(r"[^.!?;\n]+(?:[.!?;]+|$)")
_FIELDS = ("id", "article_id", "article_title", "passage_index", "section_heading", "anchor",
           "text")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AlignedSentences(_Value):
    """A sentence of the passage, [start, end), and the one of the other passage,
    [other_start, other_end), that says the same thing."""

    start: int
    end: int
    other_start: int
    other_end: int
    similarity: float


class Paraphrase(_Value):
    """A passage that says what `other_passage` says, in other words: the cosine similarity
    of their embeddings is `similarity`, and `sentences` pair up what each sentence says
    again."""

    kind: Literal["paraphrase"] = "paraphrase"
    passage: PassageRef
    other_article: ArticleRef
    other_passage: PassageRef
    similarity: float
    sentences: tuple[AlignedSentences, ...]


class ReportWithParaphrases(OverlapReport):
    """An overlap report that also lists paraphrases, apart from the copied text."""

    paraphrases: tuple[Paraphrase, ...] = ()


def with_paraphrases(
    report: OverlapReport, engine: Engine, page: EnrichedPage, embedder: Embedder | None
) -> ReportWithParaphrases:
    """`report` (of the draft `page`) with the paraphrases of its passages; none without an
    embedder or when the live version has no vectors of its model."""
    found = find_paraphrases(engine, page, embedder, report) if embedder is not None else ()
    return ReportWithParaphrases(**dict(report), paraphrases=found)


def find_paraphrases(
    engine: Engine, page: EnrichedPage, embedder: Embedder, report: OverlapReport
) -> tuple[Paraphrase, ...]:
    """The passages of `page` (at most MAX_PASSAGES) whose meaning stands elsewhere on the
    site, with their aligned sentences; pairs `report` already has as copies are left out."""
    copied = {(m.passage.id, m.other_passage.id) for m in report.matches}
    probes = [p.passage for p in page.passages if len(p.passage.text.split()) >= MIN_WORDS]
    probes = probes[:MAX_PASSAGES]
    if not probes:
        return ()
    vectors = embedder.passages([p.text for p in probes])
    threshold = embedder.spec.paraphrase_similarity
    found: list[Paraphrase] = []
    for probe, vector in zip(probes, vectors, strict=True):
        nearest = engine.run(Retrieval(
            Nearest(tuple(vector.tolist()), embedder.spec.name,
                    excluded=(report.article.id,) if report.article.id else ()),
            limit=NEAREST, fields=_FIELDS, grain=PASSAGE))
        for hit in nearest.hits:
            if hit.score < threshold or (probe.id, str(hit.fields["id"])) in copied:
                continue
            other = _stored(hit.fields)
            ref = PassageRef(id=probe.id, article_id=report.article.id, index=probe.index,
                             section=probe.section_heading, anchor=probe.anchor,
                             text=probe.text)
            found.append(Paraphrase(
                passage=ref,
                other_article=ArticleRef(id=other.article_id, title=other.article_title),
                other_passage=stored_ref(other),
                similarity=round(hit.score, 4),
                sentences=align_sentences(probe.text, other.text, embedder,
                                          threshold - SENTENCE_MARGIN),
            ))
    return tuple(found)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of `text`, spaces around it left out."""
    spans = []
    for match in _SENTENCE.finditer(text):
        piece = match.group()
        start = match.start() + len(piece) - len(piece.lstrip())
        end = match.end() - (len(piece) - len(piece.rstrip()))
        if end > start and any(ch.isalnum() for ch in text[start:end]):
            spans.append((start, end))
    return spans


def align_sentences(
    text: str, other: str, embedder: Embedder, minimum: float
) -> tuple[AlignedSentences, ...]:
    """Each sentence of `text` with the most similar sentence of `other`, when their
    similarity is at least `minimum`, in the order of `text`."""
    mine, theirs = sentence_spans(text), sentence_spans(other)
    if not mine or not theirs:
        return ()
    vectors = embedder.passages([text[a:b] for a, b in mine] + [other[a:b] for a, b in theirs])
    similarity = vectors[: len(mine)] @ vectors[len(mine) :].T
    pairs = []
    for i, (start, end) in enumerate(mine):
        j = int(similarity[i].argmax())
        if similarity[i, j] >= minimum:
            pairs.append(AlignedSentences(start=start, end=end, other_start=theirs[j][0],
                                          other_end=theirs[j][1],
                                          similarity=round(float(similarity[i, j]), 4)))
    return tuple(pairs)


def _stored(fields: Mapping[str, Any]) -> StoredPassage:
    return StoredPassage(
        id=str(fields["id"]), article_id=str(fields["article_id"]),
        article_title=str(fields.get("article_title") or ""),
        index=int(str(fields.get("passage_index") or 0)),
        section_heading=str(fields.get("section_heading") or "") or None,
        anchor=str(fields.get("anchor") or "") or None,
        text=str(fields.get("text") or ""),
    )
