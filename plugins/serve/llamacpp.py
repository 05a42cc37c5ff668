"""``serve=llamacpp``: llama-cpp-python's OpenAI-compatible server on the run's exported GGUF files.

One server process per distinct GGUF (llama-cpp-python's multi-model mode reloads the model whenever the
requested name changes, which would thrash on alternating routes), on a Unix socket in the session's
private directory.  Its settings go in a 0600 JSON file it deletes once read, so the internal key never
shows in ``ps`` and is not left on disk.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from ftflow.errors import ConfigError
from ftflow_plugins.llamacpp.chat import QUANT_PREFERENCE
from ftflow_plugins.llamacpp.generator import cpu_threads
from ftflow_plugins.serve.base import ServerProvider, ServeSession
from ftflow_plugins.serve.config import ServeConfig
from ftflow_plugins.serve.gateway import Upstream
from ftflow_plugins.serve.process import Backend
from ftflow_plugins.serve.targets import ModelFiles, resolve


@dataclasses.dataclass
class LlamaCppServeConfig(ServeConfig):
    quant: str | None = None  # which exported GGUF (default: see pick: bf16 for slots on bf16 CPUs, else q8_0)
    n_ctx: int = 2048
    n_threads: int | None = None  # default: the CPUs this process may use ($FTFLOW_LLAMA_THREADS)
    #: slots: ftflow's continuous-batching server (concurrent requests decode together);
    #: llama-cpp-python: its own server (one request at a time)
    server: Literal["slots", "llama-cpp-python"] = "slots"
    slots: int = 8  # concurrent sequences per backend (server: slots); each gets n_ctx tokens of KV cache


def pick(files: ModelFiles, quant: str | None, key: str, batched: bool = False) -> Path:
    """The GGUF a route serves: ``quant``, else bf16 for the batching server on a CPU with bf16 dot
    products when the run exported it, else q8_0, else the best exported type.

    Why bf16 there: llama.cpp's q8_0 kernels cost more per token when several requests share a step than
    for one request alone, bf16's cost less (bench/RESULTS.md: tokens per CPU-second at 8 clients 2.52x one
    client's on bf16, 0.94x on q8_0); one request alone decodes faster from q8_0 (``serve.quant=q8_0``).
    """
    if files.which == "base":
        if files.base_gguf is None:
            raise ConfigError(key, f"{files.label} has no GGUF (only smollm2-gguf ships one); point the route "
                                   f"at a tuned run exported with export=gguf, or use serve=vllm")
        return files.base_gguf
    if not files.gguf:
        raise ConfigError(key, f"{files.label} exported no GGUF: rerun it with export=gguf (or use serve=vllm)")
    if quant is not None:
        if quant not in files.gguf:
            raise ConfigError("serve.quant", f"{files.label} has {', '.join(files.gguf)}, not {quant}")
        return files.gguf[quant]
    if batched and "bf16" in files.gguf:
        from ftflow_plugins.llamacpp.engine import engine_type

        if engine_type() == "bf16":
            return files.gguf["bf16"]
    ranked = sorted(files.gguf, key=lambda q: QUANT_PREFERENCE.index(q) if q in QUANT_PREFERENCE else 99)
    return files.gguf[ranked[0]]


class LlamaCppServer(ServerProvider):
    name = "llamacpp"
    version = "1"
    description = "llama-cpp-python's OpenAI-compatible server on the run's GGUF export, behind ftflow's router"
    Config = LlamaCppServeConfig
    engine = "llama.cpp"

    def available(self) -> str | None:
        missing = [m for m in ("llama_cpp", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
                   if importlib.util.find_spec(m) is None]
        return f"missing {', '.join(missing)}: pip install 'ftflow[serve]'" if missing else None

    def check(self, stage: Any, upstream: Mapping[str, Any]) -> list[str]:
        problems = super().check(stage, upstream)
        local = [r.name for r in self.routes(stage.config) if r.target in ("tuned", "merged")]
        export = upstream.get("export")
        if local and (export is None or export.plugin != "gguf"):
            problems.append(f"serve=llamacpp serves GGUF files but route(s) {', '.join(local)} target this run, "
                            f"which has export={export.plugin if export else 'none'}: add export=gguf")
        return problems

    def plan(self, session: ServeSession) -> tuple[list[Backend], dict[str, Upstream], list[str]]:
        config: LlamaCppServeConfig = session.config  # type: ignore[assignment]
        threads = config.n_threads or cpu_threads()
        by_path: dict[Path, Backend] = {}
        upstreams: dict[str, Upstream] = {}
        lines = []
        for i, route in enumerate(session.routes):
            key = f"serve.routes[{i}].target" if config.routes else "serve.quant"
            files = resolve(route.target, session.manifest, session.workspace, key)
            path = pick(files, config.quant, key, batched=config.server == "slots" and config.slots > 1)
            if path not in by_path:
                name = f"llamacpp-{len(by_path)}"
                by_path[path] = self._backend(session, config, name, path, threads)
            backend = by_path[path]
            schema = session.schemas.get(route.name)
            upstreams[route.name] = Upstream("127.0.0.1", 0, session.key, backend.name,
                                             {"type": "json_object", "schema": schema} if schema else None,
                                             socket=backend.socket, backend=backend.name)
            lines.append(f"{route.name} -> {path.name} ({files.label}){' + JSON schema' if schema else ''}")
        return list(by_path.values()), upstreams, lines

    def _backend(self, session: ServeSession, config: LlamaCppServeConfig, name: str, path: Path,
                 threads: int) -> Backend:
        """llama-cpp-python's server app on a Unix socket in the private runtime directory; its settings
        (with the internal key) in a 0600 file there that it deletes once read."""
        sock = str(session.runtime / f"{name}.sock")
        settings_file = session.runtime / f"{name}.json"
        if config.server == "slots":
            module = "ftflow_plugins.serve.slots"
            settings: dict[str, Any] = {"uds": sock, "api_key": session.key, "model": str(path), "alias": name,
                                        "n_ctx": config.n_ctx, "n_threads": threads, "slots": config.slots}
        else:
            module = "ftflow_plugins.serve.llamacpp_app"
            settings = {"uds": sock, "api_key": session.key, "models": [{
                "model": str(path), "model_alias": name, "n_ctx": config.n_ctx, "n_threads": threads,
                "n_threads_batch": threads, "use_mlock": False, "verbose": False}]}
        return Backend(name, [sys.executable, "-m", module, str(settings_file)], 0,
                       session.key, session.log_dir / f"{name}.log", socket=sock,
                       secrets={str(settings_file): json.dumps(settings)})
