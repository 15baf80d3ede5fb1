"""`sitesearch remove URL|ID...`: pages out of the raw store and every index version, for good."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from indexer.cli import main
from indexer.engines.tantivy.engine import TantivyEngine
from indexer.pages.records import raw_store
from indexer.settings import Settings, load_settings
from tests.conftest import ADHD_SEED, DEPRESSION_SEED
from tests.reindex.stores import variant_text

FIETS = """<!doctype html><html><head><title>Fietsen in de winter</title></head><body><main>
<h1>Fietsen in de winter</h1><p>Met goede banden en verlichting fiets je veilig door de
winter; bij gladheid zet je het zadel iets lager.</p></main></body></html>"""


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, dict[str, str], Path]:
    """A data dir with both seeds, a file of two pages and an HTML file ingested; the env."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in (DEPRESSION_SEED, ADHD_SEED):
        shutil.copy(seed, folder / seed.name)
    (folder / "twee.txt").write_text(variant_text(1) + variant_text(2), encoding="utf-8")
    (folder / "fiets.html").write_text(FIETS, encoding="utf-8")
    env = {"SITESEARCH_DATA_DIR": str(tmp_path / "data")}
    ingested = run(env, "ingest", str(folder), "--json")
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["indexed"] == 5
    return load_settings(data_dir=tmp_path / "data"), env, folder


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def page_ids(settings: Settings, version: str | None = None) -> set[str]:
    engine = TantivyEngine.from_settings(settings)
    try:
        return set(engine.content_hashes(version))
    finally:
        engine.close()


def test_a_removed_page_stays_gone_after_a_full_reindex_and_a_rollback(
    site: tuple[Settings, dict[str, str], Path], nlp: Any
) -> None:
    settings, env, folder = site
    assert run(env, "reindex", "--full").exit_code == 0  # two versions: one to roll back to
    depression = "magnesium-bij-depressie-kan-het-helpen"
    assert depression in page_ids(settings)
    result = run(env, "remove", depression, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    seed_url = (folder / DEPRESSION_SEED.name).resolve().as_uri()
    assert report["ok"] and report["removed"] == [
        {"target": depression, "records": [seed_url], "pages": [depression]}]
    assert report["deleted"] == {"sitesearch-v1": 1, "sitesearch-v2": 1}
    assert seed_url not in raw_store(settings)
    assert depression not in page_ids(settings)
    assert run(env, "reindex", "--full").exit_code == 0
    assert depression not in page_ids(settings) and len(page_ids(settings)) == 4
    assert run(env, "reindex", "--rollback").exit_code == 0
    assert depression not in page_ids(settings) and len(page_ids(settings)) == 4


def test_remove_by_path_and_by_url_and_what_it_refuses(
    site: tuple[Settings, dict[str, str], Path],
) -> None:
    settings, env, folder = site
    before = page_ids(settings)
    pair = sorted(i for i in before if "variant" in i)
    assert len(pair) == 2
    refused = run(env, "remove", pair[0], "nergens-te-vinden")
    assert refused.exit_code == 1
    assert f"geweigerd: {pair[0]}: pagina {pair[0]} komt uit " in refused.stderr
    assert "niet gevonden: nergens-te-vinden" in refused.stderr
    assert page_ids(settings) == before  # nothing removed
    twee = (folder / "twee.txt").resolve().as_uri()
    both = run(env, "remove", twee, str(folder / "fiets.html"))
    assert both.exit_code == 0, both.output
    assert "verwijderd: " + twee + " (1 record(s), 2 pagina('s)" in both.stdout
    fiets = next(i for i in before if i.endswith("fiets-html"))  # id from the file's path
    assert page_ids(settings) == before - {*pair, fiets} and len(before) == 5
    assert sorted(r.url for r in raw_store(settings).records()) == sorted(
        (folder / seed.name).resolve().as_uri() for seed in (DEPRESSION_SEED, ADHD_SEED))


def test_help_names_the_targets() -> None:
    result = CliRunner().invoke(main, ["remove", "--help"])
    assert result.exit_code == 0 and "page ids" in result.stdout
    assert "remove" in CliRunner().invoke(main, ["--help"]).stdout


def test_remove_and_ingest_exit_3_while_a_job_holds_the_index(
    site: tuple[Settings, dict[str, str], Path],
) -> None:
    from indexer.jobs.lock import JobLock

    settings, env, folder = site
    with JobLock(settings.data_dir, settings.index_name):
        removed = run(env, "remove", "magnesium-bij-depressie-kan-het-helpen")
        ingested = run(env, "ingest", str(folder / DEPRESSION_SEED.name))
    for result in (removed, ingested):
        assert result.exit_code == 3, result.output
        assert "another reindex job is running" in result.stderr
    assert len(page_ids(settings)) == 5 and len(raw_store(settings)) == 4
