"""``export=merged``: base + LoRA merged into one safetensors checkpoint with tokenizer and chat template."""

from __future__ import annotations

import dataclasses
from typing import Any

from ftflow.provider import Provider
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import load_tokenizer, model_dir


@dataclasses.dataclass
class MergedConfig:
    dtype: str = "auto"  # auto keeps the trained dtype; or float16, bfloat16, float32


def merged_model(ctx: StageContext) -> Any:
    """The model to export: the tuned one when training ran (LoRA merged in), else the base."""
    from transformers import AutoModelForCausalLM

    base = model_dir(ctx.inputs["model"].path)
    train = ctx.inputs.get("train")
    if train is None:
        return AutoModelForCausalLM.from_pretrained(str(base))
    if train.metadata.get("peft"):
        from peft import PeftModel

        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)), str(train.path / "adapter"))
        return model.merge_and_unload()
    return AutoModelForCausalLM.from_pretrained(str(train.path / "model"))


class MergedExport(Provider):
    name = "merged"
    kind = "export"
    version = "1"
    description = "tuned model as one HF safetensors checkpoint (LoRA merged), tokenizer and template"
    Config = MergedConfig
    libraries = ("torch", "transformers", "peft", "safetensors")
    code_modules = ("ftflow_plugins.common.hf",)

    def check(self, stage, upstream) -> list[str]:
        train = upstream.get("train")
        if train is not None and train.plugin == "reward":
            return ["export=merged exports chat models; a reward model (method=reward) has none: use export=none"]
        return []

    def run(self, ctx: StageContext) -> dict[str, Any]:
        import torch

        model = merged_model(ctx)
        if ctx.config.dtype != "auto":
            model = model.to(getattr(torch, ctx.config.dtype))
        out = ctx.output_dir / "model"
        model.save_pretrained(out, safe_serialization=True)
        load_tokenizer(model_dir(ctx.inputs["model"].path)).save_pretrained(out)
        files = sorted(p.name for p in out.iterdir())
        return {"model_dir": "model", "files": files, "merged_from": "train" if "train" in ctx.inputs else "base"}
