"""Our spaCy components on real Dutch sentences (session pipeline from tests/conftest.py)."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.pipeline import Sentencizer

from indexer.nlp.analysis import lemma_supplement
from indexer.nlp.components import doc_text

ENTITY_CASES = [
    # (sentence, [(entity text, label, value), ...] that must all be found)
    (
        "Mevrouw Jansen, 48 jaar, kampte met chronische vermoeidheid en een depressie.",
        [
            ("Mevrouw Jansen", "PERSON", "Jansen"),
            ("48 jaar", "AGE", "48"),
            ("chronische vermoeidheid", "SYMPTOM", "vermoeidheid"),
            ("depressie", "CONDITION", "depressie"),
        ],
    ),
    (
        "De heer De Vries, 62 jaar, presenteerde zich met een ernstige depressie.",
        [("De heer De Vries", "PERSON", "De Vries"), ("62 jaar", "AGE", "62")],
    ),
    (
        "Na een bloedtest bleek een significant magnesiumtekort.",
        [("magnesiumtekort", "NUTRIENT", "magnesium")],
    ),
    (
        "Een tekort aan magnesium kan leiden tot een disbalans.",
        [("tekort aan magnesium", "NUTRIENT", "magnesium")],
    ),
    (
        "Bij magnesiumgebrek helpt een vitamine D-tekort niet.",
        [
            ("magnesiumgebrek", "NUTRIENT", "magnesium"),
            ("vitamine D-tekort", "NUTRIENT", "vitamine D"),
        ],
    ),
    (
        "Een 10-jarig kind met een ADHD-diagnose kreeg magnesium bisglycinaat.",
        [
            ("10-jarig kind", "AGE", "10"),
            ("ADHD-diagnose", "CONDITION", "ADHD"),
            ("magnesium bisglycinaat", "SUPPLEMENT", "magnesium bisglycinaat"),
        ],
    ),
    (
        "Neem 300 mg magnesiumcitraat, 400 milligram zink, 2 gram vitamine C en 1000 IE "
        "vitamine D3.",
        [
            ("300 mg", "DOSE", "300 mg"),
            ("magnesiumcitraat", "SUPPLEMENT", "magnesiumcitraat"),
            ("400 milligram", "DOSE", "400 mg"),
            ("zink", "NUTRIENT", "zink"),
            ("2 gram", "DOSE", "2 g"),
            ("vitamine C", "NUTRIENT", "vitamine C"),
            ("1000 IE", "DOSE", "1000 IE"),
            ("vitamine D3", "NUTRIENT", "vitamine D"),
        ],
    ),
    (
        "Een dosis van 1.000 IE of 2,5 mg per dag.",
        [("1.000 IE", "DOSE", "1000 IE"), ("2,5 mg", "DOSE", "2,5 mg")],
    ),
    (
        "Magnesium beïnvloedt serotonine, dopamine, noradrenaline en GABA via de NMDA-receptoren.",
        [
            ("Magnesium", "NUTRIENT", "magnesium"),
            ("serotonine", "NEUROTRANSMITTER", "serotonine"),
            ("dopamine", "NEUROTRANSMITTER", "dopamine"),
            ("noradrenaline", "NEUROTRANSMITTER", "noradrenaline"),
            ("GABA", "NEUROTRANSMITTER", "GABA"),
            ("NMDA-receptoren", "RECEPTOR", "NMDA-receptor"),
        ],
    ),
    (
        "Gerandomiseerde gecontroleerde studies (RCT's) en een placebo-gecontroleerde studie.",
        [
            ("Gerandomiseerde gecontroleerde studies", "STUDY_TYPE", "RCT"),
            ("RCT's", "STUDY_TYPE", "RCT"),
            ("placebo-gecontroleerde studie", "STUDY_TYPE", "placebo-gecontroleerde studie"),
        ],
    ),
    (
        "Bijwerkingen zoals diarree, misselijkheid en buikkrampen.",
        [
            ("diarree", "SIDE_EFFECT", "diarree"),
            ("misselijkheid", "SIDE_EFFECT", "misselijkheid"),
            ("buikkrampen", "SIDE_EFFECT", "buikkrampen"),
        ],
    ),
    (
        "Naast antidepressiva helpen psychotherapie, gedragstherapie en soms medicatie.",
        [
            ("antidepressiva", "TREATMENT", "antidepressiva"),
            ("psychotherapie", "TREATMENT", "psychotherapie"),
            ("gedragstherapie", "TREATMENT", "gedragstherapie"),
            ("medicatie", "TREATMENT", "medicatie"),
        ],
    ),
    (
        "Comorbiditeiten zoals angststoornissen en slaapstoornissen komen vaak voor bij ADD.",
        [
            ("angststoornissen", "CONDITION", "angststoornis"),
            ("slaapstoornissen", "CONDITION", "slaapstoornis"),
            ("ADD", "CONDITION", "ADD"),
        ],
    ),
    (
        "Volgens dokter Bakker en dr. P. van der Berg is meer onderzoek nodig.",
        [
            ("dokter Bakker", "PERSON", "Bakker"),
            ("dr. P. van der Berg", "PERSON", "P. van der Berg"),
        ],
    ),
    (
        "Meneer Smit (70 jaar) en een 48-jarige vrouw namen deel.",
        [
            ("Meneer Smit", "PERSON", "Smit"),
            ("70 jaar", "AGE", "70"),
            ("48-jarige vrouw", "AGE", "48"),
        ],
    ),
]


@pytest.mark.parametrize(("sentence", "expected"), ENTITY_CASES)
def test_entities_in_dutch_sentences(
    nlp: Language, sentence: str, expected: list[tuple[str, str, str]]
) -> None:
    doc = nlp(sentence)
    found = {(ent.text, ent.label_, ent.ent_id_) for ent in doc.ents}
    for entity in expected:
        assert entity in found, f"{entity} not in {sorted(found)}"


NOT_ENTITY_CASES = [
    # (sentence, label that must not be found, text that must not carry it)
    ("Het is een cofactor voor meer dan 300 enzymen.", "DOSE", None),
    ("Het onderzoek duurde 2 jaar en volgde 300 deelnemers.", "AGE", None),
    ("Hij deed 2 jaar geleden mee.", "AGE", None),
    ("De heer des huizes sprak met mevrouw over het weer.", "PERSON", None),
    ("Add the same layer to the image.", "CONDITION", None),
    ("In 2019 verscheen versie 2.10 van het programma.", "DOSE", None),
]


@pytest.mark.parametrize(("sentence", "label", "text"), NOT_ENTITY_CASES)
def test_no_false_entities(nlp: Language, sentence: str, label: str, text: str | None) -> None:
    doc = nlp(sentence)
    assert [ent.text for ent in doc.ents if ent.label_ == label] == []


def test_longest_match_wins_over_parts(nlp: Language) -> None:
    doc = nlp("Kies voor magnesium bisglycinaat.")
    assert [(e.text, e.label_) for e in doc.ents] == [("magnesium bisglycinaat", "SUPPLEMENT")]


def test_case_sensitive_terms_need_their_spelling(nlp: Language) -> None:
    assert [e.ent_id_ for e in nlp("Een kind met ADD.").ents] == ["ADD"]
    assert list(nlp("Een kind met add.").ents) == []


@pytest.mark.parametrize(
    "text",
    ["Gewone tekst.", "  twee  spaties\n\nen regels ", "", "Eén-twee; (drie) 'vier'?"],
)
def test_doc_text_rebuilds_the_text(nlp: Language, text: str) -> None:
    assert doc_text(nlp.make_doc(text)) == text


def test_fast_lemmatizer_agrees_with_spacys_lookup_lemmatizer(
    nlp: Language, seed_pages: dict[str, object]
) -> None:
    reference = spacy.blank("nl")
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    texts = [p.text for page in seed_pages.values() for p in page.passages()]  # type: ignore[attr-defined]
    texts.append("Mevrouw Jansen kampte met vermoeidheid; de kinderen liepen weg.")
    # spaCy's answer wherever its table has the form; the supplement fills only its gaps.
    filled = dict(lemma_supplement())
    for ours, theirs in zip(nlp.pipe(texts), reference.pipe(texts), strict=True):
        expected = [filled.get(t.lower_, t.lemma_) if t.lemma_ == t.lower_ else t.lemma_
                    for t in theirs]
        assert [t.lemma_ for t in ours] == expected
    assert [t.lemma_ for t in nlp("kinderen liepen")] == ["kind", "lopen"]


def test_sentences_split_on_full_stops(nlp: Language) -> None:
    doc = nlp("Dit is een zin. Dit is er nog een! En een derde?")
    assert [s.text for s in doc.sents] == ["Dit is een zin.", "Dit is er nog een!", "En een derde?"]


# --- sitesearch_sentencizer: spaCy's Sentencizer rule, on arrays

_SENTENCE_PIECES = st.sampled_from(
    ["Hallo", "daar", ".", "!", "?", "...", "?!", '"', "'", ")", "(", "-", ",", "\n", "\n\n",
     "dr.", "A.", "Nee", "1.000", "。", "‼", "e.d.", "x", "  "]
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(pieces=st.lists(_SENTENCE_PIECES, max_size=30))
def test_sentencizer_splits_as_spacy_does(nlp: Language, pieces: list[str]) -> None:
    text = " ".join(pieces)
    ours = nlp.get_pipe("sitesearch_sentencizer")(nlp.make_doc(text))
    theirs = Sentencizer()(nlp.make_doc(text))
    assert [(s.start, s.end) for s in ours.sents] == [(s.start, s.end) for s in theirs.sents]


def test_sentencizer_keeps_sentence_starts_already_set(nlp: Language) -> None:
    doc = nlp.make_doc("Een zin zonder punt maar met een grens hier en nog wat.")
    doc[5].is_sent_start = True
    doc[1].is_sent_start = False
    nlp.get_pipe("sitesearch_sentencizer")(doc)
    assert [s.text for s in doc.sents] == [
        "Een zin zonder punt maar", "met een grens hier en nog wat."
    ]
