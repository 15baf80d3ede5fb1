"""The gazetteer data files and their loader."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from indexer.nlp.gazetteer import GAZETTEER_LABELS, GazetteerError, load_gazetteers
from indexer.settings import CONFIG_DIR

GAZETTEERS = CONFIG_DIR / "gazetteers"


def test_shipped_gazetteers_cover_every_label_with_enough_entries() -> None:
    terms = load_gazetteers(GAZETTEERS)
    listed = [t for t in terms if not t.derived]
    values = {(t.label, t.value) for t in listed}
    assert len(values) >= 150
    assert {label for label, _ in values} == set(GAZETTEER_LABELS)
    # variants and plurals: clearly more phrases than values
    assert len(listed) > 2 * len(values)
    per_label = Counter(label for label, _ in values)
    assert min(per_label.values()) >= 5


def test_variants_and_derived_forms_map_to_one_value() -> None:
    meaning = {t.phrase.lower(): (t.label, t.value) for t in load_gazetteers(GAZETTEERS)}
    assert meaning["magnesiumtekort"] == ("NUTRIENT", "magnesium")
    assert meaning["tekort aan magnesium"] == ("NUTRIENT", "magnesium")
    assert meaning["magnesiumgebrek"] == ("NUTRIENT", "magnesium")
    assert meaning["nmda-receptoren"] == ("RECEPTOR", "NMDA-receptor")
    assert meaning["rct's"] == ("STUDY_TYPE", "RCT")
    assert meaning["magnesium bisglycinaat"] == ("SUPPLEMENT", "magnesium bisglycinaat")
    # closed compounds are only made from one-word variants
    assert "vitamine dtekort" not in meaning
    assert meaning["vitamine d-tekort"] == ("NUTRIENT", "vitamine D")


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_one_phrase_with_two_values_is_an_error_naming_both_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "label: SYMPTOM\nentries:\n  vermoeidheid: [moeheid]\n")
    _write(tmp_path, "b.yaml", "label: SIDE_EFFECT\nentries:\n  moeheid: []\n")
    with pytest.raises(GazetteerError, match=r"b\.yaml.*'moeheid'.*a\.yaml"):
        load_gazetteers(tmp_path)


def test_derived_forms_never_override_a_listed_phrase(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "a.yaml",
        "label: NUTRIENT\nderived:\n  NUTRIENT: ['{}tekort']\nentries:\n  zink: []\n",
    )
    _write(tmp_path, "b.yaml", "label: CONDITION\nentries:\n  zinktekort: []\n")
    meaning = {t.phrase: (t.label, t.value) for t in load_gazetteers(tmp_path)}
    assert meaning["zinktekort"] == ("CONDITION", "zinktekort")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("label: FRUIT\nentries:\n  appel: []\n", "label 'FRUIT'"),
        ("label: NUTRIENT\nentries: [zink]\n", "'entries' must map"),
        ("label: NUTRIENT\nentries:\n  zink: [1, 2]\n", "entry 'zink'"),
        ("label: NUTRIENT\nentries: {zink: []}\ncolour: red\n", "unknown key"),
        ("label: NUTRIENT\nderived:\n  NUTRIENT: ['tekort']\n", "exactly one"),
        ("label: [unclosed\n", "cannot read"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_malformed_files_are_reported_by_name(tmp_path: Path, text: str, problem: str) -> None:
    _write(tmp_path, "broken.yaml", text)
    with pytest.raises(GazetteerError, match=r"broken\.yaml") as caught:
        load_gazetteers(tmp_path)
    assert problem in str(caught.value)


def test_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError, match="does not exist"):
        load_gazetteers(tmp_path / "nope")
    with pytest.raises(GazetteerError, match=r"no \*\.yaml"):
        load_gazetteers(tmp_path)
