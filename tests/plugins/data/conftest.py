"""Fixtures for the data plugin tests: small data files written in tmp_path, one shared smoke workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ftflow.testing import RunResult, run_ftflow

#: The smoke graph up to tokenization: no training, so it stays fast.
NO_TRAINING = ("recipe=smoke", "method=none", "eval=none", "export=none")


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, rows: list[Any]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def no_training() -> tuple[str, ...]:
    """Overrides that run the smoke recipe's model, data and tokenize stages only."""
    return NO_TRAINING


@pytest.fixture(scope="session")
def smoke_home(tmp_path_factory) -> tuple[Path, RunResult]:
    """A workspace where model, data and tokenize of the smoke recipe ran once (the tokenizer is SmolLM2's)."""
    home = tmp_path_factory.mktemp("data-smoke") / "home"
    result = run_ftflow(home, "run", *NO_TRAINING)
    assert result.ok, result.stderr[-3000:]
    return home, result
