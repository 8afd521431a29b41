"""Serializer pieces every API (customer and device gateway) shares: UTC times, strict input."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import models
from rest_framework import serializers

# Example values shared by the schema examples of several serializers.
EXAMPLE_IDS = {
    "tenant": "3f6b2a1e-7c4d-4e8f-9a0b-1c2d3e4f5a6b",
    "call_group": "8d2f4b6a-1e3c-4a5b-8c7d-9e0f1a2b3c4d",
    "user": "5a7c9e1f-3b5d-4f6a-8b9c-0d1e2f3a4b5c",
    "device": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d",
    "call": "7e9a1c3e-5f7b-4d9a-8e1c-3f5a7b9d1e3f",
    "command": "4b6d8f0a-2c4e-4f6a-9b8d-0e2f4a6b8c0d",
    "entry": "9c1e3a5b-7d9f-4b1c-8d3e-5f7a9b1c3d5e",
}
EXAMPLE_CURSOR = "q0Lx7mRz2c9TfA1nVb3KpQ1tHq2ZJd8s0x4v2mYk9QeW3nT6"
EXAMPLE_USER = {
    "id": EXAMPLE_IDS["user"],
    "upn": "anna.berg@contoso.com",
    "display_name": "Anna Berg",
}
EXAMPLE_DEVICE = {"id": EXAMPLE_IDS["device"], "name": "Main entrance"}
EXAMPLE_CALL_GROUP_REF = {"id": EXAMPLE_IDS["call_group"], "name": "Reception"}


class UTCDateTimeField(serializers.DateTimeField):
    """Always rendered in UTC (`...Z`), whatever TIME_ZONE or the active time zone says."""

    def default_timezone(self) -> dt.tzinfo:
        return dt.UTC


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's turns numbers into strings)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUIDField that takes only JSON strings (DRF's turns an integer into a UUID)."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


if TYPE_CHECKING:
    _SerializerBase = serializers.Serializer[Any]  # the mixin's super() calls are a serializer's
else:
    _SerializerBase = object


class StrictInputMixin(_SerializerBase):
    # Refuses body fields the serializer does not take (400 `invalid_request` naming them), so a
    # typo such as `{"availabilty": ...}` is an error rather than silently ignored. (A comment,
    # not a docstring: drf-spectacular would publish it as every subclass's description.)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ApiSerializer(StrictInputMixin, serializers.Serializer):
    pass


class ApiModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }
