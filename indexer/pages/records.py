"""The raw store and Pages: record what `sitesearch ingest` reads, turn stored records into Pages.

Ingested files are stored whole, one record per file, under their `file://` URL (standard input
under `file:///dev/stdin#<sha256 prefix>`): a file that loses a page loses it from the index at
the next reindex, as a crawled page that answers 404 does. Records are parsed by content type:

- "text/x-page-export" (our "top of page" text): `indexer.pages.parsing.parse_bytes`; page ids come
  from the titles, as they do for `sitesearch ingest`;
- "text/html" (from the crawler, or a local HTML file): `indexer.pages.html.extract_page`, ids
  from the URL path (a local file's page has no URL of its own: the API shows its article);
- "text/plain": `indexer.pages.parsing.parse_plain_text` under a title made from the URL.

`parse_input` is how `sitesearch ingest` and `sitesearch parse` read an input: exactly as a
reindex will parse the stored record, and refused whole (nothing stored) when it is neither a
page export (beginning with a `top of page` line) nor an HTML page.

A record that cannot be turned into pages is never dropped silently: `load_record` returns it
with the reason, and the reindex job reports it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from indexer.atomic import write_atomic
from indexer.errors import InputError
from indexer.pages.inputs import STDIN
from indexer.pages.models import Page
from indexer.pages.parsing import TOP, decode_input, parse_bytes, parse_plain_text
from indexer.pages.rawstore import HTML, PAGE_EXPORT, PLAIN_TEXT, RawRecord, RawStore
from indexer.settings import Settings

_HTML_SUFFIXES = (".html", ".htm")
_HTML_START = (b"<!doctype html", b"<html")


def raw_store(settings: Settings) -> RawStore:
    """The raw store of these settings: `data_dir/raw`, shared by the crawler and ingest."""
    return RawStore(settings.data_dir / "raw")


def input_url(name: str, data: bytes) -> str:
    """The record key of an ingested input: `file:///abs/path`, or a stdin key by content."""
    if name == STDIN:
        return f"file:///dev/stdin#{hashlib.sha256(data).hexdigest()[:16]}"
    return Path(name).expanduser().resolve().as_uri()


def input_content_type(name: str, data: bytes = b"") -> str:
    """The content type an ingested input is stored under: HTML by its suffix or its first
    bytes (`<!DOCTYPE html`, `<html`), else page export."""
    if name.lower().endswith(_HTML_SUFFIXES):
        return HTML
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return HTML if head.startswith(_HTML_START) else PAGE_EXPORT


def parse_input(name: str, data: bytes, max_bytes: int) -> tuple[list[Page], list[str]]:
    """The pages of an input given to `sitesearch ingest` or `parse`, and the parts skipped,
    parsed as a reindex parses its stored record. Raises InputError when it gives no page,
    or is neither an HTML page nor a page export (one that begins with a `top of page` line:
    a README that merely mentions the markers is not one)."""
    record = RawRecord(url=input_url(name, data), content_type=input_content_type(name, data))
    pages, problems = parse_record(record, data, max_bytes)
    if record.content_type == PAGE_EXPORT:
        first = next((line.strip() for line in decode_input(data, max_bytes).splitlines()
                      if line.strip()), "")
        if not first.lower().startswith(TOP):
            raise InputError(f"not a page export: it does not begin with a {TOP!r} line "
                             f"(it begins with {first[:60]!r})")
    return pages, problems


def record_input(store: RawStore, name: str, data: bytes, pages: Iterable[Page] = ()) -> bool:
    """Store the bytes of an ingested file (or of stdin for '-'); return whether anything changed.

    Call it for inputs that `parse_input` accepted, so that a reindex rebuilds from them.
    `pages` (optional) only fills the record's `page_id` and `text` for people reading the
    store. An unchanged file is not rewritten (see `RawStore.put`).
    """
    found = list(pages)
    record = RawRecord(
        url=input_url(name, data),
        content_type=input_content_type(name, data),
        page_id=found[0].id if len(found) == 1 else None,
        text=found[0].title if len(found) == 1 else "\n".join(p.title for p in found),
    )
    return store.put(record, data)


@dataclass
class RecordPages:
    """What one raw record turned into: its pages, or the reason it gave none.

    `problems` lists parts of a record that were skipped while the rest parsed (one bad
    page of a multi-page export); `error` is set when the record gave no page at all.
    `page_hashes` ((page id, content hash) of each page, in order) and `titles` (page id ->
    title) outlive `pages` when the pages travel apart.
    """

    url: str
    content_type: str
    record_hash: str
    fetched_at: str
    pages: list[Page] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    page_hashes: list[tuple[str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)


def load_record(store: RawStore, record: RawRecord, max_bytes: int) -> RecordPages:
    """Read one record's body and parse it by its content type; never raises for bad data."""
    result = RecordPages(
        url=record.url,
        content_type=record.content_type,
        record_hash=record.content_hash,
        fetched_at=record.fetched_at,
    )
    try:
        body = store.body_path(record).read_bytes()
    except FileNotFoundError:
        result.error = "the body of this record is missing from the raw store"
        return result
    except OSError as exc:
        result.error = f"the body of this record cannot be read: {exc}"
        return result
    try:
        result.pages, result.problems = parse_record(record, body, max_bytes)
        result.page_hashes = [(page.id, page.content_hash) for page in result.pages]
        result.titles = {page.id: page.title for page in result.pages}
    except InputError as exc:
        result.error = str(exc)
    except Exception as exc:  # a parser bug must cost one record, not the whole job
        result.error = f"{type(exc).__name__} while parsing: {exc}"
    return result


