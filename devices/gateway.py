"""The device gateway API (/device-api/v1/): devices report calls and fetch door-open commands.

Calls, events and acks are short, ordinary DRF views. `GET commands` is a long-poll that may wait
up to 30 s, so it is a plain async Django view: a waiting poll costs an `asyncio.Event` in the
process's wake-up hub (devices/wakeup.py), not a worker thread and not a database connection.
Its database work (authenticate, claim) runs in a small, fixed pool of threads, so a process holds
at most settings.GATEWAY_DB_THREADS connections however many devices wait. DRF is synchronous, so
the long-poll authenticates and answers by hand; `CommandsSchemaView` only describes it to
drf-spectacular, which reads the view class from the URL callback's `cls`.

All rules live in devices/services.py; errors are problem details (cybergate/problems.py).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from callgroups.models import TeamsUser
from cybergate.apiviews import problem_responses
from cybergate.http import client_ip
from cybergate.problems import (
    DATABASE_UNAVAILABLE,
    Problem,
    problem_response,
    service_unavailable_response,
)
from cybergate.serializers import ApiModelSerializer, ApiSerializer
from devices import services, wakeup
from devices.gateway_auth import DeviceCredentialAuthentication, IsDevice, authenticate_device
from devices.models import Call, Device, DoorOpenCommand

TAG = "Device gateway"
MAX_WAIT_SECONDS = 30
# Sent by a server that cannot hold a long-poll open (the WSGI web pool): the poll was answered
# as with wait=0; the device should be sent to the gateway pool (README "Deploying").
LONG_POLL_HEADER = "X-Long-Poll"
LONG_POLL_UNSUPPORTED = "unsupported; wait=0"
# A poll refused because the process holds GATEWAY_MAX_WAITING already comes back after a random
# pause in this range: spread out, so the refused devices do not all return at the same instant.
BUSY_RETRY_AFTER_SECONDS = (5, 15)


# --- Serializers ----------------------------------------------------------------------------


class TeamsUserRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    upn = serializers.CharField()
    display_name = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Ringing",
            value={
                "id": "7e9a1c3e-5f7b-4d9a-8e1c-3f5a7b9d1e3f",
                "state": "ringing",
                "caller": "sip:main-entrance@doors.contoso.com",
                "call_group": "8d2f4b6a-1e3c-4a5b-8c7d-9e0f1a2b3c4d",
                "device": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d",
                "started_at": "2026-11-28T09:13:51.000Z",
                "answered_at": None,
                "answered_by": None,
                "ended_at": None,
                "result": None,
                "door_opened": False,
            },
            response_only=True,
        )
    ]
)
class CallSerializer(ApiModelSerializer):
    call_group = serializers.UUIDField(source="call_group_id", allow_null=True)
    device = serializers.UUIDField(source="device_id")
    answered_by = TeamsUserRefSerializer(allow_null=True)
    result = serializers.ChoiceField(choices=Call.Result.choices, allow_null=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "state",
            "caller",
            "call_group",
            "device",
            "started_at",
            "answered_at",
            "answered_by",
            "ended_at",
            "result",
            "door_opened",
        ]

    def to_representation(self, instance: Call) -> dict:
        data = super().to_representation(instance)
        data["result"] = data["result"] or None  # "" until the call ends
        return data


# Some non-space character and no NUL (DRF refuses NUL in any string): what the schemas declare.
NOT_BLANK = r"^[^\x00]*\S[^\x00]*$"


class CallStartSerializer(ApiSerializer):
    caller = serializers.CharField(
        max_length=254,
        validators=[RegexValidator(NOT_BLANK, "Must not be blank.")],
        help_text="SIP URI or label of the caller.",
    )
    call_group = serializers.UUIDField(help_text="Id of one of the tenant's call groups.")


class CallEventSerializer(ApiSerializer):
    type = serializers.ChoiceField(choices=["answered", "ended", "rejected", "failed"])
    user = serializers.CharField(
        required=False,
        max_length=254,
        help_text="For `answered`: the Teams user's UPN, Entra object id or id.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["type"] == "answered" and not attrs.get("user", "").strip():
            raise serializers.ValidationError({"user": ["Required for an 'answered' event."]})
        return attrs


class CallEventSchema(OpenApiSerializerExtension):
    """OpenAPI: `user` is required exactly for `answered` (a rule the serializer checks)."""

    target_class = "devices.gateway.CallEventSerializer"

    def map_serializer(self, auto_schema, direction) -> dict:
        user = {
            "type": "string",
            "maxLength": 254,
            "pattern": NOT_BLANK,
            "description": "For `answered`: the Teams user's UPN or Entra object id.",
        }

        def variant(types: list[str], required: list[str]) -> dict:
            return {
                "type": "object",
                "properties": {"type": {"type": "string", "enum": types}, "user": user},
                "required": required,
                "additionalProperties": False,
            }

        return {
            "oneOf": [
                variant(["answered"], ["type", "user"]),
                variant(["ended", "rejected", "failed"], ["type"]),
            ]
        }


class CommandSerializer(ApiModelSerializer):
    type = serializers.SerializerMethodField()
    call_id = serializers.UUIDField()

    class Meta:
        model = DoorOpenCommand
        fields = ["id", "type", "call_id", "dtmf", "expires_at"]

    def get_type(self, command: DoorOpenCommand) -> str:
        return "door_open"


class CommandListSerializer(serializers.Serializer):
    commands = CommandSerializer(many=True)


class CommandAckSerializer(ApiSerializer):
    result = serializers.ChoiceField(choices=["executed", "failed"])


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Executed",
            value={
                "id": "4b6d8f0a-2c4e-4f6a-9b8d-0e2f4a6b8c0d",
                "type": "door_open",
                "call_id": "7e9a1c3e-5f7b-4d9a-8e1c-3f5a7b9d1e3f",
                "dtmf": "*1#",
                "expires_at": "2026-11-28T09:14:25.000Z",
                "status": "executed",
                "delivered_at": "2026-11-28T09:14:10.184Z",
                "acked_at": "2026-11-28T09:14:10.731Z",
            },
            response_only=True,
        )
    ]
)
class AckedCommandSerializer(CommandSerializer):
    status = serializers.SerializerMethodField()

    class Meta(CommandSerializer.Meta):
        fields = [*CommandSerializer.Meta.fields, "status", "delivered_at", "acked_at"]

    def get_status(self, command: DoorOpenCommand) -> str:
        return command.effective_status()


def _problem_from(error: services.CallError) -> Problem:
    return Problem(error.status, error.code, error.message)


_PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "`invalid_request`, with `errors` per field.",
    401: "`missing_credentials` or `invalid_credentials`. Carries `WWW-Authenticate: Bearer`.",
    404: "`not_found`: not this device's (or this tenant's), or no such id.",
    429: (
        "`auth_rate_limited`: too many failed authentications from this address; only "
        "credentials that worked from it lately are still looked up. See `Retry-After`."
    ),
    503: (
        "`gateway_busy`: this server process holds as many long-polls as it may "
        "(`GATEWAY_MAX_WAITING`); poll again after `Retry-After` seconds. "
        "`service_unavailable`: the database is unreachable; retry after `Retry-After`."
    ),
}


def _problems(*statuses: int, **descriptions: str) -> dict:
    """Problem-details responses of a gateway operation (400, 401, 404 and 429 always)."""
    for always in (400, 401, 404, 429):
        descriptions.setdefault(f"s{always}", _PROBLEM_DESCRIPTIONS[always])
    return problem_responses(*statuses, always=(400, 401, 404, 429), **descriptions)


class GatewayView(APIView):
    authentication_classes = [DeviceCredentialAuthentication]
    permission_classes = [IsDevice]
    throttle_classes: list = []

    @property
    def device(self) -> Device:
        return self.request.auth


# --- Calls ----------------------------------------------------------------------------------


class CallListView(GatewayView):
    @extend_schema(
        tags=[TAG],
        operation_id="device_call_start",
        summary="A visitor rang: start a call to a call group",
        description="The call starts ringing the call group's available members.",
        request=CallStartSerializer,
        responses={
            201: CallSerializer,
            **_problems(s404="`not_found`: no such call group in this device's tenant."),
        },
    )
    def post(self, request: Request) -> Response:
        data = _valid(CallStartSerializer, request)
        call_group = self.device.tenant.call_groups.filter(id=data["call_group"]).first()
        if call_group is None:
            raise Problem(404, "not_found", "Call group not found.")
        try:
            call = services.call_start(
                device=self.device, call_group=call_group, caller=data["caller"]
            )
        except services.CallError as exc:
            raise _problem_from(exc) from exc
        return Response(CallSerializer(call).data, status=status.HTTP_201_CREATED)


class CallEventView(GatewayView):
    @extend_schema(
        tags=[TAG],
        operation_id="device_call_event",
        summary="Report that a call was answered, ended, rejected or failed",
        description=(
            "`answered` needs `user`, an available member of the call's call group who is in no "
            "other active call (409 `not_a_member`, `member_unavailable`, `user_busy`); only a "
            "ringing call can be answered or rejected, and an ended call takes no event (409 "
            "`invalid_call_state`). Ending a call appends its call log entry and cancels its "
            "undelivered door-open commands."
        ),
        request=CallEventSerializer,
        responses={
            200: CallSerializer,
            **_problems(
                409,
                s404="`not_found` (not this device's call) or `user_not_found`.",
                s409="`invalid_call_state`, `not_a_member`, `member_unavailable` or `user_busy`.",
            ),
        },
    )
    def post(self, request: Request, call_id) -> Response:
        data = _valid(CallEventSerializer, request)
        call = self.device.calls.filter(id=call_id).first()
        if call is None:
            raise Problem(404, "not_found", "Call not found.")
        try:
            if data["type"] == "answered":
                user = (
                    TeamsUser.objects.filter(tenant_id=self.device.tenant_id)
                    .by_reference(data["user"])
                    .first()
                )
                if user is None:
                    raise Problem(404, "user_not_found", "No such Teams user.")
                call = services.call_answer(call=call, user=user)
            else:
                call = services.call_end(call=call, event=data["type"])
        except services.CallError as exc:
            raise _problem_from(exc) from exc
        call = Call.objects.select_related("answered_by").get(pk=call.pk)
        return Response(CallSerializer(call).data)


# --- Commands -------------------------------------------------------------------------------


class CommandAckView(GatewayView):
    @extend_schema(
        tags=[TAG],
        operation_id="device_command_ack",
        summary="Report what the device did with a command",
        description=(
            "Only a delivered command can be acknowledged, once (409 `not_delivered`, "
            "`already_acknowledged`). The integrator sees the outcome at "
            "`GET /api/v1/door-open-commands/{id}`."
        ),
        request=CommandAckSerializer,
        responses={
            200: AckedCommandSerializer,
            **_problems(409, s409="`not_delivered` or `already_acknowledged`."),
        },
    )
    def post(self, request: Request, command_id) -> Response:
        data = _valid(CommandAckSerializer, request)
        try:
            command = services.command_ack(
                device=self.device, command_id=command_id, result=data["result"]
            )
        except services.CallError as exc:
            raise _problem_from(exc) from exc
        return Response(AckedCommandSerializer(command).data)


class CommandsSchemaView(GatewayView):
    """Describes `GET commands` to drf-spectacular; requests are served by `commands` below."""

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
            "A gateway process holds a bounded number of polls; past it a poll with `wait` "
            "above 0 is refused at once with 503 `gateway_busy` and `Retry-After` (the polls "
            "already waiting are unaffected).\n\n"
            f"Only the gateway pool (ASGI) holds a poll open. A server that cannot (the web "
            f"pool, WSGI) answers at once as with `wait=0` and says so with the response header "
            f"`{LONG_POLL_HEADER}: {LONG_POLL_UNSUPPORTED}`; a device that sees it is being "
            "routed to the wrong servers."
        ),
        parameters=[
            OpenApiParameter(
                "wait",
                OpenApiTypes.NUMBER,
                description=f"Seconds to wait for a command, 0 to {MAX_WAIT_SECONDS} (default 0).",
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
        responses={200: CommandListSerializer, **_problems(503, s503=_PROBLEM_DESCRIPTIONS[503])},
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


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# The long-poll's database work runs here: a fixed number of threads, hence of connections.
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0
_executor_lock = threading.Lock()


def _db_executor() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    if _executor is None or _executor_pid != os.getpid():
        with _executor_lock:
            if _executor is None or _executor_pid != os.getpid():
                _executor = ThreadPoolExecutor(
                    max_workers=settings.GATEWAY_DB_THREADS, thread_name_prefix="gateway-db"
                )
                _executor_pid = os.getpid()
    return _executor


def _with_connection_hygiene(func, *args, **kwargs):
    # These threads live outside any request, so do what request_started/finished would: drop a
    # connection that is broken or older than CONN_MAX_AGE, and re-check health before reuse.
    close_old_connections()
    try:
        return func(*args, **kwargs)
    finally:
        close_old_connections()


async def _db(func, *args, **kwargs):
    return await sync_to_async(
        partial(_with_connection_hygiene, func, *args, **kwargs),
        thread_sensitive=False,
        executor=_db_executor(),
    )()


def _parse_wait(raw: str | None) -> float:
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


def _problem(exc: Problem) -> HttpResponse:
    return problem_response(
        exc.status_code, exc.problem_code, None, str(exc.detail), exc.errors, exc.headers
    )


def _open_poll(
    header: str | None, ip: str | None, loop, opened: list
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
        device, commands = await _db(
            _open_poll, request.META.get("HTTP_AUTHORIZATION"), client_ip(request), loop, opened
        )
        (waiter,) = opened
        while not commands and (remaining := deadline - loop.time()) > 0:
            if await waiter.wait(remaining):
                commands = await _db(services.commands_claim, device=device)
        return commands
    finally:
        for waiter in opened:
            wakeup.hub.unregister(waiter)


async def commands(request: HttpRequest) -> HttpResponse:
    """`GET commands?wait=N` — see CommandsSchemaView for the contract."""
    if request.method != "GET":
        response = problem_response(
            405, "method_not_allowed", None, f'Method "{request.method}" not allowed.'
        )
        response["Allow"] = "GET"
        return response
    try:
        try:
            wait = _parse_wait(request.GET.get("wait"))
        except Problem as invalid:
            # Authentication answers first (401 before 400), as in every other operation.
            await _db(
                authenticate_device, request.META.get("HTTP_AUTHORIZATION"), client_ip(request)
            )
            raise invalid from None
        # Under WSGI (the web pool) a waiting poll would hold one of its few threads: a handful
        # of misrouted devices would stall the portal. So it answers at once there, and says so.
        waits_here = isinstance(request, ASGIRequest)
        if waits_here and wait > 0:
            # Refused before any database work, so an overloaded process sheds load cheaply.
            if not wakeup.hub.admit(settings.GATEWAY_MAX_WAITING):
                return _busy_response()
            try:
                claimed = await _poll(request, wait)
            finally:
                wakeup.hub.release()
        else:
            claimed = await _poll(request, 0)
    except Problem as exc:
        return _problem(exc)
    except DATABASE_UNAVAILABLE as exc:
        # The database threads drop the broken connection (_with_connection_hygiene); the next
        # poll reconnects.
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
        None,
        "This gateway holds as many waiting polls as it may; poll again after Retry-After.",
        headers={"Retry-After": str(random.randint(*BUSY_RETRY_AFTER_SECONDS))},
    )
    # Load shedding as designed, not a server error: no django.request ERROR line per refusal
    # (under overload that would be hundreds a second). readyz and the count say it instead.
    response._has_been_logged = True
    return response


# drf-spectacular enumerates URL callbacks that carry a DRF view class in `cls`.
commands.cls = CommandsSchemaView
commands.initkwargs = {}
commands.csrf_exempt = True
