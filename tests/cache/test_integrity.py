"""A cache that checks itself, as runs meet it: damaged entries are rebuilt, never reused or built upon."""

from __future__ import annotations

import json
import shutil

from light import light_config


def _run(runner):
    return {r.name: r for r in runner.run("run-1", "ftflow run recipe=x")}


def _entry(runner, stage):
    return next(e for e in runner.store.entries() if e.meta.get("stage") == stage)


def test_truncated_input_is_rebuilt_before_a_downstream_stage_rebuilds_on_it(light_runner):
    """The issue's poisoning: data file cut short, the stage reading it deleted, rerun -> the truncated
    data must not be built upon under the key its recorded digest gives."""
    runner = light_runner(light_config(data=30))
    first = _run(runner)
    data = _entry(runner, "data")
    (data.artifact / "note.json").write_text('{"value": 1')  # cut short
    shutil.rmtree(_entry(runner, "train").path)
    again = _run(light_runner(light_config(data=30)))
    assert {n for n, r in again.items() if not r.cached} == {"data", "train"}
    assert {n: r.key for n, r in again.items()} == {n: r.key for n, r in first.items()}
    trained_on = json.loads((again["train"].artifact / "note.json").read_text())["in"]["data"]
    assert json.loads(trained_on)["value"] == 30


def test_a_missing_file_is_rebuilt_instead_of_failing_every_retry(light_runner):
    runner = light_runner(light_config())
    _run(runner)
    (_entry(runner, "train").artifact / "note.json").unlink()  # "the weights file is missing"
    again = _run(light_runner(light_config()))
    assert {n for n, r in again.items() if not r.cached} == {"train"}
    assert (again["train"].artifact / "note.json").exists()
    assert len(list((runner.store.root / "quarantine").iterdir())) == 1


def test_a_truncated_meta_json_is_rebuilt(light_runner):
    runner = light_runner(light_config())
    _run(runner)
    meta = _entry(runner, "eval").path / "meta.json"
    meta.write_text(meta.read_text()[:25])
    again = _run(light_runner(light_config()))
    assert {n for n, r in again.items() if not r.cached} == {"eval"}


def test_a_run_releases_its_leases(light_runner):
    runner = light_runner(light_config())
    _run(runner)
    assert runner.store._leases == {}
    assert runner.store.gc(set()) and runner.store.entries() == []
