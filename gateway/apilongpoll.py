"""The customer API's long-polls on the gateway pool: `GET /api/v1/call-log?wait=N`,
`/api/v1/audit-trail?wait=N` and `/api/v1/door-open-commands/{id}?wait=N`.

The API's views are synchronous DRF views, and the web pool (WSGI) answers them at once, `wait`
or not (`cybergate.lib.apiviews.offer_long_poll`). On the gateway pool (ASGI), a request with `wait`
is handed here instead (gateway/asgi.py gives it the URLconf gateway/apiurls.py), so that waiting
costs what a device's long-poll costs: an `asyncio.Event` in the process's wake-up hub
(gateway/wakeup.py), no thread and no database connection.

A long-poll runs the ordinary DRF view once on Django's shared sync thread (authentication,
permission, rate limit, validation and the answer are the view's own). When that answer has
nothing new, the view names what would change it (`LongPoll`: the tenant's log, or the command's
outcome, and a door-open command's expiry); the poll waits on the hub under that name and then
runs the view again, without counting it against the rate limit a second time. Writers announce
their changes after commit (audit.signals.log_appended, devices.signals.command_settled; received
in gateway/wakeup.py), through the same hub and Redis channel as door-open commands.
Without Redis, or while the hub's listener is down, the poll looks
again every GATEWAY_DB_POLL_SECONDS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from cybergate.lib.apiviews import LongPoll
from gateway import capacity, wakeup

# Kept from the first look: the later looks are not counted again.
_RATE_LIMIT_HEADERS = ("RateLimit-Policy", "RateLimit")


def _look(view: Callable[..., HttpResponse], request: HttpRequest, **kwargs: Any) -> HttpResponse:
    response = view(request, **kwargs)
    render = getattr(response, "render", None)
    if render is not None:
        render()  # within the look, in one trip to the sync thread
    return response


def _timeout(remaining: float, hint: LongPoll, *, polling: bool) -> float:
    """How long to wait for a wake-up before looking again."""
    if hint.until is not None:  # just past it, the answer says `expired`
        remaining = min(remaining, (hint.until - timezone.now()).total_seconds() + 0.05)
    if polling:  # no wake-up from other processes: look as often as the safety net would
        remaining = min(remaining, wakeup.sweep_interval(listening=False))
    return remaining


def long_pollable(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
    """An async view that runs the DRF `view` and, while its answer has nothing new, waits."""

    async def poll(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        request.long_poll_served = True  # type: ignore[attr-defined]  # read by offer_long_poll
        hub = wakeup.hub
        mark = hub.mark()
        response = await sync_to_async(_look)(view, request, **kwargs)
        hint: LongPoll | None = getattr(response, "long_poll", None)
        if hint is None:
            return response
        # The view accepted `wait`: a whole number of seconds, 1–30.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + int(request.GET["wait"])
        if not hub.admit(capacity.max_waiting()):
            return response  # this process holds as many as it may: answered as with wait=0
        rate_limit = {name: response[name] for name in _RATE_LIMIT_HEADERS if name in response}
        request.long_poll_relook = True  # type: ignore[attr-defined]  # read by get_throttles
        waiter = hub.register(hint.topic, loop)
        try:
            # Registered after the first look: a change announced in between counts too.
            woken = hub.listening() and hub.woken_since(hint.topic, mark)
            while True:
                if not woken:
                    polling = not hub.listening()
                    timeout = _timeout(deadline - loop.time(), hint, polling=polling)
                    if timeout > 0:
                        woken = await waiter.wait(timeout)
                    expired = hint.until is not None and timezone.now() >= hint.until
                    if not (woken or polling or expired):
                        break  # time is up and nothing changed
                response = await sync_to_async(_look)(view, request, **kwargs)
                hint = getattr(response, "long_poll", None)
                if hint is None or loop.time() >= deadline:
                    break
                woken = False
        finally:
            hub.unregister(waiter)
            hub.release()
        for name, value in rate_limit.items():
            response.setdefault(name, value)
        return response

    poll.csrf_exempt = True  # type: ignore[attr-defined]  # as DRF's views are
    return poll
