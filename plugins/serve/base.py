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
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ftflow.errors import ConfigError, UserError
from ftflow.kinds import Server
from ftflow.workspace import Workspace
from ftflow_plugins.serve.config import AUTO, Route, ServeConfig, api_keys, check
from ftflow_plugins.serve.gateway import Gateway, GatewaySettings, Upstream
from ftflow_plugins.serve.limits import Limits
from ftflow_plugins.serve.policy import Policy, SchemaConfig, SchemaPolicy, build
from ftflow_plugins.serve.process import Backend, Supervisor, runtime_dir
from ftflow_plugins.serve.reqlog import RequestLog
from ftflow_plugins.serve.router import Router
from ftflow_plugins.serve.server import GatewayServer, bind
from ftflow_plugins.serve.status import STATUS_FILE, Status, describe

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
    key: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(24))  # gateway -> backends
    runtime: Path = dataclasses.field(default_factory=Path)  # private 0700 dir: backend sockets, key files


class ServerProvider(Server):
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
    def status(self, manifest: dict[str, Any], workspace: Workspace) -> list[str]:
        """``ftflow serve RUN --status``: the counters the run's server writes (serve/status.json)."""
        path = workspace.runs_dir / manifest["run_id"] / "serve" / STATUS_FILE
        if not path.exists():
            raise UserError(f"run {manifest['run_id']} has not been served: no {path}")
        return describe(path)

    def serve(self, manifest: dict[str, Any], config: ServeConfig, schemas: dict[str, Any], workspace: Workspace,
              out: Callable[[str], None] = print) -> int:
        """Start backends and the gateway, block until Ctrl-C or SIGTERM, stop everything."""
        from ftflow.plugin.manager import load_plugins

        problems = check(config)
        if problems:
            raise ConfigError("", "; ".join(problems))
        keys = api_keys(config)
        missing = self.available()
        if missing:
            raise UserError(f"serve={self.name}: {missing}")
        routes = self.routes(config)
        log_dir = workspace.runs_dir / manifest["run_id"] / "serve"
        policies = route_policies(routes, config, schemas, load_plugins().registry)
        session = ServeSession(manifest, config, routes, schemas, workspace, log_dir, runtime=runtime_dir())
        try:
            return self._serve(session, keys, policies, out)
        finally:
            shutil.rmtree(session.runtime, ignore_errors=True)

    def _serve(self, session: ServeSession, keys: list[str], policies: dict[str, list[Policy]],
               out: Callable[[str], None]) -> int:
        config, manifest = session.config, session.manifest
        backends, upstreams, lines = self.plan(session)
        for upstream in upstreams.values():
            upstream.backend = upstream.backend or next(
                (b.name for b in backends if (b.socket and b.socket == upstream.socket) or b.port == upstream.port), "")
        router = Router(session.routes, config.default_route, config.similarity_threshold)
        limits = Limits(config.max_tokens, config.max_prompts, config.max_messages,
                        max_json_depth=config.max_json_depth)
        settings = GatewaySettings(keys, config.max_body_bytes, limits, config.request_timeout_s,
                                   config.max_concurrent, config.max_queue, config.rate_limit_per_min,
                                   config.header_timeout_s, config.body_timeout_s, config.idle_timeout_s,
                                   config.log_prompts)
        try:
            sock = bind(config.host, config.port)
        except OSError as exc:
            raise ConfigError("serve.port", f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from exc
        request_log = RequestLog(session.log_dir / "requests.jsonl", config.log_prompts)
        gateway = Gateway(router, upstreams, settings, policies, request_log)
        server = GatewayServer(gateway, sock)
        status = Status(session.log_dir / STATUS_FILE, manifest["run_id"], gateway, backends)
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
            server.start()
            started = True
            host, port = server.address
            url = f"http://{host}:{port}/v1"
            out(f"serving run {manifest['run_id']} with {self.engine} at {url}")
            out(f"  models: {AUTO} (router, default {router.default}), " + ", ".join(router.names))
            for line in lines:
                out(f"  {line}")
            named = sorted({p.name for ps in policies.values() for p in ps})
            if named:
                out(f"  policies: {', '.join(named)}")
            out(f"  API key: {'required ($' + config.api_key_env + ')' if keys else 'none (loopback only)'}; "
                f"max_tokens <= {config.max_tokens}; logs in {session.log_dir}; Ctrl-C stops")
            status.write()
            out(f"ready: {url}")
            sys.stdout.flush()
            supervisor = Supervisor(backends, gateway.down, lambda m: logging.getLogger("ftflow.serve").warning(m))
            while not stop.wait(0.5):
                supervisor.poll()
                status.write()
            out("stopping")
        finally:
            if started:
                server.stop()
            else:
                sock.close()
            for backend in backends:
                backend.stop()
            request_log.close()
            status.write(stopped=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0


def route_policies(routes: list[Route], config: ServeConfig, schemas: dict[str, Any],
                   registry: Any) -> dict[str, list[Policy]]:
    """Each route's guardrails: its schema check, then serve.policies, then the route's own."""
    shared = build(config.policies, registry, "serve.policies")
    out: dict[str, list[Policy]] = {}
    for i, route in enumerate(routes):
        own = build(route.policies, registry, f"serve.routes[{i}].policies")
        schema = [SchemaPolicy(SchemaConfig(schemas[route.name]))] if route.name in schemas else []
        out[route.name] = [*schema, *shared, *own]
    return out


def _log_requests() -> None:
    logger = logging.getLogger("ftflow.serve")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
