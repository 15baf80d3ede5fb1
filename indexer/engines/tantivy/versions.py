"""The on-disk layout of the embedded engine: numbered index versions and the live pointer.

Under `root` (`<data_dir>/tantivy/`): one directory `<index_name>-v<N>/` per version and the
file `<index_name>.live` naming the live one. A version holds two tantivy indices, `articles/`
and `passages/` (with the stored pages): tantivy's BM25 measures a field's average length
over every document of an index, so each grain has an index of its own (an article is
compared with articles, a passage with passages). The pointer is replaced atomically (temp file +
os.replace), so a reader sees the old or the new name, never half of one, and `pointer_key()`
lets a long-lived reader notice a switch made by another process with one `stat`.

Damage is found before tantivy touches it: tantivy maps segment files into memory, and a
truncated file kills the reading process with SIGBUS. Every segment file ends with a footer
that tantivy writes at commit time (a JSON object holding the CRC-32 of the file's body, its
length as 4 bytes and the magic number 1337): `files()` checks that each file the version's
meta.json names is there with an intact footer (with `checksums`, also its CRC-32), and a
reader re-checks the sizes it saw (`recheck`) before each use. A pointer that is not UTF-8,
names no version of this index, or is missing while versions hold documents is damage too.
All of it is raised as `IndexDamaged` (the API's 503); a full reindex repairs it.

A version is dropped by renaming it to a trash name first (one atomic step: it is no version
any more), then deleting the trash; a drop killed half-way leaves only trash, removed later.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import uuid
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import tantivy

from indexer.atomic import write_atomic
from indexer.engines.tantivy.schema import register_analyzers
from indexer.errors import IndexDamaged, NotFound

# The files of one segment (tantivy's SegmentComponent), plus `<id>.<opstamp>.del` when the
# segment has deletes.
_SEGMENT_PARTS = ("idx", "pos", "term", "store", "fast", "fieldnorm")
_FOOTER_MAGIC = 1337
_FOOTER_MAX = 50_000
_TRASH = ".trash-"
_CHUNK = 1 << 20
PARTS = ("articles", "passages")


@dataclass
class VersionIndex:
    """The two tantivy indices of one version."""

    articles: tantivy.Index
    passages: tantivy.Index

    def part(self, name: str) -> tantivy.Index:
        """The index of a grain: "article"/"articles" or "passage"/"passages"."""
        return self.articles if name.startswith("article") else self.passages

    def reload(self) -> None:
        self.articles.reload()
        self.passages.reload()


@dataclass(frozen=True)
class VersionFiles:
    """The segment files of a version as checked: path -> size, and the meta.json they
    belong to (its mtime: a commit replaces it)."""

    version: str
    meta_key: tuple[int, ...]
    sizes: dict[Path, int]


class VersionStore:
    """The versions of one index name below `root`, and which one is live."""

    def __init__(self, root: Path, index_name: str, schema: tantivy.Schema) -> None:
        self.root = root
        self.index_name = index_name
        self.schema = schema
        self._pattern = re.compile(rf"^{re.escape(index_name)}-v(\d+)$")
        self._open: dict[str, VersionIndex] = {}

    @property
    def pointer(self) -> Path:
        return self.root / f"{self.index_name}.live"

    def create(self) -> str:
        """A new, empty version with the next free number (not live yet)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._empty_trash()
        number = max((self._number(v) for v in self.names()), default=0) + 1
        while True:
            name = f"{self.index_name}-v{number}"
            try:
                (self.root / name).mkdir()  # exclusive: two processes never share a number
            except FileExistsError:
                number += 1
                continue
            parts = []
            for part in PARTS:
                (self.root / name / part).mkdir()
                index = tantivy.Index(self.schema, path=str(self.root / name / part),
                                      reuse=False)
                register_analyzers(index)
                parts.append(index)
            self._open[name] = VersionIndex(*parts)
            return name

    def names(self) -> list[str]:
        """Complete versions (each part with its meta.json), oldest first."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir()
                 if self._pattern.match(p.name) and self._complete(p.name)]
        return sorted(found, key=self._number)

    def live(self) -> str | None:
        """The version the pointer names; None without a pointer. Raises IndexDamaged when
        the pointer cannot be read as a version name, or names a version that is not there."""
        name = self._pointer_text()
        if name is None:
            return None
        if not self._pattern.match(name):
            raise IndexDamaged(
                f"the live pointer {self.pointer} names {name[:80]!r}, which is not a version "
                f"of index {self.index_name!r}"
            )
        if not self._complete(name):
            raise IndexDamaged(f"the live pointer names {name}, which does not exist")
        return name

    def _complete(self, version: str) -> bool:
        return all(self._meta(version, part).is_file() for part in PARTS)

    def _meta(self, version: str, part: str) -> Path:
        return _meta_path(str(self.root), version, part)

    def _pointer_text(self) -> str | None:
        try:
            raw = self.pointer.read_bytes()
        except FileNotFoundError:
            return None
        try:
            name = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise IndexDamaged(f"the live pointer {self.pointer} is not UTF-8 text") from None
        return name or None

    def unpointed(self) -> list[str]:
        """With no live pointer: the versions that hold committed documents (a version being
        built holds none until its one commit). Any is damage: the pointer was lost."""
        try:
            if self._pointer_text() is not None:
                return []
        except IndexDamaged:
            return []  # a pointer there is, damaged: that is the problem to report
        return [v for v in self.names() if any(self._segments(v, part) for part in PARTS)]

    def pointer_key(self) -> tuple[int, int, int] | None:
        """Changes whenever the pointer is replaced; None when there is no pointer."""
        try:
            st = os.stat(self.pointer)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def written_key(self, version: str) -> tuple[int, ...]:
        """Changes whenever a commit lands in `version` (a part's meta.json is replaced:
        a new inode, and mostly a new time)."""
        key: list[int] = []
        for part in PARTS:
            meta = os.stat(self._meta(version, part))
            key += (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        return tuple(key)

    def switch(self, version: str) -> None:
        if version not in self.names():
            raise NotFound(f"index version {version} does not exist")
        write_atomic(self.pointer, (version + "\n").encode("utf-8"))

    def drop(self, version: str) -> None:
        """Delete a version (never the one the pointer names): renamed away at once, then
        deleted, so that a drop killed half-way leaves no half version behind."""
        try:
            named = self._pointer_text()
        except IndexDamaged:
            named = None  # an unreadable pointer protects nothing
        if version == named:
            raise ValueError(f"index version {version} is live and cannot be dropped")
        if version not in self.names():
            raise NotFound(f"index version {version} does not exist")
        self._open.pop(version, None)
        trash = self.root / f"{_TRASH}{version}-{uuid.uuid4().hex[:12]}"
        os.rename(self.root / version, trash)
        self._empty_trash()

    def _empty_trash(self) -> None:
        """Delete what drops left (also those of a killed process)."""
        if self.root.is_dir():
            for path in self.root.glob(f"{_TRASH}*"):
                shutil.rmtree(path, ignore_errors=True)

    def index(self, version: str) -> VersionIndex:
        """The opened indices of a version (kept open); NotFound when there is no such
        version, IndexDamaged when its files are not intact (one not live is checked whole)."""
        index = self._open.get(version)
        if index is None:
            try:
                live = self._pointer_text()
            except IndexDamaged:
                live = None
            index = self.open_new(version, checksums=version != live)
            self._open[version] = index
        return index

    def open_new(self, version: str, checksums: bool = False) -> VersionIndex:
        """A new handle on a version (a reader of its own), its files checked first (see
        `files`); NotFound when it does not exist, IndexDamaged when it is damaged."""
        return self.open_checked(version, checksums)[0]

    def open_checked(
        self, version: str, checksums: bool = False
    ) -> tuple[VersionIndex, VersionFiles]:
        """`open_new`, with the files as checked (for `recheck` before each later use)."""
        if not self._pattern.match(version) or not self._complete(version):
            raise NotFound(f"index version {version} does not exist")
        files = self.files(version, checksums=checksums)
        parts = []
        for part in PARTS:
            try:
                index = tantivy.Index.open(str(self.root / version / part))
            except (OSError, ValueError) as exc:
                raise IndexDamaged(f"index version {version} cannot be opened: "
                                   f"{exc}") from None
            register_analyzers(index)
            parts.append(index)
        return VersionIndex(*parts), files

    def files(self, version: str, checksums: bool = False) -> VersionFiles:
        """The segment files of `version`'s last commit, each checked: present, ending in an
        intact tantivy footer, and with `checksums` its body's CRC-32 as the footer says.
        Raises IndexDamaged naming the first file that is not.

        A file that vanishes while another process commits (its merge or garbage collection
        removes the segments the previous commit named) is no damage: the new commit's files
        are checked instead (a few times at most: a writer that never stops is no excuse for
        a file that is missing for good)."""
        raced = 0
        while True:
            meta_key = self._meta_key(version)
            try:
                sizes = {}
                for part in PARTS:
                    for name in self._segment_files(version, part):
                        path = self.root / version / part / name
                        sizes[path] = _checked_size(path, version, checksums)
                return VersionFiles(version, meta_key, sizes)
            except IndexDamaged:
                raced += 1
                if raced > _COMMITS_RACED or self._meta_key(version) == meta_key:
                    raise

    def recheck(self, files: VersionFiles) -> VersionFiles:
        """`files` when every file still has the size it had (a stat each), else
        IndexDamaged; after a new commit (meta.json replaced), the new files checked anew."""
        if self._meta_key(files.version) != files.meta_key:
            return self.files(files.version)
        for path, size in files.sizes.items():
            try:
                now = os.stat(path).st_size
            except FileNotFoundError:
                if self._meta_key(files.version) != files.meta_key:
                    return self.files(files.version)  # a commit raced this check
                raise IndexDamaged(f"index version {files.version}: {path.name} "
                                   "has vanished") from None
            if now != size:
                raise IndexDamaged(f"index version {files.version}: {path.name} is "
                                   f"{now} bytes, it was {size} (truncated or overwritten)")
        return files

    def _meta_key(self, version: str) -> tuple[int, ...]:
        try:
            return self.written_key(version)
        except FileNotFoundError:
            raise IndexDamaged(f"index version {version} has no meta.json") from None

    def _segments(self, version: str, part: str) -> list[dict[str, object]]:
        try:
            meta = json.loads(self._meta(version, part).read_bytes())
            segments = meta["segments"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"index version {version}: meta.json cannot be read: "
                               f"{exc}") from None
        if not isinstance(segments, list):
            raise IndexDamaged(f"index version {version}: meta.json names no segment list")
        return segments

    def _segment_files(self, version: str, part: str) -> list[str]:
        names = []
        for segment in self._segments(version, part):
            try:
                base = str(segment["segment_id"]).replace("-", "")
                deletes = segment.get("deletes")
                names += [f"{base}.{part}" for part in _SEGMENT_PARTS]
                if isinstance(deletes, dict):
                    names.append(f"{base}.{int(deletes['opstamp'])}.del")
            except (KeyError, TypeError, ValueError, AttributeError):
                raise IndexDamaged(f"index version {version}: meta.json names a segment "
                                   f"it does not describe: {segment!r:.200}") from None
        return names

    def close(self) -> None:
        self._open.clear()

    def _number(self, version: str) -> int:
        match = self._pattern.match(version)
        return int(match.group(1)) if match else -1


_COMMITS_RACED = 3  # commits by another process a check of the files may race before it fails


def _checked_size(path: Path, version: str, checksums: bool) -> int:
    """The size of one segment file whose footer (and with `checksums`, CRC-32) is intact."""

    def damaged(problem: str) -> IndexDamaged:
        return IndexDamaged(f"index version {version}: {path.name} {problem}")

    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 8:
                raise damaged(f"is {size} bytes: truncated")
            handle.seek(size - 8)
            length, magic = struct.unpack("<II", handle.read(8))
            if magic != _FOOTER_MAGIC or length > min(_FOOTER_MAX, size - 8):
                raise damaged("has no intact footer: truncated or overwritten")
            body = size - 8 - length
            handle.seek(body)
            try:
                crc = int(json.loads(handle.read(length))["crc"])
            except (ValueError, KeyError, TypeError):
                raise damaged("has no intact footer: truncated or overwritten") from None
            if checksums and _crc32(handle, body) != crc:
                raise damaged("does not match its checksum: its content is damaged")
    except FileNotFoundError:
        raise damaged("is missing") from None
    except OSError as exc:
        raise damaged(f"cannot be read: {exc}") from None
    return size


def _crc32(handle: BinaryIO, length: int) -> int:
    """CRC-32 (as tantivy's crc32fast and zlib compute it) of the first `length` bytes."""
    handle.seek(0)
    crc, left = 0, length
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    return crc


@lru_cache(maxsize=256)
def _meta_path(root: str, version: str, part: str) -> Path:
    """A part's meta.json (built once: it is stat-ed on every read of the live version)."""
    return Path(root) / version / part / "meta.json"
