"""`sitesearch ingest` records what it reads in the raw store, so a reindex rebuilds from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from indexer.engines.tantivy.engine import TantivyEngine
from indexer.jobs.ingest import ingest_paths
from indexer.jobs.reindex import ReindexOptions, run_reindex
from indexer.pages.records import raw_store
from indexer.settings import Settings

from .stores import variant_text


def test_ingested_files_are_recorded_and_rebuilt_by_a_reindex(
    job_settings: Settings, tmp_path: Path, nlp: Any
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text(variant_text(1) + variant_text(2), encoding="utf-8")
    (folder / "b.txt").write_text(variant_text(3), encoding="utf-8")
    (folder / "bad.txt").write_text("geen pagina", encoding="utf-8")
    engine = TantivyEngine.from_settings(job_settings)
    try:
        ingested = ingest_paths(job_settings, engine, nlp, [str(folder)])
        assert ingested.indexed == 3
        store = raw_store(job_settings)
        assert sorted(r.url for r in store.records()) == [
            (folder / "a.txt").resolve().as_uri(), (folder / "b.txt").resolve().as_uri()
        ]
        hashes = engine.content_hashes()
        report = run_reindex(job_settings, engine, ReindexOptions(workers=1), nlp=nlp)
        assert report.ok and report.pages_read == 3
        assert engine.live_version() != ingested.version
        assert engine.content_hashes() == hashes
        # Ingesting the same files again changes nothing in the store: nothing to refresh.
        ingest_paths(job_settings, engine, nlp, [str(folder)])
        refresh = run_reindex(job_settings, engine, ReindexOptions(mode="incremental"), nlp=nlp)
        assert refresh.ok and (refresh.indexed, refresh.deleted, refresh.unchanged) == (0, 0, 3)
    finally:
        engine.close()
