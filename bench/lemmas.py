"""The Dutch lemma supplement: how it is made, and what it adds to spaCy's lookup table.

    .venv/bin/python -m bench.lemmas            what the supplement covers (from the repo root)
    .venv/bin/python -m bench.lemmas build      make indexer/nlp/data/lemmas_nl.tsv again
                                                (`make lemmas`: installs hunspell-nl)

spaCy's Dutch lookup table (spacy-lookups-data `nl_lemma_lookup`) leaves most frequent
inflected forms out: "maanden", "kinderen", "studies", "ziekenhuizen". The supplement fills
those gaps, for the forms of wordfreq's Dutch list at or above `MIN_ZIPF` that the table
lacks (stop words left out: they are never search terms):

1. spaCy's own Dutch exception lists (`nl_lemma_exc`, nouns, verbs and adjectives: the rule
   lemmatizer's irregular forms, "kinderen" -> "kind", "kwam" -> "komen"); where a form has
   several lemmas, the one most frequent in Dutch ("maanden": maand, not manen); a noun or
   adjective is never made a verb ("mond" stays, not "monden");
2. else the OpenTaal Hunspell dictionary (Debian's hunspell-nl): a noun's
   plural or an adjective's inflected form (affix classes tagged NN2 and AJe) maps to its
   dictionary stem ("zorgorganisaties" -> "zorgorganisatie"), when spaCy's lemma index
   also has the stem as a noun or adjective and the form is no dictionary word or verb in
   its own right ("immers" is no plural of "immer"); a few readings checked by hand and
   found wrong are left out (`_MISREAD`).

The default command prints how many of the 10,000 most frequent Dutch words (wordfreq) the
lemma table maps to a lemma other than themselves with and without the supplement, examples
of each source, and the load time of `lemma_table()` against spaCy's table alone (same
process).

`LexiconForms` (for bench/relevance.py) gives the forms of a lemma as these lists state them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import wordfreq

from indexer.nlp import analysis
from indexer.nlp.analysis import LEMMA_SUPPLEMENT, lemma_supplement, merged_lemmas, spacy_lookup
from indexer.nlp.words import fold

MIN_ZIPF = 2.0  # wordfreq's Zipf scale: about once in 10 million words of Dutch text
HUNSPELL = Path("/usr/share/hunspell/nl")  # .aff and .dic of Debian's hunspell-nl
_EXCEPTION_KINDS = ("noun", "verb", "adj")
_TAGS = ("NN2", "AJe")  # OpenTaal's affix tags: a noun's plural, an adjective's -e form
_RARER = 1.5  # Zipf: a lemma 30 times rarer than its form is another word's reading
# spaCy exceptions checked by hand and found wrong for the common reading of the form
# ("links" is left more often than hyperlinks; "waarden" are values, not "waren").
_WRONG = frozenset({"links", "rechts", "straks", "waarden", "voren", "ware", "engels",
                    "missen", "et", "polen", "zweden", "kiezen", "hoeven", "stellen"})
_AS_COMMON = 0.5
# OpenTaal readings checked by hand and found wrong: a name, another word's plural, or an
# English word ("lieden" are people, not songs; "karen" is a name, "noren" are Norwegians).
_MISREAD = frozenset({
    "noren", "tropen", "wake", "watten", "karen", "lieden", "hole", "vete", "twaalven",
    "tweetten", "krijgsgevangene", "pasgeborene", "uitverkorene", "verlate", "grands",
    "dijkhuizen", "historica", "politica", "trivia", "ammonia", "enfants", "manches",
    "russells", "medica", "elkanders", "zevenen", "jappen", "loungen", "finnen",
})
_HEADER = """\
# Dutch word form -> lemma, for the forms of wordfreq's Dutch list (Zipf >= {zipf}) that
# spaCy's lookup table (spacy-lookups-data nl_lemma_lookup) lacks. Made by
# `python -m bench.lemmas build`; see indexer/nlp/data/README.md for sources and licences.
# Columns: form, lemma, source (spacy-exc: spaCy's nl_lemma_exc; opentaal: hunspell-nl).
"""


def frequent_words(min_zipf: float = MIN_ZIPF) -> list[str]:
    """wordfreq's Dutch words at or above `min_zipf`, most frequent first, letters only."""
    found = []
    for word in wordfreq.iter_wordlist("nl"):
        if wordfreq.zipf_frequency(word, "nl") < min_zipf:
            break
        if word.isalpha():
            found.append(word)
    return found


