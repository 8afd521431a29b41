from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.availability_enum import AvailabilityEnum

if TYPE_CHECKING:
    from ..models.teams_user import TeamsUser


T = TypeVar("T", bound="CallGroupMember")


@_attrs_define
class CallGroupMember:
    """
    Attributes:
        user (TeamsUser):
        position (int):
        availability (AvailabilityEnum): * `available` - Available
            * `unavailable` - Unavailable
    """

    user: TeamsUser
    position: int
    availability: AvailabilityEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user = self.user.to_dict()

        position = self.position

        availability = self.availability.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user": user,
                "position": position,
                "availability": availability,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.teams_user import TeamsUser

        d = dict(src_dict)
        user = TeamsUser.from_dict(d.pop("user"))

        position = d.pop("position")

        availability = AvailabilityEnum(d.pop("availability"))

        call_group_member = cls(
            user=user,
            position=position,
            availability=availability,
        )

        call_group_member.additional_properties = d
        return call_group_member

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
