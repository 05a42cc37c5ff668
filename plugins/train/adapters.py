"""Adapters: how the base model is loaded and which weights train (full, LoRA/DoRA, QLoRA NF4)."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any, Literal

from ftflow import kinds
from ftflow.errors import UserError


class Adapter(kinds.Adapter):
    """The built-ins' base: loads with transformers' auto classes."""

    libraries = ("torch", "transformers", "peft")
    #: True when only adapter weights are trained and saved (the base is never copied).
    is_peft = True
    #: True when the base weights are quantized (they keep their own compute dtype; no CPU bf16 autocast).
    quantized_base = False

    def load_model(self, path: Path, config: Any, backend: Any, task: str = "causal-lm",
                   tokenizer: Any = None, dtype: Any = None, **load_kwargs: Any) -> Any:
        """The model to train, its weights in ``dtype`` (None: the backend's); ``load_kwargs`` go to
        ``from_pretrained`` (e.g. attn_implementation)."""
        return auto_model(path, task, tokenizer, dtype=dtype or backend.torch_dtype(), **load_kwargs)

    def peft_config(self, config: Any, task: str = "causal-lm") -> Any:
        return None


#: Training task -> (transformers auto class, peft task type).  ``seq-cls`` is a reward model: one score.
TASKS = {"causal-lm": ("AutoModelForCausalLM", "CAUSAL_LM"), "seq-cls": ("AutoModelForSequenceClassification", "SEQ_CLS")}


def auto_model(path: Path, task: str, tokenizer: Any, **kwargs: Any) -> Any:
    """Load ``path`` for ``task``; a reward model gets a one-output head and knows the pad token."""
    import transformers

    cls = getattr(transformers, TASKS[task][0])
    if task == "seq-cls":
        kwargs["num_labels"] = 1
        if tokenizer is not None:
            kwargs["pad_token_id"] = tokenizer.pad_token_id
    return cls.from_pretrained(str(path), **kwargs)


@dataclasses.dataclass
class FullConfig:
    pass


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


def _lora(config: LoraConfig, task: str) -> Any:
    from peft import LoraConfig as PeftLoraConfig

    # For SEQ_CLS peft also trains and saves the new score head (modules_to_save).
    return PeftLoraConfig(r=config.r, lora_alpha=config.alpha, lora_dropout=config.dropout,
                          target_modules=config.target_modules, use_dora=config.use_dora, bias=config.bias,
                          task_type=TASKS[task][1])


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

    def peft_config(self, config: LoraConfig, task: str = "causal-lm") -> Any:
        return _lora(config, task)


@dataclasses.dataclass
class QLoraConfig(LoraConfig):
    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True


def probe_4bit(device: str, quant_type: str) -> None:
    """Quantize one small tensor on ``device``: a clear error here beats a failure deep inside loading."""
    import torch

    try:
        import bitsandbytes.functional as bnbf

        packed, state = bnbf.quantize_4bit(torch.linspace(-1, 1, 128, device=device), quant_type=quant_type)
        bnbf.dequantize_4bit(packed, state)
    except Exception as exc:  # bitsandbytes raises many types for a missing backend
        raise UserError(f"adapter=qlora: bitsandbytes cannot run 4-bit {quant_type} on device '{device}' "
                        f"({type(exc).__name__}: {exc}); use adapter=lora") from exc


class QLoraAdapter(LoraAdapter):
    name = "qlora"
    description = "LoRA on a 4-bit NF4 base (bitsandbytes), CPU or CUDA"
    Config = QLoraConfig
    libraries = (*Adapter.libraries, "bitsandbytes")
    quantized_base = True

    def check(self, stage, upstream) -> list[str]:
        problems = super().check(stage, upstream)
        if importlib.util.find_spec("bitsandbytes") is None:
            problems.append("adapter=qlora needs bitsandbytes: pip install 'ftflow[qlora]'")
        return problems

    def load_model(self, path: Path, config: QLoraConfig, backend: Any, task: str = "causal-lm",
                   tokenizer: Any = None, dtype: Any = None, **load_kwargs: Any) -> Any:
        if importlib.util.find_spec("bitsandbytes") is None:
            raise UserError("adapter=qlora needs bitsandbytes: pip install 'ftflow[qlora]'")
        import torch
        from transformers import BitsAndBytesConfig

        device = backend.device()
        probe_4bit(device, config.quant_type)
        compute = torch.bfloat16 if backend.use_bf16() else torch.float32
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=config.quant_type,
                                   bnb_4bit_use_double_quant=config.double_quant, bnb_4bit_compute_dtype=compute)
        return auto_model(path, task, tokenizer, quantization_config=quant, dtype=compute,
                          device_map={"": device}, **load_kwargs)
