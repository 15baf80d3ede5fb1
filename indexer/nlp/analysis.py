"""Dutch analysis computed once in Python, so that every engine indexes and queries the same terms.

What a word becomes: its folded form (lower case, diacritics stripped: "Patiënten" ->
"patienten"), its folded lemma (spaCy's Dutch lookup table with the frequent forms it lacks
filled in from indexer/nlp/data/lemmas_nl.tsv, also reachable from a folded spelling:
"patienten" -> "patient"), the parts of a compound ("magnesiumtekort" -> "magnesium",
"tekort") and synonyms from `config/synonyms.txt`. Dutch stop words come from
`config/stopwords_nl.txt` when present, else from spaCy's Dutch list.

Everything here is data-driven and pure; `Analyzer.from_config(config_dir)` loads the data.
The large tables (word list, lemma table) are loaded once per process and shared.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.nlp.synonyms import Synonyms
from indexer.nlp.words import MAX_WORD, fold, folded_words

MIN_PART = 4  # shortest compound part we trust as a word of its own
# A word this frequent (wordfreq's Zipf scale) is a word in its own right: never split, so
# that "patienten" does not become "pati" + "enten".
_COMMON_ZIPF = 3.0
_LINKS = ("s", "en", "e")  # Dutch linking morphemes: aandacht-s-tekort, ziekte-n-huis
_MAX_DEPTH = 3  # parts of parts, at most this deep
# Dutch derivational suffixes that the word list also holds as "words": never a compound's
# part ("zorgvuldigheid" is no zorgvuldig + heid, "aanpasbaarheid" no aanpasbaar + heid).
# Else every such word adds a part "heid", and a search for "geselecteerdheid" matches
# every page about selecting.
_SUFFIXES = frozenset({
    "heid", "heden", "lijk", "lijke", "baar", "bare", "isch", "ische", "teit", "teiten",
    "achtig", "achtige", "schap", "schappen",
})


@lru_cache(maxsize=1)
def dutch_words() -> frozenset[str]:
    """The 200,000 most frequent Dutch words (wordfreq), folded."""
    import wordfreq

    return frozenset(fold(w) for w in wordfreq.top_n_list("nl", 200_000))


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    import wordfreq

    return float(wordfreq.zipf_frequency(word, "nl"))


@lru_cache(maxsize=4)
def spacy_lookup(lang: str, table: str) -> dict[str, str]:
    """A lookup table of spacy-lookups-data as it is stored (e.g. "nl", "lemma_lookup": word
    -> lemma), read once per process: the pipeline's lemmatizer and `lemma_table` share it.
    (spaCy's own `load_lookups` takes twice as long, hashing every key in Python.)"""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / f"{lang}_{table}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        raw: dict[str, str] = json.load(handle)
    return raw


# Frequent Dutch forms that spaCy's lookup table lacks, with their lemmas (made by
# bench/lemmas.py; sources and licences in indexer/nlp/data/README.md).
LEMMA_SUPPLEMENT = Path(__file__).parent / "data" / "lemmas_nl.tsv"


def lemma_supplement(path: Path = LEMMA_SUPPLEMENT) -> list[tuple[str, str]]:
    """(form, lemma) of each line of the supplement ("form<TAB>lemma<TAB>source"; lines
    starting with '#' are comments)."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            form, _, rest = line.partition("\t")
            lemma = rest.partition("\t")[0]
            if form and lemma:
                pairs.append((form, lemma))
    return pairs


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """Folded word -> folded lemma: spaCy's Dutch lookup table (spacy-lookups-data), its gaps
    filled from `LEMMA_SUPPLEMENT` (frequent forms it lacks: "maanden" -> "maand")."""
    return merged_lemmas(spacy_lookup("nl", "lemma_lookup").items(), lemma_supplement())


def merged_lemmas(
    table: Iterable[tuple[str, str]], supplement: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Folded form -> folded lemma from `table`, then from `supplement` for the forms the
    table lacks (the table's lemma always wins)."""
    merged: dict[str, str] = {}
    # A key spelled exactly so wins over one that only matches once folded ("Patiënten").
    for word, lemma in table:
        key = fold(word)
        if word == key or key not in merged:
            merged[key] = fold(lemma)
    for form, lemma in supplement:
        merged.setdefault(fold(form), fold(lemma))
    return merged


def lemma_of(word: str) -> str:
    """The folded lemma of a word ("depressies" -> "depressie"); the folded word if unknown."""
    key = fold(word)
    return lemma_table().get(key, key)


@lru_cache(maxsize=1)
def _dutch_stemmer() -> Any:
    import Stemmer  # PyStemmer: the Snowball algorithms in C

    return Stemmer.Stemmer("dutch")


@lru_cache(maxsize=200_000)
def stem_of(word: str) -> str:
    """The Dutch Snowball stem of a folded word ("depressieve" -> "depressief"): computed
    here, once, for every engine, so that both match and rank stemmed words alike."""
    stem: str = _dutch_stemmer().stemWord(word)
    return stem


@lru_cache(maxsize=100_000)
def decompound(word: str) -> tuple[str, ...]:
    """The parts of a Dutch compound, folded ("magnesiumtekort" -> ("magnesium", "tekort")).

    Empty when the word is not a compound we can split safely: every part must be a known
    Dutch word of at least 4 letters that is not a suffix such as -heid (linking -s-/-e-/-en-
    allowed between parts), and a word common in its own right is never split. Long
    compounds split into more than two parts.
    """
    folded = fold(word)
    if len(folded) > MAX_WORD:  # splitting is quadratic in the length: no terms from these
        return ()
    lemma = lemma_table().get(folded, folded)
    # An inflected form the lemma table knows is split through its lemma, so that
    # "receptoren" stays whole (receptor) and "slaapproblemen" splits as slaap + probleem.
    return _split(lemma if lemma != folded else folded, 0)


def _split(word: str, depth: int) -> tuple[str, ...]:
    if depth >= _MAX_DEPTH or len(word) < 2 * MIN_PART or not word.isalpha():
        return ()
    if depth == 0 and _zipf(word) >= _COMMON_ZIPF:
        return ()
    known = dutch_words()
    # Longest head first: "neurotransmittersystemen" -> neurotransmitter + systemen.
    for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        head, tail = word[:cut], word[cut:]
        for candidate in _heads(head, known):
            if tail in known and tail not in _SUFFIXES:
                return (candidate, tail)
            rest = _split(tail, depth + 1)
            if rest:
                return (candidate, *rest)
    return ()


def _heads(head: str, known: frozenset[str]) -> list[str]:
    """The known words among the head with and without a linking morpheme, most frequent first.

    "aandachts" -> "aandacht" before "aandachts"; "prijs" before "prij".
    """
    found = [head] + [
        head[: -len(link)]
        for link in _LINKS
        if head.endswith(link) and len(head) - len(link) >= MIN_PART
    ]
    found = [h for h in found if len(h) >= MIN_PART and h in known]
    return sorted(found, key=_zipf, reverse=True) if len(found) > 1 else found


_JOIN_LINKS = ("", "s")  # "penseel symbool" -> penseelsymbool, "overgang gebied" -> overgangsgebied
_JOIN_RUN = 3  # at most this many neighbouring words make one compound
_JOIN_WORDS = 6  # only among the first words of a query (each run costs a few term queries)


@dataclass(frozen=True)
class CompoundRun:
    """Neighbouring words of a query (`words[start:end]`) that may be one compound typed
    apart, and the compound's spellings (folded)."""

    start: int
    end: int
    forms: tuple[str, ...]

    @property
    def terms(self) -> list[str]:
        """The spellings and their lemmas: the index terms that hold the compound."""
        return sorted({term for form in self.forms for term in (form, lemma_of(form))})


def compound_runs(
    words: Sequence[str], known: Callable[[str], bool] | None = None
) -> list[CompoundRun]:
    """Compounds a visitor may have typed apart ("penseel symbool", "overgang-gebied"): each
    run of 2 or 3 neighbouring words written as one, with or without a linking -s- between
    them ("penseelsymbool", "penseelssymbool"). Dutch writes compounds as one word; a
    visitor often does not. Only runs of letters, among the first few words.

    `known` (an index's vocabulary, `Vocabulary.has_form`): only the spellings it knows, and
    only the runs with such a spelling, so that a search pays nothing for compounds no page
    has."""
    folded = [fold(w) for w in words[:_JOIN_WORDS]]
    runs = []
    for size in range(2, _JOIN_RUN + 1):
        for start in range(len(folded) - size + 1):
            run = folded[start : start + size]
            if not all(w.isalpha() for w in run):
                continue
            joined = [run[0]]
            for word in run[1:]:
                joined = [head + link + word for head in joined for link in _JOIN_LINKS]
            forms = tuple(w for w in joined
                          if len(w) <= MAX_WORD and (known is None or known(w)))
            if forms:
                runs.append(CompoundRun(start, start + size, forms))
    return runs


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, tuple[str, ...]]:
    """A folded word's lemma, and its index terms: itself, its lemma, its compound parts
    and their lemmas (once each). Words recur in every passage: computed once per word."""
    table = lemma_table()
    lemma = table.get(word, word)
    found = {word, lemma}
    for part in decompound(word):
        found.add(part)
        found.add(table.get(part, part))
    return lemma, tuple(sorted(found))


