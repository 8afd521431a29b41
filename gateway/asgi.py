"""The gateway pool's ASGI application (cybergate/asgi.py serves it; production: gunicorn with
uvicorn workers, see README "Production").

Two kinds of request may wait up to 30 s, and a waiting one must hold no thread and no database
connection:

- A device's long-poll, `GET /device-api/v1/commands`: on PostgreSQL the lean path answers it
  (gateway/lean.py) with its own small async pool. On SQLite (development) Django's plain async
  view does (gateway/longpoll.py).
- The customer API's long-polls (a feed or a door-open outcome with `wait`,
  gateway/apilongpoll.py), resolved against their own URLconf (gateway/apiurls.py).

Django serves these through its handler's `handle()`, without the per-request thread context of
`ASGIHandler.__call__`, whose first synchronous call starts a thread that would live as long as
the request. Their synchronous work (signal receivers, middleware, each look of a view) runs on
the process's one shared sync thread, which closes its connection at each request's end.

Every other request is handled exactly as Django does.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler, ASGIRequest

from gateway import lean, loopprobe
from gateway.lean import Receive, Scope, Send

_API_LONG_POLL_PATH = re.compile(r"/api/v1/(call-log|audit-trail|door-open-commands/[^/]+)")
_URLCONF = "cybergate.urlconf"


def is_api_long_poll(scope: Scope) -> bool:
    """A path that offers `wait`, asked with a `wait` other than 0 (a malformed one too: the
    view refuses it as usual)."""
    if _API_LONG_POLL_PATH.fullmatch(scope.get("path", "")) is None:
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    return any(name == "wait" and value != "0" for name, value in pairs)


class _Request(ASGIRequest):
    """A request resolved against the URLconf its scope names, if any."""

    def __init__(self, scope: Scope, body_file: Any) -> None:
        super().__init__(scope, body_file)
        if _URLCONF in scope:
            self.urlconf = scope[_URLCONF]


class _Handler(ASGIHandler):
    request_class = _Request


class GatewayApplication:
    """Routes each request to the lean path, to Django without a thread per request (the API's
    long-polls), or to Django as usual."""

    def __init__(self) -> None:
        self.django = _Handler()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if settings.GATEWAY_LOOP_PROBE:
                loopprobe.ensure_started()
            if lean.serves(scope):
                await lean.serve(scope, receive, send)
                return
            if scope.get("path") == lean.PATH:  # not on PostgreSQL: Django's view waits
                await self.django.handle(scope, receive, send)
                return
            if is_api_long_poll(scope):
                scope = {**scope, _URLCONF: "gateway.apiurls"}
                await self.django.handle(scope, receive, send)
                return
        await self.django(scope, receive, send)
