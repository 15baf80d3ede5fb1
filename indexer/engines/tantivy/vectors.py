"""The passage vectors of a tantivy index version: one numpy file in the version's folder.

tantivy has no vector search, and none is needed at a site's size: the vectors of every
passage of a version fit in memory (a 384-dimensional float32 row is 1.5 KB: 150 MB for 100,000
passages) and one matrix-vector product ranks them all exactly. They live in the version's own
folder (`passage_vectors.npz`: the model's name, the passage and article ids, the matrix), so
that a switch or a rollback carries them with the version and dropping it removes them.

The file is replaced as a whole (temp file + os.replace) after each commit that changed the
version's passages; a reader notices a new file by its stat, as it notices a new commit.
Should a process die between tantivy's commit and this replacement, the version keeps its
older vectors: pages written since have none (they are still found by their words), and a
vector of a passage rewritten since can point at its new text until the next write.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import tantivy
from numpy.typing import NDArray

from indexer.atomic import write_atomic
from indexer.engines.tantivy.schema import Translator, pick, stored
from indexer.nlp.embed import PassageEmbeddings, Vectors
from indexer.search.clauses import Nearest, OneOf, Retrieval
from indexer.search.port import RawHit, RawResult

log = logging.getLogger(__name__)

FILE_NAME = "passage_vectors.npz"
StatKey = tuple[int, int, int]


@dataclass(frozen=True)
class VectorTable:
    """The vectors of one version: row i is passage `ids[i]` of article `articles[i]`."""

    model: str
    ids: NDArray[np.str_]
    articles: NDArray[np.str_]
    matrix: Vectors

    @classmethod
    def empty(cls, model: str, dim: int = 0) -> VectorTable:
        return cls(model, np.array([], dtype=np.str_), np.array([], dtype=np.str_),
                   np.zeros((0, dim), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(
        self, vector: Vectors, limit: int, articles: Iterable[str] | None = None,
        excluded: Iterable[str] = (),
    ) -> list[tuple[float, int]]:
        """The rows most similar to `vector` (cosine: both are unit vectors), best first, as
        (similarity, row): of the `articles` only when given, none of `excluded`."""
        if not len(self) or limit <= 0 or vector.shape != (self.matrix.shape[1],):
            return []
        rows = np.arange(len(self)) if articles is None else self._rows_of(articles)
        excluded = list(excluded)
        if excluded and len(rows):
            rows = np.setdiff1d(rows, self._rows_of(excluded), assume_unique=True)
        # Only the rows wanted are scored when few are.
        scores = (self.matrix @ vector)[rows] if len(rows) > len(self) // 2 \
            else self.matrix[rows] @ vector
        if len(rows) > limit:
            chosen = np.argpartition(-scores, limit - 1)[:limit]
            rows, scores = rows[chosen], scores[chosen]
        order = np.argsort(-scores, kind="stable")
        return [(float(scores[i]), int(rows[i])) for i in order]

    def _rows_of(self, articles: Iterable[str]) -> NDArray[np.intp]:
        """The rows of these articles, in table order (looked up, not compared row by row:
        comparing ids costs milliseconds at 40,000 passages)."""
        by_article = self._rows_by_article
        found = [by_article[a] for a in dict.fromkeys(articles) if a in by_article]
        return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.intp)

    @cached_property
    def _rows_by_article(self) -> dict[str, NDArray[np.intp]]:
        if not len(self):
            return {}
        names, inverse = np.unique(self.articles, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=len(names)))[:-1]
        return {str(name): rows for name, rows in zip(names, np.split(order, bounds),
                                                       strict=True)}

    def replaced(
        self, article_ids: Iterable[str], added: Iterable[tuple[str, PassageEmbeddings]]
    ) -> VectorTable:
        """This table with the rows of `article_ids` removed and the `added` (article id,
        embeddings) rows appended. Rows of another model than the added ones are dropped:
        vectors of two models cannot be compared."""
        # A page written twice: its last vectors count.
        added = [(article, e) for article, e in dict(added).items() if len(e.ids)]
        model = added[-1][1].model if added else self.model
        base = self if model == self.model else VectorTable.empty(model)
        if base is not self and len(self):
            log.warning("passage vectors of model %r replaced by %r: rows of the former are "
                        "dropped until a full reindex embeds them again", self.model, model)
        added = [(article, e) for article, e in added if e.model == model]
        gone = list({*article_ids, *(article for article, _ in added)})
        keep = ~np.isin(base.articles, gone) if len(base) else np.zeros(0, dtype=bool)
        ids = [base.ids[keep]] + [np.array(e.ids, dtype=np.str_) for _, e in added]
        articles = [base.articles[keep]] + [np.array([a] * len(e.ids), dtype=np.str_)
                                            for a, e in added]
        blocks = [m for m in [base.matrix[keep]] + [e.vectors for _, e in added] if m.size]
        matrix = (np.vstack(blocks).astype(np.float32, copy=False) if blocks
                  else np.zeros((0, 0), dtype=np.float32))
        return VectorTable(model, np.concatenate(ids), np.concatenate(articles), matrix)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, model=np.array(self.model), ids=self.ids, articles=self.articles,
                 matrix=self.matrix)
        return buffer.getvalue()

    @classmethod
    def from_file(cls, path: Path) -> VectorTable:
        with np.load(path, allow_pickle=False) as data:
            return cls(str(data["model"]), data["ids"], data["articles"],
                       np.ascontiguousarray(data["matrix"], dtype=np.float32))


class VectorFiles:
    """The vector tables of the versions below `root`, read when their file changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[str, tuple[StatKey, VectorTable]] = {}

    def path(self, version: str) -> Path:
        return self.root / version / FILE_NAME

    def table(self, version: str) -> VectorTable | None:
        """The version's vectors as they are on disk now (None when it has none)."""
        path = self.path(version)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            self._loaded.pop(version, None)
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        loaded = self._loaded.get(version)
        if loaded is not None and loaded[0] == key:
            return loaded[1]
        try:
            table = VectorTable.from_file(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            # Search goes on by words alone; a full reindex writes the file again.
            log.warning("passage vectors of %s cannot be read (%s): ignored", version, exc)
            return None
        self._loaded[version] = (key, table)
        return table

    def update(
        self, version: str, article_ids: Iterable[str],
        added: Iterable[tuple[str, PassageEmbeddings]],
    ) -> None:
        """Replace the rows of `article_ids` (removed, or written again) by `added`."""
        article_ids, added = list(article_ids), list(added)
        current = self.table(version)
        if current is None:
            if not added:
                return  # nothing embedded here: no file
            current = VectorTable.empty(added[0][1].model)
        write_atomic(self.path(version), current.replaced(article_ids, added).to_bytes())

    def after_removal(self, version: str, article_ids: Iterable[str]) -> None:
        """The rows of removed articles dropped; on a full disk they stay (a removal must
        work there): rows of passages the index no longer has are never shown, since the
        search flow shows only articles the index holds, and the next write drops them."""
        ids = list(article_ids)
        try:
            self.update(version, ids, ())
        except OSError as exc:
            log.warning("vectors of %d removed articles stay in %s: %s", len(ids), version, exc)

    def forget(self, version: str) -> None:
        self._loaded.pop(version, None)


def nearest(
    table: VectorTable | None, passages: tantivy.Searcher, translator: Translator,
    node: Nearest, retrieval: Retrieval,
) -> RawResult:
    """Passages by the similarity of their vectors to `node.vector` (exact, over the whole
    table), with the fields asked for (`passages`: the version's passages index, read for
    fields other than the ids); nothing when the version has no vectors of the query's model."""
    if table is None or table.model != node.model:
        return RawResult()
    rows = table.nearest(np.asarray(node.vector, dtype=np.float32),
                         retrieval.offset + retrieval.limit, node.articles, node.excluded)
    rows = rows[retrieval.offset :]
    names = retrieval.fields
    if set(names) <= {"id", "article_id"}:
        found = [(score, {"id": str(table.ids[row]), "article_id": str(table.articles[row])})
                 for score, row in rows]
    else:
        docs = _passages_by_id(passages, translator, [str(table.ids[row]) for _, row in rows])
        found = [(score, docs[str(table.ids[row])]) for score, row in rows
                 if str(table.ids[row]) in docs]
    hits = tuple(RawHit(score, pick(doc, names)) for score, doc in found)
    return RawResult(hits=hits, total=len(hits) if retrieval.count else 0)


def _passages_by_id(
    searcher: tantivy.Searcher, translator: Translator, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    query = translator.query(OneOf("id", tuple(ids)))
    hits = searcher.search(query, limit=len(ids), count=False).hits
    docs = (stored(searcher.doc(address)) for _, address in hits)
    return {str(doc["id"]): doc for doc in docs}
