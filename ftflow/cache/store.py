"""The on-disk cache: one directory per key, written atomically, guarded by a lock per key.

Layout under the cache root::

    entries/ab/abcd.../artifact/   the stage's files        (complete or absent, never partial)
    entries/ab/abcd.../meta.json   digests and metadata     (written before the entry is renamed in)
    tmp/                           entries being built      (a crash leaves debris here, never an entry)
    work/<key>/                    scratch that survives a crash (trainer checkpoints) until success
    locks/<key>.lock               flock per key, so concurrent runs build each entry once
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftflow.cache.digests import tree_files


@dataclasses.dataclass
class Entry:
    key: str
    path: Path
    meta: dict[str, Any]

    @property
    def artifact(self) -> Path:
        return self.path / "artifact"

    @property
    def digest(self) -> str:
        return self.meta["digest"]


def _fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(Path(dirpath) / name, "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CacheStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _entry_dir(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / key

    def lookup(self, key: str) -> Entry | None:
        path = self._entry_dir(key)
        meta_path = path / "meta.json"
        if not meta_path.exists():
            return None
        return Entry(key, path, json.loads(meta_path.read_text()))

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Exclusive lock on one key; released by the kernel if the process dies."""
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"{key}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def work_dir(self, key: str) -> Path:
        path = self.root / "work" / key
        path.mkdir(parents=True, exist_ok=True)
        return path

    def new_build_dir(self, key: str) -> Path:
        """A fresh private directory; the provider writes the artifact into ``<it>/artifact``."""
        path = self.root / "tmp" / f"{key}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        (path / "artifact").mkdir(parents=True)
        return path

    def commit(self, key: str, build_dir: Path, meta: dict[str, Any]) -> Entry:
        """Digest, fsync and rename the build directory into place; the rename is the commit point."""
        files = tree_files(build_dir / "artifact")
        # Downstream keys use this digest: it covers the files by content and the metadata they read.
        content = {"files": files, "metadata": meta.get("metadata", {})}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
        meta = {**meta, "key": key, "files": files, "digest": digest, "created": time.time()}
        (build_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        _fsync_tree(build_dir)
        final = self._entry_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # a complete entry won the race (we hold the lock, so only on a manual copy)
            shutil.rmtree(build_dir, ignore_errors=True)
        else:
            os.rename(build_dir, final)
            _fsync_dir(final.parent)
        shutil.rmtree(self.root / "work" / key, ignore_errors=True)
        return self.lookup(key)  # type: ignore[return-value]

    def discard(self, build_dir: Path) -> None:
        shutil.rmtree(build_dir, ignore_errors=True)

    def entries(self) -> list[Entry]:
        out = []
        for meta_path in sorted((self.root / "entries").glob("*/*/meta.json")):
            try:
                out.append(Entry(meta_path.parent.name, meta_path.parent, json.loads(meta_path.read_text())))
            except ValueError:
                out.append(Entry(meta_path.parent.name, meta_path.parent, {"damaged": True}))
        return out

    def verify(self) -> list[str]:
        """Re-hash every entry; return one problem line per damaged entry."""
        problems = []
        for entry in self.entries():
            if entry.meta.get("damaged"):
                problems.append(f"{entry.key[:12]}: meta.json is unreadable")
                continue
            actual = tree_files(entry.artifact) if entry.artifact.exists() else {}
            expected = entry.meta.get("files", {})
            for rel in sorted(set(expected) | set(actual)):
                if rel not in actual:
                    problems.append(f"{entry.key[:12]}: missing file {rel}")
                elif rel not in expected:
                    problems.append(f"{entry.key[:12]}: unexpected file {rel}")
                elif actual[rel] != expected[rel]:
                    problems.append(f"{entry.key[:12]}: digest mismatch in {rel}")
        return problems

    def gc(self, keep: set[str], *, dry_run: bool = False) -> list[str]:
        """Remove entries not in ``keep``, and unlocked leftovers of crashed builds; return what went."""
        removed = []
        for entry in self.entries():
            if entry.key not in keep:
                removed.append(str(entry.path))
                if not dry_run:
                    shutil.rmtree(entry.path, ignore_errors=True)
        for leftover in list((self.root / "tmp").glob("*")) + list((self.root / "work").glob("*")):
            key = leftover.name.split(".")[0]
            (self.root / "locks").mkdir(parents=True, exist_ok=True)
            with open(self.root / "locks" / f"{key}.lock", "a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live run is building it
                try:
                    if leftover.parent.name == "work" and key in keep:
                        continue
                    removed.append(str(leftover))
                    if not dry_run:
                        shutil.rmtree(leftover, ignore_errors=True)
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        return removed
