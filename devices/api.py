"""Customer API: a Teams user's active call, remote door opening, its outcome, the call log."""

from __future__ import annotations

import re

from django.db import IntegrityError
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from apisecrets.requesttypes import ApiRequest
from audit.services import Actor
from callgroups.selectors import teams_user_or_404
from cybergate.lib.apiviews import (
    CURSOR_400,
    LONG_POLL_HEADER_PARAMETER,
    USER_PARAMETER,
    WAIT_PARAMETER,
    CustomerAPIView,
    CustomerGenericAPIView,
    LongPoll,
    NewEntriesAckAPIView,
    NewEntriesAPIView,
    ReaderRequest,
    ack_schema,
    new_entries_schema,
    offer_long_poll,
    parse_wait,
    problem_responses,
)
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.feeds import Feed, wake_topic
from cybergate.lib.pagination import NamedCursorPagination
from cybergate.lib.problems import Problem, service_error_status
from devices.models import Call, CallLogEntry, DoorOpenCommand
from devices.selectors import active_call_of
from devices.serializers import (
    ActiveCallSerializer,
    CallLogPageSerializer,
    DoorOpenAcceptedSerializer,
    DoorOpenCommandSerializer,
    DoorOpenSerializer,
)
from devices.services import (
    CallError,
    door_open_request,
    door_open_request_once,
)
from devices.signals import COMMAND_TOPIC

CALLS_TAG = "Active calls"
CALL_LOG_TAG = "Call log"
CALL_LOG_FEED = Feed("call_log", CallLogEntry, "call_log_position")


NO_COMMAND = "No door-open command with this id."
COMMAND_ID_PARAMETER = OpenApiParameter(
    "id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The door-open command's `id` (from the 202 answer or its `Location`).",
)
_IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")


def idempotency_key(request: ApiRequest) -> str | None:
    """The `Idempotency-Key` header: 1–255 printable ASCII characters, or absent."""
    value = request.META.get("HTTP_IDEMPOTENCY_KEY")
    if value is None:
        return None
    if _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise Problem(
            400,
            "invalid_request",
            "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
            errors={"Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]},
        )
    return value


def command_url(command_id) -> str:
    return reverse("api-door-open-command", kwargs={"id": command_id})


class ActiveCallPagination(NamedCursorPagination):
    # Oldest answered first; ties (same answered_at) in a stable order, which DRF's cursor pages
    # by offset.
    ordering = ("answered_at", "id")  # type: ignore[assignment]  # the base names one field


class ActiveCallListView(mixins.ListModelMixin, CustomerGenericAPIView):
    # ListModelMixin: the schema then documents the page's `cursor` and `limit`.
    required_permission = "read"
    serializer_class = ActiveCallSerializer
    pagination_class = ActiveCallPagination
    query_parameters = frozenset({"cursor", "limit"})

    request: ApiRequest

    def get_queryset(self) -> QuerySet[Call]:
        return self.request.tenant.calls.filter(
            state=Call.State.ACTIVE, answered_by__isnull=False
        ).select_related("answered_by", "device", "call_group")

    @extend_schema(
        operation_id="active_calls_list",
        summary="Active calls",
        description=(
            "Every active call of the tenant (a Teams user answered it and it has not ended), "
            "the oldest answered first, each as `GET /api/v1/active-calls/{user}` shows it: one "
            "request instead of one per Teams user."
        ),
        tags=[CALLS_TAG],
        responses={
            200: OpenApiResponse(
                ActiveCallSerializer(many=True),
                description="A page of active calls; `next` is the following page's URL, if any.",
            ),
            **problem_responses(400, s400=CURSOR_400),
        },
    )
    def get(self, request: ApiRequest) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # pagination_class is set
        items = [{"user": call.answered_by, "call": call} for call in page]
        return self.get_paginated_response(ActiveCallSerializer(items, many=True).data)


class ActiveCallView(CustomerAPIView):
    required_permission = "read"

    @extend_schema(
        operation_id="active_call_retrieve",
        summary="Active call of a Teams user",
        description=(
            "Whether the Teams user is in an active call right now and whether that call's "
            "device has a door-open code. `call` is null when not in a call."
        ),
        tags=[CALLS_TAG],
        parameters=[USER_PARAMETER],
        responses={
            200: OpenApiResponse(
                ActiveCallSerializer,
                description="The Teams user's active call, or `call: null` when there is none.",
            ),
            **problem_responses(404, s404="`user_not_found`."),
        },
    )
    def get(self, request: ApiRequest, user: str) -> Response:
        teams_user = teams_user_or_404(request.tenant, user)
        call = active_call_of(teams_user)
        return Response(ActiveCallSerializer({"user": teams_user, "call": call}).data)


class DoorOpenView(CustomerAPIView):
    required_permission = "door_open"

    @extend_schema(
        operation_id="active_call_door_open",
        summary="Open the door of the Teams user's active call",
        description=(
            "Queues a door-open command for the device in the call the Teams user answered and "
            "that is active right now — only that device receives it. Follow its outcome at "
            "`GET /api/v1/door-open-commands/{id}` (the `Location` header). Writes the audit "
            "entry `door.open_requested`. Send `call_id` (the `call.id` you saw) so that a "
            "request meant for one visitor never opens the door for the next: another active "
            "call by then is 409 `call_mismatch`.\n\n"
            "Retry-safe with an `Idempotency-Key`: the first answer to a key is kept for 24 "
            "hours, whatever it was (202, or a 404 / 409 refusal), and a repeat of the key from "
            "any API secret of the tenant gets it again (with `Idempotent-Replayed: true`) and "
            "changes nothing — a retry never issues a second command, nor a first one for a "
            "call that started after the refusal. The same key for another Teams user or "
            "`call_id` is 422 `idempotency_key_reused`."
        ),
        tags=[CALLS_TAG],
        parameters=[
            USER_PARAMETER,
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
                OpenApiParameter.HEADER,
                description=(
                    "A key of your choice (e.g. a UUID), 1–255 printable ASCII characters, "
                    "unique per door-open you mean; send it again when you retry."
                ),
            ),
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                description="URL of the command's outcome.",
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                {"type": "string", "enum": ["true"]},
                OpenApiParameter.HEADER,
                response=[202, 404, 409],
                description="Present when this is the stored answer to an earlier request.",
            ),
        ],
        request=DoorOpenSerializer,
        responses={
            202: OpenApiResponse(
                DoorOpenAcceptedSerializer,
                description="The command is queued for the device (or, with a repeated "
                "`Idempotency-Key`, the first answer again); `Location` is its outcome.",
            ),
            **problem_responses(
                404,
                409,
                415,
                422,
                s404="`user_not_found`.",
                s409="`not_in_active_call`, `call_mismatch` or `no_door_open_code`.",
                s422="`idempotency_key_reused`: the key was used for another door-open request.",
            ),
        },
    )
    def post(self, request: ApiRequest, user: str) -> Response:
        key = idempotency_key(request)
        body = DoorOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        call_id = body.validated_data.get("call_id")
        secret = request.auth
        actor = Actor.for_api_secret(secret)
        ip = client_ip(request)
        try:
            if key is None:
                command = door_open_request(
                    tenant=request.tenant,
                    user_ref=user,
                    actor=actor,
                    secret=secret,
                    ip=ip,
                    call_id=call_id,
                )
            else:
                command = door_open_request_once(
                    tenant=request.tenant,
                    key=key,
                    user_ref=user,
                    actor=actor,
                    secret=secret,
                    ip=ip,
                    call_id=call_id,
                )
        except CallError as exc:
            if not exc.replayed:
                raise
            status = service_error_status(exc.code)
            headers = {"Idempotent-Replayed": "true"}
            raise Problem(status, exc.code, exc.message, headers=headers) from None
        except IntegrityError as exc:
            # The secret was deleted after this process last checked it (< 0.5 s ago).
            raise Problem(401, "invalid_secret", "The API secret is not valid.") from exc
        headers = {"Location": request.build_absolute_uri(command_url(command.id))}
        if command.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(DoorOpenAcceptedSerializer(command).data, status=202, headers=headers)


