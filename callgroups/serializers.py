"""Customer API shapes of Teams users, call groups and their members (SPEC §3)."""

from __future__ import annotations

from rest_framework import serializers

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from cybergate.serializers import ApiModelSerializer, ApiSerializer


class TeamsUserSerializer(ApiModelSerializer):
    upn = serializers.CharField(read_only=True, help_text="User principal name.")

    class Meta:
        model = TeamsUser
        fields = ["id", "upn", "display_name"]
        read_only_fields = fields


class CallGroupRefSerializer(ApiModelSerializer):
    class Meta:
        model = CallGroup
        fields = ["id", "name"]
        read_only_fields = fields


class CallGroupMemberSerializer(ApiModelSerializer):
    user = TeamsUserSerializer(read_only=True)

    class Meta:
        model = CallGroupMember
        fields = ["user", "position", "availability"]
        read_only_fields = fields


class CallGroupSerializer(ApiModelSerializer):
    sip_address = serializers.CharField(read_only=True)
    members = CallGroupMemberSerializer(
        source="memberships", many=True, read_only=True, help_text="In ring order."
    )

    class Meta:
        model = CallGroup
        fields = ["id", "name", "sip_address", "ring_strategy", "members"]
        read_only_fields = fields


class AvailabilityUpdateSerializer(ApiSerializer):
    availability = serializers.ChoiceField(choices=CallGroupMember.Availability.choices)
