"""What every server provider shares: the serve stage (it records the serving spec, it serves nothing)
and the long-running ``ftflow serve`` lifecycle around the provider's backend processes.

Why a stage at all: ``serve=llamacpp`` in a recipe is checked with the rest of the graph before anything
runs (a missing GGUF export is reported up front), and the stage writes ``serve.json`` — the validated
config and the routes' JSON schemas — which ``ftflow serve RUN`` reads.  Serving itself is a process,
never a cached artifact.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ftflow.errors import ConfigError, UserError
from ftflow.provider import Provider
from ftflow.workspace import Workspace
from ftflow_plugins.serve.config import AUTO, Route, ServeConfig, api_key, check
from ftflow_plugins.serve.process import Backend, BackendFailed
from ftflow_plugins.serve.proxy import ProxyServer, ProxySettings, Upstream
from ftflow_plugins.serve.router import Router

SPEC_FILE = "serve.json"


@dataclasses.dataclass
class ServeSession:
    """Everything a provider needs to plan its backends for one ``ftflow serve``."""

    manifest: dict[str, Any]
    config: ServeConfig
    routes: list[Route]
    schemas: dict[str, Any]  # route name -> JSON schema
    workspace: Workspace
    log_dir: Path
    key: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(24))  # proxy -> backends


class ServerProvider(Provider):
    kind = "server"
    Config = ServeConfig
    #: Shown in the startup banner.
    engine = "server"

    def default_routes(self) -> list[Route]:
        return [Route("tuned")]

    def routes(self, config: ServeConfig) -> list[Route]:
        return list(config.routes) or self.default_routes()

    def available(self) -> str | None:
        """Why this server cannot start here (a missing package), or None."""
        return None

    def plan(self, session: ServeSession) -> tuple[list[Backend], dict[str, Upstream], list[str]]:
        """Backends to start, each route's upstream, and one description line per route."""
        raise NotImplementedError

    # -- the stage ----------------------------------------------------------------------------------
    def external_inputs(self, config: ServeConfig) -> Mapping[str, str]:
        return {f"schema:{r.name}": r.json_schema for r in config.routes if r.json_schema}

    def check(self, stage: Any, upstream: Mapping[str, Any]) -> list[str]:
        return check(stage.config)

    def run(self, ctx: Any) -> dict[str, Any]:
        schemas = {r.name: json.loads(ctx.resolve_path(r.json_schema, f"serve.routes.{r.name}.json_schema")
                                      .read_text()) for r in ctx.config.routes if r.json_schema}
        spec = {"provider": self.name, "config": dataclasses.asdict(ctx.config), "schemas": schemas}
        (ctx.output_dir / SPEC_FILE).write_text(json.dumps(spec, indent=2))
        routes = [r.name for r in self.routes(ctx.config)]
        ctx.log(f"serving spec: {self.name} on {ctx.config.host}:{ctx.config.port}, routes {', '.join(routes)}; "
                f"start it with `ftflow serve last`")
        return {"provider": self.name, "routes": routes, "host": ctx.config.host, "port": ctx.config.port}

    # -- ftflow serve -------------------------------------------------------------------------------
    def serve(self, manifest: dict[str, Any], config: ServeConfig, schemas: dict[str, Any], workspace: Workspace,
              out: Callable[[str], None] = print) -> int:
        """Start backends and the proxy, block until Ctrl-C or SIGTERM, stop everything."""
        problems = check(config)
        if problems:
            raise ConfigError("", "; ".join(problems))
        key = api_key(config)
        missing = self.available()
        if missing:
            raise UserError(f"serve={self.name}: {missing}")
        routes = self.routes(config)
        session = ServeSession(manifest, config, routes, schemas, workspace,
                               workspace.runs_dir / manifest["run_id"] / "serve")
        backends, upstreams, lines = self.plan(session)
        router = Router(routes, config.default_route, config.similarity_threshold)
        try:
            proxy = ProxyServer((config.host, config.port), router, upstreams,
                                ProxySettings(key, config.max_body_bytes, config.max_tokens, config.request_timeout_s))
        except OSError as exc:
            raise ConfigError("serve.port", f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from exc
        _log_requests()
        stop = threading.Event()
        previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        started = False
        try:
            for backend in backends:
                backend.start()
            if not all(backend.wait_ready(config.startup_timeout_s, stop) for backend in backends):
                out("interrupted while starting; stopping")
                return 130
            threading.Thread(target=proxy.serve_forever, name="ftflow-proxy", daemon=True).start()
            started = True
            host, port = proxy.server_address[:2]
            url = f"http://{host}:{port}/v1"
            out(f"serving run {manifest['run_id']} with {self.engine} at {url}")
            out(f"  models: {AUTO} (router, default {router.default}), " + ", ".join(router.names))
            for line in lines:
                out(f"  {line}")
            out(f"  API key: {'required ($' + config.api_key_env + ')' if key else 'none (loopback only)'}; "
                f"max_tokens <= {config.max_tokens}; logs in {session.log_dir}; Ctrl-C stops")
            out(f"ready: {url}")
            sys.stdout.flush()
            while not stop.wait(0.5):
                dead = [b for b in backends if not b.alive()]
                if dead:
                    raise BackendFailed(f"{dead[0].name} exited (code {dead[0].process.returncode}); "
                                        f"last lines of {dead[0].log_path}:\n{dead[0].tail()}")
            out("stopping")
        finally:
            if started:
                proxy.shutdown()
            proxy.server_close()
            for backend in backends:
                backend.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0


def _log_requests() -> None:
    logger = logging.getLogger("ftflow.serve")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
