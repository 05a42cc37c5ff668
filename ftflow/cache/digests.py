"""Content digests of files and directories, with a stat cache so unchanged big files are not re-read."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tree_files(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every regular file below ``root`` (symlinks are followed)."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath) / filename
            out[path.relative_to(root).as_posix()] = sha256_file(path)
    return dict(sorted(out.items()))


def tree_listing(root: Path) -> tuple[dict[str, str], dict[str, int]]:
    """(relative path -> sha256, relative path -> size) of every regular file below ``root``."""
    files, sizes = {}, {}
    for dirpath, _, filenames in os.walk(root):
        for filename in filenames:
            path = Path(dirpath) / filename
            rel = path.relative_to(root).as_posix()
            files[rel] = sha256_file(path)
            sizes[rel] = path.stat().st_size
    return dict(sorted(files.items())), dict(sorted(sizes.items()))


def digest_of_files(files: dict[str, str]) -> str:
    """One digest for a file listing: names *within* an artifact matter, the artifact's location does not."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


class DigestCache:
    """Remembers (path, size, mtime, inode) -> sha256, persisted as JSON in the cache directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list] = {}
        self._dirty = False
        if path.exists():
            try:
                loaded = json.loads(path.read_text())
            except (OSError, ValueError):
                loaded = {}  # a damaged stat cache only costs re-hashing
            self._entries = loaded if isinstance(loaded, dict) else {}

    def digest(self, path: Path) -> str:
        """Content digest of a file, or of a directory's listing of content digests."""
        path = path.resolve()
        if path.is_dir():
            return digest_of_files({rel: self.digest(path / rel) for rel in _listing(path)})
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        hit = self._entries.get(str(path))
        if hit and hit[:3] == signature:
            return hit[3]
        value = sha256_file(path)
        self._entries[str(path)] = [*signature, value]
        self._dirty = True
        return value

    def remember(self, path: Path, value: str) -> None:
        """Record a digest just computed elsewhere (a commit), so the next check of the file is a stat."""
        path = path.resolve()
        stat = path.stat()
        self._entries[str(path)] = [stat.st_size, stat.st_mtime_ns, stat.st_ino, value]
        self._dirty = True

    def prune(self) -> int:
        """Forget files that no longer exist (entries removed by gc); return how many went."""
        gone = [p for p in self._entries if not os.path.exists(p)]
        for path in gone:
            del self._entries[path]
        self._dirty = self._dirty or bool(gone)
        return len(gone)

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self._entries))
        os.replace(tmp, self.path)
        self._dirty = False


def _listing(root: Path) -> list[str]:
    return sorted(
        (Path(d) / f).relative_to(root).as_posix() for d, _, names in os.walk(root) for f in names
    )