def exception_lemma(form: str, exceptions: dict[str, dict[str, list[str]]],
                    index: dict[str, frozenset[str]]) -> str | None:
    """The lemma spaCy's exception lists give a form (the most frequent one in Dutch when
    they give several), if it is not the form itself, and if:
    - the form is no noun in its own right ("nieuws" is no form of "nieuw"; the verb lists
      also hold each verb's stem: "mond" would become "monden");
    - an adjective in its own right becomes only an adjective ("hoog" is no form of "oog");
    - an infinitive becomes only a noun about as common ("vormen": vorm; "laten" is no form
      of "laat");
    - the lemma is not far rarer than the form ("genomen" is rarely the genome's plural);
    - the form is not one found wrong by hand (`_WRONG`).
    `index`: spaCy's Dutch lemma index, "noun", "adj" and "verb" lemmas.
    """
    if form in _WRONG or form in index["noun"]:
        return None
    lemmas = {lemma.strip(): kind for kind in _EXCEPTION_KINDS
              for lemma in exceptions.get(kind, {}).get(form, [])}
    lemmas.pop(form, None)
    lemmas.pop("", None)
    if form in index["verb"]:  # (the adjective list also holds a few infinitives)
        lemmas = {lemma: kind for lemma, kind in lemmas.items()
                  if kind == "noun" and _zipf(lemma) >= _zipf(form) - _AS_COMMON}
    elif form in index["adj"]:
        lemmas = {lemma: kind for lemma, kind in lemmas.items() if kind == "adj"}
    floor = _zipf(form) - _RARER
    lemmas = {lemma: kind for lemma, kind in lemmas.items() if _zipf(lemma) >= floor}
    if not lemmas:
        return None
    return max(sorted(lemmas), key=_zipf)


class OpenTaal:
    """The OpenTaal Hunspell dictionary: which stem a plural or inflected adjective is of.

    Read directly: the stems of nl.dic with the suffix rules of nl.aff whose tag is in
    _TAGS applied to them (one suffix, as Hunspell's `unmunch` would). (The pure-Python
    Hunspell port spylls installs a top-level package named `tests`, which hides ours.)
    """

    def __init__(self, path: Path = HUNSPELL) -> None:
        rules = _suffix_rules(path.with_suffix(".aff").read_text(encoding="utf-8"))
        index: dict[str, list[str]] = spacy_lookup("nl", "lemma_index")  # type: ignore[assignment]
        self.verbs = frozenset(index["verb"])
        self.lemmas = {"NN2": frozenset(index["noun"]), "AJe": frozenset(index["adj"])}
        self.words: set[str] = set()
        self.readings: dict[str, set[tuple[str, str]]] = defaultdict(set)
        lines = path.with_suffix(".dic").read_text(encoding="utf-8").splitlines()[1:]
        for line in lines:
            stem, _, flags = (line.split() or [""])[0].partition("/")
            self.words.add(_plain(stem))
            for flag in (flags[i : i + 2] for i in range(0, len(flags), 2)):  # FLAG long
                for strip, add, condition, tag in rules.get(flag, ()):
                    if condition.search(stem):
                        form = stem[: len(stem) - len(strip)] + add
                        self.readings[_plain(form)].add((_plain(stem), tag))

    def stem(self, form: str) -> str | None:
        """The dictionary stem of which `form` is a plural (NN2) or an inflected adjective
        (AJe), the most frequent when there are several (and only a stem in common use);
        None for a form that is a dictionary word or a verb in its own right
        ("ontkrachten" is no plural of "ontkracht"), or no such form."""
        if form in _MISREAD or form in self.verbs or form in self.words:
            return None
        # The stem must be a noun (for a plural) or adjective that spaCy's Dutch lemma index
        # also knows, and in common use: else the reading is a coincidence of spelling
        # ("immers" is no plural of "immer", "noren" none of "nor").
        stems = {stem for stem, tag in self.readings.get(form, ())
                 if stem != form and stem in self.lemmas[tag] and _zipf(stem) >= _COMMON_FORM}
        return max(sorted(stems), key=_zipf) if stems else None


