"""What the server-rendered search page shows for one search answer.

Pure values built from the page's query string and a `SearchResult`: the hits with their links,
the numbered pages, the filter groups (chosen values checked in their own group), and the ways
out of an empty result. The templates only lay these out; the script swaps in the same HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from indexer.search.values import Completion, Facets, FacetValue, Hit, SearchResult

PAGE_SIZE = 10
MAX_SHOWN_VALUES = 5  # values per filter group before "meer"
PAGE_WINDOW = 2  # numbered pages shown either side of the current one
MAX_TOPICS = 8
MIN_TOPIC_PREFIX = 4  # the shortest start of a word tried for "verwante onderwerpen"
MAX_TOPIC_WORDS = 2  # the longest words of a query tried so
LABEL_GROUP = "Thema's"
# Dutch names of the entity types (indexer/nlp gazetteers and patterns); unknown types are
# shown by their code.
ENTITY_GROUP_NAMES = {
    "NUTRIENT": "Voedingsstoffen", "SUPPLEMENT": "Supplementen", "CONDITION": "Aandoeningen",
    "NEUROTRANSMITTER": "Neurotransmitters", "RECEPTOR": "Receptoren", "SYMPTOM": "Symptomen",
    "SIDE_EFFECT": "Bijwerkingen", "STUDY_TYPE": "Soorten onderzoek",
    "TREATMENT": "Behandelingen", "PERSON": "Personen", "AGE": "Leeftijden",
    "DOSE": "Doseringen",
}
KIND_NAMES = {"title": "artikel", "term": "zoekterm", "entity": "onderwerp"}
_DECIMAL = re.compile(r"^[0-9]{1,9}$")
_MARK = re.compile(r"(</?mark>)")


def article_href(article_id: str, url: str | None) -> str:
    """Where a hit leads: the page's own URL, else its article page on this site."""
    return url or "/artikel/" + quote(article_id, safe="")


@dataclass(frozen=True, slots=True)
class PageQuery:
    """The state of the search page, all of it in its query string."""

    q: str = ""
    page: int = 1
    labels: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: MultiDict[str, str], max_page: int) -> PageQuery:
        """The page's state from its URL. Lenient where a visitor cannot go wrong: other
        parameters (e.g. a campaign's) are ignored and a page number that is not one is the
        first page; the search parameters themselves are validated as the API's are."""
        raw_page = args.get("page", "1")
        page = int(raw_page) if _DECIMAL.match(raw_page) else 1
        return cls(
            q=args.get("q", "").strip(),
            page=min(max(page, 1), max_page),
            labels=tuple(args.getlist("label")),
            entities=tuple(args.getlist("entity")),
        )

    def args(self) -> MultiDict[str, str]:
        """The state as request arguments, for the API's validation."""
        pairs = [("q", self.q), ("page", str(self.page)), ("size", str(PAGE_SIZE))]
        pairs += [("label", v) for v in self.labels] + [("entity", v) for v in self.entities]
        return MultiDict(pairs)

    @property
    def filtered(self) -> bool:
        return bool(self.labels or self.entities)

    def href(self, fragment: str = "") -> str:
        """The page's address for this state (page 1 is left out)."""
        pairs = [("q", self.q)]
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        pairs += [("label", v) for v in self.labels] + [("entity", v) for v in self.entities]
        return "/?" + urlencode(pairs) + (f"#{fragment}" if fragment else "")


@dataclass(frozen=True, slots=True)
class HitView:
    title: str
    href: str
    section: str | None
    section_href: str | None
    snippet: Markup
    labels: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FacetOption:
    """One checkbox of a filter group: `name`=`value` is what it adds to the query string."""

    name: str
    value: str
    text: str
    count: int | None
    checked: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    key: str
    title: str
    shown: tuple[FacetOption, ...]
    more: tuple[FacetOption, ...]


@dataclass(frozen=True, slots=True)
class PageLink:
    """A numbered page of the pagination; `number` None is a gap ("…")."""

    number: int | None
    href: str = ""
    current: bool = False


