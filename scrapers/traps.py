"""The crawl-trap guard: a link-found URL is refused on evidence that it is a trap, never for
being one of many numbered pages (`/artikel/12345`, `/docs/01/05020100.html` are how sites
name their pages).

The evidence, each refusal naming its kind:
1. Ever-deeper paths: a path segment that occurs `REPEATS` times (relative links that nest a
   folder in itself: /a/b/a/b/a/).
2. Ever-growing URLs: a chain of more than `GROWTH` pages each linking to a longer URL below
   its own path or with a longer query (/zoek?q=a -> ?q=aa -> ?q=aaa ...). Pagination does
   not grow (?pagina=2 -> ?pagina=3 is as long), a site's hierarchy is not that deep.
3. A query parameter repeated `REPEATS` times.
4. Date-like parameters without end: a date-like value that no calendar has (month 13,
   day 32, a year more than `YEARS_AHEAD` ahead or `YEARS_BACK` back), and at most
   `max_per_pattern` link-found URLs per date-like pattern (digits folded).
5. Near-identical pages that lead nowhere new: when `NEAR_MIN` pages of one group (the same
   path with its last segment and query values left open, digits folded) are near-identical
   to another page of the group (a 64-bit simhash of word shingles with digits folded, within
   `NEAR_BITS` bits) and brought no new link outside their group, and they are at least half
   of the group's pages, the group's other link-found URLs are refused. (Archive and list
   pages of numbered articles look alike once digits are folded, but each brings new pages.)

URLs that the site's sitemaps list (and pages already in the raw store) are the crawler's
to trust: it never asks this guard about them.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

REPEATS = 3
GROWTH = 8
YEARS_BACK = 100
YEARS_AHEAD = 5
NEAR_MIN = 4
NEAR_BITS = 3
_NEAR_WINDOW = 64  # fingerprints kept per group to compare a new page with
_SHINGLE = 3

_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"\w+")
_DATE_NAME = re.compile(
    r"date|datum|day|dag|month|maand|year|jaar|week|kalender|calendar", re.I
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_RANGES = (
    (re.compile(r"month|maand", re.I), 1, 12),
    (re.compile(r"day|dag", re.I), 1, 31),
    (re.compile(r"week", re.I), 1, 53),
)


def fold_digits(text: str) -> str:
    """Every run of digits as "0": "/agenda?maand=13" -> "/agenda?maand=0"."""
    return _DIGITS.sub("0", text)


def page_fingerprint(text: str) -> int:
    """A 64-bit simhash of the word shingles of `text` (digits folded, lower case)."""
    words = _WORDS.findall(fold_digits(text.lower()))
    shingles = {" ".join(words[i:i + _SHINGLE]) for i in range(max(1, len(words) - 2))}
    hashes = np.array([hash(s) & 0xFFFFFFFFFFFFFFFF for s in shingles], dtype=np.uint64)
    bits = np.unpackbits(hashes.view(np.uint8)).reshape(-1, 64)
    majority = bits.sum(axis=0) * 2 > len(shingles)
    return int.from_bytes(np.packbits(majority).tobytes(), "big")


def group_of(url: str) -> str:
    """The group of pages a URL is compared within: path with its last segment and the
    query's values left open, digits folded ("/docs/01/0502.html" -> "/docs/0/*")."""
    parts = urlsplit(url)
    folder = parts.path.rsplit("/", 1)[0]
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return fold_digits(folder) + "/*" + ("?" + "&".join(keys) if keys else "")


def _path_dates(segments: list[str]) -> list[tuple[str, str]]:
    """(year, month) pairs of a path that reads as a date: /2024/05/ (a year of 1900-2199
    followed by a month 1-12; other numbers are ids, never judged as dates)."""
    return [
        (year, month)
        for year, month in pairwise(segments)
        if re.fullmatch(r"(19|20|21)\d\d", year) and re.fullmatch(r"0?[1-9]|1[0-2]", month)
    ]


@dataclass
class _Group:
    pages: int = 0
    near: int = 0
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=_NEAR_WINDOW))
    trap: bool = False


