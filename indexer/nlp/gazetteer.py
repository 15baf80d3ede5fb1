"""Gazetteers of Dutch domain entities: YAML data files in config/gazetteers/, one per label.

A file looks like this (see config/gazetteers/nutrients.yaml):

    label: NUTRIENT
    derived:                   # optional: compound forms tied to each entry's value
      NUTRIENT: ["{}tekort", "tekort aan {}"]
      SUPPLEMENT: ["{}suppletie"]
    entries:                   # normalised value -> variants (matched case-insensitively)
      magnesium: []
      vitamine D: [vitamine D3, D-vitamine]
    case_sensitive:            # same, but matched on the exact spelling ("ADD", "SAMe")
      ADD: []

The value itself always matches too. A `derived` form with letters right after "{}" (a closed
compound such as "magnesiumtekort") is made only from variants that are one plain word. A
phrase listed under two different values is an error that names both, so the data never
contradicts itself; a derived form never overrides a listed phrase.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # (no types-PyYAML here)

ENTITY_LABELS = (
    "NUTRIENT",
    "SUPPLEMENT",
    "CONDITION",
    "NEUROTRANSMITTER",
    "RECEPTOR",
    "SYMPTOM",
    "SIDE_EFFECT",
    "STUDY_TYPE",
    "TREATMENT",
    "PERSON",
    "AGE",
    "DOSE",
)
GAZETTEER_LABELS = ENTITY_LABELS[:9]


class GazetteerError(ValueError):
    """A gazetteer file is missing, unreadable or malformed; the message names the file."""


@dataclass(frozen=True)
class Term:
    """One phrase to find in text, with the entity label and normalised value it stands for."""

    phrase: str
    label: str
    value: str
    case_sensitive: bool = False
    derived: bool = False


def load_gazetteers(directory: Path) -> list[Term]:
    """Every term of every `*.yaml` file in `directory`, in a stable order.

    Raises GazetteerError naming the file for a missing directory, bad YAML, an unknown label,
    a malformed entry, or one phrase given two different values.
    """
    if not directory.is_dir():
        raise GazetteerError(f"gazetteer folder {directory} does not exist")
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise GazetteerError(f"gazetteer folder {directory} holds no *.yaml files")
    listed: dict[tuple[str, bool], tuple[Term, Path]] = {}
    derived: list[Term] = []
    for path in files:
        for term in _read_file(path):
            key = (term.phrase if term.case_sensitive else term.phrase.lower(), term.case_sensitive)
            if term.derived:
                derived.append(term)
                continue
            known = listed.get(key)
            if known and (known[0].label, known[0].value) != (term.label, term.value):
                raise GazetteerError(
                    f"{path.name}: {term.phrase!r} is {term.label} {term.value!r} here but "
                    f"{known[0].label} {known[0].value!r} in {known[1].name}"
                )
            listed.setdefault(key, (term, path))
    terms = [term for term, _ in listed.values()]
    seen = set(listed)
    for term in derived:
        key = (term.phrase.lower(), False)
        if key not in seen:
            seen.add(key)
            terms.append(term)
    return terms


def _read_file(path: Path) -> list[Term]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{path}: cannot read gazetteer: {exc}") from None
    if not isinstance(data, dict):
        raise GazetteerError(f"{path}: expected a mapping with 'label' and 'entries'")
    unknown = set(data) - {"label", "entries", "case_sensitive", "derived"}
    if unknown:
        raise GazetteerError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    label = data.get("label")
    if label not in GAZETTEER_LABELS:
        raise GazetteerError(
            f"{path}: label {label!r} is not one of {', '.join(GAZETTEER_LABELS)}"
        )
    terms: list[Term] = []
    for section, case_sensitive in (("entries", False), ("case_sensitive", True)):
        for value, variants in _entries(path, data.get(section), section).items():
            for phrase in dict.fromkeys([value, *variants]):
                terms.append(Term(phrase, label, value, case_sensitive))
    terms.extend(_derived_terms(path, data.get("derived"), terms))
    return terms


def _entries(path: Path, raw: Any, section: str) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise GazetteerError(f"{path}: '{section}' must map each value to a list of variants")
    entries: dict[str, list[str]] = {}
    for value, variants in raw.items():
        variants = [] if variants is None else variants
        if (
            not isinstance(value, str)
            or not value.strip()
            or not isinstance(variants, list)
            or not all(isinstance(v, str) and v.strip() for v in variants)
        ):
            raise GazetteerError(f"{path}: entry {value!r} in '{section}' is malformed")
        entries[" ".join(value.split())] = [" ".join(v.split()) for v in variants]
    return entries


def _derived_terms(path: Path, raw: Any, base: list[Term]) -> list[Term]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise GazetteerError(f"{path}: 'derived' must map a label to a list of forms")
    terms: list[Term] = []
    for label, forms in raw.items():
        if label not in GAZETTEER_LABELS or not isinstance(forms, list):
            raise GazetteerError(f"{path}: derived forms for {label!r} are malformed")
        for form in forms:
            if not isinstance(form, str) or form.count("{}") != 1:
                raise GazetteerError(f"{path}: derived form {form!r} needs exactly one '{{}}'")
            closed = form.index("{}") + 2 < len(form) and form[form.index("{}") + 2].isalpha()
            for term in base:
                if term.case_sensitive or (closed and not term.phrase.isalpha()):
                    continue
                phrase = form.replace("{}", term.phrase)
                terms.append(Term(phrase, label, term.value, derived=True))
    return terms