def _plain(word: str) -> str:
    # OpenTaal writes the digraph ij as one letter (ĳ, its ICONV table says so).
    return word.replace("ĳ", "ij").replace("Ĳ", "IJ").lower()


def _suffix_rules(aff: str) -> dict[str, list[tuple[str, str, re.Pattern[str], str]]]:
    """flag -> (strip, add, condition on the stem's end, tag) of each suffix rule whose
    `ts:` tag is in _TAGS."""
    rules: dict[str, list[tuple[str, str, re.Pattern[str], str]]] = defaultdict(list)
    for line in aff.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[0] != "SFX":
            continue
        tag = next((f[3:] for f in fields[5:] if f.startswith("ts:")), None)
        add = fields[3].split("/")[0]
        if tag in _TAGS and "-" not in add:
            strip = "" if fields[2] == "0" else fields[2]
            condition = re.compile(_condition(fields[4]) + "$")
            rules[fields[1]].append((strip, "" if add == "0" else add, condition, tag))
    return rules


def _condition(condition: str) -> str:
    """A Hunspell affix condition as a regular expression ([...], [^...] and . as they are,
    other characters literal)."""
    return "".join(part if part.startswith("[") or part == "." else re.escape(part)
                   for part in re.findall(r"\[[^\]]*\]|.", condition))


def build(min_zipf: float = MIN_ZIPF, target: Path = LEMMA_SUPPLEMENT) -> dict[str, int]:
    """Write the supplement; return how many entries each source gave."""
    from spacy.lang.nl.stop_words import STOP_WORDS

    known = {fold(word) for word in spacy_lookup("nl", "lemma_lookup")}
    exceptions: dict[str, dict[str, list[str]]] = spacy_lookup("nl", "lemma_exc")  # type: ignore[assignment]
    lists: dict[str, list[str]] = spacy_lookup("nl", "lemma_index")  # type: ignore[assignment]
    index = {kind: frozenset(lists[kind]) for kind in _EXCEPTION_KINDS}
    opentaal = OpenTaal()
    rows: list[tuple[str, str, str]] = []
    for form in frequent_words(min_zipf):
        # A stop word is never a search term ("het" would become "hebben").
        if fold(form) in known or form in STOP_WORDS:
            continue
        lemma = exception_lemma(form, exceptions, index)
        source = "spacy-exc"
        if lemma is None:
            lemma, source = opentaal.stem(form), "opentaal"
        if lemma is not None and fold(lemma) != fold(form):
            rows.append((form, lemma, source))
    rows.sort()
    lines = [_HEADER.format(zipf=min_zipf)] + [f"{f}\t{lemma}\t{s}\n" for f, lemma, s in rows]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(lines), encoding="utf-8")
    counts: dict[str, int] = defaultdict(int)
    for _, _, source in rows:
        counts[source] += 1
    return dict(counts)


class LexiconForms:
    """Word forms and their lemmas as the lemma lists state them (spaCy's Dutch lookup table
    and the supplement), folded."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.lemma: dict[str, str] = {}
        for form, lemma in pairs:
            self.lemma.setdefault(fold(form), fold(lemma))
        forms: dict[str, set[str]] = defaultdict(set)
        for form, lemma in self.lemma.items():
            forms[lemma].update((form, lemma))
        # The lemma itself first, then the other forms in alphabetical order.
        self.forms = {lemma: sorted(found, key=lambda f: (f != lemma, f))
                      for lemma, found in forms.items()}

    @classmethod
    def installed(cls) -> LexiconForms:
        return cls([*spacy_lookup("nl", "lemma_lookup").items(), *lemma_supplement()])

    def lemma_of(self, word: str) -> str:
        folded = fold(word)
        return self.lemma.get(folded, folded)

    def other_number(self, word: str, nouns: frozenset[str]) -> str | None:
        """A noun in the other number: a plural's singular (its lemma), or a singular's
        most frequent plural (a form ending in -en or -s, in common use: not "slagskes");
        None for other words."""
        folded = fold(word)
        lemma = self.lemma_of(folded)
        if lemma not in nouns:
            return None
        if lemma != folded:
            return lemma
        plurals = [f for f in self.forms.get(lemma, []) if f != folded
                   and f.endswith(("en", "s")) and f[:2] == folded[:2]
                   and not f.endswith("jes") and _zipf(f) >= _COMMON_FORM]
        return max(plurals, key=lambda f: (_zipf(f), f)) if plurals else None

    def other_form(self, word: str) -> str | None:
        """Another form of the word's lemma (the lemma itself first), if the lists know one."""
        folded = fold(word)
        return next((f for f in self.forms.get(self.lemma_of(folded), []) if f != folded), None)


