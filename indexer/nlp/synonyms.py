"""Synonyms from `config/synonyms.txt` (Solr format), looked up by folded word or word run."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from indexer.nlp.words import tokenize

_UNITS = frozenset({"mg", "g", "mcg", "µg", "ug", "ml", "kg", "ie", "iu"})


def parse_synonyms(lines: Iterable[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Solr synonym lines to (from, to) groups of folded entries.

    "a, b, c" makes every entry equivalent; "a, b => c" maps a and b to c only. Blank lines and
    lines starting with '#' are ignored.
    """
    groups: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            sources, targets = _entries(left), _entries(right)
        else:
            sources = targets = _entries(line)
        if sources and targets:
            groups.append((sources, targets))
    return groups


def _entries(text: str) -> tuple[str, ...]:
    found = []
    for entry in text.split(","):
        words = " ".join(t.folded for t in tokenize(entry))
        if words:
            found.append(words)
    return tuple(found)


@dataclass(frozen=True)
class Synonyms:
    """Synonym groups, looked up by folded word or word sequence."""

    mapping: dict[str, frozenset[str]] = field(default_factory=dict)
    longest: int = 1
    first_words: frozenset[str] = frozenset()

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Synonyms:
        mapping: dict[str, set[str]] = {}
        for sources, targets in parse_synonyms(lines):
            for source in sources:
                mapping.setdefault(source, set()).update(t for t in targets if t != source)
        longest = max((len(k.split()) for k in mapping), default=1)
        first_words = frozenset(k.split()[0] for k in mapping)
        return cls({k: frozenset(v) for k, v in mapping.items()}, longest, first_words)

    def expand(self, words: Sequence[str]) -> set[str]:
        """Synonyms of the words and word sequences in `words` (folded); not the words."""
        found: set[str] = set()
        for i, word in enumerate(words):
            if word not in self.first_words:
                continue
            # A unit after a number ("300 mg") is not the element ("mg" = magnesium).
            if word in _UNITS and i > 0 and words[i - 1].isdigit():
                continue
            for n in range(1, self.longest + 1):
                if i + n > len(words):
                    break
                found |= self.mapping.get(" ".join(words[i : i + n]), frozenset())
        return found
