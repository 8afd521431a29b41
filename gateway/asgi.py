"""The ASGI handler (cybergate/asgi.py serves it; production: gunicorn with uvicorn workers, see
README "Production").

Django wraps every ASGI request in its own ThreadSensitiveContext, whose first synchronous call
(the request_started signal already makes one) starts a thread that lives as long as the request.
For the device gateway's long-poll, which may wait 30 s, that would be a thread per waiting device
(a waiting door station must cost no thread). Those requests therefore skip the per-request
context: the few synchronous calls they make (signal receivers, response.close) are instants on
the process's shared sync thread, and their database work runs in the gateway's own small pool
(gateway/longpoll.py). The customer API's long-polls (a feed or a door-open outcome with `wait`,
gateway/apilongpoll.py) are handled the same way, with their own URLconf (gateway/apiurls.py).
Every other request is handled exactly as Django does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from cybergate import loopprobe

if TYPE_CHECKING:
    from django.core.handlers.asgi import _ReceiveCallback, _SendCallback

LONG_POLL_PATHS = frozenset({"/device-api/v1/commands"})
# The customer API's long-polls (gateway/apilongpoll.py), with `wait` > 0, and their URLconf.
_API_LONG_POLL_PATH = re.compile(r"/api/v1/(call-log|audit-trail|door-open-commands/[^/]+)")
_API_LONG_POLL_URLCONF = "gateway.apiurls"


def is_api_long_poll(scope: dict[str, Any]) -> bool:
    """A path that offers `wait`, asked with a `wait` other than 0 (a malformed one too: the
    view refuses it as usual)."""
    if _API_LONG_POLL_PATH.fullmatch(scope.get("path", "")) is None:
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    return any(name == "wait" and value != "0" for name, value in pairs)


class CyberGateASGIHandler(ASGIHandler):
    async def __call__(
        self, scope: dict[str, Any], receive: _ReceiveCallback, send: _SendCallback
    ) -> None:
        if settings.GATEWAY_LOOP_PROBE:
            loopprobe.ensure_started()
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
        elif scope.get("path") in LONG_POLL_PATHS:
            await self.handle(scope, receive, send)
        elif is_api_long_poll(scope):
            await self.handle({**scope, "cybergate.urlconf": _API_LONG_POLL_URLCONF}, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def create_request(self, scope: Mapping[str, Any], body_file: Any) -> Any:
        request, error_response = super().create_request(scope, body_file)
        if request is not None and "cybergate.urlconf" in scope:
            request.urlconf = scope["cybergate.urlconf"]
        return request, error_response
