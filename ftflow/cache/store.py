"""The on-disk cache: one directory per key, written atomically, checked on every hit, guarded by locks.

Layout under the cache root::

    entries/ab/abcd.../artifact/   the stage's files        (complete or absent, never partial)
    entries/ab/abcd.../meta.json   every file's digest and size, metadata (written before the rename)
    tmp/                           entries being built      (a crash leaves debris here, never an entry)
    work/<key>/                    scratch that survives a crash (trainer checkpoints) until success
    locks/<key>.lock               exclusive flock per key, so concurrent runs build each entry once
    leases/<key>                   shared flock per key a live run reads or writes; gc skips leased keys
    quarantine/<key>.<when>/       damaged entries moved aside (never reused; gc deletes them)
    trash/                         entries gc is deleting (moved here first, so no half-entry is visible)

A hit is trusted only after a check: meta.json parses, its digest matches its file list, every file
exists with its recorded size and — for the entries a run reads — its recorded sha256 (through the
stat cache, so an unchanged file is a ``stat``, not a re-read).  A damaged entry is quarantined and the
stage rebuilt.  A build commits only if the inputs it read still match their recorded digests.
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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ftflow.cache.digests import DigestCache, sha256_file, tree_listing


class CacheDamaged(RuntimeError):
    """An input entry changed while a stage ran: the build is discarded instead of committed."""


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


def entry_digest(files: dict[str, str], metadata: dict[str, Any]) -> str:
    """What downstream keys use: the files by content and the deterministic metadata (never the record)."""
    content = {"files": files, "metadata": metadata}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def meta_problem(meta: Any) -> str | None:
    """Why a meta.json (or a remote's copy of one) cannot describe a complete entry, or None."""
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict) or "digest" not in meta:
        return "meta.json lacks its file list or digest"
    if entry_digest(meta["files"], meta.get("metadata", {})) != meta["digest"]:
        return "meta.json's digest does not match its file list and metadata"
    sizes = meta.get("sizes")
    if sizes is not None and (not isinstance(sizes, dict) or set(sizes) != set(meta["files"])):
        return "meta.json's sizes do not match its file list"
    return None


