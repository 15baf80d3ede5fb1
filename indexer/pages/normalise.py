"""Unicode clean-up of raw page text: one plain form for look-alike characters."""

from __future__ import annotations

import re
import unicodedata

# Look-alikes seen in scraped pages, mapped to their plain forms. U+2024 ONE DOT LEADER is used
# as a full stop throughout some pages; spaces come as NBSP, narrow NBSP and figure spaces.
_LOOKALIKES = {
    "\u2024": ".",
    "\u2025": "..",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u3000": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2028": "\n",
    "\u2029": "\n",
    "\u0085": "\n",
    "\u000b": "\n",
    "\u000c": "\n",
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_TABLE = {ord(k): v for k, v in _LOOKALIKES.items()} | _INVISIBLE
# The characters of _TABLE, found by one regex scan (in C, fast on mostly plain text) instead of
# str.translate's dict lookup per character.
_MAPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# Lone surrogates (from JSON "\ud800" or decoded garbage) cannot be encoded: replace them.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"[ \t]+")


def normalise_text(text: str) -> str:
    """NFC, look-alikes to plain characters, LF line ends, runs of spaces folded, lines trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _MAPPED.sub(_plain, unicodedata.normalize("NFC", text))
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _plain(match: re.Match[str]) -> str:
    return _TABLE[ord(match.group())] or ""


def fold(text: str) -> str:
    """Lower-case and strip diacritics: "Patiënten" -> "patienten"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str, max_length: int = 80) -> str:
    """A URL/anchor-safe slug: "Deel 1: Casussen" -> "deel-1-casussen"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "x"
