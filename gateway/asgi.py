"""The ASGI handler (cybergate/asgi.py serves it; production: gunicorn with uvicorn workers, see
README "Production").

Django wraps every ASGI request in its own ThreadSensitiveContext, whose first synchronous call
(the request_started signal already makes one) starts a thread that lives as long as the request.
For the device gateway's long-poll, which may wait 30 s, that would be a thread per waiting device
(SPEC §4 rules it out). Those requests therefore skip the per-request context: the few
synchronous calls they make (signal receivers, response.close) are instants on the process's
shared sync thread, and their database work runs in the gateway's own small pool
(gateway/longpoll.py). Every other request is handled exactly as Django does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from cybergate import loopprobe

LONG_POLL_PATHS = frozenset({"/device-api/v1/commands"})


class CyberGateASGIHandler(ASGIHandler):
    async def __call__(self, scope, receive, send) -> None:
        if settings.GATEWAY_LOOP_PROBE:
            loopprobe.ensure_started()
        if scope["type"] == "http" and scope.get("path") in LONG_POLL_PATHS:
            await self.handle(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
