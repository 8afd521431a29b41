"""Customer API of the sandbox (test secrets only): ring the virtual door station, hang up."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response

from apisecrets.requesttypes import ApiRequest
from callgroups.selectors import teams_user_or_404
from cybergate.lib.apiviews import CustomerAPIView, problem_responses
from cybergate.lib.problems import Problem
from sandbox.serializers import SandboxCallSerializer, SandboxRingSerializer
from sandbox.services import sandbox_call_end, sandbox_call_start

SANDBOX_TAG = "Sandbox"
CALL_ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The test call's id."
)
_FORBIDDEN = (
    "`test_secret_required` (a live API secret: test calls ring the sandbox, with a test "
    "secret `cgs_test_…`), `api_access_disabled`, `insufficient_permission` or `ip_not_allowed`."
)


def require_test_secret(request: ApiRequest) -> None:
    if not request.tenant.is_sandbox:
        raise Problem(
            403,
            "test_secret_required",
            "This operation is for test secrets (cgs_test_…) only: it acts on your sandbox. "
            "Create a test secret on the API Access page.",
        )


class SandboxCallListView(CustomerAPIView):
    # Every secret that reads calls may ring its sandbox: nothing outside the sandbox changes.
    required_permission = "read"

    @extend_schema(
        operation_id="test_call_create",
        summary="Ring the sandbox's virtual door station",
        description=(
            "Test secrets only. A visitor rings the sandbox's virtual door station and a "
            "virtual Teams user answers at once: the call is then the user's active call "
            "(`GET /api/v1/active-calls/{user}`), and a door-open for it "
            "(`POST /api/v1/active-calls/{user}/door-open`) is carried out by the virtual "
            "station as `door_open` says before the door-open's answer returns, so its "
            "outcome, the audit trail and, once the call is ended, the call log all show it. "
            "Nothing of this reaches a real device or the live tenant's data."
        ),
        tags=[SANDBOX_TAG],
        request=SandboxRingSerializer,
        responses={
            201: OpenApiResponse(
                SandboxCallSerializer, description="The test call, rung and answered."
            ),
            **problem_responses(
                404,
                409,
                415,
                s403=_FORBIDDEN,
                s404="`user_not_found`: `answer_by` names no Teams user of the sandbox.",
                s409=(
                    "`user_busy` (the Teams user is in another active call: end it first), "
                    "`member_unavailable` or `not_a_member`."
                ),
            ),
        },
    )
    def post(self, request: ApiRequest) -> Response:
        require_test_secret(request)
        body = SandboxRingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer_by = body.validated_data.get("answer_by")
        call = sandbox_call_start(
            sandbox=request.tenant,
            door_open=body.validated_data["door_open"],
            answer_by=teams_user_or_404(request.tenant, answer_by) if answer_by else None,
            caller=body.validated_data.get("caller", ""),
        )
        return Response(SandboxCallSerializer(call).data, status=201)


class SandboxCallEndView(CustomerAPIView):
    required_permission = "read"

    @extend_schema(
        operation_id="test_call_end",
        summary="Hang up a test call",
        description=(
            "Test secrets only. Ends the test call: its call log entry is written and its "
            "door-opens not yet delivered expire (reason `call_ended`)."
        ),
        tags=[SANDBOX_TAG],
        parameters=[CALL_ID_PARAMETER],
        request=None,
        responses={
            200: OpenApiResponse(SandboxCallSerializer, description="The test call, ended."),
            **problem_responses(
                404,
                409,
                s403=_FORBIDDEN,
                s409="`invalid_call_state`: the call has already ended.",
            ),
        },
    )
    def post(self, request: ApiRequest, id) -> Response:  # `id`: the URL keyword
        require_test_secret(request)
        call = get_object_or_404(request.tenant.calls, id=id, sandbox_call__isnull=False)
        call = sandbox_call_end(call=call)
        return Response(SandboxCallSerializer(call).data)
