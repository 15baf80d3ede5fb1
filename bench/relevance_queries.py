"""Queries as visitors type them, built from a page's own structure (for bench/relevance.py).

Each kind turns a page into one query (or none, when the page has nothing of that kind), with
a random generator seeded by the seed, the page id and the kind: the same pages always give
the same queries, whichever other pages are sampled. The relevant pages (binary judgements)
are the page the query was built from and, for the kinds built from its title, every page
whose title is typed the same.

Other forms of a word come from the lemma lists themselves (`LexiconForms`: spaCy's lookup
table and the supplement that `indexer.nlp.analysis` adds to it), not through the product's
lemma table, so that a change of how the product uses them is measured on the same queries.
(Only "typed apart" asks the product's decompounder where a compound splits.)
"""

from __future__ import annotations

import bisect
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bench.lemmas import LexiconForms
from indexer.nlp.analysis import decompound, spacy_lookup
from indexer.nlp.synonyms import Synonyms
from indexer.nlp.words import fold, tokenize
from indexer.pages.models import Page

KINDS = (
    "title",          # its title as typed: lower case, no punctuation, no chapter number
    "title typo",     # ... with one adjacent swap, deletion or insertion in its longest word
    "question",       # "hoe ..." / "wat is ..." / "kan ik ..." + its title
    "title varied",   # its title's words reordered, one dropped, or a common word added
    "inflected",      # its title with one word in another form (plural <-> singular)
    "section",        # one of its section headings (should also name that section)
    "body words",     # two mid-frequency words of its body that are not in its title
    "synonym",        # a word of the page replaced by a lay synonym (config/synonyms.txt)
    "rare word",      # its longest word that no other page has in any form
    "rare inflected",  # ... in another form of the same lemma
    "no diacritics",  # such a word with diacritics, typed without them
    "typed apart",    # such a compound, typed as two words
)
TITLE_KINDS = frozenset({"title", "title typo", "question", "title varied", "inflected",
                         "synonym"})
MIN_TYPO_WORD = 5
MIN_RARE_WORD = 7
_STEM_CUT = 3  # "a word that begins as it does, less its last 3 letters" is the same word
_QUESTION_WORDS = frozenset({"hoe", "wat", "waarom", "wanneer", "waar", "welke", "wie", "kan",
                             "kun", "moet", "is", "zijn", "heeft", "hoeveel", "mag", "wordt"})