class TrapGuard:
    """Judges the URLs that links lead to; learns from the pages fetched (`observe`)."""

    def __init__(self, max_per_pattern: int, today: date | None = None) -> None:
        self.max_per_pattern = max_per_pattern
        self.today = today or date.today()
        self._growth: dict[str, int] = {}
        self._dated: Counter[str] = Counter()
        self._groups: dict[str, _Group] = {}

    def refusal(self, url: str, parent: str | None) -> str | None:
        """Why the link from `parent` to `url` is not followed (None: it is followed)."""
        parts = urlsplit(url)
        segments = [s.lower() for s in parts.path.split("/") if s]
        repeated = [s for s, n in Counter(segments).items() if n >= REPEATS]
        if repeated:
            return f"crawl trap: path repeats {repeated[0]!r} {REPEATS}+ times (ever deeper)"
        query = parse_qsl(parts.query, keep_blank_values=True)
        keys = Counter(key for key, _ in query)
        if any(n >= REPEATS for n in keys.values()):
            return "crawl trap: a query parameter repeated in the URL"
        chain = self._chain(url, parent)
        if chain > GROWTH:
            return f"crawl trap: {chain} links in a row to ever longer URLs"
        if reason := self._impossible_date(segments, query):
            return f"crawl trap: {reason}"
        if self._is_dated(segments, query):
            pattern = fold_digits(parts.path + ("?" + parts.query if parts.query else ""))
            if self._dated[pattern] >= self.max_per_pattern:
                return (f"crawl trap: more than crawl_max_per_pattern ({self.max_per_pattern}) "
                        f"date-like URLs like {pattern}")
            self._dated[pattern] += 1
        if reason := self.closed(url):
            return reason
        if chain:
            self._growth[url] = chain
        return None

    def closed(self, url: str) -> str | None:
        """Why `url`'s group is no longer crawled (None while it is)."""
        key = group_of(url)
        group = self._groups.get(key)
        if group is not None and group.trap:
            return (f"crawl trap: {group.near} of {group.pages} pages like {key} are "
                    "near-identical")
        return None

    def observe(self, url: str, fingerprint: int, new_elsewhere: int) -> str | None:
        """Learn from a fetched page (its fingerprint, and how many new URLs outside its group
        its links brought); a note when this page shows its group to be a trap."""
        key = group_of(url)
        group = self._groups.setdefault(key, _Group())
        group.pages += 1
        if not new_elsewhere and any(
            (fingerprint ^ seen).bit_count() <= NEAR_BITS for seen in group.recent
        ):
            group.near += 1
        group.recent.append(fingerprint)
        if not group.trap and group.near >= NEAR_MIN and group.near * 2 >= group.pages:
            group.trap = True
            return (f"crawl trap: {group.near} of {group.pages} pages like {key} are "
                    "near-identical; other links to such pages are not followed")
        return None

    def _chain(self, url: str, parent: str | None) -> int:
        if parent is None:
            return 0
        child, above = urlsplit(url), urlsplit(parent)
        deeper = child.path != above.path and child.path.startswith(above.path.rstrip("/") + "/")
        longer_query = child.path == above.path and len(child.query) > len(above.query)
        if not (deeper or longer_query):
            return 0
        return self._growth.get(parent, 0) + 1

    def _impossible_date(
        self, segments: list[str], query: list[tuple[str, str]]
    ) -> str | None:
        for name, value in query:
            if not _DATE_NAME.search(name):
                continue
            if match := _ISO_DATE.match(value):
                if not self._plausible(*match.groups()):
                    return f"{name}={value} is no date of any calendar"
                continue
            if not re.fullmatch(r"-?\d{1,6}", value):
                continue
            number = int(value)
            if re.search(r"year|jaar", name, re.I) and not self._plausible(value, None, None):
                return f"{name}={value} is a year far off"
            for pattern, low, high in _RANGES:
                if pattern.search(name) and not low <= number <= high:
                    return f"{name}={value} is no date of any calendar"
        for year, month in _path_dates(segments):
            if not self._plausible(year, month, None):
                return f"/{year}/{month}/ is a month far off"
        return None

    def _plausible(self, year: str, month: str | None, day: str | None) -> bool:
        this_year = self.today.year
        if not this_year - YEARS_BACK <= int(year) <= this_year + YEARS_AHEAD:
            return False
        try:
            date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            return False
        return True

    @staticmethod
    def _is_dated(segments: list[str], query: list[tuple[str, str]]) -> bool:
        if any(_DATE_NAME.search(name) or _ISO_DATE.match(value) for name, value in query):
            return True
        return bool(_path_dates(segments))

    # --- resumable state (the near-identical evidence starts again after a resume)
    def state(self) -> dict[str, Any]:
        """What a resumed crawl needs to go on judging as before."""
        return {"growth": self._growth, "dated": dict(self._dated)}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back `state()` of an interrupted crawl."""
        self._growth = {str(k): int(v) for k, v in state.get("growth", {}).items()}
        self._dated = Counter({str(k): int(v) for k, v in state.get("dated", {}).items()})
