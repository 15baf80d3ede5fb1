"""`sitesearch search`: what it prints for people is Dutch."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from indexer.cli import main
from indexer.settings import Settings


def test_search_prints_dutch(seed_index_settings: Settings, seed_engine: Any) -> None:
    env = {"SITESEARCH_DATA_DIR": str(seed_index_settings.data_dir)}
    result = CliRunner().invoke(main, ["search", "magnesium"], env=env)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("2 resultaten voor “magnesium”"), first
    assert "result(s)" not in result.output
    one = CliRunner().invoke(main, ["search", "magnesium", "--label", "Depressie"], env=env)
    assert one.output.startswith("1 resultaat voor “magnesium”"), one.output


def test_bad_settings_are_told_in_dutch() -> None:
    result = CliRunner().invoke(main, ["search", "magnesium"], env={"SITESEARCH_BACKEND": "x"})
    assert result.exit_code != 0
    assert "ongeldige instelling" in result.output
