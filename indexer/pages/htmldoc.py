"""An HTML page as an lxml tree, and what the crawler reads from it before extraction.

- `parse_html`: bytes or text to a document tree. Bytes are decoded here (a byte-order mark,
  else the page's own `<meta charset>` / XML declaration, else UTF-8 when the bytes are valid
  UTF-8, else windows-1252), because libxml2 reads undeclared bytes as Latin-1.
- `page_links`: the links to follow, the robots meta directives and the canonical URL.
- `head_titles`, `heading_anchor`: the page's <title>, og:title and site name; the page's own
  id for a heading (what `url#id` jumps to).
- `text_of`: an element's text as a reader sees it: a space around each block element and for
  each `<br>`, so that words of adjacent blocks stay apart while `<b>Mag</b>nesium` stays one
  word.

One parse serves both the links and the extraction (`indexer.pages.html.extract_page`, which
then removes the chrome from the same tree).
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urljoin, urlsplit

from lxml import etree  # type: ignore[import-untyped]

from indexer.errors import InputError
from indexer.pages.normalise import normalise_text

# An lxml.etree element (lxml ships no type stubs). lxml.etree's own elements, not lxml.html's:
# those cost a Python-level class lookup for every element touched, a tenth of the extraction.
Document: TypeAlias = Any

# Elements read as blocks: a space on each side keeps their words apart from their neighbours'.
SPACED = frozenset((
    "p", "div", "li", "td", "th", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "section",
    "article", "blockquote", "pre", "dd", "dt", "figcaption", "ul", "ol", "table", "caption",
))
_DECLARED = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:-]+)""",
    re.I,
)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # what normalise_text removes
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# What browsers do with these labels (WHATWG Encoding): Latin-1 is read as windows-1252, and a
# UTF-16 label in a page without a byte-order mark means UTF-8.
_ENCODING_ALIASES = {"latin_1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252",
                     "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8"}


@dataclass(frozen=True)
class PageLinks:
    """What a crawler reads from a page: absolute link targets, robots meta, canonical URL."""

    links: list[str]
    noindex: bool = False
    nofollow: bool = False
    canonical: str | None = None


def decode_html(data: bytes) -> str:
    """The text of an HTML page's bytes (see the module docstring for the order of rules)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    match = _DECLARED.search(data[:4096])
    if match:
        label = (match.group(1) or match.group(2)).decode("ascii").lower()
        try:
            name = codecs.lookup(label).name
        except LookupError:
            name = ""
        if name:
            return data.decode(_ENCODING_ALIASES.get(name, name), errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class _Parsers(threading.local):
    """One parser per thread: an lxml parser must not be used by two threads at once."""

    def __init__(self) -> None:
        self.html = etree.HTMLParser(remove_comments=True, remove_pis=True)


_PARSERS = _Parsers()


def parse_html(html: bytes | str) -> Document:
    """The document tree of a page (comments and processing instructions left out); raises
    InputError when there is no document at all."""
    text = decode_html(html) if isinstance(html, bytes) else html
    # lxml refuses text that still declares a byte encoding; it is decoded already.
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        root: Document | None = etree.fromstring(text, _PARSERS.html)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"the page is not readable as HTML: {exc}") from None
    if root is None:
        raise InputError("the page is empty")
    return root


def page_links(html: bytes | str | Document, base_url: str) -> PageLinks:
    """The links of a page (absolute, http(s), nofollow ones left out), its robots meta
    directives and its `<link rel="canonical">` (absolute; whether it is the same site is the
    crawler's question). Honours `<base href>`. An unreadable page has no links."""
    try:
        root = parse_html(html) if isinstance(html, (bytes, str)) else html
    except InputError:
        return PageLinks([])
    for base in root.iter("base"):
        if base.get("href"):
            base_url = urljoin(base_url, (base.get("href") or "").strip())
            break
    directives = ",".join(
        (meta.get("content") or "").lower()
        for meta in root.iter("meta")
        if (meta.get("name") or "").lower() == "robots"
    )
    noindex = "noindex" in directives or "none" in directives
    nofollow = "nofollow" in directives or "none" in directives
    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = urljoin(base_url, (link.get("href") or "").strip())
            break
    links: list[str] = []
    if not nofollow:
        for anchor in root.iter("a", "area"):
            href = (anchor.get("href") or "").strip()
            if not href or href.startswith("#") or "nofollow" in (anchor.get("rel") or "").lower():
                continue
            target = urljoin(base_url, href)
            if urlsplit(target).scheme in ("http", "https"):
                links.append(target)
    return PageLinks(list(dict.fromkeys(links)), noindex, nofollow, canonical)


def text_of(element: Document) -> str:
    """The text below `element`, with a space around each block element and for each <br>."""
    parts: list[str] = []
    _collect(element, parts)
    return "".join(parts)


def _collect(element: Document, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            pass
        elif child.tag == "br":
            parts.append(" ")
        elif child.tag in SPACED:
            parts.append(" ")
            _collect(child, parts)
            parts.append(" ")
        else:
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def plain_text(element: Document) -> str:
    """The text below `element` as it stands in the source (no spaces added)."""
    return "".join(element.itertext())


def clean(text: str) -> str:
    """Normalised text on one line (look-alikes plain, whitespace folded)."""
    if text.isascii():  # the same result without normalise_text's work per line
        return " ".join(_CONTROL.sub("", text).split())
    return " ".join(normalise_text(text).split())


def drop(element: Document) -> None:
    """Remove `element` from its tree, keeping the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def detach(element: Document) -> None:
    """`drop`, but a block element leaves a space, so that the words on either side of it
    stay apart."""
    if element.tag in SPACED:
        element.tail = " " + (element.tail or "")
    drop(element)


def attached(element: Document, root: Document) -> bool:
    """Whether `element` is still in the tree of `root` (not removed with an ancestor)."""
    top = element
    while (parent := top.getparent()) is not None:
        top = parent
    return top is root


def head_titles(root: Document) -> tuple[str, str, str]:
    """(<title>, og:title, the site's name from og:site_name or application-name), cleaned."""
    title = root.find(".//title")
    og_title = site_name = ""
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key == "og:title" and not og_title:
            og_title = clean(meta.get("content") or "")
        elif key in ("og:site_name", "application-name") and not site_name:
            site_name = clean(meta.get("content") or "")
    return clean(plain_text(title)) if title is not None else "", og_title, site_name


def heading_anchor(heading: Document) -> str | None:
    """The page's own id for a heading, so that `url#id` jumps to it: the heading's id, an
    <a id/name> in it or right before it, or the id of the <section> it opens; else None."""
    own = (heading.get("id") or "").strip()
    if own:
        return own
    for inner in heading.iter("a"):
        name = (inner.get("id") or inner.get("name") or "").strip()
        if name:
            return name
    before = heading.getprevious()
    if (
        before is not None
        and before.tag == "a"
        and not (before.tail or "").strip()
        and not plain_text(before).strip()
    ):
        name = (before.get("id") or before.get("name") or "").strip()
        if name:
            return name
    for ancestor in heading.iterancestors():
        if ancestor.tag in ("article", "main", "body"):
            break
        if ancestor.tag == "section":
            first = next(ancestor.iter(*HEADINGS), None)
            ident = (ancestor.get("id") or "").strip()
            return ident if first is heading and ident else None
    return None
