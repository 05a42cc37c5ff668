"""The gateway's HTTP server: uvicorn (h11) in a thread of ``ftflow serve``, on a socket ftflow binds itself
(a bind error is a one-line config error; ``--port 0`` reports the port it got).

uvicorn closes idle keep-alive connections (``idle_timeout_s``) but has no header timeout: a connection
that never finishes its request line and headers would stay open for ever.  ``GatewayProtocol`` closes
it after ``header_timeout_s``, and answers unparsable requests (a bad ``Content-Length``, oversized
headers) with an OpenAI-style JSON 400 instead of uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any

from ftflow_plugins.serve.gateway import Gateway


def protocol_class(timeout_s: float) -> type:
    """uvicorn's h11 protocol with a header timeout and JSON 400s (uvicorn imported only when serving)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GatewayProtocol(H11Protocol):
        header_timeout_s = timeout_s

        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            timer = getattr(self, "_header_timer", None)
            if timer is not None:
                timer.cancel()
            armed = self.cycle
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._expired, armed)

        def _expired(self, armed: Any) -> None:
            if self.cycle is armed and not self.transport.is_closing():  # no new request began since arming
                self.transport.close()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            timer = getattr(self, "_header_timer", None)
            if timer is not None:
                timer.cancel()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            import h11

            error = {"message": f"malformed HTTP request ({msg})", "type": "invalid_request_error", "param": None,
                     "code": "400"}
            body = json.dumps({"error": error}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close")]
            try:
                response = h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
                self.transport.write(self.conn.send(response))
                self.transport.write(self.conn.send(h11.Data(data=body)))
                self.transport.write(self.conn.send(h11.EndOfMessage()))
            except h11.LocalProtocolError:  # a response had already begun
                pass
            self.transport.close()

    return GatewayProtocol


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (OSError when the address is taken or not ours)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock


class GatewayServer:
    """Runs ``gateway`` on ``sock`` in a daemon thread until ``stop()``."""

    def __init__(self, gateway: Gateway, sock: socket.socket) -> None:
        self.gateway, self.sock = gateway, sock
        self.address = sock.getsockname()[:2]
        self.server: Any = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="ftflow-gateway", daemon=True)

    async def _main(self) -> None:
        import uvicorn

        settings = self.gateway.settings
        protocol = protocol_class(settings.header_timeout_s)
        config = uvicorn.Config(self.gateway.app(), http=protocol, lifespan="off", ws="none", log_level="warning",
                                access_log=False, timeout_keep_alive=max(1, round(settings.idle_timeout_s)),
                                h11_max_incomplete_event_size=32 * 1024, timeout_graceful_shutdown=5,
                                server_header=False)
        self.server = uvicorn.Server(config)
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            await self.gateway.close()

    def start(self, timeout_s: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not (self.server is not None and self.server.started):
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(15)
        self.sock.close()
