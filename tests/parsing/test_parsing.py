"""Golden expectations for the seed pages and the raw-stream edge cases."""

from __future__ import annotations

import pytest

from indexer.errors import InputError
from indexer.pages.models import Page
from indexer.pages.parsing import decode_input, page_id, parse_bytes, parse_plain_text, parse_text

CHROME = ("top of page", "bottom of page", "Labels:", "Gerelateerde artikelen")


def all_text(page: Page) -> str:
    parts = [page.title, *page.headings(), page.body_text(), *page.labels]
    return "\n".join(parts)


def test_depression_page_golden(seed_pages: dict[str, Page]) -> None:
    page = seed_pages["depression"]
    assert page.title == "Magnesium bij Depressie: Kan het Helpen?"
    assert page.id == "magnesium-bij-depressie-kan-het-helpen"
    assert [(s.number, s.heading) for s in page.sections] == [
        (1, "Individuele Casussen en Observaties"),
        (2, "De Biochemische Basis"),
        (3, "Onderzoek en Epidemiologische Gegevens"),
        (4, "Magnesiumsuppletie en Behandeling van Depressie"),
        (5, "Conclusie en Toekomstig Onderzoek"),
    ]
    assert next(s.anchor for s in page.sections) == "deel-1-individuele-casussen-en-observaties"
    assert page.labels == ("Depressie",)
    assert page.related == ()
    assert page.intro == ()
    assert [len(s.paragraphs) for s in page.sections] == [2, 2, 3, 2, 3]
    assert page.sections[1].paragraphs[0].startswith("Magnesium speelt een cruciale rol")


def test_adhd_page_golden(seed_pages: dict[str, Page]) -> None:
    page = seed_pages["adhd"]
    assert page.title == "ADHD en Magnesium: Kan Magnesium Bisglycinaat Helpen?"
    assert [s.number for s in page.sections] == [1, 2, 3, 4, 5, 6]
    assert page.sections[3].heading == "Magnesium Bisglycinaat: Een Specifieke Vorm van Magnesium"
    assert page.labels == ()  # the Labels: line is empty
    assert len(page.intro) == 1 and page.intro[0].startswith("De relatie tussen magnesiumgebrek")
    (sub,) = page.sections[0].subsections
    assert sub.heading == "Analyse van Individuele Factoren"
    assert sub.level == 3 and sub.number is None
    assert len(sub.items) == 4
    assert sub.items[0].startswith("Ernst van de ADHD: Mildere vormen")
    assert sub.items[3].endswith("-metabolisme beïnvloeden.")
    assert page.sections[0].items == ()


@pytest.mark.parametrize("name", ["depression", "adhd"])
def test_no_chrome_and_no_lookalikes_survive(seed_pages: dict[str, Page], name: str) -> None:
    text = all_text(seed_pages[name])
    for chrome in CHROME:
        assert chrome.lower() not in text.lower()
    for lookalike in ("\u2024", "\u00a0", "\u2013", "•"):
        assert lookalike not in text
    assert "\u2024" not in seed_pages[name].model_dump_json()


def test_adhd_full_stops_are_plain(seed_pages: dict[str, Page]) -> None:
    intro = seed_pages["adhd"].intro[0]
    assert "onderwerp. Hoewel" in intro


def test_passages_point_to_their_sections(seed_pages: dict[str, Page]) -> None:
    passages = seed_pages["adhd"].passages()
    assert passages[0].kind == "intro" and passages[0].anchor is None
    listed = [p for p in passages if p.kind == "list"]
    assert len(listed) == 1
    assert listed[0].section_heading == "Analyse van Individuele Factoren"
    assert [p.index for p in passages] == list(range(len(passages)))
    assert len({p.id for p in passages}) == len(passages)


def test_content_hash_is_stable_and_sensitive(seed_bytes: dict[str, bytes]) -> None:
    data = next(iter(seed_bytes.values()))
    first = parse_bytes(data).pages[0]
    again = parse_bytes(data.replace(b"\n", b"\r\n")).pages[0]
    changed = parse_bytes(data.replace(b"cruciale", b"belangrijke")).pages[0]
    assert first.content_hash == again.content_hash
    assert first.content_hash != changed.content_hash
    assert first.id == changed.id