@dataclass(frozen=True, slots=True)
class Topic:
    """A way out of an empty result: a search (or an article) to try instead."""

    text: str
    kind: str
    href: str


@dataclass(frozen=True, slots=True)
class ResultsView:
    query: PageQuery
    total: int
    last_page: int
    first_number: int
    hits: tuple[HitView, ...]
    groups: tuple[FacetGroup, ...]
    clear_href: str
    pages: tuple[PageLink, ...]
    prev_href: str | None
    next_href: str | None
    suggestion: str | None
    suggestion_href: str | None
    missing: tuple[str, ...]
    status: str
    title: str


def last_page(total: int, size: int = PAGE_SIZE) -> int:
    """The number of the last page of `total` hits (1 when there are none)."""
    return max(1, -(-total // size))


def results_view(query: PageQuery, result: SearchResult) -> ResultsView:
    """Everything the page shows for `result`, the answer to `query`."""
    last = last_page(result.total, result.size)
    first = (result.page - 1) * result.size + 1
    suggestion_href = (
        replace(query, q=result.suggestion, page=1).href() if result.suggestion else None
    )
    return ResultsView(
        query=query,
        total=result.total,
        last_page=last,
        first_number=first,
        hits=tuple(_hit_view(hit) for hit in result.hits),
        groups=facet_groups(query, result.facets),
        clear_href=replace(query, page=1, labels=(), entities=()).href(),
        pages=page_links(query, last),
        prev_href=replace(query, page=query.page - 1).href("resultaten") if query.page > 1
        else None,
        next_href=replace(query, page=query.page + 1).href("resultaten") if query.page < last
        else None,
        suggestion=result.suggestion,
        suggestion_href=suggestion_href,
        missing=result.missing,
        status=status_line(query, result.total, last),
        title=page_title(query, last),
    )


def status_line(query: PageQuery, total: int, last: int) -> str:
    """What the status line announces: the count, not the list."""
    if total == 0:
        return f"Geen resultaten voor “{query.q}”."
    word = "resultaat" if total == 1 else "resultaten"
    where = f", pagina {query.page} van {last}" if last > 1 else ""
    return f"{total} {word} voor “{query.q}”{where}."


def page_title(query: PageQuery, last: int) -> str:
    """The document title: the query, and the page number past the first page."""
    if not query.q:
        return "Zoeken"
    where = f" – pagina {query.page} van {last}" if query.page > 1 else ""
    return f"“{query.q}”{where} – Zoeken"


def page_links(query: PageQuery, last: int) -> tuple[PageLink, ...]:
    """The first, the last, and the pages around the current one, with gaps between."""
    if last <= 1:
        return ()
    numbers = sorted(
        {1, last} | set(range(max(1, query.page - PAGE_WINDOW),
                              min(last, query.page + PAGE_WINDOW) + 1))
    )
    links: list[PageLink] = []
    for number in numbers:
        if links and links[-1].number is not None and number - links[-1].number > 1:
            links.append(PageLink(None))
        links.append(PageLink(
            number, replace(query, page=number).href("resultaten"), number == query.page
        ))
    return tuple(links)


def snippet_markup(snippet: str) -> Markup:
    """The search layer's snippet (escaped text plus <mark> elements) as safe markup;
    any other markup in it is shown as text."""
    parts = _MARK.split(snippet)
    if any(p not in ("<mark>", "</mark>") and ("<" in p or ">" in p) for p in parts):
        return escape(snippet)
    return Markup(snippet)  # escaped text and <mark> only: checked above


def _hit_view(hit: Hit) -> HitView:
    href = article_href(hit.id, hit.url)
    section_href = href.split("#", 1)[0] + "#" + hit.section.anchor if hit.section else None
    return HitView(
        title=hit.title,
        href=href,
        section=hit.section.heading if hit.section else None,
        section_href=section_href,
        snippet=snippet_markup(hit.snippet),
        labels=hit.labels,
        missing=hit.missing,
    )


def facet_groups(query: PageQuery, facets: Facets) -> tuple[FacetGroup, ...]:
    """The filter groups: labels, then each entity type the facets hold. A chosen value is
    checked in its own group, among the first shown, even when the facets lack it (an
    untyped entity filter, `entity=magnesium`, only where the facets have it)."""
    groups = [_group("label", LABEL_GROUP, facets.labels, query.labels, query.labels)]
    typed = [tuple(e.split(":", 1)) for e in query.entities if ":" in e]
    untyped = tuple(e for e in query.entities if ":" not in e)
    types = dict.fromkeys([*facets.entities, *(t for t, _ in typed)])
    for entity_type in types:
        chosen = tuple(v for t, v in typed if t == entity_type)
        groups.append(_group(
            "entity", ENTITY_GROUP_NAMES.get(entity_type, entity_type),
            facets.entities.get(entity_type, ()), chosen + untyped, chosen, entity_type,
        ))
    return tuple(g for g in groups if g.shown)


def _group(
    name: str, title: str, values: Sequence[FacetValue], checked: Sequence[str],
    kept: Sequence[str], entity_type: str | None = None,
) -> FacetGroup:
    """One group; `kept` values are shown (checked) even when `values` lacks them."""
    def option(value: str, count: int | None) -> FacetOption:
        param = f"{entity_type}:{value}" if entity_type else value
        return FacetOption(name, param, value, count, value in checked)

    options = [option(v.value, v.count) for v in values]
    offered = {v.value for v in values}
    options += [option(value, None) for value in kept if value not in offered]
    ordered = [o for o in options if o.checked] + [o for o in options if not o.checked]
    cut = max(MAX_SHOWN_VALUES, sum(o.checked for o in options))
    key = f"{name}-{entity_type}" if entity_type else name
    return FacetGroup(key, title, tuple(ordered[:cut]), tuple(ordered[cut:]))


def topics_from(completions: Iterable[Completion], limit: int = MAX_TOPICS) -> tuple[Topic, ...]:
    """Completions as topics to try: an article opens, a term or entity is searched."""
    topics: dict[str, Topic] = {}
    for completion in completions:
        if completion.kind == "title" and completion.article_id:
            href = article_href(completion.article_id, None)
        else:
            href = PageQuery(q=completion.text).href()
        kind = KIND_NAMES.get(completion.kind, completion.kind)
        topics.setdefault(completion.text.lower(), Topic(completion.text, kind, href))
    return tuple(topics.values())[:limit]


def closest_topics(
    suggest: Callable[[str], Sequence[Completion]], q: str
) -> tuple[Topic, ...]:
    """Topics near a query that found nothing: the completions of the query, else of the
    longest start of its longest words that has any ("slaapproblemen" -> "slaap" ->
    slaapstoornis)."""
    found = list(suggest(q))
    for word in sorted(q.split(), key=len, reverse=True)[:MAX_TOPIC_WORDS]:
        if found:
            break
        found = _longest_start(suggest, word)
    return topics_from(found)


def _longest_start(
    suggest: Callable[[str], Sequence[Completion]], word: str
) -> list[Completion]:
    """The completions of the longest start of `word` that has any: a binary search, since a
    shorter start completes to all that a longer one does (a few lookups, not one a letter)."""
    best: list[Completion] = []
    low, high = MIN_TOPIC_PREFIX, len(word) - 1
    while low <= high:
        middle = (low + high) // 2
        found = list(suggest(word[:middle]))
        if found:
            best, low = found, middle + 1
        else:
            high = middle - 1
    return best


def popular_topics(facets: Facets | None, limit: int = MAX_TOPICS) -> tuple[Topic, ...]:
    """Popular labels (each opens its search, filtered by it) from facets over the site."""
    if facets is None:
        return ()
    return tuple(
        Topic(v.value, "thema", PageQuery(q=v.value, labels=(v.value,)).href())
        for v in facets.labels[:limit]
    )