_COMMON_FORM = 2.0  # Zipf: about once in 10 million words


def _zipf(word: str) -> float:
    return float(wordfreq.zipf_frequency(word, "nl"))


def coverage(top: int = 10_000) -> None:
    """Print what the supplement adds among the `top` most frequent Dutch words."""
    words = [w for w in wordfreq.top_n_list("nl", top) if w.isalpha()]
    spacy_only = {fold(k) for k in spacy_lookup("nl", "lemma_lookup")}
    table = analysis.lemma_table()
    supplement = {fold(form): (lemma, source) for form, lemma, source in _rows()}
    before = [w for w in words if fold(w) in spacy_only]
    after = [w for w in words if table.get(fold(w), fold(w)) != fold(w) or fold(w) in spacy_only]
    print(f"of the {len(words)} most frequent Dutch words (letters only, wordfreq top {top}):")
    print(f"  spaCy's lookup table knows {len(before)}; with the supplement the lemma table "
          f"knows {len(after)} (+{len(after) - len(before)})")
    for source in ("spacy-exc", "opentaal"):
        added = [w for w in words if supplement.get(fold(w), ("", ""))[1] == source]
        sample = ", ".join(f"{w} -> {supplement[fold(w)][0]}" for w in added[:12])
        print(f"  from {source}: {len(added)}, e.g. {sample}")
    print(f"supplement: {len(supplement)} entries in {LEMMA_SUPPLEMENT.name}")
    print(f"lemma_table() load, median of 5 (ms): {_load_times()}")


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in LEMMA_SUPPLEMENT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            form, lemma, source = [*line.split("\t"), "", ""][:3]
            rows.append((form, lemma, source))
    return rows


def _load_times() -> str:
    """lemma_table() built afresh (its file reads included) against spaCy's table alone, and
    the supplement's own share."""
    full, spacy = [], []
    for _ in range(5):
        analysis.spacy_lookup.cache_clear()
        analysis.lemma_table.cache_clear()
        started = time.perf_counter()
        analysis.lemma_table()
        full.append((time.perf_counter() - started) * 1000)
        analysis.spacy_lookup.cache_clear()
        started = time.perf_counter()
        merged_lemmas(spacy_lookup("nl", "lemma_lookup").items(), [])
        spacy.append((time.perf_counter() - started) * 1000)
    supplement = []
    for _ in range(5):
        started = time.perf_counter()
        merged_lemmas([], lemma_supplement())
        supplement.append((time.perf_counter() - started) * 1000)
    ours, base = statistics.median(full), statistics.median(spacy)
    return (f"{ours:.0f} with the supplement, {base:.0f} spaCy's table alone, "
            f"ratio {ours / base:.2f}; the supplement read and folded alone: "
            f"{statistics.median(supplement):.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=("coverage", "build"), default="coverage")
    parser.add_argument("--min-zipf", type=float, default=MIN_ZIPF)
    args = parser.parse_args(argv)
    if args.command == "build":
        if not HUNSPELL.with_suffix(".dic").is_file():
            print(f"bench.lemmas: {HUNSPELL}.dic not found: apt-get install hunspell-nl",
                  file=sys.stderr)
            return 2
        counts = build(args.min_zipf)
        print(f"wrote {LEMMA_SUPPLEMENT}: {sum(counts.values())} entries ({counts})")
        return 0
    coverage()
    return 0


if __name__ == "__main__":
    sys.exit(main())
