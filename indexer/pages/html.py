"""HTML to `Page`: the same model the text parser gives, with the site chrome left out.

The heuristic (chosen by measurement against trafilatura, see tests/scrapers/test_extract.py
and bench/crawl.py):

1. Parse with BeautifulSoup (lxml). Remove what is never content: scripts, styles, forms,
   hidden elements, nav/aside, header/footer outside the article, ARIA banner/navigation/
   contentinfo/complementary regions, cookie and consent banners (id or class containing
   cookie/consent/gdpr), post metadata (byline, reading time, share buttons, class "meta"),
   and the Wix "top of page"/"bottom of page" skip links.
2. Take labels (links to /labels/<tag> or /tags/<tag>, elements whose class names a tag or
   label, a "Labels: #Tag" line) and the "Gerelateerde artikelen" block out of the tree.
3. The content root is the article (one <article>, else <main>, else role=main, else <body>).
   Walking it in document order: the first h1 is the title (else <title>); text before it is
   dropped (bylines, breadcrumbs); h2 opens a section ("Deel N: ..." numbered), h3-h6 a
   sub-section; p/blockquote/pre/dd and loose text become paragraphs; ul/ol items become
   items; table rows become paragraphs with cells joined by " | ".
"""

from __future__ import annotations

import re
import warnings
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]
from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning
from bs4.element import Comment, NavigableString
from lxml import etree

from indexer.errors import InputError
from indexer.pages.models import Page, RelatedLink
from indexer.pages.normalise import normalise_text

# The text parser's builders: an HTML page becomes a Page by the very same rules (anchors,
# id from the URL, content hash). They are private there; see the note to the lead.
from indexer.pages.parsing import (
    DEEL_LINE,
    LABELS_LINE,
    RELATED_LINE,
    PageBuilder,
    SectionBuilder,
    build_page,
    parse_labels,
)

# XHTML pages start with an XML declaration; parsing them as HTML is what we want.
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)

