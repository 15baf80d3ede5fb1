"""Fixtures shared by the whole suite: settings on a temporary data dir, the seed pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.settings import Settings, load_settings

SEEDS_DIR = Path(__file__).parent / "data" / "seeds"
DEPRESSION_SEED = SEEDS_DIR / "000_2197648ae2898235.txt"
ADHD_SEED = SEEDS_DIR / "002_0ef097b5af8587ff.txt"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SITESEARCH_* setting of the developer's shell leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("SITESEARCH_") and not key.startswith("SITESEARCH_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with their own empty data dir and no rate limits."""
    return load_settings(data_dir=tmp_path / "data", rate_limit_enabled=False)


@pytest.fixture(scope="session")
def seed_bytes() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(SEEDS_DIR.glob("*.txt"))}
