"""Raw store <-> pages: what ingest records, and how records turn into pages or reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.pages.rawstore import HTML, PAGE_EXPORT, PLAIN_TEXT, RawRecord, RawStore
from indexer.pages.records import input_url, load_record, load_urls, raw_store, record_input
from indexer.settings import Settings

from .stores import put_variant, variant_text, variant_url

MAX = 10_000_000


@pytest.fixture
def store(settings: Settings) -> RawStore:
    return raw_store(settings)


def test_raw_store_lives_in_data_dir(settings: Settings) -> None:
    assert raw_store(settings).root == settings.data_dir / "raw"


def test_record_input_stores_file_under_its_file_url(store: RawStore, tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    data = variant_text(1).encode()
    path.write_bytes(data)
    assert record_input(store, str(path), data) is True
    record = store.get(path.resolve().as_uri())
    assert record is not None and record.url.startswith("file:///")
    assert record.content_type == PAGE_EXPORT
    assert store.body(record.url) == data
    assert record_input(store, str(path), data) is False  # unchanged: nothing rewritten


def test_stdin_inputs_are_keyed_by_content() -> None:
    one, two = input_url("-", b"a"), input_url("-", b"b")
    assert one.startswith("file:///dev/stdin#") and one != two
    assert input_url("-", b"a") == one


def test_page_export_record_gives_its_pages_with_title_ids(store: RawStore) -> None:
    body = (variant_text(0) + "\n" + variant_text(1)).encode()
    store.put(RawRecord(url="file:///x/two.txt", content_type=PAGE_EXPORT), body)
    record = store.get("file:///x/two.txt")
    assert record is not None
    loaded = load_record(store, record, MAX)
    assert loaded.error is None
    assert [p.id for p in loaded.pages] == [
        "magnesium-bij-depressie-kan-het-helpen-variant-0",
        loaded.pages[1].id,
    ]
    assert "variant-1" in loaded.pages[1].id
    assert {p.source for p in loaded.pages} == {"file:///x/two.txt"}
    assert loaded.record_hash == record.content_hash


def test_bad_body_is_reported_with_its_reason(store: RawStore) -> None:
    store.put(RawRecord(url="file:///x/bin.txt", content_type=PAGE_EXPORT), b"\x00\x01\x02" * 10)
    store.put(RawRecord(url="file:///x/none.txt", content_type=PAGE_EXPORT), b"geen pagina")
    results = {r.url: r for r in load_urls(store, ["file:///x/bin.txt", "file:///x/none.txt"], MAX)}
    assert results["file:///x/bin.txt"].pages == []
    assert "binary" in (results["file:///x/bin.txt"].error or "")
    assert "top of page" in (results["file:///x/none.txt"].error or "")


def test_missing_body_and_vanished_record_are_reported(store: RawStore) -> None:
    put_variant(store, 3)
    record = store.get(variant_url(3))
    assert record is not None
    store.body_path(record).unlink()
    assert "missing" in (load_record(store, record, MAX).error or "")
    [vanished] = load_urls(store, ["file:///never/stored.txt"], MAX)
    assert "vanished" in (vanished.error or "")


def test_plain_text_record_gets_a_title_from_its_url(store: RawStore) -> None:
    url = "file:///x/magnesium-en-slaap.txt"
    store.put(RawRecord(url=url, content_type=PLAIN_TEXT), b"Magnesium helpt bij slaap.")
    [loaded] = load_urls(store, [url], MAX)
    assert loaded.error is None
    assert loaded.pages[0].title == "Magnesium en slaap"


def test_unknown_content_type_is_reported(store: RawStore) -> None:
    store.put(RawRecord(url="file:///x/a.pdf", content_type="application/pdf"), b"%PDF")
    [loaded] = load_urls(store, ["file:///x/a.pdf"], MAX)
    assert loaded.error == "unknown content type 'application/pdf'"


def test_html_record_is_extracted_with_its_url_id(store: RawStore) -> None:
    url = "https://gezond.example/artikelen/magnesium-en-slaap"
    html = (
        "<html><head><meta charset='windows-1252'><title>x</title></head><body>"
        "<nav>Menu Home Contact</nav><article><h1>Magnesium en slaap</h1>"
        "<p>Magnesium helpt sommige mensen beter te slapen, vooral bij een tekort.</p>"
        "<h2>Deel 1: Wat zegt het onderzoek?</h2>"
        "<p>Een kleine RCT bij ouderen vond een effect op de inslaaptijd.</p>"
        "</article></body></html>"
    ).encode("cp1252")
    store.put(RawRecord(url=url, content_type=HTML), html)
    [loaded] = load_urls(store, [url], MAX)
    assert loaded.error is None, loaded.error
    [page] = loaded.pages
    assert page.id == "artikelen-magnesium-en-slaap" and page.title == "Magnesium en slaap"
    assert "Menu" not in page.body_text() and "inslaaptijd" in page.body_text()
    [too_big] = load_urls(store, [url], 100)
    assert "too large" in (too_big.error or "")
