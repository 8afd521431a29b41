"""Customer API: the authenticated tenant and the secret in use (GET /api/v1/tenant)."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from apisecrets.models import ApiSecret
from apisecrets.requesttypes import ApiRequest
from cybergate.lib.apiviews import CustomerAPIView, problem_responses
from cybergate.lib.serializers import ApiModelSerializer


class SecretInfoSerializer(ApiModelSerializer):
    days_left = serializers.SerializerMethodField(
        help_text="Calendar days (UTC) until expiry: 0 means it expires today."
    )

    class Meta:
        model = ApiSecret
        fields = ["name", "created_at", "expires_at", "days_left"]
        read_only_fields = fields
        extra_kwargs = {
            "name": {"help_text": "The API secret's name."},
            "created_at": {"help_text": "When it was created (UTC)."},
            "expires_at": {"help_text": "When it stops working (UTC)."},
        }

    def get_days_left(self, obj: ApiSecret) -> int:
        return obj.days_left(tz=dt.UTC)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Tenant",
            value={
                "id": "3f6b2a1e-7c4d-4e8f-9a0b-1c2d3e4f5a6b",
                "name": "Contoso",
                "api_access_enabled": True,
                "secret": {
                    "name": "Visitor desk integration",
                    "created_at": "2026-09-01T08:00:00.000Z",
                    "expires_at": "2026-11-30T08:00:00.000Z",
                    "days_left": 2,
                },
            },
            response_only=True,
        )
    ]
)
class TenantInfoSerializer(serializers.Serializer):
    # Serializes {"tenant": Tenant, "secret": ApiSecret}.

    id = serializers.UUIDField(source="tenant.id", read_only=True, help_text="The tenant's id.")
    name = serializers.CharField(
        source="tenant.name", read_only=True, help_text="The tenant's name."
    )
    api_access_enabled = serializers.BooleanField(
        source="tenant.api_access_enabled",
        read_only=True,
        help_text="Always true here: without API access every request is 403.",
    )
    secret = SecretInfoSerializer(read_only=True, help_text="The API secret of this request.")


class TenantView(CustomerAPIView):
    required_permission = "read"

    @extend_schema(
        operation_id="tenant_retrieve",
        summary="Tenant information",
        description="The tenant the API secret belongs to, and that secret's name and expiry.",
        tags=["Tenant"],
        responses={
            200: OpenApiResponse(
                TenantInfoSerializer, description="The tenant and the API secret used."
            ),
            **problem_responses(),
        },
    )
    def get(self, request: ApiRequest) -> Response:
        data = TenantInfoSerializer({"tenant": request.tenant, "secret": request.auth}).data
        return Response(data)
