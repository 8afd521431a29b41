from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.availability_enum import AvailabilityEnum

T = TypeVar("T", bound="AvailabilityUpdateRequest")


@_attrs_define
class AvailabilityUpdateRequest:
    """
    Attributes:
        availability (AvailabilityEnum): * `available` - Available
            * `unavailable` - Unavailable
    """

    availability: AvailabilityEnum

    def to_dict(self) -> dict[str, Any]:
        availability = self.availability.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "availability": availability,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        availability = AvailabilityEnum(d.pop("availability"))

        availability_update_request = cls(
            availability=availability,
        )

        return availability_update_request
