"""A reusable benchmark corpus of varied Dutch pages in the raw "top of page" format.

Source, in order of preference:
1. Debian's `gimp-help-nl` (and `debian-faq-nl`) HTML, converted to text with lxml. Only the
   blocks that read as Dutch are kept (the GIMP manual is partly untranslated). The blocks are
   cut, in document order, into `n_pages` pages with "Deel N:" sections.
2. When those packages are absent: pages recombined from the sentences of the seed pages, with
   shuffled word order, so that spaCy's string caches do not make repeated text look fast.

Everything is deterministic (sorted files, seeded random), so two runs measure the same text.

    raw_pages(n_pages)    -> [(name, raw page text)]
    corpus_pages(n_pages) -> [Page]   (parsed with indexer.pages.parsing)
    gimp_html_files()     -> [Path]   (empty when gimp-help-nl is not installed)
    html_corpus(name)     -> [HtmlPage] (a whole real site: each HTML page as the crawler's
                                         extraction makes it, with its <title>)
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.errors import InputError
from indexer.pages.html import extract_page
from indexer.pages.models import Page
from indexer.pages.parsing import parse_text

GIMP_HELP_DIR = Path("/usr/share/gimp/2.0/help/nl")
DEBIAN_FAQ_DIR = Path("/usr/share/doc/debian/FAQ/nl")
SEEDS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "seeds"

_BLOCK_TAGS = ("h1", "h2", "h3", "p", "li", "dt", "dd", "td")
# Common function words, to tell Dutch blocks from the manual's untranslated English ones.
_DUTCH = frozenset(
    {
        "de", "het", "een", "van", "en", "is", "in", "op", "te", "dat", "die", "met", "voor",
        "zijn", "niet", "u", "je", "wordt", "worden", "kunt", "deze", "dit", "om", "of", "als",
        "bij", "aan", "er", "naar", "ook", "kan", "wanneer", "hier", "zo", "door", "uit", "dan",
        "wel",
    }
)
_ENGLISH = frozenset(
    {
        "the", "of", "and", "to", "a", "is", "in", "you", "this", "that", "for", "with", "can",
        "be", "are", "on", "it", "by", "or", "an", "from",
    }
)
_MIN_BLOCK_WORDS = 4
# Tables of contents ("1.1. Auteurs 1.2. Het GIMP-hulpsysteem ...") repeat on every page.
_NUMBERING = re.compile(r"^\d+(?:\.\d+)*\.?$")
_BLOCKS_PER_SECTION = 3
_CHROME = re.compile(r"(?i)top of page|bottom of page|^labels\s*:|^gerelateerde\s+artikelen")


def gimp_html_files() -> list[Path]:
    """The HTML files of the Dutch GIMP manual (gimp-help-nl), sorted; empty if not installed."""
    if not GIMP_HELP_DIR.is_dir():
        return []
    return sorted(GIMP_HELP_DIR.glob("*.html"))


def debian_faq_html_files() -> list[Path]:
    """The HTML files of the Dutch Debian FAQ (debian-faq-nl), sorted; empty if not installed."""
    if not DEBIAN_FAQ_DIR.is_dir():
        return []
    return sorted(DEBIAN_FAQ_DIR.glob("*.html"))


def raw_pages(
    n_pages: int = 2000, words_per_page: int = 250, source: str = "auto"
) -> list[tuple[str, str]]:
    """`n_pages` raw pages as (name, text) of about `words_per_page` words each.

    `source` "auto": from the installed Dutch HTML when there is any, else from the seeds;
    "seeds": always from the seeds (health text, dense in entities). The HTML holds about
    110,000 Dutch words, so a large corpus walks it more than once; page boundaries then fall
    elsewhere, so no two pages are the same text.
    """
    if n_pages < 1 or words_per_page < 1:
        raise ValueError("n_pages and words_per_page must be at least 1")
    if source not in ("auto", "seeds"):
        raise ValueError(f"unknown corpus source {source!r} (auto or seeds)")
    blocks = _html_blocks() if source == "auto" else ()
    if blocks:
        return _pages_from_blocks(blocks, n_pages, words_per_page, prefix="gimp")
    return _pages_from_seeds(n_pages)


def corpus_pages(
    n_pages: int = 2000, words_per_page: int = 250, source: str = "auto"
) -> list[Page]:
    """The pages of `raw_pages(n_pages, words_per_page, source)`, parsed."""
    pages: list[Page] = []
    for name, text in raw_pages(n_pages, words_per_page, source):
        pages.extend(parse_text(text, source=name).pages)
    return pages


def corpus_source(source: str = "auto") -> str:
    """Which text `raw_pages(source=source)` uses on this machine (for benchmark output)."""
    if source == "auto" and _html_blocks():
        return "gimp-help-nl + debian-faq-nl HTML (Dutch blocks)"
    return "seed sentences recombined with shuffled word order"


@lru_cache(maxsize=1)
def _html_blocks() -> tuple[tuple[str, str], ...]:
    """(document title, Dutch text block) of every installed HTML file, in file order."""
    from lxml import html  # type: ignore[import-untyped]

    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for path in gimp_html_files() + debian_faq_html_files():
        try:
            tree = html.parse(str(path))
        except (OSError, ValueError):
            continue  # an unreadable file just does not contribute text
        title = " ".join((tree.findtext(".//title") or path.stem).split())
        for element in tree.iter(*_BLOCK_TAGS):
            # A list item or cell holding paragraphs is read through those paragraphs.
            if element.tag in ("li", "dd", "td") and element.find(".//p") is not None:
                continue
            text = " ".join(element.text_content().split())
            words = text.lower().split()
            if len(words) < _MIN_BLOCK_WORDS or text in seen or _CHROME.search(text):
                continue
            if sum(bool(_NUMBERING.match(w)) for w in words) * 5 > len(words):
                continue
            seen.add(text)
            dutch = sum(w in _DUTCH for w in words)
            if dutch and dutch >= sum(w in _ENGLISH for w in words):
                found.append((title, text))
    return tuple(found)


def _pages_from_blocks(
    blocks: tuple[tuple[str, str], ...], n_pages: int, words_per_page: int, prefix: str
) -> list[tuple[str, str]]:
    """Walk the blocks in order (cyclically), cutting a page whenever it has enough words."""
    pages: list[tuple[str, str]] = []
    position = 0
    for number in range(n_pages):
        chunk: list[tuple[str, str]] = []
        words = 0
        while words < words_per_page and len(chunk) < len(blocks):
            chunk.append(blocks[position % len(blocks)])
            words += len(chunk[-1][1].split())
            position += 1
        title = f"{chunk[0][0]} ({number + 1})"
        pages.append((f"{prefix}-{number:05d}", _render(title, [text for _, text in chunk])))
    return pages


def _render(title: str, paragraphs: list[str]) -> str:
    """A raw page: intro paragraph, then "Deel N:" sections of a few paragraphs each."""
    lines = ["top of page", "", title, "", paragraphs[0], ""]
    rest = paragraphs[1:]
    for number, start in enumerate(range(0, len(rest), _BLOCKS_PER_SECTION), start=1):
        group = rest[start : start + _BLOCKS_PER_SECTION]
        heading = " ".join(group[0].split()[:5]).rstrip(":.,;")
        lines += [f"Deel {number}: {heading}", ""]
        for paragraph in group:
            lines += [paragraph, ""]
    lines += ["Labels: #Benchmark", "", "Gerelateerde artikelen:", "", "bottom of page", ""]
    return "\n".join(lines)


def _seed_sentences() -> list[str]:
    sentences: list[str] = []
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        for page in parse_text(path.read_text(encoding="utf-8")).pages:
            for passage in page.passages():
                sentences += [s for s in re.split(r"(?<=[.!?])\s+", passage.text) if s]
    return sentences


def _pages_from_seeds(n_pages: int) -> list[tuple[str, str]]:
    """Pages of seed sentences whose words are shuffled, so that no two pages share text."""
    sentences = _seed_sentences()
    rng = random.Random(20261121)
    pages: list[tuple[str, str]] = []
    for number in range(n_pages):
        paragraphs = []
        for _ in range(7):
            picked = rng.sample(sentences, k=min(4, len(sentences)))
            shuffled = []
            for sentence in picked:
                words = sentence.rstrip(".!?").split()
                rng.shuffle(words)
                shuffled.append(" ".join(words).capitalize() + ".")
            paragraphs.append(" ".join(shuffled))
        title = f"Pagina {number + 1}: {' '.join(paragraphs[0].split()[:4]).rstrip('.')}"
        pages.append((f"seeds-{number:05d}", _render(title, paragraphs)))
    return pages


# --- Whole real sites, page by page (bench/relevance.py) ------------------------------------

HTML_CORPORA = ("gimp-help-nl", "debian-faq-nl")
_PACKAGE_DIRS = {"gimp-help-nl": GIMP_HELP_DIR, "debian-faq-nl": DEBIAN_FAQ_DIR}
_SITE = "https://bench.invalid"  # the pages' URLs (their ids come from the path)


class CorpusMissing(LookupError):
    """A corpus whose Debian package is not installed (or unknown)."""


@dataclass(frozen=True)
class HtmlPage:
    """A page of a real site: as the crawler's extraction makes it, and its `<title>` (which
    a plain engine indexes with the h1 title). `dutch`: its text reads as Dutch (the GIMP
    manual is partly untranslated), so that queries are asked of Dutch pages only."""

    page: Page
    html_title: str
    dutch: bool


def reads_dutch(text: str) -> bool:
    """Whether a text has Dutch function words, and more of them than English ones."""
    words = text.lower().split()
    dutch = sum(w in _DUTCH for w in words)
    return dutch > 0 and dutch >= sum(w in _ENGLISH for w in words)


def html_corpus(name: str, folder: Path | None = None) -> list[HtmlPage]:
    """Every page of an installed Dutch HTML corpus, in file order, through
    `indexer.pages.html.extract_page` (what `sitesearch crawl` indexes); a page the extraction
    rejects (no text) is left out, as the crawler would.

    "gimp-help-nl": the GIMP manual, one page per HTML file (DocBook, chunked per section).
    "debian-faq-nl": the Debian FAQ ships one HTML file per chapter; it is chunked per
    question the way DocBook chunks the GIMP manual (each level-1 section a page of its own,
    `<title>` its heading; the chapter keeps its introduction and table of contents), so that
    a search can point at a question. `folder`: where the HTML is, if not where the package
    installs it. Raises CorpusMissing when the package is not installed.
    """
    pages = []
    for url, html in html_documents(name, folder):
        try:
            page = extract_page(html, url)
        except InputError:
            continue
        title = _document_title(html) or page.title
        pages.append(HtmlPage(page, title, reads_dutch(f"{page.title} {page.body_text()}")))
    return pages


def html_documents(name: str, folder: Path | None = None) -> list[tuple[str, str]]:
    """The (url, HTML) documents of a corpus, as the crawler would fetch them (the Debian FAQ
    chunked per question, see `html_corpus`). Raises CorpusMissing when not installed."""
    if name not in _PACKAGE_DIRS:
        raise CorpusMissing(f"unknown corpus {name!r} (known: {', '.join(HTML_CORPORA)})")
    folder = folder or _PACKAGE_DIRS[name]
    files = sorted(folder.glob("*.html")) if folder.is_dir() else []
    if not files:
        raise CorpusMissing(
            f"corpus {name} is not installed: no HTML in {folder} "
            f"(install it with: apt-get install {name}, or `make bench-data`)"
        )
    documents: list[tuple[str, str]] = []
    for path in files:
        html = path.read_text(encoding="utf-8", errors="replace")
        url = f"{_SITE}/{name}/{path.name}"
        documents += _faq_chunks(html, url) if name == "debian-faq-nl" else [(url, html)]
    return documents


def _document_title(html: str) -> str:
    match = re.search(r"(?is)<title[^>]*>(.*?)</title>", html)
    return " ".join(match.group(1).split()) if match else ""


def _faq_chunks(html: str, url: str) -> list[tuple[str, str]]:
    """A DocBook chapter as (url, html) pages: the chapter without its level-1 sections, then
    each such section as a document of its own."""
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(html.encode("utf-8"))
    chunks: list[tuple[str, str]] = []
    for section in root.xpath(
        "//div[@class='chapter' or @class='appendix']/div[@class='section']"
    ):
        anchor = section.xpath(".//h2/a[@id]/@id")
        heading = " ".join(section.xpath("string(.//h2)").split())
        if not anchor or not heading:
            continue
        section.getparent().remove(section)
        body = lxml_html.tostring(section, encoding="unicode")
        chunks.append((
            url.replace(".html", f"/{anchor[0]}.html"),
            f"<html><head><title>{_escape(heading)}</title></head><body>{body}</body></html>",
        ))
    return [(url, lxml_html.tostring(root, encoding="unicode")), *chunks]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def multiplied(pages: Sequence[Page], count: int, seed: int = 11) -> list[Page]:
    """`count` pages made of real ones: the pages themselves, then variations, each a real
    page's title with another page's first heading, and its own sections followed by another
    page's (shuffled), so that a large index has real Dutch text, real lengths and entities,
    and no two pages alike."""
    rng = random.Random(seed)
    made = list(pages[:count])
    with_sections = [p for p in pages if p.sections] or list(pages)
    number = 0
    while len(made) < count:
        number += 1
        base, other = rng.choice(with_sections), rng.choice(with_sections)
        sections = list(base.sections) + list(other.sections)
        rng.shuffle(sections)
        heading = other.sections[0].heading if other.sections else other.title
        title = f"{base.title} ({heading})"
        text = title + "".join(s.heading + "".join(s.paragraphs) for s in sections)
        made.append(base.model_copy(update={
            "id": f"{base.id}-v{number}",
            "url": None,
            "title": title,
            "sections": tuple(sections[:12]),
            "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }))
    return made
