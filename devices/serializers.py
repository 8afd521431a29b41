"""Customer API shapes of active calls, door-open commands and call log entries (SPEC §3)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from callgroups.serializers import CallGroupRefSerializer, TeamsUserSerializer
from cybergate.serializers import ApiModelSerializer
from devices.models import Call, CallLogEntry, Device, DoorOpenCommand


class DeviceRefSerializer(ApiModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "name"]
        read_only_fields = fields


class ActiveCallDetailSerializer(ApiModelSerializer):
    device = DeviceRefSerializer(read_only=True)
    call_group = CallGroupRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = ["id", "device", "call_group", "answered_at"]
        read_only_fields = fields


class ActiveCallSerializer(serializers.Serializer):
    # Serializes {"user": TeamsUser, "call": Call | None}.

    user = TeamsUserSerializer(read_only=True)
    in_active_call = serializers.SerializerMethodField()
    door_open_code_configured = serializers.SerializerMethodField(
        help_text="Whether the device in the active call has a door-open code (false without one)."
    )
    call = ActiveCallDetailSerializer(read_only=True, allow_null=True)

    def get_in_active_call(self, obj: dict) -> bool:
        return obj["call"] is not None

    def get_door_open_code_configured(self, obj: dict) -> bool:
        return obj["call"] is not None and bool(obj["call"].device.door_open_code)


class DoorOpenAcceptedSerializer(ApiModelSerializer):
    call_id = serializers.UUIDField(read_only=True)
    status = serializers.SerializerMethodField()
    device = DeviceRefSerializer(read_only=True)

    class Meta:
        model = DoorOpenCommand
        fields = ["id", "call_id", "status", "device", "expires_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[DoorOpenCommand.Status.QUEUED]))
    def get_status(self, obj: DoorOpenCommand) -> str:
        # Always the first answer's, also when an Idempotency-Key repeat returns it later.
        return DoorOpenCommand.Status.QUEUED


class DoorOpenCommandSerializer(ApiModelSerializer):
    call_id = serializers.UUIDField(read_only=True)
    status = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    device = DeviceRefSerializer(read_only=True)

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


class _SnapshotDeviceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="device_id_public")
    name = serializers.CharField(source="device_name")


class CallLogEntrySerializer(ApiModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    call_id = serializers.UUIDField(
        read_only=True, allow_null=True, help_text="The call (null once the call was deleted)."
    )
    duration_seconds = serializers.IntegerField(read_only=True)
    device = _SnapshotDeviceSerializer(source="*", read_only=True)
    call_group = serializers.SerializerMethodField()
    answered_by = serializers.SerializerMethodField()

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


class CallLogPageSerializer(serializers.Serializer):
    entries = CallLogEntrySerializer(many=True, help_text="Oldest first.")
    cursor = serializers.CharField(help_text="Opaque; pass as `after` to read on from here.")
    has_more = serializers.BooleanField()
