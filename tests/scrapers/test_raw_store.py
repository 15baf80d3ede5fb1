"""The raw store: one atomic record per URL, unchanged bodies not rewritten, gone records."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import NotFound
from indexer.pages.rawstore import PAGE_EXPORT, RawRecord, RawStore, content_hash


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    return RawStore(tmp_path / "raw")


def test_put_then_get_round_trips_record_and_body(store: RawStore) -> None:
    record = RawRecord(url="http://site.nl/a", etag='"v1"', text="Titel\n\nTekst", page_id="a")
    assert store.put(record, b"<html>a</html>") is True
    stored = store.get("http://site.nl/a")
    assert stored is not None
    assert stored.etag == '"v1"' and stored.page_id == "a" and stored.text == "Titel\n\nTekst"
    assert stored.content_hash == content_hash(b"<html>a</html>")
    assert store.body("http://site.nl/a") == b"<html>a</html>"
    assert len(store) == 1 and "http://site.nl/a" in store


def test_unchanged_body_writes_nothing(store: RawStore) -> None:
    record = RawRecord(url="http://site.nl/a")
    store.put(record, b"same")
    meta = store.metadata_path(record.url)
    before = (meta.stat().st_mtime_ns, meta.read_bytes())
    assert store.put(record.model_copy(update={"etag": '"other"'}), b"same") is False
    assert (meta.stat().st_mtime_ns, meta.read_bytes()) == before


def test_changed_body_replaces_record_and_removes_old_body(store: RawStore) -> None:
    url = "http://site.nl/a"
    store.put(RawRecord(url=url), b"one")
    store.put(RawRecord(url=url), b"two")
    assert store.body(url) == b"two"
    bodies = list(store.root.rglob("*.body"))
    assert len(bodies) == 1
    assert not list(store.root.rglob("*.tmp"))


def test_any_string_key_works(store: RawStore) -> None:
    url = "file:///tmp/pages/export.txt#magnesium-bij-depressie"
    store.put(RawRecord(url=url, content_type=PAGE_EXPORT), b"top of page\nT\nx\nbottom of page")
    assert store.get(url) is not None
    assert store.get("file:///tmp/pages/export.txt") is None


def test_mark_gone_hides_record_from_default_listing(store: RawStore) -> None:
    store.put(RawRecord(url="http://site.nl/a"), b"a")
    store.put(RawRecord(url="http://site.nl/b"), b"b")
    store.mark_gone("http://site.nl/b", status=410)
    assert [r.url for r in store.records()] == ["http://site.nl/a"]
    everything = {r.url: r for r in store.records(include_gone=True)}
    assert everything["http://site.nl/b"].gone and everything["http://site.nl/b"].status == 410
    assert len(store) == 1
    meta = store.metadata_path("http://site.nl/b")
    mtime = meta.stat().st_mtime_ns
    store.mark_gone("http://site.nl/b")  # already gone: nothing rewritten
    assert meta.stat().st_mtime_ns == mtime
    store.mark_gone("http://site.nl/never-stored")  # absent: no-op
    assert store.get("http://site.nl/never-stored") is None


def test_gone_record_that_comes_back_is_written_again(store: RawStore) -> None:
    store.put(RawRecord(url="http://site.nl/a"), b"a")
    store.mark_gone("http://site.nl/a")
    assert store.put(RawRecord(url="http://site.nl/a"), b"a") is True
    record = store.get("http://site.nl/a")
    assert record is not None and not record.gone


def test_body_of_unknown_url_is_not_found(store: RawStore) -> None:
    with pytest.raises(NotFound):
        store.body("http://site.nl/nope")
    assert list(store.records()) == [] and len(store) == 0
