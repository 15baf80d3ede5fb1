"""Related articles ("more like this"): the articles about the same subject as a text.

The text's most telling lemmas, tf-idf weighted ((1 + ln tf) * ln(1 + N/df), with the
document frequencies of the index), are searched in the body terms: one weighted query that
every engine runs alike.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache

from indexer.nlp.analysis import Analyzer, lemma_of
from indexer.nlp.words import tokenize
from indexer.search.clauses import Bool, OneOf, Retrieval, Term
from indexer.search.documents import ARTICLE
from indexer.search.port import Engine
from indexer.search.ranking import MLT_TERMS
from indexer.search.values import RelatedArticle
from indexer.settings import CONFIG_DIR


@lru_cache(maxsize=1)
def _default_analyzer() -> Analyzer:
    return Analyzer.from_config(CONFIG_DIR)


def telling_terms(
    engine: Engine, text: str, analyzer: Analyzer
) -> list[tuple[str, float]]:
    """The text's most telling lemmas with their weights, heaviest first."""
    counts = Counter(
        lemma_of(t.folded) for t in tokenize(text)
        if len(t.text) > 2 and t.text.isalpha() and not analyzer.is_stopword(t.text)
    )
    if not counts:
        return []
    total, freqs = engine.term_stats("body_terms", sorted(counts))
    weights = [
        (term, (1 + math.log(tf)) * math.log(1 + max(1, total) / freqs[term]))
        for term, tf in counts.items() if freqs.get(term)
    ]
    return sorted(weights, key=lambda kv: (-kv[1], kv[0]))[:MLT_TERMS]


def related_articles(
    engine: Engine,
    text: str,
    exclude_article: str | None = None,
    limit: int = 10,
    analyzer: Analyzer | None = None,
) -> list[RelatedArticle]:
    """Articles of the live version about the same subject as `text`, best first."""
    weights = telling_terms(engine, text, analyzer or _default_analyzer())
    if not weights:
        return []
    excluded = (OneOf("article_id", (exclude_article,)),) if exclude_article else ()
    found = engine.run(Retrieval(
        Bool(should=tuple(Term("body_terms", t, round(w, 4)) for t, w in weights),
             min_should=1, filter=(Term("doc_type", ARTICLE),), must_not=excluded),
        limit=limit, fields=("article_id", "title")))
    return [RelatedArticle(article_id=str(h.fields["article_id"]),
                           title=str(h.fields.get("title") or ""), score=h.score)
            for h in found.hits]
