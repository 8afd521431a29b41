"""The device gateway's long-poll, `GET /device-api/v1/commands`: devices fetch door-open commands.

On the gateway pool on PostgreSQL the lean path answers it (gateway/lean.py); this plain async
Django view answers it everywhere else: on SQLite (development, the demo) and on the web pool
(WSGI), which never waits. It may wait up to 30 s: a waiting poll costs an `asyncio.Event` in the
process's wake-up hub (gateway/wakeup.py), and its database work (authenticate, claim) runs on
Django's shared sync thread (gateway/asgi.py hands it to Django without a thread per request).
DRF is synchronous, so the long-poll authenticates and answers by hand; `CommandsSchemaView` only
describes it to drf-spectacular, which reads the view class from the URL callback's `cls`.

The rules live in devices/services.py, but for the claim on PostgreSQL's gateway pool: the lean
path (gateway/lean.py) states it again in SQL, held to the same answers by
tests/gateway/test_claim_rule.py. Errors are problem details (cybergate/lib/problems.py).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.request import Request
from rest_framework.response import Response

from cybergate.lib.clientinfo import client_ip
from cybergate.lib.errors import ServiceError
from cybergate.lib.problems import (
    DATABASE_UNAVAILABLE,
    Problem,
    problem_response,
    problem_response_for,
    service_unavailable_response,
)
from devices import services
from devices.models import Device, DoorOpenCommand
from gateway import capacity, wakeup
from gateway.auth import authenticate_device
from gateway.serializers import CommandListSerializer
from gateway.views import PROBLEM_DESCRIPTIONS, TAG, GatewayView, operation_problems

MAX_WAIT_SECONDS = 30
# Sent by a server that cannot hold a long-poll open (the WSGI web pool): the poll was answered
# as with wait=0; the device should be sent to the gateway pool (README "Deploying").
LONG_POLL_HEADER = "X-Long-Poll"
LONG_POLL_UNSUPPORTED = "unsupported; wait=0"
BUSY_CLOSE = {"Connection": "close"}
# A poll refused because the process holds GATEWAY_MAX_WAITING already comes back after a random
# pause in this range: spread out, so the refused devices do not all return at the same instant.
BUSY_RETRY_AFTER_SECONDS = (5, 15)


class _CommandsAutoSchema(AutoSchema):
    """`wait=` (empty) is taken as 0: say so (drf-spectacular has no option for it)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["name"] == "wait":
                parameter["allowEmptyValue"] = True
        return operation


