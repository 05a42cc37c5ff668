"""``ftflow runs`` and ``ftflow compare`` over run records, through the CLI (real runs: tests/e2e/test_sweep.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftflow.cli import main
from ftflow.runs import compare, flatten, headline, parse_where, run_values


def _manifest(run_id: str, lr: float, adapter: str, f1: float, loss: float, status: str = "ok",
              started: float = 1.7e9, recipe: str = "smoke", sweep: str | None = None) -> dict:
    return {
        "run_id": run_id, "recipe": recipe, "status": status, "started": started, "finished": started + 65.0,
        "sweep": sweep,
        "config": {"seed": 42, "method": {"provider": "sft", "learning_rate": lr}, "adapter": {"provider": adapter},
                   "eval": {"variants": ["base", "tuned"]}},
        "stages": [{"name": "model", "key": "m" * 64}, {"name": "data", "key": "d" * 64},
                   {"name": "train", "key": f"{adapter}{lr}".ljust(64, "t")}],
        "metrics": {"base": {"token_f1": 0.1}, "tuned": {"token_f1": f1}},
        "stage_metadata": {"train": {"final_loss": loss, "steps": 16, "peft": True, "note": "x"},
                           "eval": {"examples": 8, "metrics": {"base": {"token_f1": 0.1}, "tuned": {"token_f1": f1}}}},
    }


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FTFLOW_HOME", str(tmp_path / "home"))
    runs = tmp_path / "home" / "runs"
    records = [
        _manifest("20260101-000000-aaaa", 1e-3, "lora", 0.2, 9.5, started=1.70e9),
        _manifest("20260102-000000-bbbb", 2e-3, "lora", 0.4, 8.0, started=1.71e9, sweep="s1"),
        _manifest("20260103-000000-cccc", 2e-3, "full", 0.3, 7.0, status="failed", started=1.72e9, sweep="s1"),
        _manifest("20260104-000000-dddd", 1e-3, "lora", 0.5, 6.0, started=1.73e9, recipe="other"),
    ]
    for record in records:
        (runs / record["run_id"]).mkdir(parents=True)
        (runs / record["run_id"] / "manifest.json").write_text(json.dumps(record))
    (runs / "20260105-000000-eeee").mkdir()  # a run without a record (still running or killed) is skipped
    (runs / "last").write_text("20260104-000000-dddd")
    return tmp_path


def test_values_by_shape_not_by_name():
    record = _manifest("r", 1e-3, "lora", 0.25, 9.0)
    values = run_values(record)
    assert values["eval.tuned.token_f1"] == 0.25 and values["train.final_loss"] == 9.0
    assert values["train.steps"] == 16 and "train.peft" not in values and "train.note" not in values
    assert set(headline(record)) == {"train.final_loss", "eval.base.token_f1", "eval.tuned.token_f1"}
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": {}}) == {"a.b": 1, "a.c": [1, 2], "d": {}}
    assert parse_where(["method.learning_rate=1e-3"]) == {"method.learning_rate": "0.001"}


def test_runs_newest_first_with_filters(home, capsys):
    assert main(["runs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["run_id"][-4:] for r in rows] == ["dddd", "cccc", "bbbb", "aaaa"]
    assert rows[0]["seconds"] == 65.0 and rows[0]["headline"]["eval.tuned.token_f1"] == 0.5
    assert rows[0]["when"].startswith("2024-")

    def ids(*args: str) -> list[str]:
        assert main(["runs", "--json", *args]) == 0
        return [r["run_id"][-4:] for r in json.loads(capsys.readouterr().out)]

    assert ids("--recipe", "smoke") == ["cccc", "bbbb", "aaaa"]
    assert ids("--status", "ok", "--recipe", "smoke") == ["bbbb", "aaaa"]
    assert ids("--sweep", "s1") == ["cccc", "bbbb"]
    assert ids("--where", "method.learning_rate=1e-3") == ["dddd", "aaaa"]
    assert ids("--where", "adapter.provider=full") == ["cccc"]
    assert ids("-n", "2") == ["dddd", "cccc"]
    assert main(["runs", "--metric", "eval.tuned.token_f1"]) == 0
    out = capsys.readouterr().out
    assert "20260104-000000-dddd" in out and "eval.tuned.token_f1" in out and "0.5" in out


def test_runs_bad_filter_is_one_line(home, capsys):
    assert main(["runs", "--where", "nokey"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--where 'nokey'" in err[0]


def test_compare_diffs_config_stage_keys_and_metrics(home, capsys):
    assert main(["compare", "20260101", "20260102", "20260103", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["config"] == {"method.learning_rate": [1e-3, 2e-3, 2e-3], "adapter.provider": ["lora", "lora", "full"]}
    assert set(result["stages"]) == {"train"} and result["same_stages"] == ["model", "data"]
    assert result["values"]["eval.tuned.token_f1"] == [0.2, 0.4, 0.3]
    assert result["deltas"]["eval.tuned.token_f1"] == pytest.approx([0.0, 0.2, 0.1])
    assert result["deltas"]["train.final_loss"] == pytest.approx([0.0, -1.5, -2.5])
    page = Path(result["html"]).read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "method.learning_rate" in page and "+0.2" in page
    assert main(["compare", "20260101", "last", "--html", str(home / "c.html")]) == 0
    out = capsys.readouterr().out
    assert "config keys that differ" in out and "other" in out.split("config keys")[1]  # the recipe differs
    assert (home / "c.html").exists()


def test_compare_metrics_missing_in_one_run():
    a, b = _manifest("a", 1e-3, "lora", 0.2, 9.0), _manifest("b", 1e-3, "lora", 0.3, 8.0)
    del b["stage_metadata"]["eval"]
    result = compare([a, b])
    assert result.values["eval.tuned.token_f1"] == [0.2, None] and result.deltas["eval.tuned.token_f1"] == [0.0, None]
    assert result.config == {} and result.stages == {}


@pytest.mark.parametrize("args, expected", [
    (["compare", "20260101"], "at least two runs"),
    (["compare", "20260101", "nope"], "unknown run id 'nope'"),
    (["compare", "20260104", "last"], "the same run is named twice"),
    (["compare", "20260101", "20260102", "--html", "/no/such/dir/x.html"], "directory /no/such/dir does not exist"),
    (["runs", "-n", "0"], "--limit must be positive"),
])
def test_compare_bad_input(home, capsys, args, expected):
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err
