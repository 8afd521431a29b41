"""The device gateway's request and response bodies (/device-api/v1/, see gateway/views.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from callgroups.models import TeamsUser
from cybergate.lib.serializers import ApiModelSerializer, ApiSerializer, UTCDateTimeField
from devices.models import Call, DoorOpenCommand

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema
    from drf_spectacular.utils import Direction


class TeamsUserRefSerializer(serializers.Serializer[TeamsUser]):
    id = serializers.UUIDField(help_text="The Teams user's Entra object id.")
    upn = serializers.CharField(help_text="User principal name.")
    display_name = serializers.CharField(help_text="The name Teams shows.")


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
    call_group = serializers.UUIDField(
        source="call_group_id",
        allow_null=True,
        help_text="The call group rung (null once deleted).",
    )
    device = serializers.UUIDField(source="device_id", help_text="The calling device's id.")
    answered_by = TeamsUserRefSerializer(
        allow_null=True, help_text="The Teams user who answered, or null."
    )
    result = serializers.ChoiceField(
        choices=Call.Result.choices, allow_null=True, help_text="How it ended; null until then."
    )

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
        extra_kwargs = {
            "id": {"help_text": "The call's id: report its events with it."},
            "state": {"help_text": "Where the call stands."},
            "caller": {"help_text": "The calling party as reported."},
            "started_at": {"help_text": "When it started (UTC)."},
            "answered_at": {"help_text": "When it was answered (UTC), or null."},
            "ended_at": {"help_text": "When it ended (UTC), or null."},
            "door_opened": {"help_text": "Whether a door-open was executed during the call."},
        }

    def to_representation(self, instance: Call) -> dict[str, Any]:
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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == "answered" and not attrs.get("user", "").strip():
            raise serializers.ValidationError({"user": ["Required for an 'answered' event."]})
        return attrs


class CallEventSchema(OpenApiSerializerExtension):
    """OpenAPI: `user` is required exactly for `answered` (a rule the serializer checks)."""

    target_class = "gateway.serializers.CallEventSerializer"

    def map_serializer(self, auto_schema: AutoSchema, direction: Direction) -> dict[str, Any]:
        user = {
            "type": "string",
            "maxLength": 254,
            "pattern": NOT_BLANK,
            "description": "For `answered`: the Teams user's UPN or Entra object id.",
        }

        def variant(types: list[str], required: list[str]) -> dict[str, Any]:
            return {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": types, "description": "What happened."},
                    "user": user,
                },
                "required": required,
                "additionalProperties": False,
            }

        return {
            "oneOf": [
                variant(["answered"], ["type", "user"]),
                variant(["ended", "rejected", "failed"], ["type"]),
            ]
        }


class CommandSerializer(ApiSerializer):
    # Declared rather than derived from the model: a device's poll is answered with it, and a
    # ModelSerializer builds its fields from the model on every use.
    id = serializers.UUIDField(
        read_only=True, help_text="The command's id: acknowledge it with it."
    )
    type = serializers.SerializerMethodField(help_text="Always `door_open` (for now).")
    call_id = serializers.UUIDField(help_text="The call whose door to open.")
    dtmf = serializers.CharField(
        max_length=8, help_text="The door-open code to send in the call, as DTMF."
    )
    expires_at = UTCDateTimeField(help_text="Do not carry it out after this time (UTC).")

    def get_type(self, command: DoorOpenCommand) -> str:
        return "door_open"


class CommandListSerializer(serializers.Serializer[Any]):
    commands = CommandSerializer(many=True, help_text="Oldest first; possibly none.")


class CommandAckSerializer(ApiSerializer):
    result = serializers.ChoiceField(
        choices=["executed", "failed"], help_text="Whether the door opened."
    )


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
    status = serializers.SerializerMethodField(help_text="The command's status now.")
    delivered_at = UTCDateTimeField(
        allow_null=True, required=False, help_text="When it was delivered (UTC)."
    )
    acked_at = UTCDateTimeField(
        allow_null=True, required=False, help_text="When it was acknowledged (UTC)."
    )

    def get_status(self, command: DoorOpenCommand) -> str:
        return command.effective_status()
