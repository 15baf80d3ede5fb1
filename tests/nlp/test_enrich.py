"""enrich_pages on the seed pages: the acceptance entity sets, offsets, lemmas, keywords."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from spacy.language import Language

from indexer.nlp.enrich import _keywords, enrich_page, enrich_pages
from indexer.nlp.gazetteer import ENTITY_LABELS
from indexer.pages.models import EnrichedPage, EnrichedPassage, Entity, Page
from indexer.pages.parsing import parse_plain_text, parse_text
from tests.nlp.acceptance import ADHD_ENTITIES, DEPRESSION_ENTITIES, DEPRESSION_PERSONS


def _values(page: EnrichedPage) -> set[tuple[str, str]]:
    return {(e.value, e.label) for e in page.entities}


def _texts(page: EnrichedPage, label: str) -> set[str]:
    return {e.text for e in page.entities if e.label == label}


def test_depression_page_entities(enriched_seeds: dict[str, EnrichedPage]) -> None:
    page = enriched_seeds["depression"]
    assert _values(page) >= DEPRESSION_ENTITIES
    assert _texts(page, "PERSON") >= DEPRESSION_PERSONS
    assert "48 jaar" in _texts(page, "AGE")
    assert {"magnesiumtekort", "tekort aan magnesium"} <= _texts(page, "NUTRIENT")
    tied = {e.value for e in page.entities if e.text in ("magnesiumtekort", "tekort aan magnesium")}
    assert tied == {"magnesium"}
    # "meer dan 300 enzymen" is not a dose
    assert _texts(page, "DOSE") == set()


def test_adhd_page_entities(enriched_seeds: dict[str, EnrichedPage]) -> None:
    page = enriched_seeds["adhd"]
    assert _values(page) >= ADHD_ENTITIES
    assert "10-jarig kind" in _texts(page, "AGE")
    supplements = [e for e in page.entities if e.value == "magnesium bisglycinaat"]
    # ONE entity each time, never "magnesium" + "bisglycinaat"
    assert supplements and all(e.label == "SUPPLEMENT" for e in supplements)
    assert all(e.text.lower() == "magnesium bisglycinaat" for e in supplements)
    assert "bisglycinaat" not in {e.text.lower() for e in page.entities}
    assert _texts(page, "DOSE") == set()


@pytest.mark.parametrize("name", ["depression", "adhd"])
def test_entity_offsets_point_at_their_text(
    enriched_seeds: dict[str, EnrichedPage], name: str
) -> None:
    page = enriched_seeds[name]
    for passage in page.passages:
        for entity in passage.entities:
            assert passage.passage.text[entity.start : entity.end] == entity.text
            assert entity.passage_id == passage.passage.id
            assert entity.section == passage.passage.anchor
    for entity in page.title_entities:
        assert page.page.title[entity.start : entity.end] == entity.text
        assert entity.passage_id is None


def test_entities_know_their_section(enriched_seeds: dict[str, EnrichedPage]) -> None:
    page = enriched_seeds["depression"]
    persons = [e for e in page.entities if e.label == "PERSON"]
    assert {e.section for e in persons} == {"deel-1-individuele-casussen-en-observaties"}
    assert page.title_entities and {e.value for e in page.title_entities} >= {
        "magnesium",
        "depressie",
    }


@pytest.mark.parametrize("name", ["depression", "adhd"])
def test_lemmas_are_aligned_lowercase_words(
    enriched_seeds: dict[str, EnrichedPage], name: str
) -> None:
    for passage in enriched_seeds[name].passages:
        text = passage.passage.text
        assert len(passage.lemmas) == len(passage.offsets) > 0
        for lemma, (start, end) in zip(passage.lemmas, passage.offsets, strict=True):
            assert lemma == lemma.lower() and lemma.strip()
            word = text[start:end]
            assert word.strip() == word and any(ch.isalnum() for ch in word)
        # offsets in reading order, inside the text
        starts = [s for s, _ in passage.offsets]
        assert starts == sorted(starts) and passage.offsets[-1][1] <= len(text)


def test_lemmas_are_dictionary_forms(enriched_seeds: dict[str, EnrichedPage]) -> None:
    first = enriched_seeds["depression"].passages[0]
    text = first.passage.text
    words = dict(zip((text[s:e] for s, e in first.offsets), first.lemmas, strict=True))
    assert words["kampte"] == "kampen"
    assert words["Mevrouw"] == "mevrouw"
    assert words["48"] == "48"  # numbers are kept
    assert "," not in first.lemmas and "." not in first.lemmas


def test_sentences_cover_the_passage(enriched_seeds: dict[str, EnrichedPage]) -> None:
    first = enriched_seeds["depression"].passages[0]
    text = first.passage.text
    assert len(first.sentences) == 8
    assert text[slice(*first.sentences[0])] == "Laten we beginnen met concrete voorbeelden."
    for (_, end), (start, _) in zip(first.sentences, first.sentences[1:], strict=False):
        assert end <= start and text[end:start].strip() == ""
    assert first.sentences[-1][1] == len(text)


def test_title_lemmas_and_keywords(enriched_seeds: dict[str, EnrichedPage]) -> None:
    page = enriched_seeds["depression"]
    # spacy-lookups-data's Dutch table has no entry for "kan": the form stays
    assert page.title_lemmas == ("magnesium", "bij", "depressie", "kan", "het", "helpen")
    assert 0 < len(page.keywords) <= 8
    assert {"magnesium", "depressie"} <= set(page.keywords)
    assert not {"de", "het", "een", "van", "en"} & set(page.keywords)


def test_enrichment_is_deterministic_and_batch_independent(
    nlp: Language, seed_pages: dict[str, Page], enriched_seeds: dict[str, EnrichedPage]
) -> None:
    alone = enrich_page(nlp, seed_pages["adhd"])
    assert alone == enriched_seeds["adhd"]
    small_batches = enrich_pages(nlp, list(seed_pages.values()), batch_size=1)
    assert small_batches == list(enriched_seeds.values())
    assert alone.model_dump(mode="json") == enriched_seeds["adhd"].model_dump(mode="json")


def test_enriched_pages_survive_a_json_round_trip(
    enriched_seeds: dict[str, EnrichedPage],
) -> None:
    page = enriched_seeds["depression"]
    assert EnrichedPage.model_validate_json(page.model_dump_json()) == page


def test_no_pages_no_work(nlp: Language) -> None:
    assert enrich_pages(nlp, []) == []


def test_a_page_without_entities(nlp: Language) -> None:
    text = "top of page\nEen gewone titel\n\nDe kinderen liepen naar huis.\nbottom of page\n"
    page = enrich_page(nlp, parse_text(text).pages[0])
    assert page.entities == ()
    # "kinderen" -> "kind": spaCy's table lacks it, the lemma supplement has it.
    assert page.passages[0].lemmas == ("de", "kind", "lopen", "naar", "huis")


_WORDS = st.sampled_from(
    [
        "magnesium", "Mevrouw", "Jansen", "De", "heer", "de", "Vries", "48", "jaar", "300",
        "mg", "10-jarig", "kind", "tekort", "aan", "ADHD-symptomen", "depressie", "RCT's",
        "NMDA-receptoren", ",", ".", "(", ")", "?", "-", "1.000", "IE", "dr.", "é", "  ",
        "bisglycinaat", "omega-3", "\u00e9\u00e9n", "Patiënten", "'t", "x" * 30,
    ]
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words=st.lists(_WORDS, min_size=1, max_size=40))
def test_any_text_gives_consistent_annotations(nlp: Language, words: list[str]) -> None:
    text = " ".join(words)
    if not text.strip():
        return
    page = enrich_page(nlp, parse_plain_text(text, title="Concept"))
    for passage in page.passages:
        body = passage.passage.text
        assert len(passage.lemmas) == len(passage.offsets)
        for start, end in passage.offsets:
            assert 0 <= start < end <= len(body)
        for entity in passage.entities:
            assert body[entity.start : entity.end] == entity.text
            assert entity.label in ENTITY_LABELS and entity.value
        spans = passage.sentences
        assert all(a < b for a, b in spans)
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


# --- one Doc per page gives what one Doc per text gives


def _reference(nlp: Language, page: Page) -> EnrichedPage:
    """Enrichment the plain way: every title and passage its own Doc, read through spaCy's
    Token, Span and sentence API. enrich_pages must give exactly this."""

    def annotate(text: str, passage_id: str | None, section: str | None):  # type: ignore[no-untyped-def]
        doc = nlp(text)
        words = [t for t in doc if not (t.is_punct or t.is_space)]
        entities = tuple(
            Entity(text=e.text, label=e.label_, value=e.ent_id_ or e.text, passage_id=passage_id,
                   section=section, start=e.start_char, end=e.end_char)
            for e in doc.ents
        )
        return (
            tuple((t.lemma_ or t.lower_).lower() for t in words),
            tuple((t.idx, t.idx + len(t)) for t in words),
            tuple((s.start_char, s.end_char) for s in doc.sents),
            entities,
        )

    title_lemmas, _, _, title_entities = annotate(page.title, None, None)
    counts = Counter(title_lemmas)
    passages = []
    for passage in page.passages():
        lemmas, offsets, sentences, entities = annotate(passage.text, passage.id, passage.anchor)
        counts.update(lemmas)
        passages.append(EnrichedPassage(passage=passage, sentences=sentences, lemmas=lemmas,
                                        offsets=offsets, entities=entities))
    return EnrichedPage(page=page, title_lemmas=title_lemmas, title_entities=title_entities,
                        passages=tuple(passages),
                        keywords=_keywords(counts, nlp.Defaults.stop_words))


def test_seed_pages_match_the_per_text_reference(
    nlp: Language, seed_pages: dict[str, Page], enriched_seeds: dict[str, EnrichedPage]
) -> None:
    for name, page in seed_pages.items():
        assert enriched_seeds[name] == _reference(nlp, page), name


def test_entities_never_join_two_passages(nlp: Language) -> None:
    # Each line alone holds no entity; joined across the blank line they would.
    text = (
        "top of page\nTitel\n\nZij was mevrouw\n\nJansen kwam later.\n\nDe groep van"
        "\n\n48 jaar, zei men. Een tekort aan\n\nmagnesium\n\nbottom of page\n"
    )
    page = parse_text(text).pages[0]
    enriched = enrich_page(nlp, page)
    assert enriched == _reference(nlp, page)
    assert {e.label for e in enriched.entities} == {"NUTRIENT"}  # "magnesium" alone


_PASSAGE = st.lists(_WORDS, min_size=1, max_size=25).map(" ".join)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_PASSAGE,
    paragraphs=st.lists(st.one_of(_PASSAGE, st.sampled_from(["", " x", "a\n\nb", "Jansen."])),
                        min_size=1, max_size=6),
)
def test_any_page_matches_the_per_text_reference(
    nlp: Language, title: str, paragraphs: list[str]
) -> None:
    """Pages built directly (not parsed), so texts may be empty, unstripped or hold blank
    lines: the one-Doc-per-page path must then fall back and still agree."""
    if not title.strip():
        title = "Titel"
    page = Page(id="p", title=title, intro=tuple(paragraphs), content_hash="0" * 64)
    assert enrich_page(nlp, page) == _reference(nlp, page)
    body = "\n\n".join(paragraphs)
    parsed = parse_plain_text(body if body.strip() else "x", title=title.strip())
    assert enrich_page(nlp, parsed) == _reference(nlp, parsed)


def test_enrichment_makes_no_reference_cycles(nlp: Language, seed_pages: dict[str, Page]) -> None:
    """enrich_pages pauses the cycle collector: that is only free if it leaves no cycles."""
    import gc

    enrich_pages(nlp, list(seed_pages.values()))  # warm caches (they are meant to stay)
    gc.collect()
    gc.disable()
    try:
        enrich_pages(nlp, list(seed_pages.values()))
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert gc.isenabled()
    gc.disable()
    try:
        enrich_pages(nlp, list(seed_pages.values()))
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
