"""A stdlib stand-in for a backend server and a gateway around it, for the gateway tests: it answers
with what it received, streams three chunks (or breaks the stream when asked), and can be slow."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ftflow_plugins.serve.config import Route
from ftflow_plugins.serve.gateway import Gateway, GatewaySettings, Upstream
from ftflow_plugins.serve.limits import Limits
from ftflow_plugins.serve.reqlog import RequestLog
from ftflow_plugins.serve.router import Router
from ftflow_plugins.serve.server import GatewayServer, bind

KEY = "test-key-123456"


class FakeBackend(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != "Bearer internal":
            self.send_response(401)
            self.end_headers()
            return
        text = json.dumps(body.get("messages") or body.get("prompt"))
        if "slow" in text:
            time.sleep(1.0)
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(3):
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                         "choices": [{"index": 0, "delta": {"content": f"t{i} "}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if "break" in text and i == 1:
                    return  # the backend dies mid-stream: no [DONE]
            self.wfile.write(b"data: [DONE]\n\n")
            return
        prompt = body.get("prompt")
        user = body["messages"][-1]["content"] if "messages" in body else (
            prompt if isinstance(prompt, str) else prompt[0])
        content = user.split("reply:", 1)[1].strip() if "reply:" in user else "ok"
        data = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                           "received": body,
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                        "text": content, "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Running:
    """A fake backend and a gateway in front of it, both on 127.0.0.1 ports, in this process."""

    def __init__(self, tmp: Path, routes: list[Route] | None = None, policies: dict | None = None,
                 **settings) -> None:
        self.backend = ThreadingHTTPServer(("127.0.0.1", 0), FakeBackend)
        self.backend.daemon_threads = True
        port = self.backend.server_address[1]
        routes = routes or [Route("triage", keywords=["solidity", "日本"]), Route("support", keywords=["wallet"])]
        self.router = Router(routes, routes[-1].name)
        upstreams = {r.name: Upstream("127.0.0.1", port, "internal", f"m-{r.name}", backend="b0") for r in routes}
        if "triage" in upstreams:
            upstreams["triage"].response_format = {"type": "json_object"}
        self.log_path = tmp / "requests.jsonl"
        options = {"api_keys": [KEY], "max_body_bytes": 4096, "header_timeout_s": 1.0, "body_timeout_s": 1.0,
                   **settings}
        options.setdefault("limits", Limits(64))
        self.gateway = Gateway(self.router, upstreams, GatewaySettings(**options), policies,
                               RequestLog(self.log_path))
        self.server = GatewayServer(self.gateway, bind("127.0.0.1", 0))
        threading.Thread(target=self.backend.serve_forever, daemon=True).start()
        self.server.start()
        self.port = self.server.address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.stop()
        self.backend.shutdown()
        self.backend.server_close()
        self.gateway.request_log.close()
