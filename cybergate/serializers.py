"""Serializer pieces every API (customer and device gateway) shares: UTC times, strict input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import models
from rest_framework import serializers


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


class StrictInputMixin:
    """Refuse body fields the serializer does not take (400 `invalid_request` naming them), so a
    typo such as `{"availabilty": ...}` is an error rather than silently ignored."""

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
