"""``export=merged``: base + LoRA merged into one safetensors checkpoint with tokenizer and chat template."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.kinds import Exporter
from ftflow.provider import Part
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import TRAINED, load_tokenizer, model_dir


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


def has_chat_template(checkpoint: Path) -> bool:
    """Whether a saved checkpoint carries a chat template (transformers 5 writes ``chat_template.jinja``;
    older checkpoints keep it in ``tokenizer_config.json``)."""
    import json

    if (checkpoint / "chat_template.jinja").is_file() or (checkpoint / "chat_template.json").is_file():
        return True
    config = checkpoint / "tokenizer_config.json"
    return config.is_file() and bool(json.loads(config.read_text()).get("chat_template"))


def save_merged(ctx: StageContext, out: Path, dtype: str = "auto") -> dict[str, Any]:
    """Write the merged checkpoint, tokenizer and chat template to ``out``; shared by merged and gguf export.

    The tokenizer comes from the model stage (training does not change it); a model without a chat
    template is refused here, because every consumer (eval, llama.cpp, serving) formats chats with it.
    """
    import torch

    model = merged_model(ctx)
    if dtype != "auto":
        model = model.to(getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True)
    tokenizer = load_tokenizer(model_dir(ctx.inputs["model"].path))
    if not tokenizer.chat_template:
        raise ValueError("the model's tokenizer has no chat template; export needs one to format chats")
    tokenizer.save_pretrained(out)
    if not has_chat_template(out):
        raise RuntimeError(f"tokenizer.save_pretrained wrote no chat template into {out}")
    del model
    return {"files": sorted(p.name for p in out.iterdir()),
            "merged_from": "train" if "train" in ctx.inputs else "base", "chat_template": True}


def export_reads(config: Any) -> dict[str, Part | None]:
    """Every exporter reads the base weights and the trained adapter or model, not the trainer's logs."""
    return {"model": None, "train": TRAINED}


def export_check(stage, upstream) -> list[str]:
    """Exports need a chat model; shared by every exporter here."""
    train = upstream.get("train")
    if train is not None and train.plugin == "reward":
        return [f"export={stage.plugin} exports chat models; a reward model (method=reward) has none: "
                "use export=none"]
    return []


class MergedExport(Exporter):
    name = "merged"
    kind = "export"
    version = "2"
    description = "tuned model as one HF safetensors checkpoint (LoRA merged), tokenizer and template"
    Config = MergedConfig
    libraries = ("torch", "transformers", "peft", "safetensors")
    code_modules = ("ftflow_plugins.common.hf",)

    def reads(self, config: MergedConfig) -> dict[str, Part | None]:
        return export_reads(config)

    def check(self, stage, upstream) -> list[str]:
        return export_check(stage, upstream)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        meta = save_merged(ctx, ctx.output_dir / "model", ctx.config.dtype)
        return {"model_dir": "model", **meta}
