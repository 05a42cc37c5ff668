"""The model card of ``ftflow export`` names every data source of a mix: weight, rows, share, digest."""

from __future__ import annotations

from typing import Any

import yaml

from ftflow_plugins.data.sources import SourceConfig, mix
from ftflow_plugins.publish.card import render_card


def _manifest(sources: list[dict[str, Any]], data_config: dict[str, Any]) -> dict[str, Any]:
    return {"recipe": "smoke", "run_id": "r1", "status": "ok", "stages": [],
            "config": {"model": {"provider": "hf", "path": "org/base", "revision": "abc"}, "seed": 42,
                       "data": data_config, "method": {"provider": "sft"}, "adapter": {"provider": "lora"}},
            "stage_metadata": {"data": {"sources": sources, "mix_seed": 7,
                                        "quality": {"eval": {"rows": 5}}}},
            "metrics": {"tuned": {"token_f1": 0.5}}}


def test_card_lists_each_source_with_its_weight_rows_share_and_digest():
    sources = [SourceConfig(path="chats.jsonl", format="sharegpt", weight=70),
               SourceConfig(dataset="saved_ds", format="chat", weight=30),
               SourceConfig(dataset="org/set", revision="0123abc", format="chat", weight=30, name="hub")]
    loaded = [([{"i": i} for i in range(n)], [f"x:{i}" for i in range(n)]) for n in (30, 30, 40)]
    _, report = mix(loaded, sources, seed=7, total=None)
    lock = {"inputs": {"data.sources[0].path": {"path": "chats.jsonl", "sha256": "a" * 64},
                       "data.sources[1].dataset": {"path": "saved_ds", "sha256": "b" * 64},
                       "data.eval": {"path": "eval.jsonl", "sha256": "c" * 64}}}
    config = {"provider": "files", "format": "chat", "train": None, "eval": "eval.jsonl",
              "sources": [{"path": "chats.jsonl", "weight": 70}]}
    card = render_card(_manifest(report, config), lock, {"adapter": "adapter"})
    front, body = card[4:].split("\n---\n", 1)
    assert yaml.safe_load(front)["base_model"] == "org/base"
    assert [r["rows"] for r in report] == [29, 13, 13]  # 55 rows: chats.jsonl runs out first
    assert "The train split mixes 3 sources (55 rows, seed 7):" in body
    assert f"| chats.jsonl | file | sharegpt | 70 | 30 | 29 | 52.7% | 53.8% | 0 | `sha256:{'a' * 64}` |" in body
    assert f"| saved_ds | dataset | chat | 30 | 30 | 13 | 23.6% | 23.1% | 0 | `sha256:{'b' * 64}` |" in body
    assert "| hub | hub | chat | 30 | 40 | 13 | 23.6% | 23.1% | 0 | revision `0123abc` |" in body
    assert f"| eval | `eval.jsonl` | `{'c' * 64}` | 5 |" in body  # the held-out file keeps its own row
    assert "`sources=" not in body  # the sources are the table, not a settings blob


def test_card_without_sources_or_lock_says_so():
    card = render_card(_manifest([], {"provider": "files", "format": "chat", "train": "t.jsonl"}), None, {})
    assert "The train split mixes" not in card and "(no data digests: the run could not be pinned here)" in card


def test_card_names_an_eval_source_by_its_name_or_location():
    config = {"provider": "files", "format": "chat", "train": "t.jsonl",
              "eval": {"dataset": "held_out", "split": "validation", "name": None}}
    card = render_card(_manifest([], config), None, {})
    front = yaml.safe_load(card[4:].split("\n---\n", 1)[0])
    assert front["model-index"][0]["results"][0]["dataset"]["name"] == "held_out"