@dataclass(frozen=True)
class WordVariants:
    """What one word of a query may match: any of `forms`, or all of `parts` together."""

    word: str
    forms: frozenset[str]
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Analyzer:
    """Dutch analysis shared by indexing and querying."""

    stopwords: frozenset[str]
    synonyms: Synonyms
    # Words visitors put around what they look for ("hoe werkt ...", "informatie over ..."):
    # never required in a query of several words (query_fillers.txt).
    fillers: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config_dir: Path) -> Analyzer:
        """Stop words, synonyms and query fillers from `config_dir` (stopwords_nl.txt,
        synonyms.txt, query_fillers.txt)."""
        stop_file = config_dir / "stopwords_nl.txt"
        if stop_file.is_file():
            stopwords = frozenset(fold(w) for w in _data_lines(stop_file))
        else:
            from spacy.lang.nl.stop_words import STOP_WORDS

            stopwords = frozenset(fold(w) for w in STOP_WORDS)
        synonym_file = config_dir / "synonyms.txt"
        lines = _data_lines(synonym_file) if synonym_file.is_file() else []
        filler_file = config_dir / "query_fillers.txt"
        fillers = frozenset(fold(w) for w in _data_lines(filler_file)) \
            if filler_file.is_file() else frozenset()
        return cls(stopwords, Synonyms.from_lines(lines), fillers)

    def is_stopword(self, word: str) -> bool:
        return fold(word) in self.stopwords

    def content_words(self, words: Sequence[str]) -> list[str]:
        """The words of a query that must match: stop words only count when the query has
        nothing else."""
        return [w for w in words if not self.is_stopword(w)] or list(words)

    def terms(self, text: str, lemmas: Iterable[str] = ()) -> list[str]:
        """Index terms of a text: folded words and lemmas, compound parts, synonyms.

        `lemmas` (from the NLP pipeline) are added to the lookup lemmas. Stop words are left
        out. The result is sorted and without duplicates, ready to index as plain terms.
        """
        return sorted(set(self.term_occurrences(text, lemmas)))

    def term_occurrences(self, text: str, lemmas: Iterable[str] = ()) -> list[str]:
        """The index terms of a text as often as the text has them (so that an engine sees
        term frequencies): each word's folded form, lemma and compound parts once per time
        the word stands in the text; the pipeline's other lemmas and the synonyms once."""
        words = folded_words(text)
        stopwords = self.stopwords
        lemma_by_word: dict[str, str] = {}
        per_word: dict[str, tuple[str, ...]] = {}
        for word in set(words):
            lemma, terms = _word_terms(word)
            lemma_by_word[word] = lemma
            if word and word not in stopwords:
                per_word[word] = terms
        occurrences = [term for word in words for term in per_word.get(word, ())]
        seen = set(occurrences)
        nlp_lemmas = [fold(lemma) for lemma in lemmas]
        once = {lemma for lemma in nlp_lemmas if lemma not in self.stopwords}
        # Synonyms of the words, of their lemmas, and of the pipeline's lemmas, each in order.
        once.update(self.synonyms.expand(words))
        once.update(self.synonyms.expand([lemma_by_word[w] for w in words]))
        once.update(self.synonyms.expand(nlp_lemmas))
        occurrences.extend(sorted(once - seen - {""}))
        occurrences.sort()
        return occurrences

    def stems(self, text: str) -> list[str]:
        """The Dutch stems of a text's words (stop words left out), as often as the text has
        them, sorted."""
        stopwords = self.stopwords
        stems = (stem_of(word) for word in folded_words(text) if word not in stopwords)
        return sorted(stem for stem in stems if stem)

    def variants(self, word: str) -> WordVariants:
        """What a visitor's word may match in the terms fields."""
        folded = fold(word)
        forms = {folded, lemma_of(folded)}
        forms |= self.synonyms.expand([folded])
        parts = decompound(folded)
        return WordVariants(word=folded, forms=frozenset(forms), parts=parts)


def _data_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
