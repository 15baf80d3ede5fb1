"""What the batch jobs take from the settings (`JobConfig`), and how one job runs (its flags).

`JobConfig.from_settings` is the one place the jobs read `Settings`; the limits there were
validated when the settings were loaded. The settings object itself travels along only for
the parts that build themselves from it: the NLP pipeline and the search flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from indexer.jobs.report import Mode
from indexer.settings import Settings

# Automatic smoke checks: this many pages of a version, each searched for by its title.
SMOKE_PAGES = 3


@dataclass(frozen=True)
class JobConfig:
    """The settings of the reindex, ingest and remove jobs."""

    index_name: str
    data_dir: Path
    keep: int
    smoke_queries: tuple[str, ...]
    max_input_bytes: int
    nlp_batch_size: int
    smoke_hits: int  # hits looked at for a smoke check's page
    settings: Settings  # handed on unread: build_nlp(), Searcher.from_settings()

    @classmethod
    def from_settings(cls, settings: Settings) -> JobConfig:
        return cls(
            index_name=settings.index_name,
            data_dir=settings.data_dir,
            keep=settings.reindex_keep,
            smoke_queries=tuple(settings.smoke_queries),
            max_input_bytes=settings.max_input_bytes,
            nlp_batch_size=settings.nlp_batch_size,
            smoke_hits=settings.max_page_size,
            settings=settings,
        )

    @property
    def raw_dir(self) -> Path:
        """The raw store, shared by the crawler and ingest."""
        return self.data_dir / "raw"

    @property
    def journal_path(self) -> Path:
        return self.data_dir / "reindex" / f"{self.index_name}.journal.json"

    @property
    def parse_cache_path(self) -> Path:
        return self.data_dir / "reindex" / f"{self.index_name}.parsed.json"


class ReindexOptions(BaseModel):
    """How to run a job (the CLI's flags)."""

    mode: Mode = "full"
    workers: int | None = Field(
        None, ge=1,
        description="Worker processes; default: one per CPU (none for a small store).",
    )
    keep: int | None = Field(None, ge=1, description="Versions kept; default settings.")
    dry_run: bool = False
    chunk_size: int = Field(20, ge=1, description="Records per task sent to a worker.")
    write_batch: int = Field(250, ge=1, description="Pages per engine.write call.")
