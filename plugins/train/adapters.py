"""Adapters: how the base model is loaded and which weights train (full, LoRA/DoRA, QLoRA NF4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.provider import Provider


class Adapter(Provider):
    kind = "adapter"
    libraries = ("torch", "transformers", "peft")
    #: True when only adapter weights are trained and saved (the base is never copied).
    is_peft = True

    def load_model(self, path: Path, config: Any, backend: Any) -> Any:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(str(path), dtype=backend.torch_dtype())

    def peft_config(self, config: Any) -> Any:
        return None


@dataclasses.dataclass
class FullConfig:
    gradient_checkpointing: bool = False


class FullAdapter(Adapter):
    name = "full"
    description = "full fine-tuning: every weight trains and is saved"
    Config = FullConfig
    is_peft = False


@dataclasses.dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: str | list[str] = "all-linear"
    use_dora: bool = False
    bias: str = "none"


def _lora(config: LoraConfig) -> Any:
    from peft import LoraConfig as PeftLoraConfig

    return PeftLoraConfig(r=config.r, lora_alpha=config.alpha, lora_dropout=config.dropout,
                          target_modules=config.target_modules, use_dora=config.use_dora, bias=config.bias,
                          task_type="CAUSAL_LM")


class LoraAdapter(Adapter):
    name = "lora"
    description = "LoRA (or DoRA) on chosen linear layers; saves only the adapter"
    Config = LoraConfig

    def check(self, stage, upstream) -> list[str]:
        cfg = stage.components["adapter"].config
        problems = []
        if cfg.r <= 0:
            problems.append(f"adapter.r must be positive, got {cfg.r}")
        if not 0 <= cfg.dropout < 1:
            problems.append(f"adapter.dropout must be in [0, 1), got {cfg.dropout}")
        return problems

    def peft_config(self, config: LoraConfig) -> Any:
        return _lora(config)


@dataclasses.dataclass
class QLoraConfig(LoraConfig):
    quant_type: str = "nf4"
    double_quant: bool = True


class QLoraAdapter(LoraAdapter):
    name = "qlora"
    description = "LoRA on a 4-bit NF4 base (bitsandbytes), CPU or CUDA"
    Config = QLoraConfig
    libraries = (*Adapter.libraries, "bitsandbytes")

    def load_model(self, path: Path, config: QLoraConfig, backend: Any) -> Any:
        try:
            import bitsandbytes  # noqa: F401
        except ImportError as exc:
            raise UserError("adapter=qlora needs bitsandbytes: pip install 'ftflow[qlora]'") from exc
        import torch
        from transformers import AutoModelForCausalLM, BitsAndBytesConfig

        compute = torch.bfloat16 if backend.use_bf16() else torch.float32
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=config.quant_type,
                                   bnb_4bit_use_double_quant=config.double_quant, bnb_4bit_compute_dtype=compute)
        device = backend.device()
        try:
            return AutoModelForCausalLM.from_pretrained(str(path), quantization_config=quant, dtype=compute,
                                                        device_map={"": device})
        except (RuntimeError, ValueError, ImportError) as exc:
            raise UserError(f"adapter=qlora: bitsandbytes cannot load 4-bit layers on {device}: {exc}") from exc
