"""Fine-grained memoisation inside a stage: items smaller than an artifact, keyed by content.

The eval stage stores each variant's generations here, keyed by the variant's model digest, the prompts
and the decoding settings, so adding a variant to a recipe does not regenerate the others even though
the eval stage itself reruns.  Writes are atomic (temp file + rename); a hit refreshes the mtime so
``ftflow cache gc`` can drop items unused for a while.
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

    def prune(self, older_than_days: float) -> list[str]:
        cutoff = time.time() - older_than_days * 86400
        removed = []
        for path in self.root.glob("*/*.json"):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(str(path))
        return removed
