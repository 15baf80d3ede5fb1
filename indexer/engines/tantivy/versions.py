"""The on-disk layout of the embedded engine: numbered index versions and the live pointer.

Under `root` (`<data_dir>/tantivy/`): one directory `<index_name>-v<N>/` per version and the
file `<index_name>.live` naming the live one. The pointer is replaced atomically (temp file +
os.replace), so a reader sees the old or the new name, never half of one, and `pointer_key()`
lets a long-lived reader notice a switch made by another process with one `stat`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import tantivy

from indexer.atomic import write_atomic
from indexer.engines.tantivy.schema import register_analyzers
from indexer.errors import NotFound


class VersionStore:
    """The versions of one index name below `root`, and which one is live."""

    def __init__(self, root: Path, index_name: str, schema: tantivy.Schema) -> None:
        self.root = root
        self.index_name = index_name
        self.schema = schema
        self._pattern = re.compile(rf"^{re.escape(index_name)}-v(\d+)$")
        self._open: dict[str, tantivy.Index] = {}

    @property
    def pointer(self) -> Path:
        return self.root / f"{self.index_name}.live"

    def create(self) -> str:
        """A new, empty version with the next free number (not live yet)."""
        self.root.mkdir(parents=True, exist_ok=True)
        number = max((self._number(v) for v in self.names()), default=0) + 1
        while True:
            name = f"{self.index_name}-v{number}"
            try:
                (self.root / name).mkdir()  # exclusive: two processes never share a number
            except FileExistsError:
                number += 1
                continue
            index = tantivy.Index(self.schema, path=str(self.root / name), reuse=False)
            register_analyzers(index)
            self._open[name] = index
            return name

    def names(self) -> list[str]:
        """Complete versions (with their meta.json), oldest first."""
        if not self.root.is_dir():
            return []
        found = [
            p.name
            for p in self.root.iterdir()
            if self._pattern.match(p.name) and (p / "meta.json").is_file()
        ]
        return sorted(found, key=self._number)

    def live(self) -> str | None:
        try:
            name = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def pointer_key(self) -> tuple[int, int, int] | None:
        """Changes whenever the pointer is replaced; None when there is no pointer."""
        try:
            st = os.stat(self.pointer)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def written_key(self, version: str) -> int:
        """Changes whenever a commit lands in `version` (its meta.json is replaced)."""
        return os.stat(self.root / version / "meta.json").st_mtime_ns

    def switch(self, version: str) -> None:
        if version not in self.names():
            raise NotFound(f"index version {version} does not exist")
        write_atomic(self.pointer, (version + "\n").encode("utf-8"))

    def drop(self, version: str) -> None:
        if version == self.live():
            raise ValueError(f"index version {version} is live and cannot be dropped")
        if version not in self.names():
            raise NotFound(f"index version {version} does not exist")
        self._open.pop(version, None)
        shutil.rmtree(self.root / version)

    def index(self, version: str) -> tantivy.Index:
        """The opened index of a version (kept open); NotFound when there is no such version."""
        index = self._open.get(version)
        if index is None:
            index = self.open_new(version)
            self._open[version] = index
        return index

    def open_new(self, version: str) -> tantivy.Index:
        """A new handle on a version (a reader of its own); NotFound when it does not exist."""
        path = self.root / version
        if not self._pattern.match(version) or not (path / "meta.json").is_file():
            raise NotFound(f"index version {version} does not exist")
        try:
            index = tantivy.Index.open(str(path))
        except (OSError, ValueError):
            raise NotFound(f"index version {version} cannot be opened") from None
        register_analyzers(index)
        return index

    def close(self) -> None:
        self._open.clear()

    def _number(self, version: str) -> int:
        match = self._pattern.match(version)
        return int(match.group(1)) if match else -1
