"""HTML to `Page`: the same model the text parser gives, with the site chrome left out.

The heuristic (chosen by measurement against trafilatura, see tests/scrapers/test_extract_html.py
and bench/crawl.py), on an lxml tree (`indexer.pages.htmldoc`):

1. Remove what is never content: comments, scripts, styles, forms, hidden elements (`hidden`,
   `aria-hidden`, `display:none`), nav/aside, header/footer outside the article, ARIA
   banner/navigation/contentinfo/complementary regions, cookie and consent banners (id or class
   containing cookie/consent/gdpr), post metadata (byline, reading time, share buttons, class
   "meta"), and the Wix "top of page"/"bottom of page" skip links.
2. Take labels (links to /labels/<tag> or /tags/<tag>, elements whose class names a tag or
   label, a "Labels: #Tag" line) and the "Gerelateerde artikelen" block out of the tree.
3. The content root is the article (one <article>, else <main>, else role=main, else <body>).
   Walking it in document order: the first visible, non-empty h1 is the display title (else the
   <title>, without a site-name suffix that the page itself names in og:site_name); text before
   it is dropped (bylines, breadcrumbs); h2 opens a section ("Deel N: ..." numbered), h3-h6 a
   sub-section; p/blockquote/pre/dd and loose text become paragraphs; ul/ol items become items;
   table rows become paragraphs with cells joined by " | ".
4. A section's anchor is the page's own id for its heading (the heading's id, an <a id/name>
   in it or right before it, or the id of the <section> it opens), so that `url#anchor` jumps
   there; a slug of the heading only when the page has none.
5. `alt_titles`: the <title> and og:title where they differ from the display title (indexed
   as title text: words that only the <title> holds can be found).

lxml directly, not BeautifulSoup: the same libxml2 tree for a fraction of the cost (see
bench/crawl.py --extraction; bench/extract_bs4.py keeps the former BeautifulSoup extraction as
the baseline that the tests compare with).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote, urljoin

from lxml import etree  # type: ignore[import-untyped]

from indexer.errors import InputError
from indexer.pages.htmldoc import (
    HEADINGS,
    Document,
    attached,
    clean,
    detach,
    drop,
    head_titles,
    heading_anchor,
    page_links,
    parse_html,
    plain_text,
    text_of,
)
from indexer.pages.models import Page, RelatedLink

# The text parser's builders: an HTML page becomes a Page by the very same rules (anchors,
# id from the URL, content hash).
from indexer.pages.parsing import (
    DEEL_LINE,
    LABELS_LINE,
    RELATED_LINE,
    PageBuilder,
    SectionBuilder,
    build_page,
    parse_labels,
)

__all__ = ["BlockBuilder", "extract_page", "page_links", "page_text"]

DROP_TAGS = frozenset((
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select",
    "input", "textarea", "nav", "aside", "dialog", "object", "embed", "canvas", "link", "meta",
))
CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
)
CHROME_NAMES = re.compile(
    r"cookie|consent|gdpr|skip-?link|breadcrumb|byline|reading-?time|share|social|newsletter"
    r"|(?:^|[-_\s])(?:post-?|entry-?|article-?)?meta(?:$|[-_\s])",
    re.I,
)
SKIP_TEXTS = frozenset({"top of page", "bottom of page", "skip to main content", "naar de inhoud"})
TAG_CLASS = re.compile(r"(?:^|[-_])(?:tags?|labels?|hashtags?)(?:$|[-_])", re.I)
TAG_HREF = re.compile(r"/(?:labels?|tags?|hashtags?|onderwerpen)/([^/?#]+)", re.I)
LABELS_START = re.compile(r"(?i)^\s*labels\s*:")
RELATED_TEXT = re.compile(r"(?i)gerelateerde\s+artikelen")
TEXT_BLOCKS = ("p", "blockquote", "pre", "figcaption", "dd", "dt", "address", "caption")
BLOCKY = frozenset((*HEADINGS, *TEXT_BLOCKS, "ul", "ol", "table", "div"))
CONTAINERS = frozenset((
    "div", "section", "article", "main", "body", "html", "header", "footer", "figure", "dl",
    "details", "summary", "center", "fieldset", "tbody", "thead",
))
# Block elements that can still reach the inline branch of _walk (outside their usual parent).
_INLINE_SPACED = frozenset(("li", "td", "th", "tr"))
_SITE_SUFFIX = r"\s+[|\-:·•]\s+{}$"  # " | Site", " - Site" (dashes are plain after clean)


class BlockBuilder:
    """Fills the text parser's page builder from HTML blocks (one Page model, one set of
    anchor, id and hash rules: `indexer.pages.parsing` builds the Page)."""

    def __init__(self) -> None:
        self.page = PageBuilder()
        self.buffer: list[str] = []

    def paragraph(self, text: str) -> None:
        text = clean(text)
        if text and self.page.title is not None:
            self.page.buffer.append(text)
            self.page.flush()

    def items(self, items: list[str]) -> None:
        if self.page.title is None:
            return
        for item in (clean(i) for i in items):
            if item:
                self.page.add_item(item)

    def flush(self) -> None:
        if self.buffer:
            self.paragraph("".join(self.buffer))
            self.buffer.clear()

    def heading(self, level: int, text: str, anchor: str | None) -> None:
        self.flush()
        text = clean(text).rstrip(":").strip()
        if not text:
            return
        if self.page.title is None:
            if level == 1:
                self.page.title = text
            return
        if level <= 2:
            match = DEEL_LINE.match(text)
            number = int(match.group(1)) if match else None
            heading = match.group(2).strip() if match else text
            self.page.sections.append(
                SectionBuilder(number=number, heading=heading, level=2, anchor=anchor)
            )
        elif self.page.sections:
            self.page.sections[-1].subsections.append(
                SectionBuilder(number=None, heading=text, level=3, anchor=anchor)
            )
        else:
            self.page.sections.append(
                SectionBuilder(number=None, heading=text, level=2, anchor=anchor)
            )


def extract_page(html: bytes | str | Document, url: str) -> Page:
    """The article of an HTML page as a Page (id from the URL's path, like the text parser).

    A parsed document (`parse_html`) is consumed: its chrome is removed in place.
    Raises InputError when the page holds no title or no text.
    """
    try:
        root = parse_html(html) if isinstance(html, (bytes, str)) else html
    except InputError as exc:
        raise InputError(f"{url}: no title ({exc})") from None
    document_title, og_title, site_name = head_titles(root)
    _remove_chrome(root)
    labels = _take_labels(root)
    related = _take_related(root, url)
    content = _content_root(root)
    builder = BlockBuilder()
    if not any(_heading_text(h1) for h1 in content.iter("h1")):
        builder.page.title = _without_site_name(document_title, site_name) or None
    _walk(content, builder)
    builder.flush()
    title = builder.page.title
    if title is None:
        raise InputError(f"{url}: no title (no visible <h1> and no <title>)")
    if not builder.page.intro and not builder.page.sections:
        raise InputError(f"{url}: page {title!r} has only a title, no text")
    builder.page.labels = labels
    builder.page.related = related
    builder.page.alt_titles = [
        alt for alt in dict.fromkeys((document_title, og_title))
        if alt and alt.casefold() != title.casefold()
    ]
    return build_page(builder.page, source=url, url=url)


def _without_site_name(title: str, site_name: str) -> str:
    if not site_name or site_name.casefold() == title.casefold():
        return title
    pattern = re.compile(_SITE_SUFFIX.format(re.escape(site_name)), re.I)
    return pattern.sub("", title).strip() or title


def _heading_text(heading: Document) -> str:
    return clean(text_of(heading)).rstrip(":").strip()


def _remove_chrome(root: Document) -> None:
    # (Comments are left out by the parser.) Judged on the untouched tree, outermost first;
    # removed without leaving a space, as the former extraction did.
    doomed: list[Document] = []
    stack = [root]
    while stack:
        for child in stack.pop():
            if child.tag in DROP_TAGS or _is_chrome(child):
                doomed.append(child)
            else:
                stack.append(child)
    for element in doomed:
        drop(element)


def _is_chrome(element: Document) -> bool:
    name = element.tag
    if name in ("html", "body") or not isinstance(name, str):
        return False
    if name in ("header", "footer") and not any(
        a.tag in ("article", "main") for a in element.iterancestors()
    ):
        return True
    if not element.attrib:
        return name == "a" and clean(plain_text(element)).lower() in SKIP_TEXTS
    if (element.get("role") or "").lower() in CHROME_ROLES:
        return True
    if element.get("hidden") is not None or (element.get("aria-hidden") or "").lower() == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    if CHROME_NAMES.search(names):
        return True
    return name == "a" and clean(plain_text(element)).lower() in SKIP_TEXTS


def _classes(element: Document) -> list[str]:
    return (element.get("class") or "").split()


def _outermost(elements: list[Document]) -> list[Document]:
    chosen = set(elements)
    return [e for e in elements if not any(parent in chosen for parent in e.iterancestors())]


def _take_labels(root: Document) -> list[str]:
    labels: list[str] = []
    tagged: list[Document] = []
    for element in root.iter(etree.Element):
        if element.tag == "a" and (match := TAG_HREF.search(element.get("href") or "")):
            labels.append(clean(text_of(element)).lstrip("#").strip() or unquote(match[1]))
            tagged.append(element)
        elif any(TAG_CLASS.search(c) for c in _classes(element)) and not _has_headings(element):
            # (a container with headings merely mentions tags: its content is kept)
            tagged.append(element)
    for element in _outermost(tagged):
        if element.tag != "a":
            labels.extend(_label_texts(element))
        detach(element)
    for parent in _text_holders(root, "labels", LABELS_START.match):
        if not attached(parent, root):
            continue
        block = parent if parent.tag in TEXT_BLOCKS else next(
            (a for a in parent.iterancestors(*TEXT_BLOCKS)), None
        )
        holder = block if block is not None else parent
        match = LABELS_LINE.match(clean(text_of(holder)))
        if match:
            labels.extend(parse_labels(match.group(1)))
            detach(holder)
    return list(dict.fromkeys(label for label in labels if label))


def _text_holders(root: Document, word: str, test: Callable[[str], object]) -> list[Document]:
    """The elements that directly hold a text node with `word` (lower case, in any case) that
    passes `test`, in document order."""
    found: list[Document] = []
    if word not in etree.tostring(root, method="text", encoding="unicode").lower():
        return found  # one pass in C settles most pages
    # (an XPath query compiled per call: a compiled XPath object must not serve two threads)
    query = f"//text()[contains(translate(., '{word.upper()}', '{word}'), '{word}')]"
    for text in root.xpath(query):
        if test(text):
            parent = text.getparent()
            if text.is_tail:
                parent = parent.getparent()
            if parent is not None:
                found.append(parent)
    return found


def _has_headings(element: Document) -> bool:
    return any(True for _ in element.iterdescendants(*HEADINGS))


def _label_texts(element: Document) -> list[str]:
    links = list(element.iterdescendants("a"))
    if links:
        return [clean(text_of(a)).lstrip("#").strip() for a in links]
    text = clean(text_of(element))
    match = LABELS_LINE.match(text)
    return parse_labels(match.group(1) if match else text)


def _take_related(root: Document, url: str) -> list[RelatedLink]:
    related: list[RelatedLink] = []
    for heading in _text_holders(root, "artikelen", RELATED_TEXT.search):
        if not attached(heading, root):
            continue
        heading_match = RELATED_LINE.match(clean(text_of(heading)))
        if heading_match is None or heading_match.group(1):
            continue  # the words inside a sentence, not the heading of the block
        container = heading.getparent()
        if container is not None and container.tag not in ("body", "main", "article"):
            for link in container.iterdescendants("a"):
                _add_related(related, link, url)
            detach(container)
            continue
        for sibling in list(heading.itersiblings()):
            if sibling.tag in HEADINGS:
                break
            links = [sibling] if sibling.tag == "a" else sibling.iterdescendants("a")
            for link in links:
                _add_related(related, link, url)
            detach(sibling)
        detach(heading)
    return related


def _add_related(related: list[RelatedLink], link: Document, base: str) -> None:
    href = link.get("href")
    title = clean(text_of(link))
    if href is not None and title:
        related.append(RelatedLink(title=title, url=urljoin(base, href)))


def _content_root(root: Document) -> Document:
    articles = [a for a in root.iter("article") if any(True for _ in a.iter("h1"))]
    if len(articles) == 1:
        return articles[0]
    for candidate in root.iter(etree.Element):
        is_main = candidate.tag == "main" or (candidate.get("role") or "").lower() == "main"
        if is_main and any(text.strip() for text in candidate.itertext()):
            return candidate
    body = root.find(".//body")
    return body if body is not None else root


def _walk(node: Document, builder: BlockBuilder) -> None:
    if node.text:
        builder.buffer.append(node.text)
    for child in list(node):
        name = child.tag
        if name in HEADINGS:
            builder.heading(int(name[1]), text_of(child), heading_anchor(child))
        elif name in ("ul", "ol"):
            builder.flush()
            builder.items(_list_items(child))
        elif name in TEXT_BLOCKS:
            builder.flush()
            builder.paragraph(text_of(child))
        elif name == "table":
            builder.flush()
            for row in child.iter("tr"):
                cells = [clean(text_of(c)) for c in row.iter("td", "th")]
                builder.paragraph(" | ".join(c for c in cells if c))
        elif name == "br":
            builder.buffer.append(" ")
        elif name in CONTAINERS or any(True for _ in child.iterdescendants(*BLOCKY)):
            builder.flush()
            _walk(child, builder)
            builder.flush()
        else:
            builder.buffer.append(f" {text_of(child)} " if name in _INLINE_SPACED
                                  else text_of(child))
        if child.tail:
            builder.buffer.append(child.tail)


def _list_items(listing: Document) -> list[str]:
    items: list[str] = []
    for li in [child for child in listing if child.tag == "li"]:
        nested = list(li.iterdescendants("ul", "ol"))
        for sub in nested:
            detach(sub)
        items.append(text_of(li))
        for sub in nested:
            items.extend(_list_items(sub))
    return items


def page_text(page: Page) -> str:
    """The plain text of a page in reading order: title, intro, each heading with its text."""
    blocks = [page.title, *page.intro]
    stack = list(reversed(page.sections))
    while stack:
        section = stack.pop()
        blocks.append(section.heading)
        blocks.extend(section.paragraphs)
        if section.items:
            blocks.append("\n".join(section.items))
        stack.extend(reversed(section.subsections))
    return "\n\n".join(blocks)
