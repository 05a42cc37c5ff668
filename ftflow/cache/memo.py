"""Fine-grained memoisation inside a stage: items smaller than an artifact, keyed by content.

The eval stage stores each variant's generations here, keyed by the variant's model digest, the prompts
and the decoding settings, so adding a variant to a recipe does not regenerate the others even though
the eval stage itself reruns.  Writes are atomic (temp file + rename); a hit refreshes the mtime so
``ftflow cache gc`` can drop items unused for a while.

Besides JSON values the memo keeps whole files (``put_file`` / ``file``), for derived artifacts too big
for JSON that a stage would otherwise rebuild on every rerun (the eval stage's llama.cpp conversions).
Each file's size is recorded beside it (``<name>.size``) when it is stored: a file found with another
size (truncated by a full disk or by hand) is deleted and reported as a miss, so it is rebuilt, not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any


class Memo:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def key(*parts: Any) -> str:
        """A digest of JSON-able parts (digests, configs, prompt lists)."""
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            value = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        os.utime(path)
        return value

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def _file_path(self, key: str, suffix: str) -> Path:
        return self.root / "files" / key[:2] / f"{key}{suffix}"

    @staticmethod
    def _size_path(path: Path) -> Path:
        return path.with_name(path.name + ".size")

    def file(self, key: str, suffix: str = "") -> Path | None:
        """The file stored under ``key`` (its mtime refreshed), or None — also when its size is not the
        size it was stored with (the damaged file is deleted)."""
        path = self._file_path(key, suffix)
        if not path.is_file():
            return None
        sized = self._size_path(path)
        try:
            recorded = int(sized.read_text())
        except (OSError, ValueError):
            recorded = None  # stored before sizes were recorded
        if recorded is not None and path.stat().st_size != recorded:
            path.unlink(missing_ok=True)
            sized.unlink(missing_ok=True)
            return None
        os.utime(path)
        if recorded is not None:
            os.utime(sized)
        return path

    def put_file(self, key: str, source: Path, suffix: str = "") -> Path:
        """Move ``source`` (on the same file system, e.g. built under ``tmp_dir()``) into the memo, atomically."""
        path = self._file_path(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as handle:
            os.fsync(handle.fileno())
        sized = self._size_path(path)
        tmp = sized.with_name(f".{sized.name}.{os.getpid()}.tmp")
        tmp.write_text(str(source.stat().st_size))
        os.replace(tmp, sized)
        os.replace(source, path)
        return path

    def tmp_dir(self) -> Path:
        """A scratch folder on the memo's file system, for building files handed to ``put_file``."""
        path = self.root / "files" / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def prune(self, older_than_days: float) -> list[str]:
        cutoff = time.time() - older_than_days * 86400
        removed = []
        for path in [*self.root.glob("*/*.json"), *self.root.glob("files/*/*")]:
            if path.name.endswith(".size"):
                continue  # goes with its file
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                self._size_path(path).unlink(missing_ok=True)
                removed.append(str(path))
        return removed
