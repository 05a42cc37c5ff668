"""model=local with a Hub id: the revision is required, keyed and locked (issue 25.1); nothing is downloaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow import api
from ftflow.errors import UserError
from ftflow.testing import run_ftflow

HUB = ["model=local", "model.path=HuggingFaceTB/SmolLM2-135M"]


def _model_key(home: Path, *overrides: str) -> str:
    planned = {s.name: s for s in api.plan("smoke", [*HUB, *overrides], home=home)}
    return planned["model"].key


def test_revision_enters_the_model_key(tmp_path: Path):
    first = _model_key(tmp_path / "home", "model.revision=93efa2f097d58c2a74874c7e644dbc9b0cee75a2")
    other = _model_key(tmp_path / "home", "model.revision=v1.0")
    assert first and other and first != other


def test_hub_id_without_revision_is_one_line_naming_the_key(tmp_path: Path):
    result = run_ftflow(tmp_path / "home", "plan", "recipe=smoke", *HUB)
    assert result.returncode == 2
    assert "model.revision: required for the Hub model 'HuggingFaceTB/SmolLM2-135M'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_local_directory_takes_no_revision(tmp_path: Path):
    with pytest.raises(UserError, match="model.revision: only for Hub ids"):
        api.plan("smoke", ["model=local", f"model.path={tmp_path}", "model.revision=abc"], home=tmp_path / "home")


def test_lock_pins_the_revision(tmp_path: Path):
    lock = tmp_path / "lock.json"
    result = run_ftflow(tmp_path / "home", "lock", "recipe=smoke", *HUB, "model.revision=93efa2f", "-o", str(lock))
    assert result.ok, result.stderr
    assert json.loads(lock.read_text())["config"]["model"] == {
        "provider": "hf", "path": "HuggingFaceTB/SmolLM2-135M", "revision": "93efa2f"}
