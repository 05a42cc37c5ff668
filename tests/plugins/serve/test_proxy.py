"""The proxy in front of every backend: API key (401), body and max_tokens limits, routing header,
model rewrite, unknown models, streaming relay — against a stdlib fake backend."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ftflow_plugins.serve.config import Route
from ftflow_plugins.serve.proxy import ProxyServer, ProxySettings, Upstream
from ftflow_plugins.serve.router import Router

KEY = "test-key-123456"


class FakeBackend(BaseHTTPRequestHandler):
    """Answers with what it received, so the test can see what the proxy forwarded."""

    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != "Bearer internal":
            self.send_response(401)
            self.end_headers()
            return
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(3):
                self.wfile.write(f"data: {i}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            return
        data = json.dumps({"model": body["model"], "received": body}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def proxy_url():
    backend = ThreadingHTTPServer(("127.0.0.1", 0), FakeBackend)
    port = backend.server_address[1]
    router = Router([Route("triage", keywords=["solidity"]), Route("support", keywords=["wallet"])], "support")
    upstreams = {"triage": Upstream("127.0.0.1", port, "internal", "m-triage", {"type": "json_object"}),
                 "support": Upstream("127.0.0.1", port, "internal", "m-support")}
    proxy = ProxyServer(("127.0.0.1", 0), router, upstreams, ProxySettings(KEY, 4096, 64))
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (backend, proxy)]
    for t in threads:
        t.start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}"
    for server in (proxy, backend):
        server.shutdown()
        server.server_close()


def post(url, body, key=KEY, raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", data=data, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def chat(text, **extra):
    return {"model": "auto", "messages": [{"role": "user", "content": text}], **extra}


def test_routes_rewrite_model_and_add_header(proxy_url):
    status, headers, body = post(proxy_url, chat("Audit this Solidity code"))
    payload = json.loads(body)
    assert status == 200 and headers["x-ftflow-route"] == "triage"
    assert headers["x-ftflow-route-reason"] == "keyword:solidity"
    assert payload["received"]["model"] == "m-triage" and payload["model"] == "triage"
    assert payload["received"]["max_tokens"] == 64  # the limit fills in a missing max_tokens
    assert payload["received"]["response_format"] == {"type": "json_object"}  # schema route
    status, headers, body = post(proxy_url, chat("my wallet", max_tokens=5))
    assert headers["x-ftflow-route"] == "support" and json.loads(body)["received"]["max_tokens"] == 5
    status, headers, _ = post(proxy_url, {**chat("Solidity"), "model": "support"})
    assert (headers["x-ftflow-route"], headers["x-ftflow-route-reason"]) == ("support", "explicit")


def test_wrong_or_missing_key_is_401(proxy_url):
    status, _, body = post(proxy_url, chat("hi"), key="wrong-key")
    assert status == 401 and json.loads(body)["error"]["type"] == "authentication_error"
    request = urllib.request.Request(proxy_url + "/v1/models")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 401
    with urllib.request.urlopen(proxy_url + "/health", timeout=10) as response:
        assert response.status == 200  # liveness needs no key and says nothing


def test_limits_and_bad_requests(proxy_url):
    assert post(proxy_url, chat("hi", max_tokens=65))[0] == 400
    assert post(proxy_url, chat("hi", max_completion_tokens=0))[0] == 400
    assert post(proxy_url, chat("x" * 5000))[0] == 413
    assert post(proxy_url, None, raw=b"not json")[0] == 400
    assert post(proxy_url, chat("hi", n=3))[0] == 400
    status, _, body = post(proxy_url, {**chat("hi"), "model": "gpt-4"})
    assert status == 404 and "auto, triage, support" in json.loads(body)["error"]["message"]


def test_streaming_is_relayed(proxy_url):
    status, headers, body = post(proxy_url, chat("wallet", stream=True))
    assert status == 200 and headers["x-ftflow-route"] == "support"
    assert body.decode().count("data:") == 4 and body.decode().endswith("data: [DONE]\n\n")