_ENGLISH = frozenset({"the", "of", "and", "to", "an", "for", "with", "how", "this", "on"})
# Words a visitor adds to a title without meaning anything more by them.
_EXTRA_WORDS = ("uitleg", "informatie", "handleiding", "gebruiken", "de", "over")
_NUMBERING = re.compile(
    r"(?i)^\s*(?:(?:hoofdstuk|bijlage|deel|appendix|chapter)\s+)?"
    r"(?:\d+|[ivxl]+|[a-z])(?:\.\d+)*\.\s+"
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_EDGE_PUNCTUATION = ".,:;!?\"'“”‘’´`()[]{}«»…*|"


@dataclass(frozen=True)
class Query:
    """A query of one kind, built from the page `source`; `relevant`: the pages that count
    as right answers. `section`: for the "section" kind, the heading the hit should name."""

    kind: str
    text: str
    source: str
    relevant: frozenset[str]
    expected_title: str
    section: str | None = None


def typed(title: str) -> str:
    """A title as a visitor types it: lower case, without its chapter number and punctuation
    (a hyphen or apostrophe inside or in front of a word stays: "datum en -tijd")."""
    words = []
    for raw in _NUMBERING.sub("", title).lower().replace("/", " ").split():
        word = raw.strip(_EDGE_PUNCTUATION)
        if any(c.isalnum() for c in word):
            words.append(word)
    return " ".join(words)


def looks_english(text: str) -> bool:
    """Whether a title or heading is English rather than Dutch (the GIMP manual is partly
    untranslated): it has an English function word, or most of its words are English."""
    words = [w for w in typed(text).split() if len(w) >= 3]
    if any(word in _ENGLISH for word in text.lower().split()):
        return True
    return bool(words) and sum(english_word(w) for w in words) * 2 > len(words)


@lru_cache(maxsize=100_000)
def english_word(word: str) -> bool:
    """A word far more frequent in English than in Dutch ("layer", "getting")."""
    import wordfreq

    return bool(wordfreq.zipf_frequency(word, "en") > _zipf(word) + 1)


@lru_cache(maxsize=100_000)
def _zipf(word: str) -> float:
    import wordfreq

    return float(wordfreq.zipf_frequency(word, "nl"))


def misspelt(word: str, rng: random.Random) -> str:
    """`word` with one typing error, never in its first letter: two neighbouring letters
    swapped, one letter left out, or one letter added."""
    swaps = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    way = rng.choice(["left out", "added"] + (["swapped"] if swaps else []))
    if way == "swapped":
        i = rng.choice(swaps)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if way == "left out":
        i = rng.randrange(1, len(word))
        return word[:i] + word[i + 1 :]
    i = rng.randrange(1, len(word) + 1)
    return word[:i] + rng.choice([c for c in _LETTERS if c != word[i - 1]]) + word[i:]


def typed_apart(word: str) -> str | None:
    """A compound of two parts as a visitor may type it apart: its head (as the decompounder
    found it), a space, and the rest as it stands, less a linking -s-/-en-/-e-
    ("overgangsgebieden" -> "overgang gebieden"); None for a word that is no such compound."""
    parts = decompound(word)
    folded = fold(word)
    if len(parts) != 2 or not folded.startswith(parts[0]):
        return None
    rest = folded[len(parts[0]) :]
    for link in ("", "s", "en", "e"):
        if rest.startswith(link) and rest[len(link) :].startswith(parts[1][:3]):
            return f"{parts[0]} {rest[len(link):]}"
    return None


class QueryMaker:
    """Makes the queries of every kind for the pages of one site (`pages`: all of them, for
    document frequencies and for which titles and headings are unique)."""

    def __init__(self, pages: Sequence[Page], lexicon: LexiconForms, synonyms: Synonyms,
                 stopwords: frozenset[str], verbs: frozenset[str], nouns: frozenset[str],
                 seed: int = 7) -> None:
        self.lexicon, self.synonyms, self.stopwords = lexicon, synonyms, stopwords
        self.verbs, self.nouns, self.seed = verbs, nouns, seed
        self.words = {page.id: page_words(page) for page in pages}
        self.folded = {page_id: {fold(w) for w in found} for page_id, found in self.words.items()}
        self.df = Counter(word for found in self.words.values() for word in found)
        self.band = (2, max(3, len(pages) // 50))
        self.same_title: dict[str, set[str]] = defaultdict(set)
        for page in pages:
            self.same_title[typed(page.title)].add(page.id)
        heading_counts = Counter(typed(h) for page in pages for h in set(page.headings()))
        self.unique_headings = {h for h, n in heading_counts.items()
                                if n == 1 and h not in self.same_title}
        self.pages_of: dict[str, set[str]] = defaultdict(set)
        for page_id, found in self.words.items():
            for word in found:
                self.pages_of[word].add(page_id)
                self.pages_of[lexicon.lemma_of(word)].add(page_id)
        self.ordered = sorted(self.pages_of)
        self.rare: dict[str, str] = {}
        for page in pages:
            if (rare := self._longest_rare(page, lambda w: True)) is not None:
                self.rare[page.id] = rare

    @classmethod
    def for_site(cls, pages: Sequence[Page], config_dir: Path, seed: int = 7) -> QueryMaker:
        from indexer.nlp.analysis import Analyzer

        analyzer = Analyzer.from_config(config_dir)
        index = spacy_lookup("nl", "lemma_index")
        return cls(pages, LexiconForms.installed(), analyzer.synonyms, analyzer.stopwords,
                   frozenset(index["verb"]), frozenset(index["noun"]), seed)

    def queries(self, pages: Iterable[Page], kinds: Sequence[str]) -> list[Query]:
        """The queries of `kinds` for `pages`, kind by kind, pages in the given order."""
        found = []
        for kind in kinds:
            make = getattr(self, "_" + kind.replace(" ", "_"))
            for page in pages:
                rng = random.Random(f"{self.seed}:{kind}:{page.id}")
                made = make(page, rng)
                if made is None:
                    continue
                relevant = self.same_title[typed(page.title)] if kind in TITLE_KINDS else set()
                for text, section in _pairs(made):
                    found.append(Query(kind, text, page.id, frozenset({page.id, *relevant}),
                                       page.title, section))
        return found

    # --- the kinds: each returns the query text (or text and section), or None ------------
    # ("synonym" returns a list of (text, None): every synonym of every word of its title)

    def _title(self, page: Page, rng: random.Random) -> str | None:
        return " ".join(self._title_words(page)) or None

    def _title_typo(self, page: Page, rng: random.Random) -> str | None:
        words = self._title_words(page)
        candidates = [w for w in words if w.isalpha() and len(w) >= MIN_TYPO_WORD]
        if not candidates:
            return None
        longest = max(candidates, key=len)
        typo = misspelt(longest, rng)
        return " ".join(typo if w == longest else w for w in words)

    def _question(self, page: Page, rng: random.Random) -> str | None:
        words = self._title_words(page)
        if not words or words[0] in _QUESTION_WORDS or page.title.rstrip().endswith("?"):
            return None  # a title that is a question already is asked as "title"
        text = " ".join(words)
        if words[-1] in self.verbs:  # "afbeelding draaien": something to do
            return rng.choice((f"hoe {text}", f"kan ik {text}", f"hoe kan ik {text}"))
        return rng.choice((f"hoe {text}", f"wat is {text}", f"hoe werkt {text}"))

    def _title_varied(self, page: Page, rng: random.Random) -> str | None:
        words = self._title_words(page)
        if not words:
            return None
        options = ["extra"] + (["reordered"] if len(set(words)) > 1 else []) + (
            ["dropped"] if len(words) >= 3 else [])
        way = rng.choice(options)
        if way == "reordered":
            shuffled = list(words)
            while shuffled == words:
                rng.shuffle(shuffled)
            return " ".join(shuffled)
        if way == "dropped":
            longest = max(words, key=len)
            drop = rng.choice([i for i, w in enumerate(words) if w != longest])
            return " ".join(w for i, w in enumerate(words) if i != drop)
        extra = rng.choice(_EXTRA_WORDS)
        return " ".join([extra, *words] if rng.random() < 0.5 else [*words, extra])

    def _inflected(self, page: Page, rng: random.Random) -> str | None:
        words = self._title_words(page)
        options = {w: form for w in words
                   if len(w) >= 4 and w.isalpha() and fold(w) not in self.stopwords
                   and (form := self.lexicon.other_number(w, self.nouns)) is not None}
        if not options:
            return None
        word = max(options, key=lambda w: (len(w), w))
        return " ".join(options[word] if w == word else w for w in words)

    def _section(self, page: Page, rng: random.Random) -> tuple[str, str] | None:
        headings = sorted(h for h in set(page.headings())
                          if typed(h) in self.unique_headings and not looks_english(h)
                          and any(len(w) >= 4 for w in typed(h).split()))
        if not headings:
            return None
        heading = rng.choice(headings)
        return typed(heading), heading

    def _body_words(self, page: Page, rng: random.Random) -> str | None:
        candidates = self._mid_frequency(page)
        return " ".join(rng.sample(candidates, 2)) if len(candidates) >= 2 else None

    def _synonym(self, page: Page, rng: random.Random) -> list[tuple[str, None]] | None:
        """A word of a synonym group that the page has, typed as another word of the group
        that the page lacks. From its title: the title with it replaced, for every such word
        and synonym. Else from its body: with a mid-frequency word of the page that the
        fewest other pages with a word of the group have, so that the synonym tells the page
        apart where it can."""
        title = [fold(w) for w in self._title_words(page)]
        found: list[tuple[str, None]] = []
        for entry, size, start in self._synonym_entries(title):
            for synonym in self._lay(page, entry):
                found.append((" ".join([*title[:start], synonym, *title[start + size :]]), None))
        if found:
            return found
        body = [t.folded for t in tokenize(page.body_text())]
        for entry, _, _ in self._synonym_entries(body):
            group = {entry, *self.synonyms.mapping[entry]}
            sharing = {w: sum(any(self._has(other, member) for member in group)
                              for other in self.pages_of[w] - {page.id})
                       for w in self._mid_frequency(page)}
            synonyms = self._lay(page, entry)
            if sharing and synonyms:
                fewest = min(sharing.values())
                word = rng.choice(sorted(w for w, n in sharing.items() if n == fewest))
                return [(f"{rng.choice(synonyms)} {word}", None)]
        return None

    def _lay(self, page: Page, entry: str) -> list[str]:
        """The synonyms of an entry the page has that the page lacks; none for an
        abbreviation ("add", "mg": mostly another word)."""
        if len(entry) < 4:
            return []
        return sorted(s for s in self.synonyms.mapping[entry] if not self._has(page.id, s))

    def _has(self, page_id: str, entry: str) -> bool:
        return set(entry.split()) <= self.folded[page_id]

    def _rare_word(self, page: Page, rng: random.Random) -> str | None:
        return self.rare.get(page.id)

    def _rare_inflected(self, page: Page, rng: random.Random) -> str | None:
        word = self.rare.get(page.id)
        return self.lexicon.other_form(word) if word else None

    def _no_diacritics(self, page: Page, rng: random.Random) -> str | None:
        word = self._longest_rare(page, lambda w: not w.isascii())
        return fold(word) if word and fold(word) != word else None

    def _typed_apart(self, page: Page, rng: random.Random) -> str | None:
        word = self._longest_rare(page, lambda w: typed_apart(w) is not None)
        return typed_apart(word) if word else None

    # --- what the kinds share ----------------------------------------------------------------

    def _title_words(self, page: Page) -> list[str]:
        """The title's words as typed; none for a title in English or without any word of
        more than two letters (nothing a visitor would type)."""
        words = typed(page.title).split()
        if looks_english(page.title) or not any(len(w) > 2 for w in words):
            return []
        return words

    def _mid_frequency(self, page: Page) -> list[str]:
        title = {fold(w) for w in typed(page.title).split()}
        low, high = self.band
        return sorted(w for w in self.words[page.id]
                      if w.isalpha() and len(w) >= 4 and fold(w) not in self.stopwords
                      and fold(w) not in title and low <= self.df[w] <= high
                      and not english_word(w))

    def _synonym_entries(self, words: Sequence[str]) -> Iterable[tuple[str, int, int]]:
        for start in range(len(words)):
            for size in range(self.synonyms.longest, 0, -1):
                entry = " ".join(words[start : start + size])
                if start + size <= len(words) and entry in self.synonyms.mapping:
                    yield entry, size, start

    def _longest_rare(self, page: Page, keep: Callable[[str], bool]) -> str | None:
        """The page's longest alphabetic word of at least MIN_RARE_WORD letters (that it
        `keep`s) that no other page has in any form: neither its lemma nor any word that
        begins as it does less its last 3 letters ("gereedschapsvensters" and
        "gereedschapsvenster"). Ties go to the first in alphabetical order."""
        unique = [w for w in self.words.get(page.id, ())
                  if len(w) >= MIN_RARE_WORD and w.isalpha() and not english_word(w)
                  and self._only_in(w, page.id) and keep(w)]
        return min(unique, key=lambda w: (-len(w), w)) if unique else None

    def _only_in(self, word: str, page_id: str) -> bool:
        if self.pages_of[self.lexicon.lemma_of(word)] != {page_id}:
            return False
        stem = word[: len(word) - _STEM_CUT]
        for other in self.ordered[bisect.bisect_left(self.ordered, stem):]:
            if not other.startswith(stem):
                return True
            if self.pages_of[other] != {page_id}:
                return False
        return True


def _pairs(made: str | tuple[str, str] | list[tuple[str, None]]) -> list[tuple[str, str | None]]:
    if isinstance(made, list):
        return list(made)
    return [made] if isinstance(made, tuple) else [(made, None)]


def page_words(page: Page) -> set[str]:
    """The lower-cased words of a page's title and body."""
    return {t.text.lower() for t in tokenize(f"{page.title} {page.body_text()}")}
