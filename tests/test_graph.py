from __future__ import annotations

from pathlib import Path

import pytest

from ftflow.errors import GraphError
from ftflow.graph import Graph, Stage
from ftflow.pipeline import build_graph


def _stage(name, inputs, registry):
    info = registry.get("model", "note")
    return Stage(name, "model", info, info.cls.Config(), inputs)


def test_order_follows_dependencies(light_plugins):
    graph = build_graph(
        {"model": {"provider": "note"}, "data": {"provider": "note"}, "method": {"provider": "note"},
         "eval": {"provider": "note"}}, light_plugins.registry)
    names = [s.name for s in graph]
    assert names.index("model") < names.index("train") < names.index("eval")
    assert names.index("data") < names.index("train")
    assert graph.descendants("data") == {"train", "eval"}


def test_cycle_is_reported(light_plugins):
    reg = light_plugins.registry
    with pytest.raises(GraphError, match=r"cycle: a -> b -> a"):
        Graph([_stage("a", {"x": "b"}, reg), _stage("b", {"x": "a"}, reg)])


def test_unknown_input_and_duplicates_are_all_listed(light_plugins):
    reg = light_plugins.registry
    with pytest.raises(GraphError) as err:
        Graph([_stage("a", {"x": "nowhere"}, reg), _stage("b", {}, reg), _stage("b", {}, reg)])
    assert "defined twice" in str(err.value)


def test_every_problem_is_listed_at_once(light_plugins):
    config = {"model": {"provider": "nope"}, "method": {"provider": "note", "valu": 1},
              "eval": {"provider": "note", "value": "x"}}
    with pytest.raises(GraphError) as err:
        build_graph(config, light_plugins.registry)
    problems = err.value.problems
    assert any("unknown model provider 'nope'" in p and "available:" in p for p in problems)
    assert any("method.valu: unknown key (valid keys: fail, value)" in p for p in problems)
    assert any("eval.value: expected int, got str 'x'" in p for p in problems)


def test_required_input_disabled(light_plugins):
    config = {"model": {"provider": "note"}, "data": {"provider": "none"}, "method": {"provider": "note"}}
    with pytest.raises(GraphError, match="needs stage 'data', which is disabled"):
        build_graph(config, light_plugins.registry)


def test_unknown_top_level_key(light_plugins):
    with pytest.raises(GraphError, match=r"sede: unknown key .*top-level keys"):
        build_graph({"model": {"provider": "note"}, "sede": 3}, light_plugins.registry)


@pytest.mark.parametrize("overrides", [[f"recipe={p.stem}"] for p in sorted(
    (Path(__file__).resolve().parents[1] / "recipes" / "recipe").glob("*.yaml"))] + [
    ["recipe=smoke", "+method.mix={path: general.jsonl, fraction: 0.2}", "rag=bm25", "export=gguf",
     "exports=[{provider: merged}]"]])
def test_a_stage_record_rebuilds_the_same_stage(overrides):
    """What a torchrun rank gets instead of the whole recipe: one stage as JSON, validated again."""
    import json

    from ftflow.pipeline import stage_from_record, stage_record
    from ftflow.plugin.manager import load_plugins
    from ftflow.session import open_session

    plugins = load_plugins()
    graph = open_session(overrides, None, plugins).graph
    for stage in graph:
        record = json.loads(json.dumps(stage_record(stage)))
        back = stage_from_record(record, plugins.registry)
        assert (back.name, back.kind, back.info, back.config, back.inputs, back.group) == \
            (stage.name, stage.kind, stage.info, stage.config, stage.inputs, stage.group)
        assert {n: (c.kind, c.info, c.config) for n, c in back.components.items()} == \
            {n: (c.kind, c.info, c.config) for n, c in stage.components.items()}
