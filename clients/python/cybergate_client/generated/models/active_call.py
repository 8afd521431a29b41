from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.active_call_detail import ActiveCallDetail
    from ..models.teams_user import TeamsUser


T = TypeVar("T", bound="ActiveCall")


@_attrs_define
class ActiveCall:
    """
    Attributes:
        user (TeamsUser):
        in_active_call (bool): Whether the Teams user is in an answered call from a door station now.
        door_open_code_configured (bool): Whether the device in the active call has a door-open code (false without
            one).
        call (ActiveCallDetail | None): The active call, or null.
    """

    user: TeamsUser
    in_active_call: bool
    door_open_code_configured: bool
    call: ActiveCallDetail | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.active_call_detail import ActiveCallDetail

        user = self.user.to_dict()

        in_active_call = self.in_active_call

        door_open_code_configured = self.door_open_code_configured

        call: dict[str, Any] | None
        if isinstance(self.call, ActiveCallDetail):
            call = self.call.to_dict()
        else:
            call = self.call

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user": user,
                "in_active_call": in_active_call,
                "door_open_code_configured": door_open_code_configured,
                "call": call,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.active_call_detail import ActiveCallDetail
        from ..models.teams_user import TeamsUser

        d = dict(src_dict)
        user = TeamsUser.from_dict(d.pop("user"))

        in_active_call = d.pop("in_active_call")

        door_open_code_configured = d.pop("door_open_code_configured")

        def _parse_call(data: object) -> ActiveCallDetail | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                call_type_1 = ActiveCallDetail.from_dict(data)

                return call_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActiveCallDetail | None, data)

        call = _parse_call(d.pop("call"))

        active_call = cls(
            user=user,
            in_active_call=in_active_call,
            door_open_code_configured=door_open_code_configured,
            call=call,
        )

        active_call.additional_properties = d
        return active_call

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
