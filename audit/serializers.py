"""Customer API shape of audit entries."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from audit.models import AuditEntry
from cybergate.lib.serializers import EXAMPLE_CURSOR, EXAMPLE_IDS, ApiModelSerializer


class AuditActorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        source="actor_type", choices=AuditEntry.ActorType.choices, help_text="Who acted."
    )
    name = serializers.CharField(
        source="actor_name",
        help_text="The actor's name then: a login's email, an API secret's name, a device's.",
    )


class AuditEntrySerializer(ApiModelSerializer):
    id = serializers.UUIDField(
        source="uuid", read_only=True, help_text="The entry's id: process each id once."
    )
    actor = AuditActorSerializer(source="*", read_only=True, help_text="Who made the change.")
    action = serializers.ChoiceField(
        choices=AuditEntry.Action.choices, read_only=True, help_text="What happened."
    )
    details = serializers.DictField(read_only=True, help_text="Never contains secret values.")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target", "details", "ip"]
        read_only_fields = fields
        extra_kwargs = {
            "at": {"help_text": "When it happened (UTC)."},
            "target": {"help_text": "What it changed, as `kind:name`."},
            "ip": {"help_text": "The client address the change came from, if known."},
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "One new entry",
            value={
                "entries": [
                    {
                        "id": EXAMPLE_IDS["entry"],
                        "at": "2026-11-28T09:14:10.002Z",
                        "actor": {"type": "api_secret", "name": "Visitor desk integration"},
                        "action": "door.open_requested",
                        "target": "device:Main entrance",
                        "details": {
                            "command_id": EXAMPLE_IDS["command"],
                            "call_id": EXAMPLE_IDS["call"],
                            "device_id": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d",
                            "user": "anna.berg@contoso.com",
                        },
                        "ip": "203.0.113.24",
                    }
                ],
                "cursor": EXAMPLE_CURSOR,
                "has_more": False,
            },
            response_only=True,
        )
    ]
)
class AuditPageSerializer(serializers.Serializer):
    entries = AuditEntrySerializer(many=True, help_text="Oldest first.")
    cursor = serializers.CharField(help_text="Opaque; pass as `after` to read on from here.")
    has_more = serializers.BooleanField(help_text="More entries follow this page: ask again.")
