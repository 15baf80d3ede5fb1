"""`sitesearch parse FILE... [--json]`: parse and enrich raw page files, print what was found.

Inputs are read as `sitesearch ingest` reads them (page exports and HTML pages). Every problem
with one input (unreadable, empty, binary, not UTF-8, too large, no page markers, not a page
export, a page with only a title) is one line on standard error naming the file, and the
other inputs are still parsed. The exit status is non-zero only when no page at all was parsed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import click

from indexer.cli.common import echo_json, settings_or_exit, warn
from indexer.errors import InputError
from indexer.pages.inputs import STDIN, expand_inputs, read_input
from indexer.pages.models import EnrichedPage, Page, Section

STDIN_NAME = "<stdin>"


@click.command(name="parse")
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of enriched pages).")
def parse(files: tuple[str, ...], as_json: bool) -> None:
    """Parse and enrich raw page FILES: page exports and HTML pages (folders: their .txt,
    .html and .htm files; '-': standard input)."""
    settings = settings_or_exit()
    pages: list[Page] = []
    for name in expand_inputs(files, lambda name, problem: warn(f"{name}: {problem}")):
        pages.extend(_parse_one(name, settings.max_input_bytes))
    if not pages:
        warn("no page could be parsed")
        raise SystemExit(1)

    from indexer.nlp.enrich import enrich_pages
    from indexer.nlp.pipeline import build_nlp

    try:
        nlp = build_nlp(settings)
    except (OSError, ValueError, ImportError) as exc:  # GazetteerError is a ValueError
        raise click.ClickException(f"cannot build the Dutch pipeline: {exc}") from None
    enriched = enrich_pages(nlp, pages, batch_size=settings.nlp_batch_size)
    if as_json:
        echo_json([page_json(page) for page in enriched])
    else:
        click.echo("\n\n".join(page_summary(page) for page in enriched))


def _parse_one(name: str, max_bytes: int) -> list[Page]:
    """The pages of one input; its problems are reported on standard error."""
    from indexer.pages.records import parse_input

    shown = STDIN_NAME if name == STDIN else name
    try:
        data = read_input(name, max_bytes)
        pages, problems = parse_input(name, data, max_bytes)
    except InputError as exc:
        warn(f"{shown}: {exc}")
        return []
    except OSError as exc:
        warn(f"{shown}: cannot read: {exc.strerror or exc}")
        return []
    for problem in problems:
        warn(f"{shown}: {problem}")
    # As given on the command line, not as a raw store key.
    return [page.model_copy(update={"source": shown}) for page in pages]


def page_json(enriched: EnrichedPage) -> dict[str, Any]:
    """An enriched page as JSON, plus a flat "entities" list (title's first, then passages')."""
    data = enriched.model_dump(mode="json")
    data["entities"] = [entity.model_dump(mode="json") for entity in enriched.entities]
    return data


def page_summary(enriched: EnrichedPage) -> str:
    """A human summary: title, numbered sections, labels, keywords, entities by label."""
    page = enriched.page
    lines = [page.title, f"  id: {page.id}" + (f"   source: {page.source}" if page.source else "")]
    lines.append(f"  intro: {len(page.intro)} paragraph(s)")
    lines.append(f"  sections ({len(page.sections)}):")
    for section in page.sections:
        lines.extend(_section_lines(section, indent=4))
    lines.append(f"  labels: {', '.join(page.labels) if page.labels else '(none)'}")
    lines.append(f"  keywords: {', '.join(enriched.keywords) if enriched.keywords else '(none)'}")
    by_label: dict[str, Counter[str]] = {}
    for entity in enriched.entities:
        by_label.setdefault(entity.label, Counter())[entity.value] += 1
    lines.append(f"  entities ({len(enriched.entities)}):")
    for label in sorted(by_label):
        values = sorted(by_label[label].items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{value} ({count})" if count > 1 else value for value, count in values)
        lines.append(f"    {label}: {shown}")
    return "\n".join(lines)


def _section_lines(section: Section, indent: int) -> list[str]:
    number = f"{section.number}." if section.number is not None else "-"
    details = []
    if section.paragraphs:
        details.append(f"{len(section.paragraphs)} paragraph(s)")
    if section.items:
        details.append(f"{len(section.items)} list item(s)")
    suffix = f"  [{', '.join(details)}]" if details else ""
    lines = [f"{' ' * indent}{number} {section.heading}{suffix}"]
    for sub in section.subsections:
        lines.extend(_section_lines(sub, indent + 3))
    return lines
