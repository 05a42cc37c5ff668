"""ftflow's OpenAI-compatible front door (``ftflow serve``): API keys, limits, routing, policies, logs.

An ASGI app (Starlette) on uvicorn, the stack llama-cpp-python's server already brings: HTTP/1.1
keep-alive, asyncio instead of a thread per connection, pooled keep-alive connections to each backend
(httpx).  Per request: key check (401) and per-key rate limit (429), ``Content-Length`` and body size
(411/413) read within ``body_timeout_s`` (408), field whitelist and fan-out limits (400, see limits.py),
route choice (404 for unknown models), request policies (a refusal answer), admission into at most
``max_concurrent`` forwarded requests with ``max_queue`` waiting (429 beyond), 503 while the route's
backend restarts, then the forward.  Streams are relayed line by line with the route name as ``model``;
a stream the backend breaks ends with an SSE error event.  Every error is an OpenAI-style JSON error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import logging
import time
from typing import Any
from urllib.parse import quote

from ftflow_plugins.serve.config import AUTO
from ftflow_plugins.serve.limits import FIELDS, ApiError, Limits, check_request, parse_body
from ftflow_plugins.serve.policy import Policy, Refused
from ftflow_plugins.serve.reqlog import RequestLog, Stats
from ftflow_plugins.serve.router import Router, request_text

log = logging.getLogger("ftflow.serve")


@dataclasses.dataclass
class Upstream:
    """Where a route's requests go: a backend (Unix socket or loopback port), its internal key, the model
    name it serves, and the ``response_format`` added for schema routes when the client sends none."""

    host: str
    port: int
    key: str
    model: str
    response_format: dict[str, Any] | None = None
    socket: str | None = None
    backend: str = ""  # the backend process's name (503 while it is down)

    @property
    def pool(self) -> str:
        return self.socket or f"{self.host}:{self.port}"


@dataclasses.dataclass
class GatewaySettings:
    api_keys: list[str]  # empty: no key (loopback only)
    max_body_bytes: int = 1_000_000
    limits: Limits = dataclasses.field(default_factory=Limits)
    request_timeout_s: float = 600.0
    max_concurrent: int = 16
    max_queue: int = 64
    rate_limit_per_min: int = 600  # per key; 0: none
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    idle_timeout_s: float = 5.0
    log_prompts: bool = False


def header_value(value: str) -> str:
    """Printable ASCII for a response header (a route reason may quote a non-Latin-1 keyword)."""
    return "".join(c if 32 <= ord(c) < 127 and c != "%" else quote(c, safe="") for c in value)[:256]


def key_id(key: str | None) -> str:
    return "none" if key is None else hashlib.sha256(key.encode()).hexdigest()[:8]


class RateLimiter:
    """A token bucket per key id: ``per_min`` requests a minute, bursts up to ``per_min``."""

    def __init__(self, per_min: int) -> None:
        self.per_min = per_min
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, kid: str) -> float:
        """0 when allowed, else the seconds until the next request would be."""
        if self.per_min <= 0:
            return 0.0
        now, rate = time.monotonic(), self.per_min / 60.0
        tokens, last = self.buckets.get(kid, (float(self.per_min), now))
        tokens = min(float(self.per_min), tokens + (now - last) * rate)
        if tokens < 1:
            self.buckets[kid] = (tokens, now)
            return (1 - tokens) / rate
        self.buckets[kid] = (tokens - 1, now)
        return 0.0


class Gateway:
    def __init__(self, router: Router, upstreams: dict[str, Upstream], settings: GatewaySettings,
                 policies: dict[str, list[Policy]] | None = None, request_log: RequestLog | None = None) -> None:
        self.router, self.upstreams, self.settings = router, upstreams, settings
        self.policies = policies or {}
        self.down: set[str] = set()  # backends restarting
        self.stats = Stats()
        self.request_log = request_log or RequestLog(None)
        self.rate = RateLimiter(settings.rate_limit_per_min)
        self.active = self.waiting = 0
        self._slots: asyncio.Semaphore | None = None
        self._clients: dict[str, Any] = {}

    # -- plumbing ------------------------------------------------------------------------------------
    def client(self, upstream: Upstream) -> Any:
        """One pooled keep-alive client per backend (created in the serving event loop)."""
        import httpx

        if upstream.pool not in self._clients:
            transport = httpx.AsyncHTTPTransport(uds=upstream.socket) if upstream.socket else None
            limit = httpx.Limits(max_connections=self.settings.max_concurrent,
                                 max_keepalive_connections=self.settings.max_concurrent)
            base = "http://backend" if upstream.socket else f"http://{upstream.host}:{upstream.port}"
            self._clients[upstream.pool] = httpx.AsyncClient(
                base_url=base, transport=transport, limits=limit, headers={"Authorization": f"Bearer {upstream.key}"},
                timeout=httpx.Timeout(self.settings.request_timeout_s, connect=10.0))
        return self._clients[upstream.pool]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    def app(self) -> Any:
        """A plain ASGI app: every path and method reaches ``dispatch``, so even a 405 or a crash is JSON."""
        from starlette.requests import Request

        async def asgi(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            request = Request(scope, receive)
            try:
                response = await self.dispatch(request)
            except Exception:  # anything unforeseen is still an OpenAI-style error
                log.exception("gateway error on %s", scope.get("path"))
                response = self._error(ApiError(500, "internal error in the gateway", "server_error"))
            await response(scope, receive, send)

        return asgi

    async def dispatch(self, request: Any) -> Any:
        path = request.url.path
        if path in ("/health", "/healthz"):
            return await self.health(request)
        if path == "/v1/models":
            return await self.models(request)
        return await self.handle(request)

    def _error(self, exc: ApiError) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse(exc.payload(), exc.status, headers={k: header_value(v) for k, v in exc.headers.items()})

    def _authorize(self, request: Any) -> str:
        """The caller's key id; ApiError 401 when a key is required and not given."""
        if not self.settings.api_keys:
            return "none"
        given = request.headers.get("authorization", "")
        given = given[7:].strip() if given[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
        given_bytes = given.encode("utf-8", "replace")
        for key in self.settings.api_keys:
            if hmac.compare_digest(given_bytes, key.encode()):
                return key_id(key)
        raise ApiError(401, "invalid or missing API key", "authentication_error", code="invalid_api_key")

    # -- endpoints -----------------------------------------------------------------------------------
    async def health(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        return JSONResponse({"status": "ok" if not self.down else "degraded"})

    async def models(self, request: Any) -> Any:
        from starlette.responses import JSONResponse

        try:
            self._authorize(request)
            if request.method != "GET":
                raise ApiError(405, "use GET /v1/models")
        except ApiError as exc:
            return self._refuse(request, exc, "none")
        names = [AUTO, *self.router.names]
        return JSONResponse({"object": "list", "data": [{"id": n, "object": "model", "created": 0,
                                                         "owned_by": "ftflow"} for n in names]})

    def _refuse(self, request: Any, exc: ApiError, kid: str, route: str | None = None,
                started: float | None = None) -> Any:
        log.info("%s %s refused %s: %s", request.method, request.url.path, exc.status, exc.message)
        self.stats.count(exc.status, exc.code if exc.code and not exc.code.isdigit() else None)
        self.request_log.write(key=kid, path=request.url.path, route=route, status=exc.status,
                               latency_s=time.perf_counter() - (started or time.perf_counter()), error=exc.message)
        return self._error(exc)

    async def handle(self, request: Any) -> Any:
        started, kid, route = time.perf_counter(), "none", None
        try:
            kid = self._authorize(request)
            path = request.url.path
            if path not in FIELDS:
                raise ApiError(404, f"unknown path {path} (served: /v1/models, {', '.join(FIELDS)})")
            if request.method != "POST":
                raise ApiError(405, f"use POST {path}")
            wait = self.rate.allow(kid)
            if wait:
                raise ApiError(429, "rate limit of this API key exceeded", "rate_limit_error", code="rate_limit",
                               headers={"Retry-After": str(max(1, round(wait)))})
            body = check_request(path, parse_body(await self._read(request), self.settings.limits),
                                 self.settings.limits)
            model = body.get("model")
            if not self.router.is_auto(model) and model not in self.router.names:
                raise ApiError(404, f"unknown model '{model}' (models: {', '.join([AUTO, *self.router.names])})",
                               param="model", code="model_not_found")
            text = request_text(body)
            request.state.stream = bool(body.get("stream"))
            route, why = self.router.choose(model, text)
            policies = self.policies.get(route, [])
            for policy in policies:
                await asyncio.to_thread(policy.check_request, text)
            upstream = self.upstreams[route]
            if upstream.backend in self.down:
                raise ApiError(503, f"the backend of route {route} is restarting; retry shortly", "server_error",
                               code="backend_restarting", headers={"Retry-After": "2"})
            body["model"] = upstream.model
            if upstream.response_format is not None and "response_format" not in body:
                body["response_format"] = upstream.response_format
            context = _Call(self, request, kid, route, why, upstream, body, policies, text, started)
            return await context.run()
        except Refused as refusal:
            return _Call.refusal(self, request, kid, route or "", refusal, started)
        except ApiError as exc:
            return self._refuse(request, exc, kid, route, started)

    async def _read(self, request: Any) -> bytes:
        length = request.headers.get("content-length")
        if length is None:
            raise ApiError(411, "a Content-Length header is required", code="length_required")
        if not (length.isascii() and length.isdigit()):
            raise ApiError(400, "Content-Length must be a decimal number")
        if int(length) > self.settings.max_body_bytes:
            raise ApiError(413, f"request body of {length} bytes exceeds the limit of {self.settings.max_body_bytes}",
                           code="body_too_large")
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.settings.body_timeout_s):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > int(length):
                        raise ApiError(400, "the body is longer than its Content-Length")
                    chunks.append(chunk)
        except TimeoutError:
            raise ApiError(408, f"the request body did not arrive within {self.settings.body_timeout_s:g}s",
                           code="timeout") from None
        return b"".join(chunks)

    # -- admission -----------------------------------------------------------------------------------
    async def admit(self) -> None:
        """Wait for one of ``max_concurrent`` slots; 429 when ``max_queue`` requests already wait."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.max_concurrent)
        if self._slots.locked() and self.waiting >= self.settings.max_queue:
            raise ApiError(429, "the server is at capacity; retry shortly", "rate_limit_error", code="overloaded",
                           headers={"Retry-After": "1"})
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.active += 1

    def release(self) -> None:
        self.active -= 1
        assert self._slots is not None
        self._slots.release()


from ftflow_plugins.serve.relay import _Call  # noqa: E402 - relay needs Gateway's helpers above


def snapshot(gateway: Gateway) -> dict[str, Any]:
    """What ``ftflow serve --status`` shows."""
    return {**gateway.stats.snapshot(), "active": gateway.active, "waiting": gateway.waiting,
            "backends_down": sorted(gateway.down)}