def split_record(metadata: dict[str, Any], measurements: Iterable[str],
                 host_root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(hashed metadata, unhashed record): the provider's declared ``measurements``, and any value that
    names a path inside this workspace (``host_root``), describe this machine, not the artifact."""
    measured = set(measurements)
    root = str(host_root.resolve())
    kept, record = {}, {}
    for name, value in metadata.items():
        host = root in json.dumps(value, default=str, ensure_ascii=False)
        (record if name in measured or host else kept)[name] = value
    return kept, record


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


def _listing(root: Path) -> set[str]:
    return {(Path(d) / f).relative_to(root).as_posix() for d, _, names in os.walk(root) for f in names}


class CacheStore:
    def __init__(self, root: Path, remote: Any = None) -> None:
        self.root = root
        self.remote = remote  # a ftflow.cache.remote.Remote for read-through/write-back, or None
        self.log: Callable[[str], None] = lambda message: None
        self._held: set[str] = set()  # build locks this process holds (the lock is re-entrant)
        self._leases: dict[str, IO[str]] = {}
        self._digests: DigestCache | None = None

    @property
    def digests(self) -> DigestCache:
        """The stat cache of file digests, shared by key computation and entry checks."""
        if self._digests is None:
            self._digests = DigestCache(self.root / "digests.json")
        return self._digests

    def _entry_dir(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / key

    # -- lookups ------------------------------------------------------------------------------------
    def lookup(self, key: str, *, deep: bool = False) -> Entry | None:
        """The entry of ``key`` if it is complete and undamaged; a damaged one is quarantined (None).

        The cheap check (``deep=False``) reads meta.json and stats every file; ``deep`` also compares
        each file's sha256 (a stat when the stat cache knows the file)."""
        path = self._entry_dir(key)
        if not path.exists():
            return None
        entry, problem = self._load(key, path, deep)
        if problem is None:
            return entry
        self.quarantine(key, problem, deep=deep)
        return self.lookup(key, deep=deep) if path.exists() else None

    def obtain(self, key: str) -> Entry | None:
        """What a run uses: lease the key, check its entry deeply, and pull it from the remote on a miss."""
        self.lease(key)
        entry = self.lookup(key, deep=True)
        if entry is None and self.remote is not None and self.remote.read:
            with self.lock(key):
                entry = self.lookup(key, deep=True) or self._pull(key)
        return entry

    def _pull(self, key: str) -> Entry | None:
        try:
            return self.remote.pull(self, key)
        except Exception as exc:  # a remote that is down must not fail a run that can rebuild
            self.log(f"remote {self.remote.url}: could not pull {key[:10]} ({type(exc).__name__}: {exc}); "
                     f"building it here")
            return None

    def _load(self, key: str, path: Path, deep: bool) -> tuple[Entry | None, str | None]:
        try:
            meta = json.loads((path / "meta.json").read_text())
        except FileNotFoundError:
            return None, "meta.json is missing"
        except (OSError, ValueError) as exc:
            return None, f"meta.json is unreadable ({type(exc).__name__})"
        entry = Entry(key, path, meta)
        return entry, meta_problem(meta) or self.check(entry, deep=deep)

    def check(self, entry: Entry, *, deep: bool = True, stat_cache: bool = True) -> str | None:
        """The first problem of an entry's files against its meta.json, or None."""
        return next(self.problems(entry, deep=deep, stat_cache=stat_cache), None)

    def problems(self, entry: Entry, *, deep: bool = True, stat_cache: bool = True) -> Iterator[str]:
        """Every problem of an entry's files against its meta.json: missing, unexpected, resized and —
        with ``deep`` — changed files (through the stat cache unless ``stat_cache`` is False)."""
        files, sizes = entry.meta.get("files", {}), entry.meta.get("sizes") or {}
        if not entry.artifact.is_dir():
            yield "artifact folder is missing"
            return
        for rel in sorted(_listing(entry.artifact) - set(files)):
            yield f"unexpected file {rel}"
        for rel, expected in files.items():
            path = entry.artifact / rel
            try:
                size = path.stat().st_size
            except OSError:
                yield f"missing file {rel}"
                continue
            if rel in sizes and size != sizes[rel]:
                yield f"size of {rel} is {size} bytes, recorded {sizes[rel]}"
            elif deep and (self.digests.digest(path) if stat_cache else sha256_file(path)) != expected:
                yield f"digest mismatch in {rel}"

    def quarantine(self, key: str, reason: str, *, deep: bool = True) -> Path | None:
        """Move a damaged entry aside (under its build lock, after checking again) so it is never reused."""
        path = self._entry_dir(key)
        with self.lock(key):
            if not path.exists():
                return None
            _, problem = self._load(key, path, deep)
            if problem is None:  # another process rebuilt it meanwhile
                return None
            target = self.root / "quarantine" / f"{key}.{time.strftime('%Y%m%d-%H%M%S')}.{uuid.uuid4().hex[:6]}"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, target)
            (target / "REASON").write_text(problem + "\n")
        self.log(f"cache entry {key[:10]} is damaged ({problem}): moved to {target}; rebuilding it")
        return target

    # -- locks and leases ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Exclusive lock on one key; released by the kernel if the process dies; re-entrant."""
        if key in self._held:
            yield
            return
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"{key}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            self._held.add(key)
            try:
                yield
            finally:
                self._held.discard(key)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def lease(self, key: str) -> None:
        """A shared lease on ``key`` until ``release_leases``: gc leaves the entry alone meanwhile."""
        if key in self._leases:
            return
        lease_dir = self.root / "leases"
        lease_dir.mkdir(parents=True, exist_ok=True)
        handle = open(lease_dir / key, "a")  # noqa: SIM115 - held open for the run's lifetime
        fcntl.flock(handle, fcntl.LOCK_SH)  # waits while gc moves this entry to the trash
        self._leases[key] = handle

    def release_leases(self) -> None:
        for handle in self._leases.values():
            handle.close()  # closing drops the flock
        self._leases.clear()

    @contextlib.contextmanager
    def _claim(self, key: str) -> Iterator[bool]:
        """True (holding the lease exclusively) when no live run leases ``key``."""
        lease_dir = self.root / "leases"
        lease_dir.mkdir(parents=True, exist_ok=True)
        with open(lease_dir / key, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- building -----------------------------------------------------------------------------------
    def work_dir(self, key: str) -> Path:
        path = self.root / "work" / key
        path.mkdir(parents=True, exist_ok=True)
        return path

    def new_build_dir(self, key: str) -> Path:
        """A fresh private directory; the provider writes the artifact into ``<it>/artifact``."""
        path = self.root / "tmp" / f"{key}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        (path / "artifact").mkdir(parents=True)
        return path

    def commit(self, key: str, build_dir: Path, meta: dict[str, Any], inputs: Iterable[Entry] = (),
               push: bool = True) -> Entry:
        """Digest, fsync and rename the build directory into place; the rename is the commit point.

        ``meta["metadata"]`` enters the digest, ``meta["record"]`` (timings, host facts) does not.  Every
        entry in ``inputs`` is checked again first: a build that read changed inputs never commits under
        the key those inputs' recorded digests gave."""
        for entry in inputs:
            problem = self.check(entry)
            if problem is not None:
                self.discard(build_dir)
                self.quarantine(entry.key, problem)
                raise CacheDamaged(f"input entry {entry.key[:10]} changed while this stage ran ({problem}); "
                                   f"nothing was committed, and a rerun rebuilds that input")
        files, sizes = tree_listing(build_dir / "artifact")
        metadata = meta.get("metadata", {})
        meta = {**meta, "key": key, "files": files, "sizes": sizes, "digest": entry_digest(files, metadata),
                "created": time.time()}
        (build_dir / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
        _fsync_tree(build_dir)
        final = self._entry_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        with self.lock(key):
            if final.exists() and self.lookup(key) is not None:  # a complete entry won the race
                shutil.rmtree(build_dir, ignore_errors=True)
            else:
                os.rename(build_dir, final)
                _fsync_dir(final.parent)
        shutil.rmtree(self.root / "work" / key, ignore_errors=True)
        entry = self.lookup(key)
        assert entry is not None, f"entry {key} vanished right after its commit"
        for rel, value in entry.meta["files"].items():
            self.digests.remember(entry.artifact / rel, value)
        self.digests.save()
        if push and self.remote is not None and self.remote.write:
            try:
                self.remote.push(entry)
            except Exception as exc:  # the entry is safe here; sharing it can be retried (cache push)
                self.log(f"remote {self.remote.url}: could not push {key[:10]} ({type(exc).__name__}: {exc})")
        return entry

    def discard(self, build_dir: Path) -> None:
        shutil.rmtree(build_dir, ignore_errors=True)

    # -- listing, verify, gc ------------------------------------------------------------------------
    def entries(self) -> list[Entry]:
        out = []
        for path in sorted((self.root / "entries").glob("*/*")):
            try:
                out.append(Entry(path.name, path, json.loads((path / "meta.json").read_text())))
            except (OSError, ValueError):
                out.append(Entry(path.name, path, {"damaged": True}))
        return out

    def verify(self, *, fix: bool = False) -> list[str]:
        """Re-hash every file of every entry (no stat cache); one line per problem.  With ``fix``
        damaged entries go to quarantine, so the next run rebuilds them."""
        lines = []
        for entry in self.entries():
            loaded, problem = self._load(entry.key, entry.path, deep=False)
            if loaded is None or meta_problem(loaded.meta):  # meta.json itself is damaged
                found = [problem or "meta.json is damaged"]
            else:
                found = list(self.problems(loaded, deep=True, stat_cache=False))
            if not found:
                continue
            lines += [f"{entry.key[:12]}: {p}" for p in found]
            if fix:
                moved = self.quarantine(entry.key, found[0])
                lines.append(f"{entry.key[:12]}: " + (f"moved to {moved}" if moved else "rebuilt meanwhile"))
        return lines

    def gc(self, keep: set[str], *, dry_run: bool = False) -> list[str]:
        """Remove entries not in ``keep`` and not leased by a live run (each moved to ``trash/`` first),
        quarantined entries, and leftovers of crashed builds; return one line per thing removed."""
        removed = []
        trash = self.root / "trash"
        if not dry_run:
            for leftover in list(trash.glob("*")):  # an earlier gc that was interrupted
                shutil.rmtree(leftover, ignore_errors=True)
        for entry in self.entries():
            if entry.key in keep:
                continue
            with self._claim(entry.key) as free:
                if not free:
                    removed.append(f"kept {entry.path} (in use by a running ftflow run)")
                    continue
                removed.append(f"{entry.path}")
                if dry_run:
                    continue
                trash.mkdir(parents=True, exist_ok=True)
                target = trash / f"{entry.key}.{uuid.uuid4().hex[:6]}"
                os.rename(entry.path, target)
            shutil.rmtree(target, ignore_errors=True)
        for damaged in sorted((self.root / "quarantine").glob("*")):
            removed.append(str(damaged))
            if not dry_run:
                shutil.rmtree(damaged, ignore_errors=True)
        removed += self._gc_debris(keep, dry_run)
        if not dry_run and self.digests.prune():
            self.digests.save()
        return removed

    def _gc_debris(self, keep: set[str], dry_run: bool) -> list[str]:
        """``tmp/`` builds and ``work/`` scratch whose key no live process holds."""
        removed = []
        for leftover in sorted([*(self.root / "tmp").glob("*"), *(self.root / "work").glob("*")]):
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
