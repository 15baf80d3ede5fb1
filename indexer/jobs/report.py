"""The report of a reindex job (JSON with --json, a summary otherwise) and its progress display.

`durations` are seconds of the job's own process per stage: "read" (listing the raw store and
the index's hashes), "parse+enrich" (waiting for the workers, or doing it in-process with one
worker), "write" (engine writes and deletes), "verify", "switch", "cleanup". With worker
processes, parsing and enrichment overlap the writes, so the stages add up to the wall time.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, Field

Mode = Literal["full", "incremental", "rollback"]
STAGES = ("read", "parse+enrich", "write", "verify", "switch", "cleanup")


class Rejection(BaseModel):
    """Something read that did not reach the index, with the reason."""

    source: str = Field(description="The raw record key the page came from.")
    page_id: str | None = Field(None, description="The page id, when the page parsed.")
    reason: str


class ReindexReport(BaseModel):
    """What a job did. `ok` is False when it failed; `problems` then says why."""

    mode: Mode
    dry_run: bool = False
    ok: bool = True
    index: str
    engine: str
    workers: int = 1
    records_read: int = 0
    records_parsed: int = Field(
        0, description="Records parsed; the others' parse was reused (incremental, unchanged)."
    )
    pages_read: int = Field(0, description="Pages parsed from the records.")
    indexed: int = Field(0, description="Pages written (full: all; incremental: new/changed).")
    unchanged: int = 0
    deleted: int = 0
    rejected: list[Rejection] = Field(default_factory=list)
    version_before: str | None = None
    version_after: str | None = None
    built_version: str | None = None
    dropped: list[str] = Field(default_factory=list, description="Old versions dropped.")
    recovered: list[str] = Field(
        default_factory=list, description="Half-built versions of a killed job, dropped."
    )
    smoke_queries: list[str] = Field(
        default_factory=list,
        description="The smoke queries run on the version (by default the titles of a few "
                    "of its pages, each of which had to find its page).",
    )
    planned: dict[str, int] = Field(default_factory=dict, description="Dry run: what would be.")
    notes: list[str] = Field(default_factory=list, description="Worth knowing, not failures.")
    problems: list[str] = Field(default_factory=list, description="Why the job failed.")
    durations: dict[str, float] = Field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def summary(self) -> str:
        """A few lines for a person reading a terminal."""
        lines = [
            f"reindex {self.mode}{' (dry run)' if self.dry_run else ''} of {self.index!r} "
            f"on {self.engine}: {'ok' if self.ok else 'FAILED'}",
            f"  records read {self.records_read} (parsed {self.records_parsed}), "
            f"pages read {self.pages_read}, "
            f"indexed {self.indexed}, unchanged {self.unchanged}, deleted {self.deleted}, "
            f"rejected {len(self.rejected)}",
            f"  version {self.version_before} -> {self.version_after}"
            + (f" (dropped {', '.join(self.dropped)})" if self.dropped else ""),
            "  " + ", ".join(f"{k} {v:.2f}s" for k, v in self.durations.items()),
        ]
        if self.recovered:
            lines.append(f"  dropped half-built versions: {', '.join(self.recovered)}")
        if self.planned:
            lines.append("  would: " + ", ".join(f"{k} {v}" for k, v in self.planned.items()))
        lines += [f"  rejected {r.page_id or r.source}: {r.reason}" for r in self.rejected[:20]]
        if len(self.rejected) > 20:
            lines.append(f"  ... and {len(self.rejected) - 20} more rejected (see --json)")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


class Progress(Protocol):
    """Where a job shows its progress (a bar on a terminal, log lines elsewhere)."""

    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


class SilentProgress:
    """Shows nothing."""

    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass
