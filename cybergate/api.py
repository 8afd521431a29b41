"""Customer API v1 routes, the OpenAPI schema and Swagger UI.

Paths have no trailing slash, exactly as the product contract writes them. The last route
catches every other path under /api/ so that it is a 404 problem details answer, never Django's
HTML page.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import path, re_path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apisecrets.api import TenantView
from audit.api import AuditTrailAckView, AuditTrailView
from callgroups.api import CallGroupDetailView, CallGroupListView, MemberAvailabilityView
from cybergate.lib import apidocs
from cybergate.lib.apiviews import CustomerAPIView, problem_responses
from cybergate.lib.problems import not_found_view
from devices.api import (
    ActiveCallListView,
    ActiveCallView,
    CallLogAckView,
    CallLogView,
    DoorOpenCommandView,
    DoorOpenView,
)
from sandbox.api import SandboxCallEndView, SandboxCallListView
from webhooks.api import (
    EndpointDetailView,
    EndpointListView,
    MessageListView,
    MessageResendView,
    RecoverView,
)


class VersionView(CustomerAPIView):
    required_permission = "read"

    @extend_schema(
        operation_id="version_retrieve",
        summary="API version",
        description="The API version and the server's release; a cheap authenticated check.",
        examples=[
            OpenApiExample(
                "Version",
                value={"api_version": "1.0", "server_version": "1.0.0"},
                response_only=True,
            )
        ],
        tags=["Version"],
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    "Version",
                    {
                        "api_version": serializers.CharField(
                            help_text="The API version (`major.minor`) this server speaks."
                        ),
                        "server_version": serializers.CharField(help_text="The server's release."),
                    },
                ),
                description="The versions.",
            ),
            **problem_responses(),
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"api_version": settings.API_VERSION, "server_version": settings.VERSION})


# Flat (no nested include): one resolver level less on every request.
urlpatterns = [
    path("v1/version", VersionView.as_view(), name="api-version"),
    path("v1/tenant", TenantView.as_view(), name="api-tenant"),
    path("v1/call-groups", CallGroupListView.as_view(), name="api-call-groups"),
    path("v1/call-groups/<str:id>", CallGroupDetailView.as_view(), name="api-call-group"),
    path(
        "v1/call-groups/<str:id>/members/<str:user>/availability",
        MemberAvailabilityView.as_view(),
        name="api-member-availability",
    ),
    path("v1/active-calls", ActiveCallListView.as_view(), name="api-active-calls"),
    path("v1/active-calls/<str:user>", ActiveCallView.as_view(), name="api-active-call"),
    path("v1/active-calls/<str:user>/door-open", DoorOpenView.as_view(), name="api-door-open"),
    path(
        "v1/door-open-commands/<str:id>",
        DoorOpenCommandView.as_view(),
        name="api-door-open-command",
    ),
    path("v1/call-log", CallLogView.as_view(), name="api-call-log"),
    path("v1/call-log/ack", CallLogAckView.as_view(), name="api-call-log-ack"),
    path("v1/audit-trail", AuditTrailView.as_view(), name="api-audit-trail"),
    path("v1/audit-trail/ack", AuditTrailAckView.as_view(), name="api-audit-trail-ack"),
    path("v1/test/calls", SandboxCallListView.as_view(), name="api-test-calls"),
    path("v1/test/calls/<uuid:id>/end", SandboxCallEndView.as_view(), name="api-test-call-end"),
    path("v1/webhook-endpoints", EndpointListView.as_view(), name="api-webhook-endpoints"),
    path(
        "v1/webhook-endpoints/<str:id>",
        EndpointDetailView.as_view(),
        name="api-webhook-endpoint",
    ),
    path(
        "v1/webhook-endpoints/<str:id>/messages",
        MessageListView.as_view(),
        name="api-webhook-messages",
    ),
    path(
        "v1/webhook-endpoints/<str:id>/messages/<str:message_id>/resend",
        MessageResendView.as_view(),
        name="api-webhook-message-resend",
    ),
    path(
        "v1/webhook-endpoints/<str:id>/recover",
        RecoverView.as_view(),
        name="api-webhook-recover",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/guide/", apidocs.document, {"name": "guide"}, name="api-guide"),
    path("docs/changelog/", apidocs.document, {"name": "changelog"}, name="api-changelog"),
    re_path(r"^.*$", not_found_view, name="api-not-found"),
]