PENDING = (DoorOpenCommand.Status.QUEUED, DoorOpenCommand.Status.DELIVERED)


class DoorOpenCommandView(CustomerGenericAPIView):
    required_permission = "read"
    serializer_class = DoorOpenCommandSerializer
    not_found_detail = NO_COMMAND
    query_parameters = frozenset({"wait"})

    request: ApiRequest

    def get_queryset(self):
        return self.request.tenant.door_open_commands.select_related("device")

    @extend_schema(
        operation_id="door_open_command_retrieve",
        summary="Outcome of a door-open command",
        description=(
            "`queued` → `delivered` → `executed` or `failed`; `expired` when it was not "
            "delivered or acknowledged in time, or its call ended first.\n\n"
            "With `wait`, a command still `queued` or `delivered` is held until it is executed, "
            "failed or expired, or `wait` seconds pass (long-poll)."
        ),
        tags=[CALLS_TAG],
        parameters=[COMMAND_ID_PARAMETER, WAIT_PARAMETER, LONG_POLL_HEADER_PARAMETER],
        responses={
            200: OpenApiResponse(
                DoorOpenCommandSerializer, description="The command's status and reason."
            ),
            **problem_responses(404, not_found=NO_COMMAND),
        },
    )
    def get(self, request: ApiRequest, id) -> Response:  # `id`: the URL keyword
        wait = parse_wait(request.query_params.get("wait"))
        command = self.get_object()
        data = DoorOpenCommandSerializer(command).data
        nothing_yet = None
        if data["status"] in PENDING:
            nothing_yet = LongPoll(wake_topic(COMMAND_TOPIC, command.id), command.expires_at)
        return offer_long_poll(request, Response(data), wait, nothing_yet)


class CallLogView(NewEntriesAPIView):
    required_permission = "read"
    feed = CALL_LOG_FEED
    page_serializer_class = CallLogPageSerializer

    @new_entries_schema(
        summary="New call log entries", tag=CALL_LOG_TAG, page_serializer=CallLogPageSerializer
    )
    def get(self, request: ReaderRequest) -> Response:
        return super().get(request)


class CallLogAckView(NewEntriesAckAPIView):
    required_permission = "read"
    feed = CALL_LOG_FEED

    @ack_schema(summary="Acknowledge call log entries", tag=CALL_LOG_TAG)
    def post(self, request: ReaderRequest) -> Response:
        return super().post(request)