def test_glued_stream_yields_both_pages(seed_bytes: dict[str, bytes]) -> None:
    first, second = (data.decode().strip() for data in seed_bytes.values())
    glued = first + second  # "...bottom of pagetop of page..."
    assert "bottom of pagetop of page" in glued
    result = parse_text(glued)
    assert [p.title for p in result.pages] == [
        "Magnesium bij Depressie: Kan het Helpen?",
        "ADHD en Magnesium: Kan Magnesium Bisglycinaat Helpen?",
    ]
    assert result.problems == []


def test_missing_end_marker_and_several_pages() -> None:
    text = "top of page\nEen\n\nTekst een.\ntop of page\nTwee\n\nTekst twee.\n"
    result = parse_text(text)
    assert [(p.title, p.intro) for p in result.pages] == [
        ("Een", ("Tekst een.",)),
        ("Twee", ("Tekst twee.",)),
    ]


def test_bom_crlf_and_nbsp() -> None:
    raw = (
        "\ufefftop of page\r\nTitel\u00a0met  ruimte\r\n\r\n"
        "Zin\u2024 Nog een\u2026\r\nbottom of page\r\n"
    )
    (page,) = parse_bytes(raw.encode("utf-8")).pages
    assert page.title == "Titel met ruimte"
    assert page.intro == ("Zin. Nog een...",)


def test_nfc_normalisation() -> None:
    decomposed = "top of page\nPatie\u0308nten\n\nTekst.\nbottom of page"
    assert parse_text(decomposed).pages[0].title == "Patiënten"


def test_labels_and_related_links() -> None:
    text = (
        "top of page\nTitel\n\nTekst.\n\nLabels: #ADHD #Magnesium Bisglycinaat\n\n"
        "Gerelateerde artikelen:\n\nMagnesium bij Depressie\n/post/adhd\n\nbottom of page"
    )
    (page,) = parse_text(text).pages
    assert page.labels == ("ADHD", "Magnesium Bisglycinaat")
    assert [(r.title, r.url) for r in page.related] == [
        ("Magnesium bij Depressie", None),
        ("/post/adhd", "/post/adhd"),
    ]


def test_page_id_from_url_when_known() -> None:
    assert page_id("Wat dan ook", "https://example.nl/post/magnesium-en-slaap") == (
        "post-magnesium-en-slaap"
    )
    assert page_id("Wat dan ook", "https://example.nl/") == "home"
    assert page_id("Magnesium & Slaap!") == "magnesium-slaap"


def test_text_outside_markers_is_reported() -> None:
    result = parse_text("voorwoord\ntop of page\nTitel\n\nTekst.\nbottom of page\nnawoord")
    assert len(result.pages) == 1
    assert result.problems and "outside" in result.problems[0]


def test_page_with_only_a_title_is_reported_and_others_parse() -> None:
    text = "top of page\nAlleen titel\nbottom of page\ntop of page\nGoed\n\nTekst.\nbottom of page"
    result = parse_text(text)
    assert [p.title for p in result.pages] == ["Goed"]
    assert any("Alleen titel" in p and "only a title" in p for p in result.problems)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"Gewoon wat tekst zonder markeringen.\n", "no 'top of page' marker"),
        (bytes(range(256)) * 20, "binary"),
        (b"top of page\nTitel\n\n\xff\xfe ongeldig\nbottom of page", "not valid UTF-8"),
        (b"top of page\nAlleen titel\nbottom of page", "only a title"),
        (b"top of page\n\nbottom of page", "empty page"),
    ],
)
def test_bad_input_raises_input_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_bytes(data)


def test_too_large_input_is_refused_before_decoding() -> None:
    with pytest.raises(InputError, match="too large"):
        decode_input(b"x" * 2001, max_bytes=2000)


@pytest.mark.slow
def test_fifty_megabyte_file_is_refused_with_its_size() -> None:
    data = b"top of page\nTitel\n\n" + b"woord " * (50_000_000 // 6)
    with pytest.raises(InputError, match=r"50,000,\d{3} bytes"):
        parse_bytes(data, max_bytes=10_000_000)


def test_plain_text_draft_becomes_one_page() -> None:
    page = parse_plain_text("Eerste alinea.\n\nTweede alinea.")
    assert page.intro == ("Eerste alinea.", "Tweede alinea.")
    with pytest.raises(InputError):
        parse_plain_text("  \n ")


def test_lone_surrogates_do_not_break_parsing() -> None:
    page = parse_plain_text("Tekst met \ud800 een losse surrogaat.")
    assert "\ufffd" in page.intro[0]
    assert page.content_hash  # hashing encodes the text as UTF-8
