"""Which index versions a job keeps, drops, recovers from and rolls back to.

Crash safety: a journal (`data_dir/reindex/<index>.journal.json`) names the versions that
existed before a full build started. A job killed at any point leaves the live pointer where
it was (the switch is the engine's atomic operation); the next job drops every version the
journal does not know that is not live, i.e. the half-built one.

A version is kept as a rollback target, or rolled back to, only once it is verified intact:
opened (for tantivy: its files checked against their checksums first) and holding pages. A
damaged version is never kept in place of an intact one: it is dropped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from indexer.atomic import write_atomic
from indexer.errors import SiteSearchError
from indexer.jobs.job import Job


class ReindexError(SiteSearchError):
    """The job cannot start or go on (no live version to refresh, nothing to roll back to)."""


def damage(job: Job, version: str) -> str | None:
    """Why `version` cannot serve (cannot be opened, damaged, empty), or None when intact."""
    try:
        count = job.engine.count(version)
    except (SiteSearchError, OSError) as exc:
        return str(exc)
    return None if count > 0 else f"version {version} holds no page"


def recover(job: Job, journal: Journal) -> list[str]:
    """Drop the versions a killed full build left behind (dry run: only name them)."""
    known = journal.versions_before()
    if known is None:
        return []
    live = job.live()
    half_built = [v for v in job.engine.versions() if v not in known and v != live]
    if job.options.dry_run:
        return half_built
    for version in half_built:
        job.engine.drop(version)
    journal.clear()
    return half_built


def drop_beyond_keep(job: Job, live: str, previous: str | None) -> list[str]:
    """Drop the oldest versions so that `keep` intact ones remain: the live one and the one
    it replaced (the rollback target) first, then the newest others. Damaged ones go."""
    versions = job.engine.versions()
    order = [v for v in reversed(versions) if v not in (live, previous)]
    if previous is not None and previous in versions and previous != live:
        order.insert(0, previous)
    keep = [live]
    for version in order:
        if len(keep) >= job.keep:
            break
        problem = damage(job, version)
        if problem is None:
            keep.append(version)
        else:
            job.note(f"dropped the damaged version {version}: {problem}")
    dropped = [v for v in versions if v not in keep]
    for version in dropped:
        job.engine.drop(version)
    return dropped


def drop_quietly(job: Job, version: str, journal: Journal) -> None:
    """Drop a version this job built and will not make live, if it can (else the journal
    has the next job drop it)."""
    try:
        if version != job.live():
            job.engine.drop(version)
            journal.clear()
    except (SiteSearchError, OSError) as exc:
        job.note(f"could not drop {version} yet: {exc}")


def rollback(job: Job) -> None:
    """Point the live index back to the newest intact version older than the live one
    (with a damaged or lost pointer: to the newest intact version). Damaged versions on
    the way are skipped and dropped."""
    live = job.live()
    versions = job.engine.versions()
    older = versions[: versions.index(live)] if live in versions else versions
    if not older:
        if live is None:
            raise ReindexError("there is no live version to roll back from")
        raise ReindexError(f"no version older than the live one ({live}) to roll back to")
    damaged: list[str] = []
    for target in reversed(older):
        problem = damage(job, target)
        if problem is None:
            break
        job.note(f"skipped the damaged version {target}: {problem}")
        damaged.append(target)
    else:
        raise ReindexError(f"no intact version to roll back to ({', '.join(damaged)} damaged)")
    if job.options.dry_run:
        job.report.planned = {f"switch to {target}": 1, **{f"drop {v}": 1 for v in damaged}}
        return
    with job.timed("switch"):
        job.engine.switch(target)
    with job.timed("cleanup"):
        for version in damaged:
            job.engine.drop(version)
        job.report.dropped = damaged


class Journal:
    """The versions that existed before a full build started, on disk until it is over."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def versions_before(self) -> list[str] | None:
        """The versions named by an unfinished job, or None when no job was interrupted."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # half-written by a killed job: it had not created a version yet
        return [str(v) for v in data.get("versions_before", [])]

    def begin(self, versions: list[str]) -> None:
        self._write({"pid": os.getpid(), "versions_before": versions, "building": None})

    def building(self, version: str) -> None:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self._write({**data, "building": version})

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def _write(self, data: dict[str, object]) -> None:
        write_atomic(self.path, json.dumps(data).encode("utf-8"))
