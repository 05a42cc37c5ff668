"""Key payloads and the reasons ``ftflow plan`` derives from two of them."""

from __future__ import annotations

from ftflow.keys import explain, input_view
from ftflow.provider import part


def _payload(**changes) -> dict:
    base = {"stage": "train", "provider": ["method", "sft", "1"], "code": "c1",
            "config": {"learning_rate": 0.003, "mix": {"fraction": 0.1}}, "libraries": {"torch": "2.1"},
            "components": {"adapter": {"provider": ["adapter", "lora", "1"], "code": "a", "config": {"r": 8},
                                       "libraries": {}}},
            "seed": 1, "inputs": {"model": {"artifact": "m1"}}, "external": {"mix": "x1"}}
    return {**base, **changes}


def test_unchanged_payload_has_no_reasons():
    assert explain(_payload(), _payload(), "method") == []


def test_each_kind_of_change_is_named_as_the_user_would_type_it():
    new = _payload(code="c2", config={"learning_rate": 0.002, "mix": {"fraction": 0.2}},
                   libraries={"torch": "2.2"}, seed=2, external={"mix": "x2"},
                   components={"adapter": {"provider": ["adapter", "lora", "1"], "code": "a", "config": {"r": 16},
                                           "libraries": {}}},
                   inputs={"model": {"artifact": "m2"}})
    assert explain(_payload(), new, "method") == [
        "provider code changed",
        "config method.learning_rate: 0.003 -> 0.002",
        "config method.mix.fraction: 0.1 -> 0.2",
        "component adapter config r: 8 -> 16",
        "library torch 2.1 -> 2.2",
        "seed 1 -> 2",
        "file method.mix content changed",
        "input model: artifact content changed",
    ]
    assert explain(_payload(), new, "method", inputs_known=False)[-1] == "file method.mix content changed"


def test_a_part_view_names_the_files_and_metadata_that_changed():
    files = {"train/a.arrow": "1", "eval/a.arrow": "2", "log.json": "3"}
    view = input_view(files, {"max_length": 64, "seconds": 9}, "whole", part("train/*", metadata=["max_length"]),
                      {"k": 3})
    assert view == {"files": {"train/a.arrow": "1"}, "metadata": {"max_length": 64}, "settings": {"k": 3}}
    other = input_view({**files, "eval/a.arrow": "5", "log.json": "6"}, {"max_length": 64, "seconds": 1}, "w2",
                       part("train/*", metadata=["max_length"]), {"k": 3})
    assert other == view  # what the reader does not read does not reach its key
    moved = input_view({**files, "train/a.arrow": "7"}, {"max_length": 128}, "w3",
                       part("train/*", metadata=["max_length"]), {"k": 2})
    assert explain(_payload(inputs={"tokenize": view}), _payload(inputs={"tokenize": moved}), "method") == [
        "input tokenize: setting k: 3 -> 2, metadata max_length: 64 -> 128, train/a.arrow changed"]


def test_list_items_of_a_config_are_named_by_index():
    """data.sources is a list of mappings: a new weight reads as the key the user types."""
    def sources(weight: int, tags: list[str]) -> dict:
        return _payload(config={"sources": [{"path": "a.jsonl", "weight": weight}, {"path": "b", "weight": 30}],
                                "tags": tags})

    assert explain(sources(70, ["x"]), sources(60, ["y"]), "data") == [
        "config data.sources[0].weight: 70 -> 60", "config data.tags[0]: x -> y"]
    assert explain(sources(70, ["x"]), sources(70, ["x", "y"]), "data") == ['config data.tags: ["x"] -> ["x", "y"]']
