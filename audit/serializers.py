"""Customer API shape of audit entries (SPEC §3)."""

from __future__ import annotations

from rest_framework import serializers

from audit.models import AuditEntry
from cybergate.serializers import ApiModelSerializer


class _ActorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(source="actor_type", choices=AuditEntry.ActorType.choices)
    name = serializers.CharField(source="actor_name")


class AuditEntrySerializer(ApiModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    actor = _ActorSerializer(source="*", read_only=True)
    details = serializers.DictField(read_only=True, help_text="Never contains secret values.")

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target", "details", "ip"]
        read_only_fields = fields


class AuditPageSerializer(serializers.Serializer):
    entries = AuditEntrySerializer(many=True, help_text="Oldest first.")
    cursor = serializers.CharField(help_text="Opaque; pass as `after` to read on from here.")
    has_more = serializers.BooleanField()
