"""Shared helpers: deterministic RNG, JSONL writing, small text utilities."""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 20260101


def rng_for(name: str) -> random.Random:
    """Return a Random seeded from the global seed and a stable name."""
    salt = sum((i + 1) * ord(c) for i, c in enumerate(name))
    return random.Random(SEED * 1000003 + salt)


def jsonl_text(rows: list[dict]) -> str:
    """Serialise rows as JSON lines (one object per line, UTF-8 friendly)."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def json_text(obj: dict) -> str:
    """Serialise one pretty-printed JSON document."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def emit(path: Path, text: str, check_only: bool) -> bool:
    """Write text to path, or (check_only) report whether the file already matches."""
    if check_only:
        return path.is_file() and path.read_bytes() == text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return True


def msg(role: str, content: str) -> dict:
    """Build one chat message."""
    return {"role": role, "content": content}


def number_ids(rows: list[dict], prefix: str) -> list[dict]:
    """Assign sequential ids like ``prefix-0001`` (id becomes the first key)."""
    out = []
    for i, row in enumerate(rows, 1):
        new = {"id": f"{prefix}-{i:04d}"}
        new.update({k: v for k, v in row.items() if k != "id"})
        out.append(new)
    return out


def word_count(text: str) -> int:
    """Count whitespace-separated words."""
    return len(text.split())
