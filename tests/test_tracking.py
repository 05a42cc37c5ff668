"""Which trackers a run uses and what a bad choice says (a tracked smoke sweep: tests/e2e/test_sweep.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftflow.cli import main
from ftflow.errors import UserError
from ftflow.tracking import tracker_names


def test_names_from_command_environment_then_workspace(monkeypatch):
    settings = {"tracking": {"trackers": ["trackio"]}}
    monkeypatch.delenv("FTFLOW_TRACK", raising=False)
    assert tracker_names(["mlflow"], settings) == ["mlflow"]
    assert tracker_names([], settings) == ["trackio"]
    monkeypatch.setenv("FTFLOW_TRACK", "mlflow,trackio")
    assert tracker_names([], settings) == ["mlflow", "trackio"]
    monkeypatch.delenv("FTFLOW_TRACK")
    with pytest.raises(UserError, match="tracking.trackers must be a list"):
        tracker_names([], {"tracking": {"trackers": "mlflow"}})


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FTFLOW_TRACK", raising=False)
    (tmp_path / "home").mkdir()
    return tmp_path


@pytest.mark.parametrize(("config", "args", "expected"), [
    ("", ["--track", "nope"], "unknown tracker provider 'nope'"),
    ("tracking: {trackers: [mlflow], mlflow: {tracking_url: x}}", [], "tracking.mlflow"),
    ("tracking: [mlflow]", [], "'tracking' must be a mapping"),
])
def test_bad_tracker_settings_stop_before_the_run(user, capsys, config, args, expected):
    (user / "home" / "config.yaml").write_text(config)
    assert main(["run", "recipe=smoke", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
    assert not (user / "home" / "runs").exists() or not any((user / "home" / "runs").iterdir())
