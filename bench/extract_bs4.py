"""The former HTML extraction on BeautifulSoup: the baseline of the fast one.

`extract_page_bs4` is `indexer.pages.html.extract_page` as it was before it moved to lxml
directly (same rules, same constants, BeautifulSoup's tree): bench/crawl.py --extraction times
both in one process, and tests/scrapers/test_extract_equivalence.py checks that they give the
same Page. Only the newer rules are absent here (titles behind a hidden h1, the page's own
heading ids as anchors, alt_titles).
"""

from __future__ import annotations

import warnings
from urllib.parse import unquote, urljoin

from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning
from bs4.element import Comment, NavigableString

from indexer.errors import InputError
from indexer.pages.html import (
    BLOCKY,
    CHROME_NAMES,
    CHROME_ROLES,
    CONTAINERS,
    DROP_TAGS,
    LABELS_START,
    RELATED_TEXT,
    SKIP_TEXTS,
    TAG_CLASS,
    TAG_HREF,
    TEXT_BLOCKS,
    BlockBuilder,
)
from indexer.pages.htmldoc import HEADINGS, SPACED, clean
from indexer.pages.models import Page, RelatedLink
from indexer.pages.parsing import LABELS_LINE, RELATED_LINE, build_page, parse_labels

warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)


def extract_page_bs4(html: bytes | str, url: str) -> Page:
    """The article of an HTML page as a Page, the BeautifulSoup way."""
    soup = BeautifulSoup(html, "lxml")
    fallback_title = clean(soup.title.get_text("")) if soup.title else ""
    _remove_chrome(soup)
    labels = _take_labels(soup)
    related = _take_related(soup, url)
    root = _content_root(soup)
    builder = BlockBuilder()
    if not any(t.name == "h1" for t in _tags(root)):
        builder.page.title = fallback_title or None
    _walk(root, builder)
    builder.flush()
    if builder.page.title is None:
        raise InputError(f"{url}: no title (no <h1> and no <title>)")
    if not builder.page.intro and not builder.page.sections:
        raise InputError(f"{url}: page {builder.page.title!r} has only a title, no text")
    builder.page.labels = labels
    builder.page.related = related
    return build_page(builder.page, source=url, url=url)


def _tags(root: Tag) -> list[Tag]:
    return [node for node in root.descendants if isinstance(node, Tag) and node.name]


def _outermost(tags: list[Tag]) -> list[Tag]:
    chosen = {id(tag) for tag in tags}
    return [t for t in tags if not any(id(parent) in chosen for parent in t.parents)]


def _remove_chrome(soup: BeautifulSoup) -> None:
    for comment in [n for n in soup.descendants if isinstance(n, Comment)]:
        comment.extract()
    chrome = [t for t in _tags(soup) if t.name in DROP_TAGS or _is_chrome(t)]
    for tag in _outermost(chrome):
        tag.decompose()
    for tag in [t for t in _tags(soup) if t.name in SPACED]:
        if tag.name == "br":
            tag.replace_with(" ")
            continue
        tag.insert_before(" ")
        tag.insert_after(" ")


def _is_chrome(tag: Tag) -> bool:
    if tag.name in ("html", "body"):
        return False
    if tag.name in ("header", "footer") and tag.find_parent(("article", "main")) is None:
        return True
    if str(tag.get("role", "")).lower() in CHROME_ROLES:
        return True
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = str(tag.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    names = " ".join([str(tag.get("id", "")), *_classes(tag)])
    if names.strip() and CHROME_NAMES.search(names):
        return True
    return tag.name == "a" and clean(tag.get_text("")).lower() in SKIP_TEXTS


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _take_labels(soup: BeautifulSoup) -> list[str]:
    labels: list[str] = []
    tagged: list[Tag] = []
    for tag in _tags(soup):
        if tag.name == "a" and (match := TAG_HREF.search(str(tag.get("href", "")))):
            labels.append(clean(tag.get_text("")).lstrip("#").strip() or unquote(match[1]))
            tagged.append(tag)
        elif any(TAG_CLASS.search(c) for c in _classes(tag)) and not any(
            t.name in HEADINGS for t in _tags(tag)
        ):
            tagged.append(tag)
    for tag in _outermost(tagged):
        if tag.name != "a":
            links = tag.find_all("a")
            if links:
                labels.extend(clean(a.get_text("")).lstrip("#").strip() for a in links)
            else:
                text = clean(tag.get_text(""))
                match = LABELS_LINE.match(text)
                labels.extend(parse_labels(match.group(1) if match else text))
        tag.decompose()
    for text_node in [n for n in soup.descendants if isinstance(n, NavigableString)]:
        if not LABELS_START.match(text_node):
            continue
        parent = text_node.parent
        if not isinstance(parent, Tag) or not parent.name:
            continue
        block = parent if parent.name in TEXT_BLOCKS else parent.find_parent(TEXT_BLOCKS)
        holder = block if isinstance(block, Tag) else parent
        match = LABELS_LINE.match(clean(holder.get_text("")))
        if match:
            labels.extend(parse_labels(match.group(1)))
            holder.decompose()
    return list(dict.fromkeys(label for label in labels if label))


def _take_related(soup: BeautifulSoup, url: str) -> list[RelatedLink]:
    related: list[RelatedLink] = []
    nodes = [n for n in soup.descendants if isinstance(n, NavigableString)]
    for node in [n for n in nodes if RELATED_TEXT.search(n)]:
        parent = node.parent
        if not isinstance(parent, Tag) or not parent.name:
            continue
        heading_match = RELATED_LINE.match(clean(parent.get_text("")))
        if heading_match is None or heading_match.group(1):
            continue
        container = parent.parent
        if isinstance(container, Tag) and container.name not in ("body", "main", "article"):
            for link in container.find_all("a", href=True):
                _add_related(related, link, url)
            container.decompose()
            continue
        for sibling in list(parent.find_next_siblings()):
            if sibling.name in HEADINGS:
                break
            for link in sibling.find_all("a", href=True) if sibling.name != "a" else [sibling]:
                _add_related(related, link, url)
            sibling.decompose()
        parent.decompose()
    return related


def _add_related(related: list[RelatedLink], link: Tag, base: str) -> None:
    title = clean(link.get_text(""))
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


def _walk(node: Tag, builder: BlockBuilder) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, Comment):
                builder.buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in HEADINGS:
            builder.heading(int(name[1]), child.get_text(""), None)
        elif name in ("ul", "ol"):
            builder.flush()
            builder.items(_list_items(child))
        elif name in TEXT_BLOCKS:
            builder.flush()
            builder.paragraph(child.get_text(""))
        elif name == "table":
            builder.flush()
            for row in child.find_all("tr"):
                cells = [clean(c.get_text("")) for c in row.find_all(("td", "th"))]
                builder.paragraph(" | ".join(c for c in cells if c))
        elif name == "br":
            builder.flush()
        elif name in CONTAINERS or any(t.name in BLOCKY for t in _tags(child)):
            builder.flush()
            _walk(child, builder)
            builder.flush()
        else:
            builder.buffer.append(child.get_text(""))


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
