"""ftflow's OpenAI-compatible front door: API key, request limits and routing for every backend.

A stdlib ``ThreadingHTTPServer`` (no new dependency): it checks the key, refuses oversized bodies and
``max_tokens`` above the limit, picks a route, rewrites ``model`` to the backend's name, forwards the
request (streaming answers are relayed chunk by chunk) and adds ``x-ftflow-route`` to the response.
"""

from __future__ import annotations

import dataclasses
import hmac
import http.client
import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ftflow_plugins.serve.config import AUTO
from ftflow_plugins.serve.router import Router, request_text

log = logging.getLogger("ftflow.serve")
FORWARDED = ("/v1/chat/completions", "/v1/completions")
TOKEN_KEYS = ("max_tokens", "max_completion_tokens")


@dataclasses.dataclass
class Upstream:
    """Where a route's requests go: a backend URL, its internal key and the model name it serves."""

    host: str
    port: int
    key: str
    model: str
    response_format: dict[str, Any] | None = None  # injected when the client sends none (schema routes)


@dataclasses.dataclass
class ProxySettings:
    api_key: str | None
    max_body_bytes: int
    max_tokens: int
    timeout_s: float = 600.0


class ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], router: Router, upstreams: dict[str, Upstream],
                 settings: ProxySettings) -> None:
        self.router, self.upstreams, self.settings = router, upstreams, settings
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    server: ProxyServer
    server_version = "ftflow-serve"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        log.debug("%s " + format, self.address_string(), *args)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        log.info("%s %s refused %s: %s", self.command, self.path, status, message)
        self._json(status, {"error": {"message": message, "type": kind, "code": status}})

    def _authorized(self) -> bool:
        expected = self.server.settings.api_key
        if expected is None:
            return True
        given = self.headers.get("Authorization", "")
        given = given[7:] if given.lower().startswith("bearer ") else self.headers.get("x-api-key", "")
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
        self._error(401, "invalid or missing API key", "authentication_error")
        return False

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path in ("/health", "/healthz"):
            self._json(200, {"status": "ok"})
        elif not self._authorized():
            return
        elif self.path == "/v1/models":
            names = [AUTO, *self.server.router.names]
            self._json(200, {"object": "list", "data": [{"id": n, "object": "model", "owned_by": "ftflow"}
                                                        for n in names]})
        else:
            self._error(404, f"unknown path {self.path}")

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        started = time.perf_counter()
        if not self._authorized():
            return
        if self.path not in FORWARDED:
            self._error(404, f"unknown path {self.path} (served: {', '.join(FORWARDED)})")
            return
        body = self._read_body()
        if body is None:
            return
        model = body.get("model")
        router = self.server.router
        if not router.is_auto(model) and model not in router.names:
            self._error(404, f"unknown model '{model}' (models: {', '.join([AUTO, *router.names])})")
            return
        route, why = router.choose(model, request_text(body))
        upstream = self.server.upstreams[route]
        body["model"] = upstream.model
        if upstream.response_format is not None and "response_format" not in body:
            body["response_format"] = upstream.response_format
        status = self._forward(upstream, body, {"x-ftflow-route": route, "x-ftflow-route-reason": why})
        log.info("%s %s route=%s (%s) status=%s %.2fs", self.command, self.path, route, why, status,
                 time.perf_counter() - started)

    def _read_body(self) -> dict[str, Any] | None:
        settings = self.server.settings
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._error(411, "a Content-Length header is required")
            return None
        if int(length) > settings.max_body_bytes:
            self._error(413, f"request body of {length} bytes exceeds the limit of {settings.max_body_bytes}")
            return None
        try:
            body = json.loads(self.rfile.read(int(length)) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            self._error(400, f"request body is not JSON: {exc}")
            return None
        if not isinstance(body, dict):
            self._error(400, "request body must be a JSON object")
            return None
        for key in TOKEN_KEYS:
            value = body.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                self._error(400, f"{key} must be a positive integer")
                return None
            if value is not None and value > settings.max_tokens:
                self._error(400, f"{key}={value} exceeds this server's limit of {settings.max_tokens}")
                return None
        if not any(body.get(k) for k in TOKEN_KEYS):
            body["max_tokens"] = settings.max_tokens
        if body.get("n", 1) != 1:
            self._error(400, "n must be 1 on this server")
            return None
        return body

    def _forward(self, upstream: Upstream, body: dict[str, Any], extra: dict[str, str]) -> int:
        data = json.dumps(body).encode()
        conn = http.client.HTTPConnection(upstream.host, upstream.port, timeout=self.server.settings.timeout_s)
        sent = False
        try:
            conn.request("POST", self.path, body=data, headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {upstream.key}"})
            response = conn.getresponse()
            streaming = "text/event-stream" in (response.getheader("Content-Type") or "")
            payload = b"" if streaming else _renamed(response.read(), extra["x-ftflow-route"])
            sent = True
            self.send_response(response.status)
            self.send_header("Content-Type", response.getheader("Content-Type") or "application/json")
            for name, value in extra.items():
                self.send_header(name, value)
            if streaming:  # HTTP/1.0: the body ends when the connection closes
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                while chunk := response.read1(65536):
                    self.wfile.write(chunk)
                    self.wfile.flush()
            else:
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            if sent:  # the client already has a status line: all that is left is to close the connection
                log.warning("backend for route %s failed mid-response: %s", extra["x-ftflow-route"], exc)
                return 502
            self._error(502, f"backend for route {extra['x-ftflow-route']} failed: {type(exc).__name__}: {exc}",
                        "server_error")
            return 502
        finally:
            conn.close()


def _renamed(payload: bytes, route: str) -> bytes:
    """The backend's answer with ``model`` set to the route name the client can use."""
    try:
        data = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return payload
    if isinstance(data, dict) and "model" in data:
        data["model"] = route
        return json.dumps(data).encode()
    return payload
