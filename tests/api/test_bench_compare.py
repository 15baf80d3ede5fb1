"""bench/api_compare.py: how a server set-up ("variant") is read from the command line."""

from __future__ import annotations

import argparse

import pytest

from bench.api_compare import variant


def test_a_variant_is_a_name_and_its_settings() -> None:
    assert variant("2x3:SITESEARCH_THREADS=3,SITESEARCH_WORKERS=2") == (
        "2x3", {"SITESEARCH_THREADS": "3", "SITESEARCH_WORKERS": "2"}
    )
    assert variant("default:") == ("default", {})
    # a value may hold '=' and ':' (a folder, a URL)
    assert variant("es:SITESEARCH_ES_URL=http://h:9200/?a=b") == (
        "es", {"SITESEARCH_ES_URL": "http://h:9200/?a=b"}
    )


@pytest.mark.parametrize("text", ["noname", ":SITESEARCH_THREADS=3", "x:THREADS=3",
                                  "x:SITESEARCH_THREADS"])
def test_a_malformed_variant_is_refused_with_what_was_expected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected"):
        variant(text)
