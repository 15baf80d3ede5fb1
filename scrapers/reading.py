"""What a fetched answer holds for the crawl: the record to store, the links to follow, the
robots meta directive, the canonical URL the page names, and its content hash.

HTML is parsed once (`indexer.pages.htmldoc`): the links are read before the extraction,
which prunes the tree. Page exports ("top of page" text) and plain text are stored as such.
A page that cannot be extracted is still stored, with its problem in `error`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.errors import InputError
from indexer.pages.html import extract_page, page_text
from indexer.pages.htmldoc import page_links, parse_html
from indexer.pages.parsing import page_id, parse_text
from indexer.pages.rawstore import HTML, PAGE_EXPORT, PLAIN_TEXT, RawRecord
from scrapers.fetch import FetchResult

_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Reading:
    """One answer read. `content` is the parsed page's content hash (None when unparsed)."""

    record: RawRecord
    links: list[str] = field(default_factory=list)
    noindex: bool = False
    canonical: str | None = None
    content: str | None = None


def read_answer(result: FetchResult) -> Reading:
    """The record of a 200 answer (its URL: where the answer came from) and what it links."""
    final = result.url
    reading = Reading(RawRecord(url=final))
    error: str | None = None
    text = ""
    ident: str | None = None
    if result.content_type in _HTML_TYPES:
        content_type = HTML
        try:
            document = parse_html(result.body)
        except InputError as exc:
            error = f"{final}: {exc}"
        else:
            found = page_links(document, final)
            reading.links, reading.noindex, reading.canonical = (
                found.links, found.noindex, found.canonical)
            try:
                page = extract_page(document, final)
                text, ident, reading.content = page_text(page), page.id, page.content_hash
            except InputError as exc:
                error = str(exc)
    else:
        text = result.body.decode("utf-8", errors="replace")
        content_type = PAGE_EXPORT if "top of page" in text.lower() else PLAIN_TEXT
        if content_type == PAGE_EXPORT:
            try:
                first = parse_text(text, url=final).pages[0]
                text, ident, reading.content = page_text(first), first.id, first.content_hash
            except InputError as exc:
                error = str(exc)
        else:
            ident = page_id("", final)
    reading.record = RawRecord(
        url=final,
        status=200,
        etag=result.headers.get("etag"),
        last_modified=result.headers.get("last-modified"),
        content_type=content_type,
        text=text,
        page_id=ident,
        error=error,
    )
    return reading
