from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.ring_strategy_enum import RingStrategyEnum

if TYPE_CHECKING:
    from ..models.call_group_member import CallGroupMember


T = TypeVar("T", bound="CallGroup")


@_attrs_define
class CallGroup:
    """
    Attributes:
        id (UUID): The call group's id.
        name (str): The call group's name, unique in the tenant.
        sip_address (str): The SIP address door stations call to ring this group.
        ring_strategy (RingStrategyEnum | str): How the available members are rung.

            * `multi_ring` - Multi-ring (all members, first answer wins)
            * `sequential` - Sequential (one member at a time)
            * `meeting` - Meeting

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        members (list[CallGroupMember]): In ring order.
    """

    id: UUID
    name: str
    sip_address: str
    ring_strategy: RingStrategyEnum | str
    members: list[CallGroupMember]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        sip_address = self.sip_address

        ring_strategy: str
        if isinstance(self.ring_strategy, RingStrategyEnum):
            ring_strategy = self.ring_strategy.value
        else:
            ring_strategy = self.ring_strategy

        members = []
        for members_item_data in self.members:
            members_item = members_item_data.to_dict()
            members.append(members_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "sip_address": sip_address,
                "ring_strategy": ring_strategy,
                "members": members,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_group_member import CallGroupMember

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        sip_address = d.pop("sip_address")

        def _parse_ring_strategy(data: object) -> RingStrategyEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ring_strategy_type_0 = RingStrategyEnum(data)

                return ring_strategy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(RingStrategyEnum | str, data)

        ring_strategy = _parse_ring_strategy(d.pop("ring_strategy"))

        members = []
        _members = d.pop("members")
        for members_item_data in _members:
            members_item = CallGroupMember.from_dict(members_item_data)

            members.append(members_item)

        call_group = cls(
            id=id,
            name=name,
            sip_address=sip_address,
            ring_strategy=ring_strategy,
            members=members,
        )

        call_group.additional_properties = d
        return call_group

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