def parse_record(record: RawRecord, body: bytes, max_bytes: int) -> tuple[list[Page], list[str]]:
    """The pages of one stored body and the problems skipped; raises InputError for none."""
    if record.content_type == PAGE_EXPORT:
        parsed = parse_bytes(body, source=record.url, max_bytes=max_bytes)
        return parsed.pages, parsed.problems
    if record.content_type == HTML:
        from indexer.pages.html import extract_page  # the crawler's extraction (lxml), on demand

        if len(body) > max_bytes:
            raise InputError(f"page is too large: {len(body):,} bytes, the limit is {max_bytes:,}")
        # Bytes, not text: the parser reads the page's own <meta charset> declaration.
        page = extract_page(body, record.url)
        if record.url.startswith("file:"):  # a local file: no address a visitor could open
            page = page.model_copy(update={"url": None})
        return [page], []
    if record.content_type == PLAIN_TEXT:
        text = decode_input(body, max_bytes)
        return [parse_plain_text(text, title=_title_from_url(record.url), source=record.url)], []
    raise InputError(f"unknown content type {record.content_type!r}")


def load_records(
    store: RawStore, records: Iterable[RawRecord], max_bytes: int
) -> Iterator[RecordPages]:
    """`load_record` for each record, in order."""
    for record in records:
        yield load_record(store, record, max_bytes)


def load_urls(store: RawStore, urls: Iterable[str], max_bytes: int) -> Iterator[RecordPages]:
    """`load_record` for each key (as a worker process receives them); a vanished key is
    reported as a record without pages."""
    for url in urls:
        record = store.get(url)
        if record is None:
            yield RecordPages(url=url, content_type="", record_hash="", fetched_at="",
                              error="the record vanished from the raw store during the job")
        elif record.gone:
            yield RecordPages(url=url, content_type=record.content_type,
                              record_hash=record.content_hash, fetched_at=record.fetched_at)
        else:
            yield load_record(store, record, max_bytes)


def _title_from_url(url: str) -> str:
    parts = urlsplit(url)
    stem = Path(unquote(parts.path)).stem.replace("-", " ").replace("_", " ").strip()
    return stem.capitalize() or "Concept"



# Modules whose code decides which pages a body parses into: a change to any of them makes
# every cached parse stale.
_PARSER_MODULES = ("indexer.pages.parsing", "indexer.pages.normalise", "indexer.pages.models",
                   "indexer.pages.html", "indexer.pages.records")


def parser_fingerprint() -> str:
    """A digest of the parsing code, so that a cache of parses dies with the code it came from."""
    digest = hashlib.sha256()
    for name in _PARSER_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


class ParseCache:
    """Which pages (id, content hash) each record body parsed into, kept between jobs.

    An incremental reindex reads a record that has not changed (same key, same body hash)
    from here instead of parsing it again: for crawled HTML, parsing is what costs. Only
    records that parsed cleanly are kept, so that a failing one is reported at every run.
    The file holds the parser's fingerprint; after a code change it is ignored.
    """

    def __init__(self, path: Path, fingerprint: str | None = None) -> None:
        self.path = path
        self.fingerprint = fingerprint or parser_fingerprint()
        self._entries: dict[str, tuple[str, list[tuple[str, str]], dict[str, str]]] = {}
        self.changed = False

    @classmethod
    def load(cls, path: Path) -> ParseCache:
        """The cache stored at `path` (empty when absent, unreadable or from other code)."""
        cache = cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cache
        if isinstance(data, dict) and data.get("fingerprint") == cache.fingerprint:
            try:
                for url, (record_hash, pages, titles) in data.get("records", {}).items():
                    cache._entries[url] = (record_hash, [(str(i), str(h)) for i, h in pages],
                                           {str(i): str(t) for i, t in titles.items()})
            except (ValueError, TypeError, AttributeError):
                cache._entries.clear()  # not what this code writes: start afresh
        return cache

    def get(self, url: str, record_hash: str) -> list[tuple[str, str]] | None:
        """The (page id, content hash) pairs of this record body, or None when not known."""
        entry = self._entries.get(url)
        return entry[1] if entry is not None and entry[0] == record_hash else None

    def titles(self, url: str) -> dict[str, str]:
        """Page id -> title of the pages of the record of `url` as last cached."""
        entry = self._entries.get(url)
        return entry[2] if entry is not None else {}

    def put(self, record: RecordPages) -> None:
        """Remember a record's parse (ignored for records that failed, even in part)."""
        if record.error or record.problems or not record.page_hashes:
            self._entries.pop(record.url, None)
            return
        entry = (record.record_hash, list(record.page_hashes), dict(record.titles))
        if self._entries.get(record.url) != entry:
            self._entries[record.url] = entry
            self.changed = True

    def keep_only(self, urls: set[str]) -> None:
        """Forget records that are no longer in the store."""
        for url in set(self._entries) - urls:
            del self._entries[url]
            self.changed = True

    def save(self) -> None:
        """Write the cache atomically (nothing when nothing changed)."""
        if not self.changed:
            return
        data = {"fingerprint": self.fingerprint,
                "records": {url: [h, pages, titles]
                            for url, (h, pages, titles) in self._entries.items()}}
        write_atomic(self.path, json.dumps(data).encode("utf-8"))
        self.changed = False
