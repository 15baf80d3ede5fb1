"""Our spaCy components, registered the spaCy way; `build_nlp` puts them in the pipeline.

- `sitesearch_lemmatizer`: the lookup lemmatizer of the blank pipeline. Same table and same
  answers as spaCy's `lemmatizer` in lookup mode for Dutch (lower-cased form looked up in
  spacy-lookups-data's `lemma_lookup`), with the table's gaps filled from our lemma supplement
  as the index terms are (`analysis.lemma_table`); it works on arrays of hashes with a cache
  per word form instead of a Python call per token.
- `sitesearch_sentencizer`: spaCy's rule-based Sentencizer, computed with numpy on token arrays
  rather than Token objects (same sentences; a property test holds it to spaCy's).
- `sitesearch_gazetteer`: domain entities (NUTRIENT, SUPPLEMENT, CONDITION, NEUROTRANSMITTER,
  RECEPTOR, SYMPTOM, SIDE_EFFECT, STUDY_TYPE, TREATMENT) from the YAML gazetteers, found with
  a PhraseMatcher on LOWER (case-sensitive abbreviations are checked against their exact
  spelling). A PhraseMatcher is a hash lookup per token, far cheaper than the token-pattern
  EntityRuler, and variants and plurals are listed in the data. Hyphenated compounds whose
  first part is a known one-word term ("ADHD-symptomen", "serotonine-heropname") are tied to
  that term.
- `sitesearch_patterns`: PERSON ("Mevrouw Jansen", "De heer De Vries", "dr. Bakker"), AGE
  ("48 jaar", "10-jarig kind") and DOSE ("300 mg", "1000 IE") found by regular expressions
  over the text, which run in C, instead of per-token Python.

Every entity carries its normalised value as the span id (`ent.ent_id_`); overlapping
candidates are resolved longest-first with `spacy.util.filter_spans`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import numpy
from spacy.attrs import IS_PUNCT, LEMMA, LOWER, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Sentencizer as SpacySentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from thinc.types import Ints2d

from indexer.nlp.analysis import lemma_supplement, spacy_lookup
from indexer.nlp.gazetteer import load_gazetteers

DEFAULT_GAZETTEER_DIR = Path(__file__).resolve().parent.parent / "config" / "gazetteers"


def _merge(doc: Doc, spans: Iterable[Span]) -> None:
    """Add spans to doc.ents; where spans overlap the longest (then the first) wins."""
    found = list(spans)
    if found:
        doc.ents = filter_spans([*doc.ents, *found])


def doc_text(doc: Doc) -> str:
    """`doc.text`, built once per Doc from arrays (Doc.text makes a Token object per token)."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        strings = doc.vocab.strings
        text = "".join(
            strings[orth] + " " if space else strings[orth]
            for orth, space in doc.to_array([ORTH, SPACY]).tolist()
        )
        doc.user_data[TEXT_KEY] = text
    return text


def word_forms(doc: Doc) -> set[int]:
    """The distinct LOWER hashes of a Doc's tokens (computed once per Doc, by whichever of our
    components asks first; tokens are never merged or split after the tokenizer here)."""
    cached = doc.user_data.get(FORMS_KEY)
    if cached is not None and cached[0] == len(doc):
        return cast(set[int], cached[1])
    return _remember_forms(doc, numpy.unique(doc.to_array(LOWER)).tolist())


def _remember_forms(doc: Doc, distinct: list[int]) -> set[int]:
    """Keep a Doc's distinct LOWER hashes for word_forms() (with the token count they hold for)."""
    forms = set(distinct)
    doc.user_data[FORMS_KEY] = (len(doc), forms)
    return forms


# doc.user_data keys: the Doc's text when known (saves rebuilding it), and the (start, end)
# character spans of the separate texts ("segments") a Doc holds when indexer.nlp.enrich puts a
# page's title and passages in one Doc. Patterns never match across two segments.
TEXT_KEY = "sitesearch_text"
SEGMENTS_KEY = "sitesearch_segments"
FORMS_KEY = "sitesearch_forms"


