"""The gateway in front of every backend (against a stdlib fake backend): API key (401), limits and field
whitelist, routing header, model rewrite, unknown models, streaming relay, and the hostile requests of
issue 22 — each of which got no answer, or a wrong one, from the old http.server proxy."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from serve_fake import KEY, Running

from ftflow_plugins.serve.limits import json_depth


@pytest.fixture
def gw(tmp_path):
    running = Running(tmp_path)
    yield running
    running.close()


CLIENT = httpx.Client(timeout=20)  # one pool for the module: a client per request costs a TLS context each


def post(gw, body, key=KEY, raw=None, path="/v1/chat/completions"):
    content = raw if raw is not None else json.dumps(body).encode()
    return CLIENT.post(gw.url + path, content=content,
                       headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})


def chat(text, **extra):
    return {"model": "auto", "messages": [{"role": "user", "content": text}], **extra}


def raw_request(port: int, data: bytes, timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


def test_routes_rewrite_model_and_add_header(gw):
    reply = post(gw, chat("Audit this Solidity code"))
    payload = reply.json()
    assert reply.status_code == 200 and reply.headers["x-ftflow-route"] == "triage"
    assert reply.headers["x-ftflow-route-reason"] == "keyword:solidity"
    assert payload["received"]["model"] == "m-triage" and payload["model"] == "triage"
    assert payload["received"]["max_tokens"] == 64  # the limit fills in a missing max_tokens
    assert payload["received"]["response_format"] == {"type": "json_object"}  # schema route
    reply = post(gw, chat("my wallet", max_tokens=5))
    assert reply.headers["x-ftflow-route"] == "support" and reply.json()["received"]["max_tokens"] == 5
    reply = post(gw, {**chat("Solidity"), "model": "support"})
    assert (reply.headers["x-ftflow-route"], reply.headers["x-ftflow-route-reason"]) == ("support", "explicit")
    assert reply.http_version == "HTTP/1.1" and reply.headers.get("connection") != "close"  # keep-alive


def test_wrong_or_missing_key_is_401(gw):
    reply = post(gw, chat("hi"), key="wrong-key")
    assert reply.status_code == 401 and reply.json()["error"]["type"] == "authentication_error"
    assert CLIENT.get(gw.url + "/v1/models").status_code == 401
    assert CLIENT.get(gw.url + "/health").status_code == 200  # liveness needs no key


def test_limits_and_bad_requests(gw):
    assert post(gw, chat("hi", max_tokens=65)).status_code == 400
    assert post(gw, chat("hi", max_completion_tokens=0)).status_code == 400
    assert post(gw, chat("x" * 5000)).status_code == 413
    assert post(gw, None, raw=b"not json").status_code == 400
    assert post(gw, chat("hi", n=3)).status_code == 400
    reply = post(gw, {**chat("hi"), "model": "gpt-4"})
    assert reply.status_code == 404 and "auto, triage, support" in reply.json()["error"]["message"]


@pytest.mark.parametrize("path,body,param", [
    ("/v1/completions", {"prompt": ["p"] * 50_000}, "prompt"),  # a fan-out of 50,000 prompts
    ("/v1/completions", {"prompt": "p", "best_of": 50}, "best_of"),
    ("/v1/completions", {"prompt": "p", "n_predict": -1}, "n_predict"),  # llama.cpp extension fields
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "p"}], "ignore_eos": True}, "ignore_eos"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "p"}], "stop": ["a"] * 50}, "stop"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "p"}],
                              "logit_bias": {str(i): 1 for i in range(400)}}, "logit_bias"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "p"}], "logit_bias": {"²": 1}},
     "logit_bias"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": "p", "tool_calls": []}]}, "messages[0]"),
])
def test_field_whitelist_and_fan_out_limits(tmp_path, path, body, param):
    running = Running(tmp_path, max_body_bytes=1_000_000)  # the default limit: 50,000 prompts fit under it
    try:
        reply = post(running, body, path=path)
    finally:
        running.close()
    error = reply.json()["error"]
    assert reply.status_code == 400 and error["param"] == param and error["type"] == "invalid_request_error"


def test_hostile_bodies_and_headers_get_json_errors(gw):
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert json_depth(deep) == 100_001
    reply = post(gw, None, raw=deep[:4000])  # under the size limit
    assert reply.status_code == 400 and "nests deeper" in reply.json()["error"]["message"]
    answer = raw_request(gw.port, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ²\r\n\r\n"
                         .encode())
    assert answer.startswith(b"HTTP/1.1 400") and b'"error"' in answer
    assert post(gw, None, raw=b"").json()["error"]["message"].startswith("the request body is empty")
    answer = raw_request(gw.port, f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}"
                                  f"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 411")


def test_non_latin1_keyword_route_is_answered(gw):
    reply = post(gw, chat("日本 について"))
    assert reply.status_code == 200 and reply.headers["x-ftflow-route"] == "triage"
    assert reply.headers["x-ftflow-route-reason"] == "keyword:%E6%97%A5%E6%9C%AC"


def test_stream_chunks_carry_the_route_name_and_a_broken_stream_ends_with_an_error_event(gw):
    reply = post(gw, chat("wallet", stream=True))
    events = [e for e in reply.text.split("\n\n") if e]
    assert reply.status_code == 200 and events[-1] == "data: [DONE]" and len(events) == 4
    assert {json.loads(e[6:])["model"] for e in events[:-1]} == {"support"}  # never the backend's m-support
    reply = post(gw, chat("wallet break", stream=True))
    events = [e for e in reply.text.split("\n\n") if e]
    assert "[DONE]" not in reply.text and json.loads(events[-1][6:])["error"]["code"] == "backend_error"


def test_slow_headers_are_dropped_and_do_not_block_others(gw):
    socks = []
    for _ in range(100):  # connections that never finish their headers (before any key check)
        sock = socket.create_connection(("127.0.0.1", gw.port), timeout=5)
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
        socks.append(sock)
    started = time.monotonic()
    assert post(gw, chat("wallet")).status_code == 200  # served meanwhile (no thread per connection)
    for sock in socks:  # closed by the gateway after header_timeout_s (1 s here)
        assert sock.recv(100) == b""
        sock.close()
    assert time.monotonic() - started < 5
    # a body that never arrives: 408 after body_timeout_s
    answer = raw_request(gw.port, f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}"
                                  f"\r\nContent-Length: 100\r\n\r\n{{".encode())
    assert answer.startswith(b"HTTP/1.1 408")


def test_queue_full_is_429_and_rate_limit_per_key(tmp_path):
    import concurrent.futures

    running = Running(tmp_path, max_concurrent=1, max_queue=1)
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = sorted(pool.map(lambda _: post(running, chat("slow wallet")).status_code, range(4)))
        assert codes.count(200) >= 2 and 429 in codes
    finally:
        running.close()
    running = Running(tmp_path, rate_limit_per_min=2)
    try:
        codes = [post(running, chat("wallet")).status_code for _ in range(3)]
        reply = post(running, chat("wallet"))
        assert codes == [200, 200, 429] and reply.json()["error"]["type"] == "rate_limit_error"
        assert int(reply.headers["retry-after"]) >= 1
    finally:
        running.close()


def test_backend_down_is_503_and_request_log_has_no_prompt(gw):
    gw.gateway.down.add("b0")
    reply = post(gw, chat("secret wallet words"))
    assert reply.status_code == 503 and reply.headers["retry-after"] == "2"
    gw.gateway.down.clear()
    assert post(gw, chat("secret wallet words")).status_code == 200
    rows = [json.loads(line) for line in gw.log_path.read_text().splitlines()]
    assert [r["status"] for r in rows] == [503, 200]
    assert rows[1]["route"] == "support" and rows[1]["completion_tokens"] == 2 and rows[1]["key"] != KEY
    assert set(rows[1]) >= {"time", "key", "route", "status", "latency_s", "prompt_tokens"}
    assert "secret" not in gw.log_path.read_text()


@pytest.mark.parametrize("raw,expected", [
    (b'{"model": "auto", "messages": [{"role": "user", "content": "\\ud800"}]}', "unpaired UTF-16 surrogate"),
    (b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}', "temperature"),
    (b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 1' + b"0" * 3000 + b"}", "=100000000000 exceeds"),
    (b'{"messages": [{"role": "user", "content": "x"}], "max_tokens": 1e400}', "max_tokens"),
    (b'{"messages": [{"role": "tool", "content": "x"}]}', "role"),
    (b'{"messages": [{"role": "user", "content": "x"}], "stream": "yes"}', "stream"),
    (b'{"messages": [{"role": "user", "content": "x"}], "model": ["auto"]}', "model"),
    (b'\xff\xfe{}', "not JSON"),
])
def test_more_hostile_bodies_are_400(gw, raw, expected):
    reply = post(gw, None, raw=raw)
    assert reply.status_code == 400 and expected in reply.json()["error"]["message"]


def test_hostile_requests_on_the_wire_get_json_answers(gw):
    for request, status in (
            (b"TRACE /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n", b"401"),  # the key first, then 405
            (f"DELETE /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode(), b"405"),
            (f"GET /v1/\xff\xfe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode("latin-1"),
             b"40"),
            (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
             f"Content-Length: 4\r\nContent-Length: 5\r\n\r\n{{}}  ".encode(), b"400"),
            (b"GET /health HTTP/1.0\r\n\r\n", b"200")):
        answer = raw_request(gw.port, request)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.split(b" ")[1].startswith(status), (request[:60], answer[:300])
        assert b"application/json" in head.lower(), answer[:300]
        json.loads(body)
    try:  # headers beyond uvicorn's buffer: a JSON 400, or the connection reset before the client reads it
        answer = raw_request(gw.port, b"GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400") and b'"error"' in answer
    except (ConnectionResetError, BrokenPipeError):
        pass
