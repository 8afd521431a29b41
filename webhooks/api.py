"""Customer API: the tenant's webhook endpoints, their delivery logs, resend and recover.

Thin views over webhooks.services (the same as the portal's Webhooks page); every queryset
starts from the secret's tenant. The signing secret is in the create answer only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.response import Response

from audit.services import Actor
from cybergate.lib.apiviews import LIMIT_PARAMETER, CustomerAPIView, parse_id, problem_responses
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.feeds import LIMIT_DEFAULT
from cybergate.lib.pagination import parse_limit
from cybergate.lib.problems import Problem
from webhooks import services
from webhooks.models import Attempt, Endpoint, Message
from webhooks.serializers import (
    EXAMPLE_ATTEMPT,
    EXAMPLE_MESSAGE,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointListSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWriteSerializer,
    WebhookMessageListSerializer,
    WebhookMessageSerializer,
    WebhookRecoveredSerializer,
    WebhookRecoverSerializer,
)

if TYPE_CHECKING:
    # apisecrets (whose authentication sets request.auth) sits above webhooks in the layers
    # (.importlinter): its request type is an annotation here, not an import at run time.
    from apisecrets.requesttypes import ApiRequest

TAG = "Webhooks"
EXAMPLE_RESENT = {
    **EXAMPLE_MESSAGE,
    "status": "pending",
    "attempts": [
        EXAMPLE_ATTEMPT,
        {
            "number": 2,
            "status": "pending",
            "due_at": "2026-12-01T09:00:00Z",
            "sent_at": None,
            "http_status": None,
            "duration_ms": None,
            "error": "",
            "response": "",
        },
    ],
}
NO_ENDPOINT = "No webhook endpoint with this id."
NO_MESSAGE = "No message of this webhook endpoint with this id."
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The webhook endpoint's id."
)
MESSAGE_ID_PARAMETER = OpenApiParameter(
    "message_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The message's id."
)
BAD_BODY = (
    "`invalid_request`, with `errors` per field: a URL that is not http(s), names an address "
    "that may not be reached, or is too long; an unknown event type; unknown body fields; or "
    "(`non_field_errors`) the tenant has 10 endpoints already."
)


class WebhookAPIView(CustomerAPIView):
    http_method_names = ["get", "post", "patch", "delete", "head"]
    request: ApiRequest

    def endpoint(self, id: str) -> Endpoint:
        endpoint = (
            self.request.tenant.webhook_endpoints.filter(id=parse_id(id, NO_ENDPOINT))
            .select_related("tenant")
            .first()
        )
        if endpoint is None:
            raise Problem(404, "not_found", NO_ENDPOINT)
        return endpoint

    def actor(self) -> Actor:
        return Actor.for_api_secret(self.request.auth)


def _messages(endpoint: Endpoint) -> QuerySet[Message]:
    attempts = Attempt.objects.order_by("number")
    return endpoint.messages.prefetch_related(Prefetch("attempts", queryset=attempts))


class EndpointListView(WebhookAPIView):
    required_permission = "webhooks"

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="Webhook endpoints",
        description="The tenant's webhook endpoints (at most 10), oldest first. Their signing "
        "secrets are not shown.",
        tags=[TAG],
        responses={
            200: OpenApiResponse(WebhookEndpointListSerializer, description="The endpoints."),
            **problem_responses(),
        },
    )
    def get(self, request: ApiRequest) -> Response:
        endpoints = request.tenant.webhook_endpoints.all()
        return Response({"results": WebhookEndpointSerializer(endpoints, many=True).data})

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint",
        description="Add an endpoint; the answer carries its signing secret, this once. "
        "Writes the audit entry `webhook_endpoint.created`.",
        tags=[TAG],
        request=WebhookEndpointWriteSerializer,
        responses={
            201: OpenApiResponse(
                WebhookEndpointCreatedSerializer,
                description="The endpoint, with its signing secret.",
            ),
            **problem_responses(400, 415, s400=BAD_BODY),
        },
    )
    def post(self, request: ApiRequest) -> Response:
        body = WebhookEndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint, secret = services.endpoint_create(
            tenant=request.tenant,
            actor=self.actor(),
            url=body.validated_data["url"],
            description=body.validated_data.get("description", ""),
            event_types=body.validated_data.get("event_types", ()),
            ip=client_ip(request),
        )
        data = WebhookEndpointSerializer(endpoint).data
        return Response({**data, "secret": secret}, status=201)


class EndpointDetailView(WebhookAPIView):
    required_permission = "webhooks"

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Webhook endpoint",
        description="One webhook endpoint of the tenant (without its signing secret).",
        tags=[TAG],
        parameters=[ID_PARAMETER],
        responses={
            200: OpenApiResponse(WebhookEndpointSerializer, description="The endpoint."),
            **problem_responses(404, not_found=NO_ENDPOINT),
        },
    )
    def get(self, request: ApiRequest, id: str) -> Response:
        return Response(WebhookEndpointSerializer(self.endpoint(id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint",
        description="Change the fields given; `enabled` disables or enables it. Writes the "
        "audit entries `webhook_endpoint.updated`, `.disabled` or `.enabled` for what changed.",
        tags=[TAG],
        parameters=[ID_PARAMETER],
        request=WebhookEndpointUpdateSerializer,
        responses={
            200: OpenApiResponse(WebhookEndpointSerializer, description="The endpoint now."),
            **problem_responses(400, 404, 415, s400=BAD_BODY, not_found=NO_ENDPOINT),
        },
    )
    def patch(self, request: ApiRequest, id: str) -> Response:
        endpoint = self.endpoint(id)
        body = WebhookEndpointUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = body.validated_data
        actor, ip = self.actor(), client_ip(request)
        endpoint = services.endpoint_update(
            endpoint=endpoint,
            actor=actor,
            url=changes.get("url"),
            description=changes.get("description"),
            event_types=changes.get("event_types"),
            ip=ip,
        )
        if changes.get("enabled") is True:
            endpoint = services.endpoint_enable(endpoint=endpoint, actor=actor, ip=ip)
        elif changes.get("enabled") is False:
            endpoint = services.endpoint_disable(
                endpoint=endpoint, actor=actor, reason="Disabled through the API.", ip=ip
            )
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete a webhook endpoint",
        description="Delete the endpoint and its delivery log; nothing more is sent to it. "
        "Writes the audit entry `webhook_endpoint.deleted`.",
        tags=[TAG],
        parameters=[ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(404, not_found=NO_ENDPOINT),
        },
    )
    def delete(self, request: ApiRequest, id: str) -> Response:
        endpoint = self.endpoint(id)
        services.endpoint_delete(endpoint=endpoint, actor=self.actor(), ip=client_ip(request))
        return Response(status=204)


class MessageListView(WebhookAPIView):
    required_permission = "webhooks"
    query_parameters = frozenset({"limit"})

    @extend_schema(
        operation_id="webhook_messages_list",
        summary="Delivery log",
        description="The endpoint's newest messages with every attempt (time, HTTP status, "
        "duration, error, the first 1 KB of the answer). Messages are kept 30 days.",
        tags=[TAG],
        parameters=[ID_PARAMETER, LIMIT_PARAMETER],
        responses={
            200: OpenApiResponse(
                WebhookMessageListSerializer, description="Messages, newest first."
            ),
            **problem_responses(404, not_found=NO_ENDPOINT),
        },
    )
    def get(self, request: ApiRequest, id: str) -> Response:
        limit = parse_limit(request.query_params.get("limit"), default=LIMIT_DEFAULT)
        endpoint = self.endpoint(id)
        messages = _messages(endpoint).order_by("-created_at", "-id")[:limit]
        return Response({"results": WebhookMessageSerializer(messages, many=True).data})


class MessageResendView(WebhookAPIView):
    required_permission = "webhooks"

    @extend_schema(
        operation_id="webhook_messages_resend",
        summary="Resend a message",
        description="Send the message again now, with the same `webhook-id` and body. Writes "
        "the audit entry `webhook_endpoint.message_resent`.",
        tags=[TAG],
        parameters=[ID_PARAMETER, MESSAGE_ID_PARAMETER],
        request=None,
        responses={
            202: OpenApiResponse(
                WebhookMessageSerializer,
                description="The message, with the new attempt pending.",
                examples=[OpenApiExample("Resent", value=EXAMPLE_RESENT, status_codes=["202"])],
            ),
            **problem_responses(
                404,
                not_found=NO_MESSAGE,
                s404="`not_found`: no such endpoint, or no such message of it.",
            ),
        },
    )
    def post(self, request: ApiRequest, id: str, message_id: str) -> Response:
        endpoint = self.endpoint(id)
        message = endpoint.messages.filter(id=parse_id(message_id, NO_MESSAGE)).first()
        if message is None:
            raise Problem(404, "not_found", NO_MESSAGE)
        services.message_resend(message=message, actor=self.actor(), ip=client_ip(request))
        return Response(
            WebhookMessageSerializer(_messages(endpoint).get(pk=message.pk)).data, status=202
        )


class RecoverView(WebhookAPIView):
    required_permission = "webhooks"

    @extend_schema(
        operation_id="webhook_endpoints_recover",
        summary="Recover failed messages",
        description="Send again every failed message of the endpoint created since `since` "
        "(e.g. after it was down or disabled). Writes the audit entry "
        "`webhook_endpoint.messages_recovered`.",
        tags=[TAG],
        parameters=[ID_PARAMETER],
        request=WebhookRecoverSerializer,
        responses={
            202: OpenApiResponse(
                WebhookRecoveredSerializer,
                description="How many are sent again.",
                examples=[
                    OpenApiExample("Recovered", value={"recovered": 3}, status_codes=["202"])
                ],
            ),
            **problem_responses(400, 404, 415, not_found=NO_ENDPOINT),
        },
    )
    def post(self, request: ApiRequest, id: str) -> Response:
        endpoint = self.endpoint(id)
        body = WebhookRecoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.messages_recover(
            endpoint=endpoint,
            since=body.validated_data["since"],
            actor=self.actor(),
            ip=client_ip(request),
        )
        return Response({"recovered": count}, status=202)
