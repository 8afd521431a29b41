from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.availability_enum import AvailabilityEnum

if TYPE_CHECKING:
    from ..models.call_group_ref import CallGroupRef
    from ..models.teams_user import TeamsUser


T = TypeVar("T", bound="WebhookEventAvailabilityChangedData")


@_attrs_define
class WebhookEventAvailabilityChangedData:
    """The member, as the availability PUT answers, with its group and the value before.

    Attributes:
        user (TeamsUser):
        position (int): Place in the ring order, from 1.
        availability (AvailabilityEnum | str): Only `available` members are rung.

            * `available` - Available
            * `unavailable` - Unavailable

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        call_group (CallGroupRef):
        previous_availability (str): The availability before the change.
    """

    user: TeamsUser
    position: int
    availability: AvailabilityEnum | str
    call_group: CallGroupRef
    previous_availability: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user = self.user.to_dict()

        position = self.position

        availability: str
        if isinstance(self.availability, AvailabilityEnum):
            availability = self.availability.value
        else:
            availability = self.availability

        call_group = self.call_group.to_dict()

        previous_availability = self.previous_availability

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user": user,
                "position": position,
                "availability": availability,
                "call_group": call_group,
                "previous_availability": previous_availability,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_group_ref import CallGroupRef
        from ..models.teams_user import TeamsUser

        d = dict(src_dict)
        user = TeamsUser.from_dict(d.pop("user"))

        position = d.pop("position")

        def _parse_availability(data: object) -> AvailabilityEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_0 = AvailabilityEnum(data)

                return availability_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AvailabilityEnum | str, data)

        availability = _parse_availability(d.pop("availability"))

        call_group = CallGroupRef.from_dict(d.pop("call_group"))

        previous_availability = d.pop("previous_availability")

        webhook_event_availability_changed_data = cls(
            user=user,
            position=position,
            availability=availability,
            call_group=call_group,
            previous_availability=previous_availability,
        )

        webhook_event_availability_changed_data.additional_properties = d
        return webhook_event_availability_changed_data

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
