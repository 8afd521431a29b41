"""The gateway pool's gunicorn worker: uvicorn, with its own X-Forwarded-For handling off.

uvicorn rewrites the client address from X-Forwarded-For when the peer is in gunicorn's
`forwarded_allow_ips` (127.0.0.1 by default), by its own rules; the WSGI web pool never does. The
client address is decided in one place for both pools instead (cybergate/lib/clientinfo.py
`client_ip`, settings.TRUSTED_PROXIES), so here uvicorn passes the peer's address through
unchanged, whatever gunicorn's options or FORWARDED_ALLOW_IPS say.

The event loop is uvloop (requirements.txt), named rather than left to uvicorn's "auto", which
would silently fall back to the pure-Python asyncio loop when it is missing: a gateway process
holding thousands of waiting polls spends much of its CPU in the loop (bench/door_open.py). The HTTP
protocol stays h11, also named: uvicorn's httptools protocol writes every response header name
in lower case, so the gateway's answers would no longer be byte for byte those of the web pool
(tests/gateway/test_lean.py compares them).

A worker stopped by SIGTERM or SIGINT leaves through gunicorn's exit path, as the web pool's
workers do, so the `worker_exit` hook of deploy/gunicorn.conf.py runs (it writes the API secret
usage counts the worker holds). uvicorn, once it has shut down gracefully, raises the signal again
for the handler it found, which would otherwise be the default one: the process would die of the
signal before gunicorn's hook ran.

Access lines are the web pool's (gunicorn's access logger, with the same fields) rather than
uvicorn's, whose line has the query string (a feed's `?after=` carries a cursor) and no request
id.
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from uvicorn_worker import UvicornWorker as _UvicornWorker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]  # uvicorn_worker has no types
    CONFIG_KWARGS = {
        **_UvicornWorker.CONFIG_KWARGS,
        "proxy_headers": False,
        "loop": "uvloop",
        "http": "h11",
        "access_log": False,
    }

    def load_wsgi(self) -> None:
        super().load_wsgi()
        if self.cfg.accesslog:
            self.wsgi = AccessLog(self.wsgi, self.log.access_log)  # type: ignore[has-type]

    def init_signals(self) -> None:
        super().init_signals()
        # The handler uvicorn calls again after its graceful shutdown (see above).
        for stop in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop, self._leave)

    @staticmethod
    def _leave(signum: int, frame: Any) -> None:
        sys.exit(0)

    def run(self) -> None:
        # The application is loaded: what exists now (modules, settings, URL patterns) lives as
        # long as the process. Frozen, the collector no longer walks it on each full collection,
        # which with thousands of waiting polls held is what stalls the loop longest.
        gc.collect()
        gc.freeze()
        super().run()


class AccessLog:
    """ASGI middleware: one access line per HTTP request, with gunicorn's atoms as arguments
    (cybergate/lib/logformat.py renders them as fields). The path is without its query string."""

    FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(L)s %({x-request-id}o)s'

    def __init__(self, app: ASGIApp, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        answer = {"s": "-", "{x-request-id}o": "-"}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["s"] = str(message["status"])
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        answer["{x-request-id}o"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            client = scope.get("client")
            atoms = {
                "h": client[0] if client else "-",
                "m": scope["method"],
                "U": scope["path"],
                "L": f"{time.perf_counter() - started:.6f}",
                **answer,
            }
            self.logger.info(self.FORMAT, atoms)