_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select",
    "input", "textarea", "nav", "aside", "dialog", "object", "embed", "canvas", "link", "meta",
)
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_CHROME_NAMES = re.compile(
    r"cookie|consent|gdpr|skip-?link|breadcrumb|byline|reading-?time|share|social|newsletter"
    r"|(?:^|[-_\s])(?:post-?|entry-?|article-?)?meta(?:$|[-_\s])",
    re.I,
)
_SKIP_TEXTS = {"top of page", "bottom of page", "skip to main content", "naar de inhoud"}
_TAG_CLASS = re.compile(r"(?:^|[-_])(?:tags?|labels?|hashtags?)(?:$|[-_])", re.I)
_TAG_HREF = re.compile(r"/(?:labels?|tags?|hashtags?|onderwerpen)/([^/?#]+)", re.I)
_LABELS_START = re.compile(r"(?i)^\s*labels\s*:")
_RELATED_TEXT = re.compile(r"(?i)gerelateerde\s+artikelen")
_SPACED = (
    "p", "div", "li", "td", "th", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "section",
    "article", "blockquote", "pre", "dd", "dt", "figcaption", "ul", "ol", "table", "caption",
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_TEXT_BLOCKS = ("p", "blockquote", "pre", "figcaption", "dd", "dt", "address", "caption")
_BLOCKY = frozenset((*_HEADINGS, *_TEXT_BLOCKS, "ul", "ol", "table", "div"))
_CONTAINERS = (
    "div", "section", "article", "main", "body", "html", "header", "footer", "figure", "dl",
    "details", "summary", "center", "fieldset", "tbody", "thead",
)


class _Builder:
    """Fills the text parser's page builder from HTML blocks (one Page model, one set of
    anchor, id and hash rules: `indexer.pages.parsing` builds the Page)."""

    def __init__(self) -> None:
        self.page = PageBuilder()
        self.buffer: list[str] = []

    @property
    def title(self) -> str | None:
        return self.page.title

    def paragraph(self, text: str) -> None:
        text = _clean(text)
        if text and self.page.title is not None:
            self.page.buffer.append(text)
            self.page.flush()

    def items(self, items: list[str]) -> None:
        if self.page.title is None:
            return
        for item in (_clean(i) for i in items):
            if item:
                self.page.add_item(item)

    def flush(self) -> None:
        if self.buffer:
            self.paragraph("".join(self.buffer))
            self.buffer.clear()

    def heading(self, level: int, text: str) -> None:
        self.flush()
        text = _clean(text).rstrip(":").strip()
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
            self.page.sections.append(SectionBuilder(number=number, heading=heading, level=2))
        elif self.page.sections:
            self.page.sections[-1].subsections.append(
                SectionBuilder(number=None, heading=text, level=3)
            )
        else:
            self.page.sections.append(SectionBuilder(number=None, heading=text, level=2))


def extract_page(html: bytes | str, url: str) -> Page:
    """The article of an HTML page as a Page (id from the URL's path, like the text parser).

    Raises InputError when the page holds no title or no text.
    """
    soup = BeautifulSoup(html, "lxml")
    fallback_title = _clean(soup.title.get_text("")) if soup.title else ""
    _remove_chrome(soup)
    labels = _take_labels(soup)
    related = _take_related(soup, url)
    root = _content_root(soup)
    builder = _Builder()
    if not any(t.name == "h1" for t in _tags(root)):
        builder.page.title = fallback_title or None
    _walk(root, builder)
    builder.flush()
    if builder.title is None:
        raise InputError(f"{url}: no title (no <h1> and no <title>)")
    if not builder.page.intro and not builder.page.sections:
        raise InputError(f"{url}: page {builder.title!r} has only a title, no text")
    builder.page.labels = labels
    builder.page.related = related
    return build_page(builder.page, source=url, url=url)


def _tags(root: Tag) -> list[Tag]:
    """Every live element below `root`, in document order.

    One walk of `descendants` is much cheaper than bs4's find_all with filters, which the
    crawler would otherwise pay several times per page.
    """
    return [node for node in root.descendants if isinstance(node, Tag) and node.name]


def _outermost(tags: list[Tag]) -> list[Tag]:
    chosen = {id(tag) for tag in tags}
    return [t for t in tags if not any(id(parent) in chosen for parent in t.parents)]


def _remove_chrome(soup: BeautifulSoup) -> None:
    comments = [n for n in soup.descendants if isinstance(n, Comment)]
    for comment in comments:
        comment.extract()
    chrome = [t for t in _tags(soup) if t.name in _DROP_TAGS or _is_chrome(t)]
    for tag in _outermost(chrome):
        tag.decompose()
    # Text is read with get_text("") so that "<b>Mag</b>nesium" stays one word; a space on
    # each side of every block element keeps words of adjacent blocks apart.
    for tag in [t for t in _tags(soup) if t.name in _SPACED]:
        if tag.name == "br":
            tag.replace_with(" ")
            continue
        tag.insert_before(" ")
        tag.insert_after(" ")


def _removed(tag: Tag) -> bool:
    # bs4's `decomposed` property falls back to a tree search on live tags (slow); a
    # decomposed tag is recognisable by its emptied name.
    return not tag.name


def _is_chrome(tag: Tag) -> bool:
    if tag.name in ("html", "body"):
        return False
    if tag.name in ("header", "footer") and tag.find_parent(("article", "main")) is None:
        return True
    if str(tag.get("role", "")).lower() in _CHROME_ROLES:
        return True
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = " ".join([str(tag.get("id", "")), *_classes(tag)])
    if names.strip() and _CHROME_NAMES.search(names):
        return True
    return tag.name == "a" and _clean(tag.get_text("")).lower() in _SKIP_TEXTS


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _take_labels(soup: BeautifulSoup) -> list[str]:
    labels: list[str] = []
    tagged: list[Tag] = []
    for tag in _tags(soup):
        if tag.name == "a" and (match := _TAG_HREF.search(str(tag.get("href", "")))):
            labels.append(_clean(tag.get_text("")).lstrip("#").strip() or unquote(match[1]))
            tagged.append(tag)
        elif any(_TAG_CLASS.search(c) for c in _classes(tag)) and not _has_headings(tag):
            # (a container with headings merely mentions tags: its content is kept)
            tagged.append(tag)
    for tag in _outermost(tagged):
        if tag.name != "a":
            labels.extend(_label_texts(tag))
        tag.decompose()
    for text_node in [n for n in soup.descendants if isinstance(n, NavigableString)]:
        if not _LABELS_START.match(text_node):
            continue
        parent = text_node.parent
        if not isinstance(parent, Tag) or _removed(parent):
            continue
        block = parent if parent.name in _TEXT_BLOCKS else parent.find_parent(_TEXT_BLOCKS)
        holder = block if isinstance(block, Tag) else parent
        match = LABELS_LINE.match(_clean(holder.get_text("")))
        if match:
            labels.extend(parse_labels(match.group(1)))
            holder.decompose()
    return list(dict.fromkeys(label for label in labels if label))


def _has_headings(tag: Tag) -> bool:
    return any(t.name in _HEADINGS for t in _tags(tag))


def _label_texts(tag: Tag) -> list[str]:
    links = tag.find_all("a")
    if links:
        return [_clean(a.get_text("")).lstrip("#").strip() for a in links]
    text = _clean(tag.get_text(""))
    match = LABELS_LINE.match(text)
    return parse_labels(match.group(1) if match else text)


def _take_related(soup: BeautifulSoup, url: str) -> list[RelatedLink]:
    related: list[RelatedLink] = []
    nodes = [n for n in soup.descendants if isinstance(n, NavigableString)]
    for node in [n for n in nodes if _RELATED_TEXT.search(n)]:
        parent = node.parent
        if not isinstance(parent, Tag) or _removed(parent):
            continue
        heading_match = RELATED_LINE.match(_clean(parent.get_text("")))
        if heading_match is None or heading_match.group(1):
            continue  # the words inside a sentence, not the heading of the block
        heading = parent
        container = heading.parent
        if isinstance(container, Tag) and container.name not in ("body", "main", "article"):
            links = container.find_all("a", href=True)
            for link in links:
                _add_related(related, link, url)
            container.decompose()
            continue
        for sibling in list(heading.find_next_siblings()):
            if sibling.name in _HEADINGS:
                break
            for link in sibling.find_all("a", href=True) if sibling.name != "a" else [sibling]:
                _add_related(related, link, url)
            sibling.decompose()
        heading.decompose()
    return related


def _add_related(related: list[RelatedLink], link: Tag, base: str) -> None:
    title = _clean(link.get_text(""))
    if title:
        related.append(RelatedLink(title=title, url=urljoin(base, str(link["href"]))))


def _content_root(soup: BeautifulSoup) -> Tag:
    tags = _tags(soup)
    articles = [a for a in tags if a.name == "article" and any(t.name == "h1" for t in _tags(a))]
    if len(articles) == 1:
        return articles[0]
    mains = [t for t in tags if t.name == "main" or str(t.get("role", "")).lower() == "main"]
    for candidate in mains:
        if candidate.get_text(strip=True):
            return candidate
    body = soup.body
    return body if isinstance(body, Tag) else soup


def _walk(node: Tag, builder: _Builder) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                builder.buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _HEADINGS:
            builder.heading(int(name[1]), child.get_text(""))
        elif name in ("ul", "ol"):
            builder.flush()
            builder.items(_list_items(child))
        elif name in _TEXT_BLOCKS:
            builder.flush()
            builder.paragraph(child.get_text(""))
        elif name == "table":
            builder.flush()
            for row in child.find_all("tr"):
                cells = [_clean(c.get_text("")) for c in row.find_all(("td", "th"))]
                builder.paragraph(" | ".join(c for c in cells if c))
        elif name == "br":
            builder.flush()
        elif name in _CONTAINERS or _has_blocks(child):
            builder.flush()
            _walk(child, builder)
            builder.flush()
        else:
            builder.buffer.append(child.get_text(""))


def _has_blocks(tag: Tag) -> bool:
    return any(t.name in _BLOCKY for t in _tags(tag))


def _list_items(listing: Tag) -> list[str]:
    items: list[str] = []
    for li in listing.find_all("li", recursive=False):
        nested = li.find_all(("ul", "ol"))
        for sub in nested:
            sub.extract()
        items.append(li.get_text(""))
        for sub in nested:
            items.extend(_list_items(sub))
    return items


def _clean(text: str) -> str:
    return " ".join(normalise_text(text).split())


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


def page_links(html: bytes | str, base_url: str) -> tuple[list[str], bool, bool]:
    """(absolute link targets, noindex, nofollow) of an HTML page.

    Honours <base href> and a robots meta tag; links with rel=nofollow are left out.
    Parsed with lxml directly: link discovery runs on every crawled page.
    """
    data = html.encode("utf-8") if isinstance(html, str) else html
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        return [], False, False
    for base in root.iter("base"):
        if base.get("href"):
            base_url = urljoin(base_url, base.get("href", "").strip())
            break
    directives = ",".join(
        (meta.get("content") or "").lower()
        for meta in root.iter("meta")
        if (meta.get("name") or "").lower() == "robots"
    )
    noindex = "noindex" in directives or "none" in directives
    nofollow = "nofollow" in directives or "none" in directives
    links: list[str] = []
    if not nofollow:
        for link in root.iter("a", "area"):
            href = (link.get("href") or "").strip()
            if not href or href.startswith("#") or "nofollow" in (link.get("rel") or "").lower():
                continue
            target = urljoin(base_url, href)
            if urlsplit(target).scheme in ("http", "https"):
                links.append(target)
    return list(dict.fromkeys(links)), noindex, nofollow