class LookupLemmatizer:
    """Sets token.lemma from a lookup table keyed by the lower-cased word form."""

    def __init__(self, nlp: Language, table: str) -> None:
        self.strings = nlp.vocab.strings
        # Keyed by string hash, as spaCy's lookup Tables are.
        self.table = {get_string_id(k): v for k, v in spacy_lookup(str(nlp.lang), table).items()}
        if nlp.lang == "nl" and table == "lemma_lookup":
            # The gaps of spaCy's Dutch table filled as for the index terms (`lemma_table`).
            for form, lemma in lemma_supplement():
                self.table.setdefault(get_string_id(form), lemma)
        # lower-case form hash -> lemma hash
        self.cache: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        # Each distinct form once (a page repeats most of its words), then back to the tokens.
        forms, where = numpy.unique(doc.to_array(LOWER), return_inverse=True)
        distinct = forms.tolist()
        _remember_forms(doc, distinct)
        cache = self.cache
        lemmas = numpy.fromiter(
            (cache.get(h) or self._lemma(h) for h in distinct),
            dtype=numpy.uint64,
            count=len(distinct),
        )
        doc.from_array([LEMMA], cast(Ints2d, lemmas[where].reshape(-1, 1)))
        return doc

    def _lemma(self, lower: int) -> int:
        # The table keys are string hashes, so the hash of the lower-cased form looks it up.
        lemma = self.table.get(lower)
        lemma_hash = self.strings.add(lemma) if lemma else lower
        self.cache[lower] = lemma_hash
        return lemma_hash


@Language.factory("sitesearch_lemmatizer", default_config={"table": "lemma_lookup"})
def make_lookup_lemmatizer(nlp: Language, name: str, table: str) -> LookupLemmatizer:
    """The fast lookup lemmatizer; its table comes from spacy-lookups-data (offline)."""
    return LookupLemmatizer(nlp, table)


class Sentencizer:
    """spaCy's rule-based Sentencizer, computed on token arrays instead of Token objects.

    The rule is spaCy's: the first token starts a sentence, and so does the first token that
    is neither punctuation nor a sentence-final character after one or more sentence-final
    characters ('.', '!', '?', and spaCy's other defaults). Sentence starts already set (by a
    trained senter, say) are kept, as spaCy's does. tests/nlp/test_components.py holds it to
    spaCy's answers.
    """

    def __init__(self, nlp: Language, punct_chars: list[str] | None) -> None:
        chars = punct_chars or SpacySentencizer.default_punct_chars
        self.enders = numpy.asarray(sorted(nlp.vocab.strings.add(c) for c in chars),
                                    dtype=numpy.uint64)

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        columns = doc.to_array([ORTH, IS_PUNCT])
        ender = numpy.isin(columns[:, 0], self.enders)
        words = numpy.flatnonzero(~ender & (columns[:, 1] == 0))
        # A word starts a sentence when a sentence-final character stands between it and the
        # word before it (for the first word: anywhere before it).
        enders_so_far = numpy.cumsum(ender)[words]
        starts = words[numpy.diff(enders_so_far, prepend=0) > 0]
        guess = numpy.full(len(doc), -1, dtype=numpy.int64)
        guess[0] = 1
        guess[starts] = 1
        known = doc.to_array(SENT_START).astype(numpy.int64)
        column = numpy.where(known != 0, known, guess).astype(numpy.uint64)
        doc.from_array([SENT_START], cast(Ints2d, column.reshape(-1, 1)))
        return doc


@Language.factory("sitesearch_sentencizer", default_config={"punct_chars": None})
def make_sentencizer(nlp: Language, name: str, punct_chars: list[str] | None) -> Sentencizer:
    """spaCy's sentencizer rule, fast (its default sentence-final characters unless given)."""
    return Sentencizer(nlp, punct_chars)


