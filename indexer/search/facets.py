"""Facets: which counts to ask an engine for, and its raw counts as the `Facets` visitors see.

Labels are counted as they are; entities ("TYPE:value") are grouped by type, only the types
chosen in settings (`facet_entity_types`, in that order), and a value counted under several
types is shown once, under the type with the most articles (ties: the first type chosen).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.search.clauses import FacetRequest
from indexer.search.ranking import FACET_SIZE
from indexer.search.values import Facets, FacetValue

REQUESTS = (
    FacetRequest("labels", "labels", FACET_SIZE),
    FacetRequest("entities", "entity", FACET_SIZE * 10),
)


def decode(
    counts: Mapping[str, Sequence[tuple[str, int]]], entity_types: Sequence[str]
) -> Facets:
    """`Facets` from an engine's counts of REQUESTS (value, number of articles; most first)."""
    labels = tuple(FacetValue(value=v, count=c) for v, c in counts.get("labels", ()))
    order = {kind: rank for rank, kind in enumerate(entity_types)}
    best: dict[str, tuple[int, int, str]] = {}  # value -> (-count, type rank, type)
    for key, count in counts.get("entities", ()):
        kind, _, value = key.partition(":")
        if kind not in order:
            continue
        candidate = (-count, order[kind], kind)
        if value not in best or candidate < best[value]:
            best[value] = candidate
    groups: dict[str, list[FacetValue]] = {}
    for key, count in counts.get("entities", ()):
        kind, _, value = key.partition(":")
        if best.get(value, (0, 0, ""))[2] != kind:
            continue
        group = groups.setdefault(kind, [])
        if len(group) < FACET_SIZE:
            group.append(FacetValue(value=value, count=count))
    return Facets(
        labels=labels,
        entities={k: tuple(groups[k]) for k in sorted(groups, key=order.__getitem__)},
    )
