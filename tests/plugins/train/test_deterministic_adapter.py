"""A LoRA adapter's files do not depend on where the workspace is (keys match across machines)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("peft")


def _save(tmp_path, base_dir, out):
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                         num_key_value_heads=2, vocab_size=64)
    LlamaForCausalLM(config).save_pretrained(base_dir)
    model = LlamaForCausalLM.from_pretrained(base_dir)  # peft records where it was loaded from
    lora = LoraConfig(r=2, target_modules=["q_proj", "v_proj", "o_proj", "k_proj", "up_proj"])
    get_peft_model(model, lora).save_pretrained(out)


def test_adapter_config_names_no_host_path_and_sorts_modules(tmp_path):
    from ftflow_plugins.train.common import deterministic_adapter

    _save(tmp_path, tmp_path / "ws-one" / "cache" / "model", tmp_path / "one")
    _save(tmp_path, tmp_path / "another-workspace" / "model", tmp_path / "two")
    raw = (tmp_path / "one" / "adapter_config.json").read_text()
    assert "ws-one" in raw  # peft's own file is host-specific: that is the bug this fixes
    for out in ("one", "two"):
        deterministic_adapter(tmp_path / out)
    one, two = ((tmp_path / o / "adapter_config.json").read_bytes() for o in ("one", "two"))
    assert one == two
    config = json.loads(one)
    assert config["base_model_name_or_path"] is None
    assert config["target_modules"] == sorted(config["target_modules"])
    assert not (tmp_path / "one" / "README.md").exists()

    from peft import PeftConfig

    assert PeftConfig.from_pretrained(str(tmp_path / "one")).r == 2  # still a valid adapter for peft
