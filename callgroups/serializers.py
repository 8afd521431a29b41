"""Customer API shapes of Teams users, call groups and their members."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from cybergate.lib.serializers import (
    EXAMPLE_CALL_GROUP_REF,
    EXAMPLE_USER,
    ApiModelSerializer,
    ApiSerializer,
)

EXAMPLE_MEMBER = {"user": EXAMPLE_USER, "position": 1, "availability": "available"}


class TeamsUserSerializer(ApiModelSerializer):
    upn = serializers.CharField(read_only=True, help_text="User principal name.")

    class Meta:
        model = TeamsUser
        fields = ["id", "upn", "display_name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The Teams user's Entra object id."},
            "display_name": {"help_text": "The name Teams shows."},
        }


class CallGroupRefSerializer(ApiModelSerializer):
    class Meta:
        model = CallGroup
        fields = ["id", "name"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The call group's id."},
            "name": {"help_text": "The call group's name."},
        }


@extend_schema_serializer(
    examples=[OpenApiExample("Member", value=EXAMPLE_MEMBER, response_only=True)]
)
class CallGroupMemberSerializer(ApiModelSerializer):
    user = TeamsUserSerializer(read_only=True, help_text="The member.")

    class Meta:
        model = CallGroupMember
        fields = ["user", "position", "availability"]
        read_only_fields = fields
        extra_kwargs = {
            "position": {"help_text": "Place in the ring order, from 1."},
            "availability": {"help_text": "Only `available` members are rung."},
        }


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Call group",
            value={
                **EXAMPLE_CALL_GROUP_REF,
                "sip_address": "reception@contoso.com",
                "ring_strategy": "multi_ring",
                "members": [
                    EXAMPLE_MEMBER,
                    {
                        "user": {
                            "id": "6b8d0f2a-4c6e-4a8b-9d0f-2a4c6e8b0d2f",
                            "upn": "ben.okafor@contoso.com",
                            "display_name": "Ben Okafor",
                        },
                        "position": 2,
                        "availability": "unavailable",
                    },
                ],
            },
            response_only=True,
        )
    ]
)
class CallGroupSerializer(ApiModelSerializer):
    sip_address = serializers.CharField(
        read_only=True, help_text="The SIP address door stations call to ring this group."
    )
    members = CallGroupMemberSerializer(
        source="memberships", many=True, read_only=True, help_text="In ring order."
    )

    class Meta:
        model = CallGroup
        fields = ["id", "name", "sip_address", "ring_strategy", "members"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "The call group's id."},
            "name": {"help_text": "The call group's name, unique in the tenant."},
            "ring_strategy": {"help_text": "How the available members are rung."},
        }


class AvailabilityUpdateSerializer(ApiSerializer):
    availability = serializers.ChoiceField(
        choices=CallGroupMember.Availability.choices,
        help_text="The member's new availability in this call group.",
    )
