"""Customer API shapes of active calls, door-open commands and call log entries."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from callgroups.serializers import CallGroupRefSerializer, TeamsUserSerializer
from cybergate.lib.serializers import (
    EXAMPLE_CALL_GROUP_REF,
    EXAMPLE_CURSOR,
    EXAMPLE_DEVICE,
    EXAMPLE_IDS,
    EXAMPLE_USER,
    ApiModelSerializer,
    ApiSerializer,
    StrictUUIDField,
    UTCDateTimeField,
)
from devices.models import Call, CallLogEntry, DoorOpenCommand


class DeviceRefSerializer(ApiSerializer):
    # Declared rather than derived from the model: it is part of the door-open's answer, and a
    # ModelSerializer builds its fields from the model on every use.
    id = serializers.UUIDField(read_only=True, help_text="The device's id.")
    name = serializers.CharField(read_only=True, help_text="The device's name, e.g. where it is.")


class ActiveCallDetailSerializer(ApiModelSerializer):
    device = DeviceRefSerializer(read_only=True, help_text="The door station that called.")
    call_group = CallGroupRefSerializer(
        read_only=True, allow_null=True, help_text="The call group it rang (null once deleted)."
    )

    class Meta:
        model = Call
        fields = ["id", "device", "call_group", "answered_at"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The call's id: send it as door-open's `call_id`."},
            "answered_at": {"help_text": "When the Teams user answered (UTC)."},
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "In a call",
            value={
                "user": EXAMPLE_USER,
                "in_active_call": True,
                "door_open_code_configured": True,
                "call": {
                    "id": EXAMPLE_IDS["call"],
                    "device": EXAMPLE_DEVICE,
                    "call_group": EXAMPLE_CALL_GROUP_REF,
                    "answered_at": "2026-11-28T09:14:03.512Z",
                },
            },
            response_only=True,
        ),
        OpenApiExample(
            "Not in a call",
            value={
                "user": EXAMPLE_USER,
                "in_active_call": False,
                "door_open_code_configured": False,
                "call": None,
            },
            response_only=True,
        ),
    ]
)
class ActiveCallSerializer(serializers.Serializer):
    # Serializes {"user": TeamsUser, "call": Call | None}.

    user = TeamsUserSerializer(read_only=True, help_text="The Teams user asked about.")
    in_active_call = serializers.SerializerMethodField(
        help_text="Whether the Teams user is in an answered call from a door station now."
    )
    door_open_code_configured = serializers.SerializerMethodField(
        help_text="Whether the device in the active call has a door-open code (false without one)."
    )
    call = ActiveCallDetailSerializer(
        read_only=True, allow_null=True, help_text="The active call, or null."
    )

    def get_in_active_call(self, obj: dict) -> bool:
        return obj["call"] is not None

    def get_door_open_code_configured(self, obj: dict) -> bool:
        return obj["call"] is not None and bool(obj["call"].device.door_open_code)


class DoorOpenSerializer(ApiSerializer):
    call_id = StrictUUIDField(
        required=False,
        help_text=(
            "The call you mean to open the door for (`call.id` from the active call): when the "
            "Teams user's active call is another one by now, the answer is 409 `call_mismatch` "
            "and no door opens. Leave out to open the door of whatever call is active."
        ),
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Queued",
            value={
                "id": EXAMPLE_IDS["command"],
                "call_id": EXAMPLE_IDS["call"],
                "status": "queued",
                "device": EXAMPLE_DEVICE,
                "expires_at": "2026-11-28T09:14:25.000Z",
            },
            response_only=True,
            status_codes=["202"],
        )
    ]
)
class DoorOpenAcceptedSerializer(ApiSerializer):
    # Declared rather than derived from the model, as DeviceRefSerializer: the door-open answers
    # with it.
    id = serializers.UUIDField(
        read_only=True, help_text="The command's id: `GET /api/v1/door-open-commands/{id}`."
    )
    call_id = serializers.UUIDField(read_only=True, help_text="The call the door opens for.")
    status = serializers.SerializerMethodField(help_text="Always `queued` in this answer.")
    device = DeviceRefSerializer(read_only=True, help_text="The device that opens the door.")
    expires_at = UTCDateTimeField(
        read_only=True, help_text="Not delivered and acknowledged by then: `expired`."
    )

    @extend_schema_field(serializers.ChoiceField(choices=[DoorOpenCommand.Status.QUEUED]))
    def get_status(self, obj: DoorOpenCommand) -> str:
        # Always the first answer's, also when an Idempotency-Key repeat returns it later.
        return DoorOpenCommand.Status.QUEUED


_EXAMPLE_COMMAND = {
    "id": EXAMPLE_IDS["command"],
    "call_id": EXAMPLE_IDS["call"],
    "device": EXAMPLE_DEVICE,
    "created_at": "2026-11-28T09:14:10.000Z",
    "expires_at": "2026-11-28T09:14:25.000Z",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Executed",
            value={
                **_EXAMPLE_COMMAND,
                "status": "executed",
                "reason": None,
                "delivered_at": "2026-11-28T09:14:10.184Z",
                "acked_at": "2026-11-28T09:14:10.731Z",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Expired: the call ended first",
            value={
                **_EXAMPLE_COMMAND,
                "status": "expired",
                "reason": "call_ended",
                "delivered_at": None,
                "acked_at": None,
            },
            response_only=True,
        ),
    ]
)
class DoorOpenCommandSerializer(ApiModelSerializer):
    call_id = serializers.UUIDField(read_only=True, help_text="The call the door opens for.")
    status = serializers.SerializerMethodField(help_text="Where the command stands.")
    reason = serializers.SerializerMethodField(
        help_text="Why it `failed` or `expired`; null otherwise."
    )
    device = DeviceRefSerializer(read_only=True, help_text="The device that opens the door.")

    class Meta:
        model = DoorOpenCommand
        fields = [
            "id",
            "call_id",
            "status",
            "reason",
            "device",
            "created_at",
            "expires_at",
            "delivered_at",
            "acked_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The command's id."},
            "created_at": {"help_text": "When it was requested (UTC)."},
            "expires_at": {"help_text": "Not delivered and acknowledged by then: `expired`."},
            "delivered_at": {"help_text": "When the device received it (UTC), or null."},
            "acked_at": {"help_text": "When the device reported the outcome (UTC), or null."},
        }

    @extend_schema_field(serializers.ChoiceField(choices=DoorOpenCommand.Status.choices))
    def get_status(self, obj: DoorOpenCommand) -> str:
        # A queued or delivered command past its expiry is reported as expired.
        return obj.effective_status()

    @extend_schema_field(
        serializers.ChoiceField(choices=DoorOpenCommand.Reason.choices, allow_null=True)
    )
    def get_reason(self, obj: DoorOpenCommand) -> str | None:
        return obj.reason()


# --- Call log: snapshot columns shaped like the live objects --------------------------------


class CallLogDeviceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="device_id_public", help_text="The device's id.")
    name = serializers.CharField(source="device_name", help_text="The device's name then.")


class CallLogEntrySerializer(ApiModelSerializer):
    id = serializers.UUIDField(
        source="uuid", read_only=True, help_text="The entry's id: process each id once."
    )
    call_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The call (null once the call was deleted)."
    )
    duration_seconds = serializers.IntegerField(
        read_only=True, help_text="From start to end, in whole seconds."
    )
    device = CallLogDeviceSerializer(source="*", read_only=True, help_text="The door station.")
    call_group = serializers.SerializerMethodField(help_text="The call group it rang, or null.")
    answered_by = serializers.SerializerMethodField(
        help_text="The Teams user who answered, or null."
    )

    class Meta:
        model = CallLogEntry
        fields = [
            "id",
            "call_id",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "device",
            "call_group",
            "caller",
            "answered_by",
            "result",
            "door_opened",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "started_at": {"help_text": "When the visitor rang (UTC)."},
            "answered_at": {"help_text": "When it was answered (UTC), or null."},
            "ended_at": {"help_text": "When it ended (UTC)."},
            "caller": {"help_text": "The calling party as the device reported it."},
            "result": {"help_text": "How the call ended."},
            "door_opened": {"help_text": "Whether a door-open was executed during the call."},
        }

    @extend_schema_field(CallGroupRefSerializer(allow_null=True))
    def get_call_group(self, obj: CallLogEntry) -> dict | None:
        if obj.call_group_id_public is None:
            return None
        return {"id": str(obj.call_group_id_public), "name": obj.call_group_name}

    @extend_schema_field(TeamsUserSerializer(allow_null=True))
    def get_answered_by(self, obj: CallLogEntry) -> dict | None:
        if obj.answered_by_id_public is None:
            return None
        return {
            "id": str(obj.answered_by_id_public),
            "upn": obj.answered_by_upn,
            "display_name": obj.answered_by_display_name,
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "One new entry",
            value={
                "entries": [
                    {
                        "id": EXAMPLE_IDS["entry"],
                        "call_id": EXAMPLE_IDS["call"],
                        "started_at": "2026-11-28T09:13:51.000Z",
                        "answered_at": "2026-11-28T09:14:03.512Z",
                        "ended_at": "2026-11-28T09:15:40.020Z",
                        "duration_seconds": 109,
                        "device": EXAMPLE_DEVICE,
                        "call_group": EXAMPLE_CALL_GROUP_REF,
                        "caller": "sip:main-entrance@doors.contoso.com",
                        "answered_by": EXAMPLE_USER,
                        "result": "answered",
                        "door_opened": True,
                    }
                ],
                "cursor": EXAMPLE_CURSOR,
                "has_more": False,
            },
            response_only=True,
        )
    ]
)
class CallLogPageSerializer(serializers.Serializer):
    entries = CallLogEntrySerializer(many=True, help_text="Oldest first.")
    cursor = serializers.CharField(help_text="Opaque; pass as `after` to read on from here.")
    has_more = serializers.BooleanField(help_text="More entries follow this page: ask again.")
