"""Raw page text ("top of page ... bottom of page") to typed `Page`s.

Pure functions: bytes or text in, `ParseResult` out. Whole-input problems (binary data,
invalid UTF-8, too large, no page markers) raise `InputError`; problems with one page of a
stream (only a title, empty) are reported in `ParseResult.problems` and the other pages parse.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from indexer.errors import InputError
from indexer.pages.models import Page, RelatedLink, Section
from indexer.pages.normalise import normalise_text, slugify

TOP = "top of page"
BOTTOM = "bottom of page"
_GLUED = re.compile(r"(?i)(bottom of page)[ \t]*(top of page)")
_TOP_GLUED_AFTER = re.compile(r"(?im)^(top of page)[ \t]*(?=\S)")
_BOTTOM_GLUED_BEFORE = re.compile(r"(?im)(?<=\S)[ \t]*(bottom of page)[ \t]*$")
DEEL_LINE = re.compile(r"(?i)^deel\s+(\d{1,3})\s*[:.\-]\s*(.+)$")
LABELS_LINE = re.compile(r"(?i)^labels\s*:\s*(.*)$")
RELATED_LINE = re.compile(r"(?i)^gerelateerde\s+artikelen\s*:?\s*(.*)$")
_BULLET = re.compile(r"^(?:[•·▪◦●‣∙*]|-(?=\s))\s*(.+)$")
_TAG = re.compile(r"#\s*([^\s#,;]+(?:[ \t]+[^\s#,;]+)*)")
_URL = re.compile(r"^(https?://\S+|/\S*)$")
_SUBHEADING_MAX_WORDS = 10


@dataclass
class ParseResult:
    """The pages found in one input, and what was skipped (each with its reason)."""

    pages: list[Page] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def decode_input(data: bytes, max_bytes: int) -> str:
    """Bytes of a raw input to text; raise InputError for too large, binary or non-UTF-8 data."""
    if len(data) > max_bytes:
        raise InputError(
            f"input is too large: {len(data):,} bytes, the limit is {max_bytes:,} bytes"
        )
    head = data[:8192]
    if b"\x00" in head or _control_ratio(head) > 0.1:
        raise InputError("input looks binary (control bytes), not page text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"input is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    if "\x00" in text:
        raise InputError("input looks binary (NUL characters), not page text")
    return text


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    controls = sum(1 for b in data if b < 32 and b not in (9, 10, 13, 12, 11))
    return controls / len(data)


def parse_bytes(data: bytes, source: str | None = None, max_bytes: int = 10_000_000) -> ParseResult:
    """Decode and parse one raw input (a file's bytes)."""
    return parse_text(decode_input(data, max_bytes), source=source)


def parse_text(text: str, source: str | None = None, url: str | None = None) -> ParseResult:
    """Split a raw text stream into pages and parse each one.

    Raises InputError when the stream holds no page at all (no `top of page` marker, or
    only empty pages); otherwise every skipped part is listed in `problems`.
    """
    chunks, outside = _split_pages(normalise_text(text))
    if not chunks:
        if not text.strip():
            raise InputError("input is empty")
        raise InputError("no 'top of page' marker found: not a page export")
    result = ParseResult()
    if outside:
        result.problems.append(
            f"{outside} line(s) of text outside 'top of page' ... 'bottom of page' were skipped"
        )
    for number, lines in enumerate(chunks, start=1):
        where = f"page {number} of {len(chunks)}"
        try:
            result.pages.append(parse_page_lines(lines, source=source, url=url))
        except InputError as exc:
            result.problems.append(f"{where}: {exc}")
    if not result.pages:
        raise InputError("; ".join(result.problems))
    return result


def parse_plain_text(text: str, title: str = "Concept", source: str | None = None) -> Page:
    """A draft: raw page text when it has markers, else plain paragraphs under `title`."""
    normalised = normalise_text(text)
    if TOP in normalised.lower():
        return parse_text(normalised, source=source).pages[0]
    if not normalised.strip():
        raise InputError("text is empty")
    return parse_page_lines([title, "", *normalised.split("\n")], source=source)


def _split_pages(text: str) -> tuple[list[list[str]], int]:
    text = _GLUED.sub(r"\1\n\2", text)
    text = _TOP_GLUED_AFTER.sub(r"\1\n", text)
    text = _BOTTOM_GLUED_BEFORE.sub(r"\n\1", text)
    chunks: list[list[str]] = []
    current: list[str] | None = None
    outside = 0
    for line in text.split("\n"):
        marker = line.strip().lower()
        if marker == TOP:
            current = []
            chunks.append(current)
        elif marker == BOTTOM:
            current = None
        elif current is not None:
            current.append(line)
        elif line.strip():
            outside += 1
    return chunks, outside


@dataclass
class SectionBuilder:
    """A section while it is being read (mutable); frozen into a Section by build_page."""

    number: int | None
    heading: str
    level: int
    anchor: str | None = None  # the page's own id for the heading (HTML), else a slug is made
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    subsections: list[SectionBuilder] = field(default_factory=list)


@dataclass
class PageBuilder:
    """A page while it is being read. Shared by the text parser and the HTML extractor so
    that both give the same anchors, ids, labels and content hash."""

    title: str | None = None
    intro: list[str] = field(default_factory=list)
    sections: list[SectionBuilder] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    alt_titles: list[str] = field(default_factory=list)
    in_related: bool = False
    buffer: list[str] = field(default_factory=list)

    def current(self) -> SectionBuilder | None:
        if not self.sections:
            return None
        section = self.sections[-1]
        return section.subsections[-1] if section.subsections else section

    def flush(self) -> None:
        if not self.buffer:
            return
        paragraph = " ".join(self.buffer)
        self.buffer.clear()
        target = self.current()
        (target.paragraphs if target else self.intro).append(paragraph)

    def add_item(self, item: str) -> None:
        self.flush()
        target = self.current()
        (target.items if target else self.intro).append(item)


def parse_page_lines(
    lines: list[str], source: str | None = None, url: str | None = None
) -> Page:
    """Parse the normalised lines between two page markers into a Page."""
    page = PageBuilder()
    for line in lines:
        _take_line(page, line.strip())
    page.flush()
    if page.title is None:
        raise InputError("empty page (nothing between the page markers)")
    if not page.intro and not page.sections:
        raise InputError(f"page {page.title!r} has only a title, no text")
    return build_page(page, source=source, url=url)


def _take_line(page: PageBuilder, line: str) -> None:
    if not line:
        page.flush()
        return
    if page.in_related:
        match = _URL.match(line)
        page.related.append(RelatedLink(title=line, url=match.group(1) if match else None))
        return
    if page.title is None:
        page.title = line.lstrip("# ").strip() or line
        return
    if match := LABELS_LINE.match(line):
        page.flush()
        page.labels.extend(parse_labels(match.group(1)))
        return
    if match := RELATED_LINE.match(line):
        page.flush()
        page.in_related = True
        if match.group(1):
            _take_line(page, match.group(1))
        return
    if match := DEEL_LINE.match(line):
        page.flush()
        page.sections.append(
            SectionBuilder(number=int(match.group(1)), heading=match.group(2).strip(), level=2)
        )
        return
    if match := _BULLET.match(line):
        page.add_item(match.group(1).strip())
        return
    if _is_subheading(line):
        page.flush()
        sub = SectionBuilder(number=None, heading=line.rstrip(":").strip(), level=3)
        if page.sections:
            page.sections[-1].subsections.append(sub)
        else:
            sub.level = 2
            page.sections.append(sub)
        return
    page.buffer.append(line)


def _is_subheading(line: str) -> bool:
    if not line.endswith(":") or len(line) < 3:
        return False
    body = line[:-1].strip()
    words = body.split()
    return (
        0 < len(words) <= _SUBHEADING_MAX_WORDS
        and body[0].isupper()
        and not any(mark in body for mark in (". ", "? ", "! ", ";"))
    )


def parse_labels(text: str) -> list[str]:
    """Labels of a "Labels:" line: "#ADHD #Magnesium Bisglycinaat" or "a, b"."""
    text = text.strip()
    if not text:
        return []
    if "#" in text:
        return [tag.strip() for tag in _TAG.findall(text) if tag.strip()]
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def build_page(page: PageBuilder, source: str | None, url: str | None) -> Page:
    """Freeze a finished PageBuilder: unique anchors, stable id, content hash.

    A section keeps the anchor the page gave it (an HTML id) unless another section took it
    first; the others get a slug of their heading that no given anchor uses. `alt_titles` are
    part of the content hash only when there are any, so that the hash of a page without them
    stays what it was (no needless re-enrichment of every stored page).
    """
    assert page.title is not None
    given = set(_given_anchors(page.sections))
    anchors: set[str] = set()
    sections = tuple(_freeze(s, anchors, given) for s in page.sections)
    content: dict[str, object] = {
        "title": page.title,
        "intro": page.intro,
        "sections": [s.model_dump(mode="json") for s in sections],
        "labels": page.labels,
        "related": [r.model_dump(mode="json") for r in page.related],
    }
    if page.alt_titles:
        content["alt_titles"] = page.alt_titles
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return Page(
        id=page_id(page.title, url),
        url=url,
        source=source,
        title=page.title,
        intro=tuple(page.intro),
        sections=sections,
        labels=tuple(dict.fromkeys(page.labels)),
        related=tuple(page.related),
        alt_titles=tuple(page.alt_titles),
        content_hash=digest,
    )


def _given_anchors(sections: list[SectionBuilder]) -> list[str]:
    found = []
    for section in sections:
        if section.anchor:
            found.append(section.anchor)
        found.extend(_given_anchors(section.subsections))
    return found


def _freeze(section: SectionBuilder, anchors: set[str], given: set[str]) -> Section:
    if section.anchor and section.anchor not in anchors:
        anchor = section.anchor
    else:
        base = slugify(
            f"deel {section.number} {section.heading}" if section.number else section.heading
        )
        anchor, n = base, 2
        while anchor in anchors or anchor in given:
            anchor, n = f"{base}-{n}", n + 1
    anchors.add(anchor)
    return Section(
        number=section.number,
        heading=section.heading,
        anchor=anchor,
        level=section.level,
        paragraphs=tuple(section.paragraphs),
        items=tuple(section.items),
        subsections=tuple(_freeze(sub, anchors, given) for sub in section.subsections),
    )


def page_id(title: str, url: str | None = None) -> str:
    """A stable id: from the URL's path when known, else from the title."""
    if url:
        path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]+", "", url.strip(), flags=re.I)
        return slugify(path, max_length=120) if path.strip("/") else "home"
    return slugify(title, max_length=120)
