"""The documentation that is generated from the code stays true to it."""

from __future__ import annotations

from pathlib import Path

from indexer.settings import settings_table

ROOT = Path(__file__).resolve().parent.parent


def test_the_settings_table_is_the_one_the_code_declares() -> None:
    """docs/settings.md holds `python -m indexer.settings`: regenerate it after a change."""
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert settings_table() in text


def test_the_readme_is_for_users_and_short() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 15_000, len(readme)
    assert "make run" in readme and "make test" in readme
    assert "docs/settings.md" in readme
