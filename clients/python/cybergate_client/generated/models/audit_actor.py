from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.actor_type_enum import ActorTypeEnum

T = TypeVar("T", bound="AuditActor")


@_attrs_define
class AuditActor:
    """
    Attributes:
        type_ (ActorTypeEnum | str): Who acted.

            * `user` - User
            * `api_secret` - API secret
            * `support` - Support
            * `system` - System
            * `device` - Device

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        name (str): The actor's name then: a login's email, an API secret's name, a device's.
    """

    type_: ActorTypeEnum | str
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str
        if isinstance(self.type_, ActorTypeEnum):
            type_ = self.type_.value
        else:
            type_ = self.type_

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_type_(data: object) -> ActorTypeEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = ActorTypeEnum(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ActorTypeEnum | str, data)

        type_ = _parse_type_(d.pop("type"))

        name = d.pop("name")

        audit_actor = cls(
            type_=type_,
            name=name,
        )

        audit_actor.additional_properties = d
        return audit_actor

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
