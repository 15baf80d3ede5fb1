"""Strict validation of query parameters: anything unexpected is a 400 that names it.

The API is public and the search box calls it on every keystroke, so a parameter is either
understood exactly or refused: unknown names, repeated single-valued parameters, non-decimal
numbers and out-of-range values are all `ParameterError`s (answered 400 in the error shape).
This is the one place where an HTTP request's bounds are checked (`ParamLimits`, from the
settings): a request that passes is one the search layer accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict
from werkzeug.datastructures import MultiDict

from search_api.config import ParamLimits
from search_api.errors import ParameterError

_DECIMAL = re.compile(r"^[0-9]{1,9}$")
_NUMBER = re.compile(r"^[0-9]{0,9}(?:\.[0-9]{0,9})?(?:[eE][-+]?[0-9]{1,3})?$")
# C0/C1 control characters other than ordinary whitespace mean nothing in a query.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MAX_SUGGEST = ParamLimits.max_suggest


class SearchParams(BaseModel):
    """A validated /api/search request."""

    model_config = ConfigDict(frozen=True)

    q: str
    page: int = 1
    size: int = 10
    labels: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    semantic: float | None = None  # None: the settings' semantic_ratio


class SuggestParams(BaseModel):
    """A validated /api/suggest request."""

    model_config = ConfigDict(frozen=True)

    q: str
    limit: int = MAX_SUGGEST


def search_params(args: MultiDict[str, str], limits: ParamLimits) -> SearchParams:
    """Validate the arguments of /api/search against `limits`."""
    _only(args, single={"q", "page", "size", "semantic"}, repeated={"label", "entity"})
    q = _query(args, limits)
    page = _number(args, "page", default=1, low=1, high=None)
    size = _number(args, "size", default=10, low=1, high=limits.max_page_size)
    if page * size > limits.max_result_window:
        raise ParameterError(
            "page",
            f"page × size mag niet groter zijn dan {limits.max_result_window} "
            "(het diepste resultaat)",
        )
    return SearchParams(
        q=q, page=page, size=size,
        labels=_filters(args, "label", limits), entities=_filters(args, "entity", limits),
        semantic=_ratio(args, "semantic"),
    )


def suggest_params(args: MultiDict[str, str], limits: ParamLimits) -> SuggestParams:
    """Validate the arguments of /api/suggest against `limits`."""
    _only(args, single={"q", "limit"}, repeated=set())
    q = _query(args, limits)
    limit = _number(args, "limit", default=limits.max_suggest, low=1, high=limits.max_suggest)
    return SuggestParams(q=q, limit=limit)


def no_params(args: MultiDict[str, str]) -> None:
    """Refuse any query parameter (for endpoints that take none)."""
    _only(args, single=set(), repeated=set())


def _only(args: MultiDict[str, str], single: set[str], repeated: set[str]) -> None:
    for name in args:
        if name not in single and name not in repeated:
            known = ", ".join(sorted(single | repeated)) or "geen"
            raise ParameterError(name, f"onbekende parameter (bekend: {known})")
        if name in single and len(args.getlist(name)) > 1:
            raise ParameterError(name, "meer dan eens opgegeven")


def _query(args: MultiDict[str, str], limits: ParamLimits) -> str:
    raw = args.get("q")
    if raw is None:
        raise ParameterError("q", "ontbreekt")
    if len(raw) > limits.max_query_chars:
        raise ParameterError("q", f"langer dan {limits.max_query_chars} tekens")
    q = _CONTROL.sub(" ", raw).strip()
    if not q:
        raise ParameterError("q", "bevat niets om op te zoeken")
    return q


def _number(
    args: MultiDict[str, str], name: str, default: int, low: int, high: int | None
) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not _DECIMAL.match(raw):
        raise ParameterError(name, f"moet een geheel getal zijn, niet {raw[:40]!r}")
    value = int(raw)
    if value < low:
        raise ParameterError(name, f"moet minstens {low} zijn")
    if high is not None and value > high:
        raise ParameterError(name, f"mag hoogstens {high} zijn")
    return value


def _ratio(args: MultiDict[str, str], name: str) -> float | None:
    """A weight from 0 to 1 ("0", "0.5", "1"), or None when not given."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = float(raw) if _NUMBER.match(raw) else -1.0
    except ValueError:  # "", "." or "e5"
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ParameterError(name, f"must be a number from 0 to 1, not {raw[:40]!r}")
    return value


def _filters(args: MultiDict[str, str], name: str, limits: ParamLimits) -> tuple[str, ...]:
    values: Iterable[str] = args.getlist(name)
    cleaned: list[str] = []
    for raw in values:
        value = _CONTROL.sub(" ", raw).strip()
        if not value:
            raise ParameterError(name, "mag niet leeg zijn")
        if len(value) > limits.max_filter_chars:
            raise ParameterError(name, f"langer dan {limits.max_filter_chars} tekens")
        if value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > limits.max_filters:
        raise ParameterError(name, f"hoogstens {limits.max_filters} waarden")
    return tuple(cleaned)
