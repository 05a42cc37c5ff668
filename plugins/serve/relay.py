"""One forwarded request: the backend call, the answer's policies, the stream relay, the log line.

Streams are relayed line by line with ``model`` set to the route name in every chunk.  When the backend
breaks a stream (connection lost, no ``[DONE]``) the client gets an SSE ``error`` event (the ``openai``
client raises it) rather than a silently truncated 200.  A route whose policies rewrite answers
(redaction, schema validation) is asked for the whole answer and streamed to the client in one chunk:
a redaction cannot be undone once a chunk has left.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ftflow_plugins.serve.limits import CHAT, ApiError
from ftflow_plugins.serve.policy import Policy, Refused

if TYPE_CHECKING:
    from ftflow_plugins.serve.gateway import Gateway, Upstream

log = logging.getLogger("ftflow.serve")


def _sse(payload: Any) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


class _Call:
    def __init__(self, gw: Gateway, request: Any, kid: str, route: str, why: str, upstream: Upstream,
                 body: dict[str, Any], policies: list[Policy], text: str, started: float) -> None:
        self.gw, self.request, self.kid, self.route, self.why = gw, request, kid, route, why
        self.upstream, self.body, self.policies, self.text, self.started = upstream, body, policies, text, started
        self.path = request.url.path
        self.tokens: dict[str, int] = {}
        self.violations: dict[str, int] = {}

    def headers(self) -> dict[str, str]:
        from ftflow_plugins.serve.gateway import header_value

        return {"x-ftflow-route": header_value(self.route), "x-ftflow-route-reason": header_value(self.why)}

    def done(self, status: int, error: str | None = None, code: str | None = None) -> None:
        latency = time.perf_counter() - self.started
        log.info("%s %s route=%s (%s) status=%s %.2fs", self.request.method, self.path, self.route, self.why, status,
                 latency)
        self.gw.stats.count(status, None if status < 400 else code or "backend_error")
        self.gw.request_log.write(key=self.kid, path=self.path, route=self.route, reason=self.why, status=status,
                                  latency_s=latency, **self.tokens, **({"violations": self.violations}
                                                                       if self.violations else {}),
                                  **({"error": error} if error else {}), prompt=self.text)

    @staticmethod
    def refusal(gw: Gateway, request: Any, kid: str, route: str, refusal: Refused, started: float) -> Any:
        """A policy's refusal as an ordinary answer (finish_reason ``content_filter``)."""
        gw.stats.violation(refusal.policy)
        gw.stats.count(200, f"policy:{refusal.policy}")
        gw.request_log.write(key=kid, path=request.url.path, route=route, status=200,
                             latency_s=time.perf_counter() - started, violations={refusal.policy: 1})
        log.info("%s %s route=%s refused by policy %s", request.method, request.url.path, route, refusal.policy)
        chat = request.url.path == CHAT
        choice = ({"index": 0, "message": {"role": "assistant", "content": refusal.message}} if chat
                  else {"index": 0, "text": refusal.message})
        data = {"id": f"ftflow-{uuid.uuid4().hex[:12]}", "object": "chat.completion" if chat else "text_completion",
                "created": int(time.time()), "model": route, "choices": [{**choice, "finish_reason": "content_filter"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        return _Call._answer(data, chat, getattr(request.state, "stream", False),
                             {"x-ftflow-route": route, "x-ftflow-policy": refusal.policy})

    @staticmethod
    def _answer(data: dict[str, Any], chat: bool, stream: bool, headers: dict[str, str]) -> Any:
        from starlette.responses import JSONResponse, StreamingResponse

        if not stream:
            return JSONResponse(data, headers=headers)
        chunks = []
        for choice in data.get("choices", []):
            text = (choice.get("message") or {}).get("content") if chat else choice.get("text")
            delta = {"delta": {"role": "assistant", "content": text or ""}} if chat else {"text": text or ""}
            chunks.append({**_chunk(data, chat), "choices": [{"index": choice.get("index", 0), **delta,
                                                              "finish_reason": choice.get("finish_reason")}]})

        async def events() -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield _sse(chunk)
            yield _sse("[DONE]")

        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def run(self) -> Any:
        stream = bool(self.body.get("stream"))
        buffered = stream and any(p.rewrites_output for p in self.policies)
        if buffered:
            self.body["stream"] = False
            self.body.pop("stream_options", None)
        await self.gw.admit()
        handed_over = False
        try:
            if stream and not buffered:
                response = await self._stream()
                handed_over = True
                return response
            data = await self._post()
            data = await self._apply(data)
            self.done(200)
            return self._answer(data, self.path == CHAT, stream, self.headers())
        except Refused as refusal:
            self.request.state.stream = stream
            return self.refusal(self.gw, self.request, self.kid, self.route, refusal, self.started)
        except ApiError as exc:
            self.done(exc.status, exc.message, exc.code)
            return self.gw._error(exc)
        finally:
            if not handed_over:
                self.gw.release()

    def _failed(self, exc: Exception) -> ApiError:
        """A backend that cannot be reached (crashed, restarting): 503, which clients retry; too slow: 504."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return ApiError(504, f"the backend of route {self.route} did not answer in time", "server_error",
                            code="backend_timeout")
        return ApiError(503, f"the backend of route {self.route} is not answering ({type(exc).__name__}); retry "
                             f"shortly", "server_error", code="backend_restarting", headers={"Retry-After": "2"})

    async def _backend_error(self, status: int, raw: bytes) -> ApiError:
        """A backend's non-200 answer as an OpenAI-style error (its message kept, its internals not)."""
        try:
            message = json.loads(raw)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = raw[:300].decode("utf-8", "replace") or f"status {status}"
        return ApiError(status if 400 <= status < 600 else 502, f"backend: {str(message)[:500]}",
                        "invalid_request_error" if 400 <= status < 500 else "server_error")

    async def _post(self) -> dict[str, Any]:
        import httpx

        try:
            reply = await self.gw.client(self.upstream).post(self.path, json=self.body)
        except httpx.HTTPError as exc:
            raise self._failed(exc) from None
        if reply.status_code != 200:
            raise await self._backend_error(reply.status_code, reply.content)
        try:
            data = reply.json()
        except ValueError:
            raise ApiError(502, "the backend's answer is not JSON", "server_error", code="backend_error") from None
        if not isinstance(data, dict):
            raise ApiError(502, "the backend's answer is not a JSON object", "server_error", code="backend_error")
        data["model"] = self.route
        usage = data.get("usage") or {}
        self.tokens = {k: usage[k] for k in ("prompt_tokens", "completion_tokens") if isinstance(usage.get(k), int)}
        return data

    async def _apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """Run the route's output policies over every choice's text."""
        if not self.policies:
            return data
        chat = self.path == CHAT
        for choice in data.get("choices") or []:
            holder = choice.get("message") if chat else choice
            if not isinstance(holder, dict):
                continue
            key = "content" if chat else "text"
            text = holder.get(key) or ""
            for policy in self.policies:
                try:
                    text, found = await asyncio.to_thread(policy.check_output, text)
                except (Refused, ApiError):
                    self.gw.stats.violation(policy.name)
                    raise
                if found:
                    self.violations[policy.name] = self.violations.get(policy.name, 0) + found
                    self.gw.stats.violation(policy.name, found)
            holder[key] = text
        return data

    async def _stream(self) -> Any:
        import httpx
        from starlette.responses import JSONResponse, StreamingResponse

        client = self.gw.client(self.upstream)
        try:
            reply = await client.send(client.build_request("POST", self.path, json=self.body), stream=True)
        except httpx.HTTPError as exc:
            raise self._failed(exc) from None
        if reply.status_code != 200 or "text/event-stream" not in reply.headers.get("content-type", ""):
            try:
                raw = await reply.aread()
            except httpx.HTTPError as exc:
                raise self._failed(exc) from None
            finally:
                await reply.aclose()
            if reply.status_code != 200:
                raise await self._backend_error(reply.status_code, raw)
            self.gw.release()  # a JSON answer to a stream request: relayed as it is
            self.done(200)
            try:
                data = {**json.loads(raw), "model": self.route}
            except (ValueError, TypeError):
                data = {"error": {"message": "the backend's answer is not JSON", "type": "server_error"}}
            return JSONResponse(data, headers=self.headers())
        return StreamingResponse(self._relay(reply), media_type="text/event-stream",
                                 headers={**self.headers(), "Cache-Control": "no-cache"})

    async def _relay(self, reply: Any) -> AsyncIterator[bytes]:
        import httpx

        status, error, chunks, finished = 200, None, 0, False
        try:
            async for line in reply.aiter_lines():
                if not line.startswith("data:"):
                    continue  # blank separators, comments (pings), event/id lines
                payload = line[5:].strip()
                if payload == "[DONE]":
                    finished = True
                    yield _sse("[DONE]")
                    continue
                try:
                    event = json.loads(payload)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    if "model" in event:
                        event["model"] = self.route
                    usage = event.get("usage") or {}
                    if isinstance(usage.get("completion_tokens"), int):
                        self.tokens = {k: usage[k] for k in ("prompt_tokens", "completion_tokens")
                                       if isinstance(usage.get(k), int)}
                    chunks += 1
                yield _sse(event)
            if not finished:
                raise ConnectionError("the backend ended the stream early")
        except (httpx.HTTPError, ConnectionError, OSError) as exc:
            status, error = 502, f"the backend of route {self.route} broke the stream: {type(exc).__name__}"
            log.warning("%s", error)
            yield _sse({"error": {"message": error, "type": "server_error", "param": None, "code": "backend_error"}})
        finally:
            await reply.aclose()
            self.gw.release()
            self.tokens.setdefault("completion_tokens", max(0, chunks - 1))
            self.done(status, error)


def _chunk(data: dict[str, Any], chat: bool) -> dict[str, Any]:
    return {"id": data.get("id") or f"ftflow-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion.chunk" if chat else "text_completion", "created": data.get("created", 0),
            "model": data.get("model")}
