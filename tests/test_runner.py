from __future__ import annotations

import pytest
from light import LightPlugin, light_config

from ftflow.errors import StageFailed
from ftflow.plugin import hookimpl
from ftflow.plugin.manager import load_plugins


def _run(runner):
    results = []
    runner.run("run-1", "ftflow run recipe=x", results)
    return {r.name: r for r in results}


def test_second_run_is_fully_cached(light_runner):
    first = _run(light_runner(light_config()))
    assert not any(r.cached for r in first.values())
    second = _run(light_runner(light_config()))
    assert all(r.cached for r in second.values())
    assert {n: r.key for n, r in first.items()} == {n: r.key for n, r in second.items()}


def test_changing_one_knob_reruns_that_stage_and_descendants(light_runner):
    _run(light_runner(light_config()))
    after = _run(light_runner(light_config(data=7)))
    assert {n for n, r in after.items() if not r.cached} == {"data", "train", "eval"}
    after_eval = _run(light_runner(light_config(data=7, eval=3)))
    assert {n for n, r in after_eval.items() if not r.cached} == {"eval"}


def test_same_output_stops_invalidation(light_runner, tmp_path):
    """Keys use input *content*: a stage that reruns but writes the same bytes keeps descendants cached."""
    runner = light_runner(light_config())
    _run(runner)
    for entry in runner.store.entries():
        if entry.meta["stage"] == "model":
            import shutil
            shutil.rmtree(entry.path)
    again = _run(light_runner(light_config()))
    assert {n for n, r in again.items() if not r.cached} == {"model"}


def test_failure_keeps_finished_stages_and_names_the_resume_command(light_runner):
    config = light_config()
    config["method"]["fail"] = True
    with pytest.raises(StageFailed) as err:
        _run(light_runner(config))
    assert "resume with: ftflow run recipe=x" in str(err.value)
    assert "planned failure" in str(err.value)
    config["method"]["fail"] = False
    resumed = _run(light_runner(config))
    assert {n for n, r in resumed.items() if not r.cached} == {"train", "eval"}


def test_lifecycle_hooks_are_called(light_runner, monkeypatch):
    calls = []
    monkeypatch.setenv("FTFLOW_VERBOSE", "1")  # as `ftflow --verbose` sets it

    class Observer:
        @hookimpl
        def ftflow_run_started(self, run_id, verbose):
            calls.append(("started", run_id, verbose))

        @hookimpl
        def ftflow_stage_before(self, stage, run_id):
            calls.append(("before", stage.name, run_id))

        @hookimpl
        def ftflow_stage_after(self, stage, result, run_id):
            calls.append(("after", stage.name, result.cached))

        @hookimpl
        def ftflow_stage_error(self, stage, error, run_id):
            calls.append(("error", stage.name, str(error)))

    plugins = load_plugins(extra=[LightPlugin(), Observer()])
    _run(light_runner(light_config(), plugins))
    assert calls[0] == ("started", "run-1", True)  # once, before any stage
    assert ("before", "model", "run-1") in calls and ("after", "eval", False) in calls
    calls.clear()
    monkeypatch.delenv("FTFLOW_VERBOSE")
    _run(light_runner(light_config(), plugins))
    assert calls[0] == ("started", "run-1", False)
    assert [c[0] for c in calls] == ["started"] + ["after"] * 4  # cached stages: no before
    config = light_config(train=5)
    config["method"]["fail"] = True
    with pytest.raises(StageFailed):
        _run(light_runner(config, plugins))
    assert ("error", "train", "planned failure") in calls


def test_plan_reports_keys_only_where_inputs_are_known(light_runner):
    runner = light_runner(light_config())
    rows = {r.stage.name: r for r in runner.plan()}
    assert rows["model"].key and not rows["model"].cached
    assert rows["train"].key is None
    _run(runner)
    rows = {r.stage.name: r for r in light_runner(light_config()).plan()}
    assert all(r.cached for r in rows.values())
