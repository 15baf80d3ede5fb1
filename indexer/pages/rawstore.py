"""The raw store: one record per URL on disk, the source of truth for every reindex.

Layout under `root` (normally `settings.data_dir / "raw"`)::

    root/<k[:2]>/<k>.json             metadata (a RawRecord as JSON)
    root/<k[:2]>/<k>.<h[:16]>.body    the raw body as fetched (or read from disk)

where `k` is the sha256 of the record's key (its normalised URL; any string works, e.g.
`file:///abs/path.txt#page-id` for pages ingested from disk) and `h` the sha256 of the body.

Writes are atomic and ordered: the new body goes to its own file (temporary file in the same
folder, fsync, `os.replace`), then the metadata is replaced the same way, then the previous body
file is removed. A crash at any point leaves the old record or the new one, never a mix: the
metadata names its body through `content_hash`, and an orphaned body file is harmless (it is
removed by the next write of that record).

Content types of records: "text/html" (parse with `indexer.pages.html.extract_page`),
"text/x-page-export" (our raw "top of page" text, parse with `indexer.pages.parsing.parse_text`) and
"text/plain" (plain text, `indexer.pages.parsing.parse_plain_text`).

Threads may write different keys at once; one key must not be written by two writers at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from indexer.atomic import write_atomic
from indexer.errors import NotFound

HTML = "text/html"
PAGE_EXPORT = "text/x-page-export"
PLAIN_TEXT = "text/plain"


def utc_now() -> str:
    """The current time as ISO 8601 UTC with microseconds, as stored in `fetched_at`.

    One fixed width, so that these strings compare in time order.
    """
    return datetime.now(UTC).isoformat(timespec="microseconds")


def content_hash(body: bytes) -> str:
    """The sha256 hex digest of a body: what `RawRecord.content_hash` holds."""
    return hashlib.sha256(body).hexdigest()


class RawRecord(BaseModel):
    """The metadata of one stored page. `content_hash` is the sha256 of the stored body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="The record's key: the normalised URL (or a file:// URL).")
    status: int = Field(200, description="HTTP status of the fetch (200 for files).")
    fetched_at: str = Field(default_factory=utc_now, description="ISO 8601 UTC.")
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = HTML
    content_hash: str = ""
    text: str = Field("", description="The extracted plain text of the page.")
    page_id: str | None = None
    gone: bool = Field(False, description="The page answered 404/410: drop it from the index.")
    error: str | None = None


class RawStore:
    """Records on disk under `root`; see the module docstring for the layout and guarantees."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- paths
    def _key(self, url: str) -> str:
        return hashlib.sha256(url.encode("utf-8")).hexdigest()

    def metadata_path(self, url: str) -> Path:
        """Where the metadata of `url` lives (whether or not it exists)."""
        key = self._key(url)
        return self.root / key[:2] / f"{key}.json"

    def body_path(self, record: RawRecord) -> Path:
        """Where the body of `record` lives."""
        key = self._key(record.url)
        return self.root / key[:2] / f"{key}.{record.content_hash[:16]}.body"

    # --- reading
    def get(self, url: str) -> RawRecord | None:
        """The record stored for `url` (gone or not), or None."""
        try:
            data = self.metadata_path(url).read_bytes()
        except FileNotFoundError:
            return None
        return RawRecord.model_validate_json(data)

    def body(self, url: str) -> bytes:
        """The stored body of `url`; raises NotFound when there is no record."""
        record = self.get(url)
        if record is None:
            raise NotFound(f"no raw record for {url}")
        try:
            return self.body_path(record).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the body of {url} is missing from the raw store") from None

    def records(self, include_gone: bool = False) -> Iterator[RawRecord]:
        """Every record, in a stable order (by key hash); gone ones only when asked."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*/*.json")):
            record = RawRecord.model_validate_json(path.read_bytes())
            if include_gone or not record.gone:
                yield record

    def __len__(self) -> int:
        """The number of live (not gone) records, as `records()` yields them."""
        return sum(1 for _ in self.records())

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self.metadata_path(url).is_file()

    # --- writing
    def put(self, record: RawRecord, body: bytes) -> bool:
        """Store `body` and `record` for `record.url`; return whether anything was written.

        `content_hash` is computed here from `body` (a value passed in is replaced). When the
        stored record is live and has the same content hash, nothing is written and the
        result is False. A gone record that comes back is written again (gone=False).
        """
        record = record.model_copy(update={"content_hash": content_hash(body)})
        old = self.get(record.url)
        if old is not None and not old.gone and old.content_hash == record.content_hash:
            return False
        new_body = self.body_path(record)
        new_body.parent.mkdir(parents=True, exist_ok=True)
        if not new_body.is_file():
            write_atomic(new_body, body)
        write_atomic(self.metadata_path(record.url), record.model_dump_json(indent=1).encode())
        self._remove_other_bodies(record, keep=new_body)
        return True

    def mark_gone(self, url: str, status: int | None = None) -> None:
        """Flag the record of `url` as gone (its body is kept); no-op if absent or gone."""
        record = self.get(url)
        if record is None or record.gone:
            return
        update: dict[str, object] = {"gone": True, "fetched_at": utc_now()}
        if status is not None:
            update["status"] = status
        gone = record.model_copy(update=update)
        write_atomic(self.metadata_path(url), gone.model_dump_json(indent=1).encode())

    def delete(self, url: str) -> bool:
        """Delete the record of `url`, metadata and body (nothing of it stays on disk);
        return whether there was one. The metadata goes first: a crash in between leaves
        only an orphaned body, which nothing reads."""
        record = self.get(url)
        if record is None:
            return False
        self.metadata_path(url).unlink(missing_ok=True)
        key = self._key(url)
        for path in self.metadata_path(url).parent.glob(f"{key}.*.body"):
            path.unlink(missing_ok=True)
        return True

    def _remove_other_bodies(self, record: RawRecord, keep: Path) -> None:
        key = self._key(record.url)
        for path in keep.parent.glob(f"{key}.*.body"):
            if path != keep:
                path.unlink(missing_ok=True)
