"""``ftflow serve RUN_ID|last``: start the serving recipe recorded by a run (``serve=`` in its recipe).

The run's resolved ``serve`` section names the provider and its options; its serve stage's ``serve.json``
adds the routes' JSON schemas.  ``--provider`` serves a run made with ``serve=none`` using that
provider's defaults; ``--host`` / ``--port`` override the recorded address.  ``--python`` names the
interpreter of a server that runs in its own environment (vLLM): only the command line or the environment
name executables, never the recorded recipe.  ``--status`` prints what the run's running (or last)
``ftflow serve`` counted: requests by status, refusals, policy violations, backend restarts.
``ftflow serve DIR`` serves a folder written by ``ftflow export`` (its ``serve.yaml`` is such a record).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftflow.config.schema import validate
from ftflow.errors import UserError
from ftflow.workspace import Workspace


def _schemas(manifest: dict[str, Any]) -> dict[str, Any]:
    row = next((s for s in manifest["stages"] if s["name"] == "serve"), None)
    spec = Path(row["artifact"]) / "serve.json" if row else None
    return json.loads(spec.read_text()).get("schemas", {}) if spec and spec.exists() else {}


def _served(ref: str, workspace: Workspace) -> dict[str, Any]:
    """A run of the workspace, or a folder written by ``ftflow export`` (its ``serve.yaml``)."""
    from ftflow.commands.export import SERVE_SPEC, read_serve_spec

    path = Path(ref)
    spec = path / SERVE_SPEC if path.is_dir() else path
    if spec.name == SERVE_SPEC and spec.is_file():
        return read_serve_spec(spec)
    if path.is_dir() and ("/" in ref or ref in (".", "..")):
        raise UserError(f"{path}: no {SERVE_SPEC} here; export the run with `ftflow export RUN -o DIR`")
    return workspace.manifest(ref)


def cmd_serve(ref: str, provider: str | None, host: str | None, port: int | None,
              python: str | None = None, status: bool = False) -> int:
    from ftflow.plugin.manager import load_plugins

    workspace = Workspace()
    manifest = _served(ref, workspace)
    if manifest.get("status") != "ok":
        raise UserError(f"run {manifest['run_id']} did not finish (status {manifest.get('status')}): "
                        f"rerun it before serving")
    section = dict(manifest.get("config", {}).get("serve") or {})
    recorded = section.pop("provider", "none")
    recorded = None if recorded in ("none", None, False) else str(recorded)
    name = provider or recorded
    if name is None:
        raise UserError(f"run {manifest['run_id']} was made with serve=none: rerun its recipe with serve=llamacpp "
                        f"or serve=vllm (finished stages come from the cache), or pass --provider llamacpp")
    if provider is not None and provider != recorded:
        section = {}  # the recorded options belong to another provider
    if host is not None:
        section["host"] = host
    if port is not None:
        section["port"] = port
    if section.pop("python", None):
        raise UserError("serve.python: the run's recipe names an interpreter; executables come from "
                        "`ftflow serve --python PATH` or the environment, never a recipe")
    if python is not None:
        section["python"] = python
    info = load_plugins().registry.get("server", name, key="--provider" if provider else "serve.provider")
    if status:  # what a running (or the last) `ftflow serve` of this run counted
        for line in info.cls().status(manifest, workspace):
            print(line)
        return 0
    config = validate(info.cls.Config, section, prefix="serve")
    return info.cls().serve(manifest, config, _schemas(manifest) if name == recorded else {}, workspace)