class GazetteerRuler:
    """Marks every gazetteer phrase in a Doc as an entity whose span id is its value."""

    def __init__(self, nlp: Language, gazetteer_dir: Path) -> None:
        terms = load_gazetteers(gazetteer_dir)
        self.strings = nlp.vocab.strings
        # One matcher on LOWER for all terms (one pass over the Doc); a case-sensitive term's
        # match is kept only when the text is spelled exactly as listed.
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        # match id -> (label, value, exact spellings or None when case does not matter)
        self.meaning: dict[int, tuple[str, str, frozenset[str] | None]] = {}
        grouped: dict[tuple[bool, str, str], list[str]] = {}
        for term in terms:
            grouped.setdefault((term.case_sensitive, term.label, term.value), []).append(
                term.phrase
            )
        # One-word terms, for hyphenated compounds ("adhd" -> CONDITION ADHD).
        self.heads: dict[str, tuple[str, str]] = {}
        for (case_sensitive, label, value), phrases in grouped.items():
            key = f"{label}|{value}|{'exact' if case_sensitive else 'lower'}"
            exact = frozenset(phrases) if case_sensitive else None
            self.meaning[self.strings.add(key)] = (label, value, exact)
            self.matcher.add(key, [nlp.make_doc(phrase) for phrase in phrases])
            if not case_sensitive:
                for phrase in phrases:
                    if phrase.isalnum():
                        self.heads.setdefault(phrase.lower(), (label, value))
        # LOWER hash of a hyphenated word -> the term it starts with; `looked_at`: every
        # LOWER hash seen so far (set operations in C replace a Python loop per token).
        self.compounds: dict[int, tuple[str, str]] = {}
        self.looked_at: set[int] = set()

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for key, start, end in self.matcher(doc):
            label, value, exact = self.meaning[key]
            if exact is None or doc[start:end].text in exact:
                spans.append(Span(doc, start, end, label=label, span_id=value))
        forms = word_forms(doc)
        for lower in forms - self.looked_at:
            self._look_at(lower)
        found = forms & self.compounds.keys()
        if found:
            taken = {span.start for span in spans if span.end - span.start == 1}
            lowers = doc.to_array(LOWER)
            where = numpy.isin(lowers, numpy.fromiter(found, dtype=numpy.uint64))
            positions = numpy.flatnonzero(where).tolist()
            for i, lower in zip(positions, lowers[where].tolist(), strict=True):
                if i not in taken:
                    label, value = self.compounds[lower]
                    spans.append(Span(doc, i, i + 1, label=label, span_id=value))
        _merge(doc, spans)
        return doc

    def _look_at(self, lower: int) -> None:
        """Remember "adhd-symptomen" as tied to the term "adhd"; other words as seen."""
        self.looked_at.add(lower)
        head, hyphen, rest = self.strings[lower].partition("-")
        meaning = self.heads.get(head) if hyphen and rest[:1].isalnum() else None
        if meaning is not None:
            self.compounds[lower] = meaning


@Language.factory("sitesearch_gazetteer", default_config={"gazetteer_dir": None})
def make_gazetteer_ruler(nlp: Language, name: str, gazetteer_dir: str | None) -> GazetteerRuler:
    """The gazetteer entity ruler; `gazetteer_dir` defaults to config/gazetteers/."""
    return GazetteerRuler(nlp, Path(gazetteer_dir) if gazetteer_dir else DEFAULT_GAZETTEER_DIR)


# --- patterns: PERSON, AGE, DOSE

