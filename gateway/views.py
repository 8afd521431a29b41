"""The device gateway's short operations (/device-api/v1/): devices report calls and acknowledge
door-open commands. Ordinary DRF views, authenticated by the device credential (gateway/auth.py);
the long-poll `GET commands` is gateway/longpoll.py.

The rules of these operations live in devices/services.py; errors are problem details
(cybergate/lib/problems.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from callgroups.selectors import teams_user_or_404
from cybergate.lib.apiviews import parse_id, problem_responses
from cybergate.lib.problems import Problem
from devices import services
from devices.models import Call, Device
from gateway.auth import DeviceCredentialAuthentication, DeviceRequest, IsDevice
from gateway.serializers import (
    AckedCommandSerializer,
    CallEventSerializer,
    CallSerializer,
    CallStartSerializer,
    CommandAckSerializer,
)

TAG = "Device gateway"
CALL_ID = OpenApiParameter(
    "call_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The call's `id`."
)
COMMAND_ID = OpenApiParameter(
    "command_id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The command's `id` (from `GET commands`).",
)


PROBLEM_DESCRIPTIONS: dict[int, str] = {
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


def operation_problems(
    *statuses: int, not_found: str | None = None, **descriptions: str
) -> dict[Any, OpenApiResponse]:
    """Problem-details responses of a gateway operation (400, 401, 404 and 429 always)."""
    for always in (400, 401, 404, 429):
        descriptions.setdefault(f"s{always}", PROBLEM_DESCRIPTIONS[always])
    return problem_responses(
        *statuses, always=(400, 401, 404, 429), not_found=not_found, **descriptions
    )


class GatewayView(APIView):
    authentication_classes = [DeviceCredentialAuthentication]
    permission_classes = [IsDevice]
    throttle_classes: list[type[BaseThrottle]] = []
    request: DeviceRequest

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
            201: OpenApiResponse(CallSerializer, description="The call, ringing."),
            **operation_problems(
                s404="`not_found`: no such call group in this device's tenant.",
                not_found="Call group not found.",
            ),
        },
    )
    def post(self, request: DeviceRequest) -> Response:
        data = _valid(CallStartSerializer, request)
        call_group = self.device.tenant.call_groups.filter(id=data["call_group"]).first()
        if call_group is None:
            raise Problem(404, "not_found", "Call group not found.")
        call = services.call_start(device=self.device, call_group=call_group, caller=data["caller"])
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
        parameters=[CALL_ID],
        request=CallEventSerializer,
        responses={
            200: OpenApiResponse(CallSerializer, description="The call after the event."),
            **operation_problems(
                409,
                s404="`not_found` (not this device's call) or `user_not_found`.",
                not_found="Call not found.",
                s409="`invalid_call_state`, `not_a_member`, `member_unavailable` or `user_busy`.",
            ),
        },
    )
    def post(self, request: DeviceRequest, call_id: str) -> Response:
        data = _valid(CallEventSerializer, request)
        call = self.device.calls.filter(id=parse_id(call_id, "Call not found.")).first()
        if call is None:
            raise Problem(404, "not_found", "Call not found.")
        if data["type"] == "answered":
            user = teams_user_or_404(self.device.tenant, data["user"])
            call = services.call_answer(call=call, user=user)
        else:
            call = services.call_end(call=call, event=data["type"])
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
        parameters=[COMMAND_ID],
        request=CommandAckSerializer,
        responses={
            200: OpenApiResponse(
                AckedCommandSerializer, description="The command with its final status."
            ),
            **operation_problems(
                409,
                s409="`not_delivered` or `already_acknowledged`.",
                not_found="Command not found.",
            ),
        },
    )
    def post(self, request: DeviceRequest, command_id: str) -> Response:
        data = _valid(CommandAckSerializer, request)
        command = services.command_ack(
            device=self.device,
            command_id=parse_id(command_id, "Command not found."),
            result=data["result"],
        )
        return Response(AckedCommandSerializer(command).data)


def _valid(serializer_class: type[Serializer[Any]], request: DeviceRequest) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = serializer.validated_data
    return data
