"""Query planning: what a visitor typed (`ParsedQuery`), read against an index's vocabulary,
as a `QueryPlan`, and the plan as engine-neutral queries (`indexer.search.clauses`).

The rules, the same for every engine:
- stop words and question words ("hoe", "wat is", "kan ik") only count when the query has
  nothing else; a word most articles hold is optional (it ranks, it is never required);
- a word matches through its folded form, lemma and synonyms in the terms fields, through its
  Dutch stem, through all of its compound parts, and through the index's words within its
  typo distance when the index does not know the word itself; an unknown last word also
  matches as the start of a known word ("dep" -> depressie);
- neighbouring words that may be a compound typed apart ("hoofd pijn") also match as the
  compound whole; "phrases" must match in order; `-word` excludes;
- all required words must match, or (for three or more) all but one of them in the title;
  when few articles match that, articles with some of the words follow (`any_words_query`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from indexer.nlp.analysis import Analyzer, CompoundRun, compound_runs, lemma_of, stem_of
from indexer.nlp.words import fold
from indexer.search import ranking
from indexer.search.clauses import Bool, OneOf, Phrase, Query, Term, any_of
from indexer.search.documents import ARTICLE, PASSAGE
from indexer.search.query import ParsedQuery, fuzzy_distance
from indexer.search.vocabulary import Vocabulary

# A word held by more than this share of the articles is optional in a query of several words
# (on a site of at least COMMON_FROM articles: below that, shares say little).
COMMON_SHARE = 0.25
COMMON_FROM = 50
PREFIX_EXPANSIONS = 8  # known words an unknown last word may be the start of
MIN_PREFIX = 3


@dataclass(frozen=True, slots=True)
class PlannedWord:
    """One content word of a query and everything it may match."""

    text: str  # as typed
    folded: str
    forms: tuple[str, ...]  # folded form, lemma, synonyms
    stem: str
    parts: tuple[str, ...]  # compound parts (all must match), () when not a compound
    near: tuple[str, ...]  # known words within the typo distance, or that it starts
    optional: bool  # a filler, or held by most articles: ranks, never required
    common: bool  # held by most articles (optional unless the query has nothing rarer)
    weight: float  # how telling the word is (its idf): rarer words weigh more
    completed: bool = False  # `near` are the known words it is the start of
    filler: bool = False  # put around what is looked for ("hoe werkt", "informatie")
    unknown: bool = False  # the index has the word in no form
    stopword: bool = False  # searched only because the query has nothing else

    @property
    def soft(self) -> bool:
        """A filler or a common word: a title may lack it and still be what was meant."""
        return self.filler or self.common

    @property
    def spellings(self) -> frozenset[str]:
        """The folded words and lemmas a title word may have to count as this word."""
        words = (*self.forms, *self.near)
        return frozenset(words) | frozenset(lemma_of(w) for w in words)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """A query read against one index version."""

    query: ParsedQuery
    words: tuple[PlannedWord, ...]
    phrases: tuple[tuple[str, ...], ...]  # folded words
    excluded: tuple[str, ...]  # every form of every excluded word
    runs: tuple[CompoundRun, ...]  # compounds typed apart that the index has

    @property
    def required(self) -> tuple[PlannedWord, ...]:
        return tuple(w for w in self.words if not w.optional)

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def has_alternatives(self) -> bool:
        """Whether articles with some of it can follow those with all of it: several words
        or phrases, or a compound whose parts may stand apart."""
        return len(self.words) + len(self.phrases) > 1 or any(w.parts for w in self.words)


def plan_query(query: ParsedQuery, analyzer: Analyzer, vocabulary: Vocabulary) -> QueryPlan:
    """The plan of `query` on the index whose vocabulary is `vocabulary`."""
    content = analyzer.content_words(query.words)
    if all(fold(w) in analyzer.fillers for w in content):
        # Only fillers besides stop words ("handleiding andere"): those stop words that are
        # no fillers themselves are meant.
        content = [w for w in query.words
                   if w in content or fold(w) not in analyzer.fillers]
    articles = max(1, len(vocabulary.titles))
    words = []
    for position, text in enumerate(content):
        variants = analyzer.variants(text)
        folded = variants.word
        count = vocabulary.frequencies.get(folded, 0)
        near: list[str] = []
        completed = False
        unknown = not any(form in vocabulary for form in variants.forms)
        if folded.isalpha() and not vocabulary.knows(folded, analyzer):
            near = vocabulary.near(folded, fuzzy_distance(folded))
            if not near and position == len(content) - 1 and len(folded) >= MIN_PREFIX:
                near = vocabulary.starting_with(folded, PREFIX_EXPANSIONS)
                completed = bool(near)
            count = max((vocabulary.frequencies.get(w, 0) for w in near), default=0)
        filler = len(content) > 1 and folded in analyzer.fillers
        common = len(content) > 1 and articles >= COMMON_FROM and count > COMMON_SHARE * articles
        words.append(PlannedWord(
            text=text,
            folded=folded,
            forms=tuple(sorted(variants.forms)),
            stem=stem_of(folded),
            parts=variants.parts,
            near=tuple(n for n in near if n not in variants.forms),
            optional=filler or common,
            common=common,
            weight=math.log(1 + articles / max(1, count)),
            completed=completed,
            filler=filler,
            unknown=unknown,
            stopword=folded in analyzer.stopwords,
        ))
    if words and all(w.optional for w in words):
        # Nothing rare: the words visitors look for count (or all of them, if all are fillers).
        meant = any(not w.filler for w in words)
        words = [w if meant and w.filler else dataclasses.replace(w, optional=False)
                 for w in words]
    excluded = sorted({f for w in query.excluded for f in analyzer.variants(w).forms})
    runs = compound_runs(content, vocabulary.has_form)
    return QueryPlan(
        query=query,
        words=tuple(words),
        phrases=tuple(tuple(fold(w) for w in p) for p in query.phrases),
        excluded=tuple(excluded),
        runs=tuple(runs),
    )


# --- the plan as queries


def word_query(word: PlannedWord, grain: str, parts: bool | None = None) -> Query:
    """What one word may match in one grain ("article" or "passage"). A compound's parts
    (all of them, in an article) stand in for the compound when the index lacks it, in a
    passage (its snippet), or when `parts` says so (articles with only some of the words)."""
    fields = ranking.ARTICLE_FIELDS if grain == ARTICLE else ranking.PASSAGE_FIELDS
    should: list[Query] = [Term(field, form, boost) for field, boost in fields
                           for form in word.forms]
    should.append(Term(ranking.STEMS[grain], word.stem, ranking.STEM_BOOST))
    if word.stopword:  # only in a query of nothing else: stop words are in `plain` only
        should.append(Term(ranking.PLAIN[grain], word.folded))
    if parts is None:
        parts = word.unknown or grain != ARTICLE
    if word.parts and parts:
        alone = [any_of([Term(field, part) for field, _ in fields]) for part in word.parts]
        # The parts stand in for a compound the index lacks; beside one it has, they only
        # help a little.
        boost = ranking.PARTS_BOOST if word.unknown else ranking.PARTS_KNOWN_BOOST
        if grain == ARTICLE:  # a compound typed whole: an article with all its parts
            should.append(Bool(must=tuple(alone), boost=boost))
        else:  # a passage with some of them still shows why its article matched
            should.extend(Bool(must=(part,), boost=boost / len(alone)) for part in alone)
    for near in word.near[: ranking.MAX_NEAR]:
        should.extend(Term(field, near, boost * ranking.FUZZY_BOOST)
                      for field, boost in fields if field in ranking.NEAR_FIELDS)
    return Bool(should=tuple(should), min_should=1)


def compound_query(run: CompoundRun, grain: str) -> Query:
    """A compound typed apart, found whole: any of its spellings and their lemmas and stems,
    boosted above the words found apart."""
    fields = ranking.ARTICLE_FIELDS if grain == ARTICLE else ranking.PASSAGE_FIELDS
    should: list[Query] = [Term(field, term, boost) for field, boost in fields
                           for term in run.terms]
    should.extend(Term(ranking.STEMS[grain], stem, ranking.STEM_BOOST)
                  for stem in sorted({stem_of(form) for form in run.forms}))
    return Bool(should=tuple(should), min_should=1, boost=ranking.JOINED_BOOST)


def phrase_query(words: tuple[str, ...], boost: float = 1.0, grain: str = ARTICLE) -> Query:
    """The words next to each other, in this order, in a title, heading or text."""
    return Phrase(ranking.PLAIN[grain], words, boost)


def _title_query(word: PlannedWord) -> Query:
    return any_of([Term("title_terms", form) for form in (*word.forms, *word.near)])


def article_filters(labels: tuple[str, ...], entities: tuple[str, ...]) -> tuple[Query, ...]:
    """Articles only, with every label and entity asked for ("TYPE:value" or a bare value;
    a label may be given with its "#")."""
    filters: list[Query] = [Term("doc_type", ARTICLE)]
    filters.extend(Term("labels", label.lstrip("#")) for label in labels)
    filters.extend(Term("entity" if ":" in entity else "entity_value", entity)
                   for entity in entities)
    return tuple(filters)


def exclusions(plan: QueryPlan) -> tuple[Query, ...]:
    """What keeps out the articles holding an excluded word ("-woord")."""
    if not plan.excluded:
        return ()
    return tuple(OneOf(field, plan.excluded) for field, _ in ranking.ARTICLE_FIELDS)


def _scoring_extras(plan: QueryPlan) -> list[Query]:
    """What ranks without being required: optional words, and the words next to each other."""
    extras = [word_query(w, ARTICLE) for w in plan.words if w.optional]
    if len(plan.words) > 1:
        extras.append(phrase_query(tuple(w.folded for w in plan.words), ranking.PROXIMITY_BOOST))
    return extras


def all_words_query(plan: QueryPlan, filters: tuple[Query, ...]) -> Query:
    """Articles with every required word and phrase (a compound typed apart may stand for
    its words), or with all but one of three or more words in their title (of two words: the
    one that is not a filler or common word)."""
    required = plan.required
    words = [word_query(w, ARTICLE) for w in required]
    phrases = [phrase_query(p) for p in plan.phrases]
    alternatives: list[Query] = [Bool(must=tuple(words + phrases))]
    folded = [w.folded for w in plan.words]
    for run in plan.runs:
        covered = set(folded[run.start : run.end])
        rest = [q for w, q in zip(required, words, strict=True) if w.folded not in covered]
        alternatives.append(Bool(must=(compound_query(run, ARTICLE), *rest, *phrases)))
    if len(plan.words) >= 3:
        alternatives.append(Bool(should=tuple(_title_query(w) for w in plan.words),
                                 min_should=len(plan.words) - 1, must=tuple(phrases)))
    elif len(plan.words) == 2:  # "hulp gebruiken": a title with the word that is not soft
        for word, other in (plan.words, plan.words[::-1]):
            if other.soft:
                alternatives.append(Bool(must=(_title_query(word), *phrases)))
    return Bool(
        must=(any_of(alternatives),),
        should=tuple(_scoring_extras(plan)),
        filter=filters,
        must_not=exclusions(plan),
    )


def any_words_query(plan: QueryPlan, filters: tuple[Query, ...]) -> Query:
    """Articles with at least half of the words and phrases (of two: one), a compound typed
    apart counting as one of them; a compound the index has also matches by all its parts
    ("laag" and "transparantie" apart)."""
    units: list[Query] = [word_query(w, ARTICLE, parts=True) for w in plan.words]
    units.extend(phrase_query(p) for p in plan.phrases)
    units.extend(compound_query(run, ARTICLE) for run in plan.runs)
    most = max(1, (len(plan.words) + len(plan.phrases) + 1) // 2)
    extras: tuple[Query, ...] = ()
    if len(plan.words) > 1:
        extras = (phrase_query(tuple(w.folded for w in plan.words), ranking.PROXIMITY_BOOST),)
    return Bool(must=(Bool(should=tuple(units), min_should=most),), should=extras,
                filter=filters, must_not=exclusions(plan))


def word_in_articles_query(
    plan: QueryPlan, word: PlannedWord, article_ids: tuple[str, ...]
) -> Query:
    """Which of these articles hold `word` as the article query matches it, or a compound
    typed apart that it is part of (for the words a hit lacks): unscored term sets."""
    position = plan.words.index(word)
    terms = (*word.forms, *word.near[: ranking.MAX_NEAR])
    alternatives: list[Query] = [OneOf(field, terms) for field, _ in ranking.ARTICLE_FIELDS]
    alternatives.append(OneOf(ranking.STEMS[ARTICLE], (word.stem,)))
    if word.stopword:
        alternatives.append(OneOf(ranking.PLAIN[ARTICLE], (word.folded,)))
    if word.parts and word.unknown:
        alternatives.append(Bool(filter=tuple(OneOf("body_terms", (p,)) for p in word.parts)))
    alternatives += [OneOf("body_terms", tuple(run.terms)) for run in plan.runs
                     if run.start <= position < run.end]
    return Bool(filter=(Term("doc_type", ARTICLE), OneOf("article_id", article_ids),
                        Bool(should=tuple(alternatives), min_should=1)))


def passage_query(plan: QueryPlan, article_ids: tuple[str, ...]) -> Query:
    """Passages of these articles that match any word, phrase or compound typed apart."""
    should: list[Query] = [word_query(w, PASSAGE) for w in plan.words]
    should.extend(phrase_query(p, grain=PASSAGE) for p in plan.phrases)
    should.extend(compound_query(run, PASSAGE) for run in plan.runs)
    return Bool(should=tuple(should), min_should=1,
                filter=(Term("doc_type", PASSAGE), OneOf("article_id", article_ids)))