_TITLE = (
    r"(?:[Mm]evrouw|[Mm]evr\.|[Mm]w\.|[Mm]eneer|[Mm]r\.|[Dd]e\s+heer|[Dd]hr\.|[Dd]okter"
    r"|[Dd]r\.|[Pp]rof\.|[Pp]rofessor|[Dd]rs\.)"
)
# A token of every title above, lower-cased as spaCy's Dutch tokenizer splits them ("heer").
_TITLE_WORDS = frozenset(
    {"mevrouw", "mevr.", "mw.", "meneer", "mr.", "heer", "dhr.", "dokter", "dr.", "prof.",
     "professor", "drs."}
)
_PARTICLE = (
    r"(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|[Tt]e|[Hh]et|'t|[Ii]n|[Oo]p|[Vv]on|[Dd]u"
    r"|[Ll]a|[Ll]e)"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME = rf"[{_UPPER}][{_LOWER}']+(?:-[{_UPPER}][{_LOWER}']+)?"
PERSON_PATTERN = re.compile(
    rf"(?<!\w){_TITLE}\s+(?P<e>(?:[{_UPPER}]\.\s?)*(?:{_PARTICLE}\s+)*{_NAME})(?!\w)"
)
_PERSON_NOUNS = (
    "kind|kinderen|jongen|jongens|meisje|meisjes|vrouw|vrouwen|man|mannen|patiënt|patiënte"
    "|patiënten|dochter|zoon|moeder|vader|tiener|tieners|puber|pubers|deelnemer|deelnemers"
    "|volwassene|volwassenen|baby|peuter|kleuter|scholier|student|studente|oudere|ouderen"
    "|leeftijd|broer|zus"
)
_RANGE = r"\d{1,3}(?:\s?(?:-|tot|en)\s?\d{1,3})?"
_GROUPS = (
    "kinderen|volwassenen|mensen|patiënten|deelnemers|jongeren|ouderen|personen|vrouwen|mannen"
)
AGE_PATTERNS = (
    # "10-jarig kind", "48-jarige vrouw", "op 62-jarige leeftijd", "12-jarigen"
    re.compile(rf"(?<![\w-])(?P<e>\d{{1,3}}-jarig(?:e|en)?(?:\s+(?:{_PERSON_NOUNS}))?)(?!\w)"),
    # "48 jaar oud", "6 tot 12 jaar oude kinderen"
    re.compile(rf"(?<![\w,.])(?P<e>{_RANGE}\s+jaar\s+oude?)(?!\w)"),
    # apposition: "Mevrouw Jansen, 48 jaar, kampte ..." / "(62 jaar)"
    re.compile(r"[,(]\s*(?P<e>\d{1,3}\s+jaar)(?=\s*[,;)])"),
    # "een leeftijd van 48 jaar", "kinderen tussen 6 en 12 jaar"
    re.compile(rf"(?:leeftijd\s+van|(?:{_GROUPS})\s+(?:van|tussen))\s+(?P<e>{_RANGE}\s+jaar)(?!\w)"),
)
_UNITS = {
    "mg": "mg", "Mg": "mg", "MG": "mg", "milligram": "mg", "milligrammen": "mg",
    "g": "g", "gr": "g", "gram": "g", "grammen": "g",
    "µg": "µg", "μg": "µg", "mcg": "µg", "ug": "µg", "microgram": "µg",
    "IE": "IE", "IU": "IE", "I.E.": "IE",
    "ml": "ml", "milliliter": "ml", "mmol": "mmol",
}
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUMBER = r"\d+(?:[.,]\d+)*"
DOSE_PATTERN = re.compile(
    rf"(?<![\w.,])(?P<e>(?P<n>{_NUMBER}(?:\s?(?:-|tot)\s?{_NUMBER})?)\s?(?P<u>{_UNIT}))(?![\w])"
)
_DIGIT = re.compile(r"\d")
# Lower-cased tokens without which no pattern can match (the tokenizer splits "300mg").
_UNIT_WORDS = frozenset(unit.lower() for unit in _UNITS)
_TRIGGER_WORDS = _TITLE_WORDS | {"jaar"}
_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


def _dose_value(match: re.Match[str]) -> str:
    parts = re.split(r"\s?(?:-|tot)\s?", match.group("n"))
    numbers = [p.replace(".", "") if _THOUSANDS.match(p) else p for p in parts]
    return f"{'-'.join(numbers)} {_UNITS[match.group('u')]}"


def _age_value(match: re.Match[str]) -> str:
    return "-".join(re.findall(r"\d+", match.group("e")))


def _person_value(match: re.Match[str]) -> str:
    return " ".join(match.group("e").split())


class PatternRecognizer:
    """Marks persons introduced by a title, ages and doses as entities."""

    def __init__(self, nlp: Language) -> None:
        self.strings = nlp.vocab.strings
        # LOWER hashes of words without which no pattern matches (a title word, "jaar",
        # "-jarig", a unit), and every LOWER hash looked at so far.
        self.triggers: set[int] = set()
        self.looked_at: set[int] = set()

    def __call__(self, doc: Doc) -> Doc:
        # Many texts hold no title, "jaar" or unit: skip them without building their text.
        forms = word_forms(doc)
        for lower in forms - self.looked_at:
            self._look_at(lower)
        if self.triggers.isdisjoint(forms):
            return doc
        text = doc_text(doc)
        found: list[tuple[str, re.Match[str], str]] = []
        # Inside each segment as if it were the whole text (endpos ends the string for the
        # look-aheads; what stands before a segment is a newline, which the look-behinds
        # treat as the start of a text).
        for start, end in doc.user_data.get(SEGMENTS_KEY) or ((0, len(text)),):
            found.extend(
                ("PERSON", m, _person_value(m)) for m in PERSON_PATTERN.finditer(text, start, end)
            )
            if _DIGIT.search(text, start, end):  # AGE and DOSE need a number
                for pattern in AGE_PATTERNS:
                    found.extend(
                        ("AGE", m, _age_value(m)) for m in pattern.finditer(text, start, end)
                    )
                found.extend(
                    ("DOSE", m, _dose_value(m)) for m in DOSE_PATTERN.finditer(text, start, end)
                )
        spans = []
        for label, match, value in found:
            # PERSON keeps its title in the text; AGE and DOSE are the group "e".
            start = match.start() if label == "PERSON" else match.start("e")
            span = doc.char_span(
                start, match.end("e"), label=label, span_id=value, alignment_mode="expand"
            )
            if span is not None:
                spans.append(span)
        _merge(doc, spans)
        return doc

    def _look_at(self, lower: int) -> None:
        self.looked_at.add(lower)
        text = self.strings[lower]
        if text in _TRIGGER_WORDS or "jarig" in text or text.split("/")[0] in _UNIT_WORDS:
            self.triggers.add(lower)


@Language.factory("sitesearch_patterns")
def make_pattern_recognizer(nlp: Language, name: str) -> PatternRecognizer:
    """The PERSON/AGE/DOSE pattern component."""
    return PatternRecognizer(nlp)
