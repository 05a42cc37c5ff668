from __future__ import annotations

import dataclasses
from typing import ClassVar

import pytest
from light import LightPlugin, NoteConfig, light_config

from ftflow.errors import StageFailed
from ftflow.plugin import hookimpl
from ftflow.plugin.manager import load_plugins
from ftflow.provider import Provider, part


def _run(runner):
    return {r.name: r for r in runner.run("run-1", "ftflow run recipe=x")}


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


def test_the_runner_yields_each_result_before_a_later_stage_fails(light_runner):
    config = light_config()
    config["method"]["fail"] = True
    finished = []
    with pytest.raises(StageFailed):
        for result in light_runner(config).run("run-1", "ftflow run recipe=x"):
            finished.append(result.name)
    assert sorted(finished) == ["data", "model"]  # what the manifest of the failed run records


def test_stages_are_immutable_and_run_and_plan_agree_on_keys(light_runner):
    """The runner never changes the graph's stages: hooks and providers get a keyed copy, and the keys
    ``run`` records are those ``plan`` computes afterwards (one key walk for both)."""
    keyed = {}

    class Observer:
        @hookimpl
        def ftflow_stage_after(self, stage, result, run_id):
            keyed[stage.name] = (stage.key, result.key, stage.key_payload is not None)

    runner = light_runner(light_config(), load_plugins(extra=[LightPlugin(), Observer()]))
    stage = runner.graph.stages["model"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stage.key = "changed"  # type: ignore[misc]
    _run(runner)
    assert all(s.key is None and s.key_payload is None for s in runner.graph)
    assert all(mine == theirs and has_payload for mine, theirs, has_payload in keyed.values())
    planned = {r.stage.name: r.key for r in light_runner(light_config()).plan()}
    assert planned == {name: key for name, (key, _, _) in keyed.items()}


# -- keys cover exactly what a stage reads -----------------------------------------------------------
@dataclasses.dataclass
class SplitConfig:
    train: int = 0
    eval: int = 0
    k: int = 3  # a reader setting: how readers use the artifact, not what it holds


class SplitData(Provider):
    """Writes a train and an eval file; ``k`` is handed to readers instead of changing the artifact."""

    name, kind, Config = "split", "data", SplitConfig
    reader_settings = ("k",)

    def run(self, ctx):
        (ctx.output_dir / "train.txt").write_text(str(ctx.config.train))
        (ctx.output_dir / "eval.txt").write_text(str(ctx.config.eval))
        (ctx.output_dir / "note.json").write_text(f"[{ctx.config.train}, {ctx.config.eval}]")  # for note readers
        return {"rows": ctx.config.train, "eval_rows": ctx.config.eval}


class TrainSplitOnly(Provider):
    """Reads the train file and the ``rows`` metadata of the data stage, nothing else of it."""

    name, kind, Config = "train-split", "method", NoteConfig
    seen: ClassVar[list] = []

    def reads(self, config):
        return {"model": None, "data": part("train.txt", metadata=["rows"])}

    def run(self, ctx):
        data = ctx.inputs["data"]
        TrainSplitOnly.seen.append((data.metadata, data.settings))
        (ctx.output_dir / "note.json").write_text((data.path / "train.txt").read_text())
        return {}


class SplitPlugin:
    @hookimpl
    def ftflow_register_providers(self, registry):
        registry.add(SplitData)
        registry.add(TrainSplitOnly)


def _split_config(**data) -> dict:
    config = light_config()
    config["data"] = {"provider": "split", **data}
    config["method"] = {"provider": "train-split"}
    return config


@pytest.fixture
def split_runner(light_runner):
    plugins = load_plugins(extra=[LightPlugin(), SplitPlugin()])
    return lambda config: light_runner(config, plugins)


def test_a_stage_reruns_only_when_the_part_it_reads_changes(split_runner):
    _run(split_runner(_split_config()))
    new_eval = _run(split_runner(_split_config(eval=5)))
    assert {n for n, r in new_eval.items() if not r.cached} == {"data", "eval"}  # the evaluator reads all
    new_train = _run(split_runner(_split_config(eval=5, train=2)))
    assert {n for n, r in new_train.items() if not r.cached} == {"data", "train", "eval"}
    assert TrainSplitOnly.seen[-1] == ({"rows": 2}, {"k": 3})  # undeclared metadata is not visible


def test_reader_settings_rerun_the_readers_not_the_stage(split_runner):
    first = _run(split_runner(_split_config()))
    changed = _run(split_runner(_split_config(k=4)))
    assert {n for n, r in changed.items() if not r.cached} == {"train", "eval"}
    assert changed["data"].key == first["data"].key
    assert TrainSplitOnly.seen[-1][1] == {"k": 4}


def test_plan_says_why_each_stale_stage_is_stale(split_runner):
    first = _run(split_runner(_split_config()))
    previous = {n: r.key for n, r in first.items()}
    rows = {r.stage.name: r for r in split_runner(_split_config(eval=5)).plan(previous)}
    assert rows["model"].cached and rows["model"].reasons == []
    assert rows["data"].reasons == ["config data.eval: 0 -> 5"]
    assert rows["train"].reasons == ["after data: reruns only if what it reads of them changes"]
    _run(split_runner(_split_config(eval=5)))
    rows = {r.stage.name: r for r in split_runner(_split_config(eval=5, k=4)).plan(previous)}
    assert rows["data"].cached
    assert rows["train"].reasons == ["input data: setting k: 3 -> 4"]
    rows = {r.stage.name: r for r in split_runner(_split_config(train=1)).plan(previous)}
    assert rows["data"].reasons == ["config data.train: 0 -> 1"]
    _run(split_runner(_split_config(train=1)))
    rows = {r.stage.name: r for r in split_runner(_split_config(train=1, k=9)).plan(previous)}
    assert rows["train"].reasons == ["input data: setting k: 3 -> 9, metadata rows: 0 -> 1, train.txt changed"]
