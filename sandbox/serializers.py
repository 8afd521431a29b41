"""Customer API shapes of the sandbox's test calls."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from callgroups.serializers import CallGroupRefSerializer, TeamsUserSerializer
from cybergate.lib.serializers import (
    EXAMPLE_CALL_GROUP_REF,
    EXAMPLE_DEVICE,
    EXAMPLE_IDS,
    EXAMPLE_USER,
    ApiModelSerializer,
    ApiSerializer,
    StrictCharField,
)
from devices.models import Call
from devices.serializers import DeviceRefSerializer
from sandbox.models import SandboxCall


@extend_schema_field({"type": "string", "maxLength": 254, "pattern": r"^[^\u0000]*$"})
class TextField(StrictCharField):
    """A string of at most 254 characters without NUL (refused, as PostgreSQL cannot store it):
    the schema says so, so that clients and schema-driven tests know."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=254, **kwargs)


class SandboxRingSerializer(ApiSerializer):
    answer_by = TextField(
        required=False,
        help_text=(
            "UPN or Entra object id of the virtual Teams user who answers. Leave out for the "
            "first available one not in a call."
        ),
    )
    door_open = serializers.ChoiceField(
        choices=SandboxCall.DoorOpen.choices,
        default=SandboxCall.DoorOpen.EXECUTE,
        help_text=(
            "What the virtual door station does with this call's door-opens: `execute` "
            "(outcome `executed`), `fail` (`failed`, reason `device_reported_failure`) or "
            "`ignore` (it receives them and never answers: `expired`, reason "
            "`not_delivered_in_time`)."
        ),
    )
    caller = TextField(
        required=False,
        help_text="Who rings, as the call log shows it (default `sip:visitor@…`).",
    )


EXAMPLE_TEST_CALL = {
    "id": EXAMPLE_IDS["call"],
    "state": "active",
    "device": EXAMPLE_DEVICE,
    "call_group": EXAMPLE_CALL_GROUP_REF,
    "caller": "sip:visitor@sandbox.cybergate.invalid",
    "answered_by": EXAMPLE_USER,
    "door_open": "execute",
    "started_at": "2026-11-28T09:14:01.204Z",
    "answered_at": "2026-11-28T09:14:01.210Z",
    "ended_at": None,
    "result": None,
    "door_opened": False,
}


@extend_schema_serializer(
    examples=[OpenApiExample("Answered", value=EXAMPLE_TEST_CALL, response_only=True)]
)
class SandboxCallSerializer(ApiModelSerializer):
    device = DeviceRefSerializer(read_only=True, help_text="The sandbox's virtual door station.")
    call_group = CallGroupRefSerializer(
        read_only=True, allow_null=True, help_text="The sandbox's call group it rang."
    )
    answered_by = TeamsUserSerializer(
        read_only=True, allow_null=True, help_text="The virtual Teams user who answered."
    )
    door_open = serializers.ChoiceField(
        source="sandbox_call.door_open",
        choices=SandboxCall.DoorOpen.choices,
        read_only=True,
        help_text="What the virtual door station does with this call's door-opens.",
    )
    result = serializers.ChoiceField(
        choices=Call.Result.choices,
        allow_null=True,
        read_only=True,
        help_text="Set when the call has ended.",
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "state",
            "device",
            "call_group",
            "caller",
            "answered_by",
            "door_open",
            "started_at",
            "answered_at",
            "ended_at",
            "result",
            "door_opened",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The call's id: send it as door-open's `call_id`."},
            "state": {"help_text": "`active` until the test call is ended, then `ended`."},
            "caller": {"help_text": "Who rang, as the call log shows it."},
            "started_at": {"help_text": "When the virtual station rang (UTC)."},
            "answered_at": {"help_text": "When the virtual Teams user answered (UTC)."},
            "ended_at": {"help_text": "When the call ended (UTC); null while active."},
            "door_opened": {"help_text": "Whether a door-open of this call was executed."},
        }

    def to_representation(self, instance: Call) -> dict:
        data = super().to_representation(instance)
        data["result"] = instance.result or None
        return data
