"""How each field of the index documents (`indexer.search.documents`) is indexed, for every
engine: each engine builds its schema or mapping from `FIELDS`.

Kinds:
- `keyword`: exact values (ids, labels, entities, keys), for filters, facets and grouping;
- `terms`: analysed terms, one index term a list item, scored with BM25 (term frequencies
  and field lengths);
- `positional`: folded words separated by spaces, indexed with positions (phrases);
- `stored`: shown with a hit or read back, never searched;
- `number`: a whole number, stored and filterable.

`fast` fields are read per hit without loading the stored document (tantivy's fast fields,
Elasticsearch's doc values); `stored` fields come back with a hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["keyword", "terms", "positional", "stored", "number"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    kind: Kind
    stored: bool = False
    fast: bool = False


FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec("keyword", stored=True),
    "doc_type": FieldSpec("keyword"),
    "article_id": FieldSpec("keyword", stored=True, fast=True),
    "url": FieldSpec("keyword", stored=True),
    "title": FieldSpec("stored", stored=True),
    "title_key": FieldSpec("keyword", stored=True, fast=True),
    "labels": FieldSpec("keyword", stored=True, fast=True),
    "entity": FieldSpec("keyword", stored=True, fast=True),
    "entity_value": FieldSpec("keyword", fast=True),
    "content_hash": FieldSpec("keyword", stored=True, fast=True),
    "title_terms": FieldSpec("terms"),
    "heading_terms": FieldSpec("terms"),
    "body_terms": FieldSpec("terms"),
    "entity_terms": FieldSpec("terms"),
    "stems": FieldSpec("terms"),
    "plain": FieldSpec("positional"),
    "passage_heading_terms": FieldSpec("terms"),
    "passage_terms": FieldSpec("terms"),
    "passage_entity_terms": FieldSpec("terms"),
    "passage_stems": FieldSpec("terms"),
    "passage_plain": FieldSpec("positional"),
    "words": FieldSpec("keyword"),
    "page_json": FieldSpec("stored", stored=True),
    "passage_index": FieldSpec("number", stored=True),
    "article_title": FieldSpec("stored", stored=True),
    "section_heading": FieldSpec("stored", stored=True),
    "anchor": FieldSpec("stored", stored=True),
    "text": FieldSpec("stored", stored=True),
    "bands": FieldSpec("keyword", stored=True),
}
# Fields that hold several values (lists) in a document.
MULTI_VALUED = frozenset({"labels", "entity", "entity_value", "bands"})
