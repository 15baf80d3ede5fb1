"""Query-parameter validation, as pure functions (no app, no engine)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from indexer.settings import SettingsError, load_settings
from search_api.config import ApiConfig, ParamLimits
from search_api.errors import ParameterError
from search_api.params import no_params, search_params, suggest_params


@pytest.fixture(scope="module")
def settings() -> ParamLimits:
    """The limits the API takes from the default settings."""
    return ApiConfig.from_settings(load_settings(rate_limit_enabled=False)).params


def args(*pairs: tuple[str, str]) -> MultiDict[str, str]:
    return MultiDict(list(pairs))


def test_defaults_and_repeated_filters(settings: ParamLimits) -> None:
    params = search_params(
        args(("q", "  magnesium "), ("label", "ADHD"), ("label", "Depressie"),
             ("entity", "RECEPTOR:NMDA-receptor"), ("label", "ADHD")),
        settings,
    )
    assert params.q == "magnesium"
    assert (params.page, params.size) == (1, 10)
    assert params.labels == ("ADHD", "Depressie")  # a repeated value counts once
    assert params.entities == ("RECEPTOR:NMDA-receptor",)


def test_control_characters_become_spaces(settings: ParamLimits) -> None:
    assert search_params(args(("q", "magne\x00sium\x1b")), settings).q == "magne sium"


@pytest.mark.parametrize(
    ("pairs", "parameter"),
    [
        ((("q", "x"), ("page", "0")), "page"),
        ((("q", "x"), ("page", "１")), "page"),  # fullwidth digit: int() would take it
        ((("q", "x"), ("page", " 2")), "page"),
        ((("q", "x"), ("size", "51")), "size"),
        ((("q", "x"), ("size", "2.5")), "size"),
        ((("q", "x"), ("size", "")), "size"),
        ((("q", "x"), ("page", "1"), ("page", "2")), "page"),
        ((("q", "x"), ("label", " ")), "label"),
        ((("q", "x"), ("entity", "e" * 201)), "entity"),
        ((("q", "x"), ("Q", "y")), "Q"),
        ((("q", "\x00\x01"),), "q"),
        ((("page", "1"),), "q"),
    ],
)
def test_refused(settings: ParamLimits, pairs: tuple[tuple[str, str], ...], parameter: str) -> None:
    with pytest.raises(ParameterError) as caught:
        search_params(args(*pairs), settings)
    assert caught.value.parameter == parameter


def test_too_many_filters(settings: ParamLimits) -> None:
    pairs = [("q", "x")] + [("label", f"l{i}") for i in range(21)]
    with pytest.raises(ParameterError):
        search_params(args(*pairs), settings)


def test_query_length_follows_settings() -> None:
    short = ParamLimits.from_settings(load_settings(max_query_chars=5))
    assert search_params(args(("q", "abcde")), short).q == "abcde"
    with pytest.raises(ParameterError):
        search_params(args(("q", "abcdef")), short)


def test_page_size_follows_settings() -> None:
    small = ParamLimits.from_settings(load_settings(max_page_size=20, max_result_window=100))
    with pytest.raises(ParameterError):
        search_params(args(("q", "x"), ("size", "21")), small)
    with pytest.raises(ParameterError):
        search_params(args(("q", "x"), ("page", "11"), ("size", "10")), small)
    assert search_params(args(("q", "x"), ("page", "10"), ("size", "10")), small).page == 10


def test_suggest_and_no_params(settings: ParamLimits) -> None:
    assert suggest_params(args(("q", "magn")), settings).limit == 10
    assert suggest_params(args(("q", "magn"), ("limit", "3")), settings).limit == 3
    with pytest.raises(ParameterError):
        suggest_params(args(("q", "magn"), ("size", "3")), settings)
    no_params(args())
    with pytest.raises(ParameterError):
        no_params(args(("x", "1")))


@pytest.mark.parametrize("limit", ["lots", "120/fortnight", ""])
def test_a_rate_limit_that_does_not_parse_stops_start_up_naming_the_setting(limit: str) -> None:
    with pytest.raises(SettingsError, match="SITESEARCH_RATE_LIMIT"):
        ApiConfig.from_settings(load_settings(rate_limit=limit))
