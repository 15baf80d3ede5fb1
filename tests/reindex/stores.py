"""Small raw stores for the reindex tests: the seed pages with varied titles."""

from __future__ import annotations

from pathlib import Path

from indexer.pages.rawstore import PAGE_EXPORT, RawRecord, RawStore

SEEDS_DIR = Path(__file__).resolve().parent.parent / "data" / "seeds"


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))]


def variant_text(number: int, extra: str = "") -> str:
    """A seed page (alternating seeds) whose title names `number`, so each has its own id."""
    text = seed_texts()[number % 2]
    lines = text.split("\n")
    title_at = next(i for i, line in enumerate(lines) if line.strip() and i > 0)
    lines[title_at] = f"{lines[title_at].strip()} variant {number}"
    if extra:
        lines.insert(title_at + 2, extra + "\n")
    return "\n".join(lines)


def variant_url(number: int) -> str:
    return f"file:///pages/variant-{number:03d}.txt"


def put_variant(store: RawStore, number: int, extra: str = "") -> None:
    body = variant_text(number, extra).encode("utf-8")
    store.put(RawRecord(url=variant_url(number), content_type=PAGE_EXPORT), body)


def fill_store(store: RawStore, count: int) -> None:
    """`count` page-export records, one page each, numbered 0..count-1."""
    for number in range(count):
        put_variant(store, number)
