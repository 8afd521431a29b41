"""The customer API's representation of webhook endpoints, messages and attempts."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from cybergate.lib.serializers import (
    ApiModelSerializer,
    ApiSerializer,
    StrictCharField,
    UTCDateTimeField,
)
from webhooks.events import EVENT_TYPES
from webhooks.models import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH, Attempt, Endpoint, Message

EVENT_TYPE_CHOICES = [(name, name) for name in EVENT_TYPES]
EXAMPLE_ENDPOINT_ID = "1d3f5a7c-9e1b-4d3f-8a5c-7e9b1d3f5a7c"
EXAMPLE_MESSAGE_ID = "6a8c0e2a-4c6e-4a8c-9e0a-2c4e6a8c0e2a"
EXAMPLE_ENDPOINT = {
    "id": EXAMPLE_ENDPOINT_ID,
    "url": "https://hooks.contoso.com/cybergate",
    "description": "Door events for the front desk app",
    "event_types": ["door_open.executed", "door_open.failed"],
    "enabled": True,
    "disabled_reason": "",
    "disabled_at": None,
    "failing_since": None,
    "last_error": "",
    "created_at": "2026-12-01T08:00:00Z",
}
EXAMPLE_ATTEMPT = {
    "number": 1,
    "status": "succeeded",
    "due_at": "2026-12-01T08:05:00Z",
    "sent_at": "2026-12-01T08:05:00Z",
    "http_status": 200,
    "duration_ms": 41,
    "error": "",
    "response": "ok",
}
EXAMPLE_MESSAGE = {
    "id": EXAMPLE_MESSAGE_ID,
    "webhook_id": "msg_6a8c0e2a4c6e4a8c9e0a2c4e6a8c0e2a",
    "event_type": "webhook.test",
    "status": "delivered",
    "created_at": "2026-12-01T08:05:00Z",
    "delivered_at": "2026-12-01T08:05:00Z",
    "payload": {
        "type": "webhook.test",
        "timestamp": "2026-12-01T08:05:00.000Z",
        "data": {"endpoint_id": EXAMPLE_ENDPOINT_ID, "requested_by": "Door app"},
    },
    "attempts": [EXAMPLE_ATTEMPT],
}

EVENT_TYPES_HELP = (
    "The event types sent to this endpoint; empty: every event, including types added later."
)


@extend_schema_serializer(
    examples=[OpenApiExample("Endpoint", value=EXAMPLE_ENDPOINT, response_only=True)]
)
class WebhookEndpointSerializer(ApiModelSerializer):
    id = serializers.UUIDField(read_only=True, help_text="The endpoint's id.")
    url = serializers.CharField(help_text="Where events are POSTed.")
    description = serializers.CharField(help_text="The tenant's note about it (may be empty).")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), help_text=EVENT_TYPES_HELP
    )
    enabled = serializers.BooleanField(
        help_text="Whether events are sent to it. A 410 answer or five days of failures "
        "disable it (`disabled_reason` says which)."
    )
    disabled_reason = serializers.CharField(help_text="Why it is disabled (empty while enabled).")
    disabled_at = UTCDateTimeField(allow_null=True, help_text="When it was disabled, or null.")
    failing_since = UTCDateTimeField(
        allow_null=True,
        help_text="Since when every attempt has failed, or null (the last one succeeded).",
    )
    last_error = serializers.CharField(
        help_text="The last error or refusal (e.g. an address that may not be reached)."
    )
    created_at = UTCDateTimeField(help_text="When it was added.")

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Created",
            value={**EXAMPLE_ENDPOINT, "secret": "whsec_" + "A" * 43 + "="},
            response_only=True,
        )
    ]
)
class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (`whsec_…`), shown in this answer only: keep it. "
        "An admin can reveal or rotate it on the portal's Webhooks page.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample("Endpoints", value={"results": [EXAMPLE_ENDPOINT]}, response_only=True)
    ]
)
class WebhookEndpointListSerializer(serializers.Serializer):
    results = WebhookEndpointSerializer(
        many=True, help_text="The tenant's endpoints, oldest first."
    )


class WebhookEndpointWriteSerializer(ApiSerializer):
    """The body of create (url required) and update (every field optional)."""

    url = StrictCharField(
        max_length=URL_MAX_LENGTH,
        help_text="Where to POST events: a public http(s) URL (https when the server requires "
        "it). Private, loopback and link-local addresses are refused.",
    )
    description = StrictCharField(
        required=False,
        allow_blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="A note for the tenant's admins.",
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES),
        required=False,
        max_length=len(EVENT_TYPES),
        help_text=EVENT_TYPES_HELP,
    )


class WebhookEndpointUpdateSerializer(WebhookEndpointWriteSerializer):
    url = StrictCharField(
        required=False,
        max_length=URL_MAX_LENGTH,
        help_text=WebhookEndpointWriteSerializer().fields["url"].help_text,
    )
    enabled = serializers.BooleanField(
        required=False,
        help_text="false: stop sending; true: send again (then `recover` sends what it missed).",
    )


class WebhookAttemptSerializer(ApiModelSerializer):
    number = serializers.IntegerField(help_text="1 for the first attempt.")
    status = serializers.ChoiceField(
        choices=Attempt.Status.choices, help_text="`pending` (due or running), or its outcome."
    )
    due_at = UTCDateTimeField(help_text="When it is (or was) due.")
    sent_at = UTCDateTimeField(allow_null=True, help_text="When it was sent, or null.")
    http_status = serializers.IntegerField(
        allow_null=True, help_text="The receiver's HTTP status, or null (no answer)."
    )
    duration_ms = serializers.IntegerField(
        allow_null=True, help_text="Milliseconds from sending to the answer, or null."
    )
    error = serializers.CharField(help_text="Why it failed (empty on success).")
    response = serializers.CharField(help_text="The first 1 KB of the receiver's answer.")

    class Meta:
        model = Attempt
        fields = [
            "number",
            "status",
            "due_at",
            "sent_at",
            "http_status",
            "duration_ms",
            "error",
            "response",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[OpenApiExample("Message", value=EXAMPLE_MESSAGE, response_only=True)]
)
class WebhookMessageSerializer(ApiModelSerializer):
    id = serializers.UUIDField(help_text="The message's id (for `resend`).")
    webhook_id = serializers.CharField(
        help_text="The `webhook-id` header the receiver got: the same on every attempt."
    )
    event_type = serializers.ChoiceField(choices=EVENT_TYPE_CHOICES, help_text="The event.")
    status = serializers.ChoiceField(
        choices=Message.Status.choices,
        help_text="`pending` (attempts to come), `delivered` or `failed` (no attempt left).",
    )
    created_at = UTCDateTimeField(help_text="When the event happened.")
    delivered_at = UTCDateTimeField(
        allow_null=True, help_text="When an attempt succeeded, or null."
    )
    payload = serializers.SerializerMethodField(
        help_text="The body sent: `type`, `timestamp` and `data`."
    )
    attempts = WebhookAttemptSerializer(many=True, help_text="Every attempt, first to last.")

    class Meta:
        model = Message
        fields = [
            "id",
            "webhook_id",
            "event_type",
            "status",
            "created_at",
            "delivered_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, message: Message) -> Any:
        return json.loads(message.body)


@extend_schema_serializer(
    examples=[OpenApiExample("Messages", value={"results": [EXAMPLE_MESSAGE]}, response_only=True)]
)
class WebhookMessageListSerializer(serializers.Serializer):
    results = WebhookMessageSerializer(many=True, help_text="Messages, newest first.")


class WebhookRecoverSerializer(ApiSerializer):
    since = serializers.DateTimeField(
        help_text="Send again every failed message created at or after this time (ISO 8601)."
    )


class WebhookRecoveredSerializer(serializers.Serializer):
    recovered = serializers.IntegerField(help_text="How many failed messages are sent again.")