class CommandsSchemaView(GatewayView):
    """Describes `GET commands` to drf-spectacular; requests are served by `commands` below."""

    schema = _CommandsAutoSchema()

    @extend_schema(
        tags=[TAG],
        operation_id="device_commands_poll",
        summary="Fetch this device's door-open commands (long-poll)",
        description=(
            "Answers at once when the device has pending commands; otherwise holds the request "
            "until one arrives or `wait` seconds pass, then answers with an empty list. Each "
            "command is handed out once; a command not acknowledged within a few seconds is "
            "handed out again while it is still valid. Never returns a command after its call "
            "ended or after `expires_at`. Poll again right after each answer.\n\n"
            "A device holds at most 2 waiting polls: a newer one ends its oldest at once with "
            "an empty list. A gateway process holds a bounded number of polls; past it a poll "
            "with `wait` above 0 takes the place of the oldest poll of a device holding 2 "
            "(which then answers at once with an empty list), and when every device holds 1 it "
            "is refused at once with 503 `gateway_busy` and `Retry-After`.\n\n"
            f"Only the gateway pool (ASGI) holds a poll open. A server that cannot (the web "
            f"pool, WSGI) answers at once as with `wait=0` and says so with the response header "
            f"`{LONG_POLL_HEADER}: {LONG_POLL_UNSUPPORTED}`; a device that sees it is being "
            "routed to the wrong servers."
        ),
        parameters=[
            OpenApiParameter(
                "wait",
                {"type": "number", "minimum": 0, "maximum": MAX_WAIT_SECONDS},
                description=(
                    f"Seconds to wait for a command, 0 to {MAX_WAIT_SECONDS} (default 0; empty: 0)."
                ),
            ),
            OpenApiParameter(
                LONG_POLL_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200],
                description=(
                    f"`{LONG_POLL_UNSUPPORTED}` when this server does not hold long-polls (the "
                    "WSGI web pool): the answer came at once, whatever `wait` asked for."
                ),
            ),
        ],
        responses={
            200: OpenApiResponse(
                CommandListSerializer,
                description="The commands to carry out now (possibly none, after `wait`).",
            ),
            **operation_problems(503, s503=PROBLEM_DESCRIPTIONS[503]),
        },
        examples=[
            OpenApiExample(
                "A door-open command",
                value={
                    "commands": [
                        {
                            "id": "0b6f3c2e-4d7a-4c55-9d0e-2f0b8f6f1a11",
                            "type": "door_open",
                            "call_id": "6a1e2c3d-1111-4e7f-8a9b-0c1d2e3f4a5b",
                            "dtmf": "#1",
                            "expires_at": "2025-01-01T12:00:15Z",
                        }
                    ]
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:  # pragma: no cover - never routed
        raise NotImplementedError


def parse_wait(raw: str | None) -> float:
    """`wait` of the query string in seconds (absent or empty: 0); a Problem 400 otherwise.
    Shared with the lean path (gateway/lean.py)."""
    if raw is None or raw == "":
        return 0.0
    try:
        wait = float(raw)
    except ValueError:
        wait = math.nan
    if not 0 <= wait <= MAX_WAIT_SECONDS:  # also false for nan
        raise Problem(
            400,
            "invalid_request",
            "The request is invalid: check wait.",
            errors={"wait": [f"A number of seconds from 0 to {MAX_WAIT_SECONDS}."]},
        )
    return wait


def _open_poll(
    header: str | None,
    ip: str | None,
    loop: asyncio.AbstractEventLoop,
    opened: list[wakeup.Waiter],
) -> tuple[Device, list[DoorOpenCommand]]:
    """Authenticate, register the waiter, take what is pending: one trip to a database thread.

    The waiter is registered before the first look, so a command committed between the look and
    the wait has already set its event: no wake-up is lost. It is handed back through `opened`
    so that the caller can unregister it even if it was cancelled meanwhile.
    """
    device = authenticate_device(header, ip)
    opened.append(wakeup.hub.register(device.id, loop))
    return device, services.commands_claim(device=device)


async def _poll(request: HttpRequest, wait: float) -> list[DoorOpenCommand]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    opened: list[wakeup.Waiter] = []
    try:
        device, commands = await sync_to_async(_open_poll)(
            request.META.get("HTTP_AUTHORIZATION"), client_ip(request), loop, opened
        )
        (waiter,) = opened
        if not commands and wait > 0:
            wakeup.hub.hold(waiter)  # may end this device's oldest waiting poll
        while not commands and (remaining := deadline - loop.time()) > 0:
            if await waiter.wait(remaining):
                if waiter.ended:  # a newer poll took its place
                    break
                commands = await sync_to_async(services.commands_claim)(device=device)
        return commands
    finally:
        for waiter in opened:
            wakeup.hub.unregister(waiter)


async def commands(request: HttpRequest) -> HttpResponse:
    """`GET commands?wait=N` — see CommandsSchemaView for the contract."""
    if request.method != "GET":
        response = problem_response(
            405, "method_not_allowed", f'Method "{request.method}" not allowed.'
        )
        response["Allow"] = "GET"
        return response
    try:
        try:
            wait = parse_wait(request.GET.get("wait"))
        except Problem as invalid:
            # Authentication answers first (401 before 400), as in every other operation.
            await sync_to_async(authenticate_device)(
                request.META.get("HTTP_AUTHORIZATION"), client_ip(request)
            )
            raise invalid from None
        # Under WSGI (the web pool) a waiting poll would hold one of its few threads: a handful
        # of misrouted devices would stall the portal. So it answers at once there, and says so.
        waits_here = isinstance(request, ASGIRequest)
        if waits_here and wait > 0:
            # Refused before any database work, so an overloaded process sheds load cheaply.
            if not wakeup.hub.admit(capacity.max_waiting()):
                return _busy_response()
            try:
                claimed = await _poll(request, wait)
            finally:
                wakeup.hub.release()
        else:
            claimed = await _poll(request, 0)
    except (Problem, ServiceError) as exc:
        return problem_response_for(exc)
    except DATABASE_UNAVAILABLE as exc:
        # The request's end drops the broken connection; the next poll reconnects.
        return service_unavailable_response(exc)
    body = CommandListSerializer({"commands": claimed}).data
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    if not waits_here:
        response[LONG_POLL_HEADER] = LONG_POLL_UNSUPPORTED
    return response


def _busy_response() -> HttpResponse:
    response = problem_response(
        503,
        "gateway_busy",
        "This gateway holds as many waiting polls as it may; poll again after Retry-After.",
        # Closed after the answer: a refused device's idle connection would hold a descriptor.
        headers={"Retry-After": str(random.randint(*BUSY_RETRY_AFTER_SECONDS)), **BUSY_CLOSE},
    )
    # Load shedding as designed, not a server error: no django.request ERROR line per refusal
    # (under overload that would be hundreds a second). readyz and the count say it instead.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag
    return response


# drf-spectacular enumerates URL callbacks that carry a DRF view class in `cls`.
commands.cls = CommandsSchemaView  # type: ignore[attr-defined]
commands.initkwargs = {}  # type: ignore[attr-defined]
commands.csrf_exempt = True  # type: ignore[attr-defined]
