from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SecretInfo")


@_attrs_define
class SecretInfo:
    """
    Attributes:
        name (str): The API secret's name.
        created_at (datetime.datetime): When it was created (UTC).
        expires_at (datetime.datetime): When it stops working (UTC).
        days_left (int): Calendar days (UTC) until expiry: 0 means it expires today.
    """

    name: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    days_left: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        days_left = self.days_left

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "created_at": created_at,
                "expires_at": expires_at,
                "days_left": days_left,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        name = d.pop("name")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        days_left = d.pop("days_left")

        secret_info = cls(
            name=name,
            created_at=created_at,
            expires_at=expires_at,
            days_left=days_left,
        )

        secret_info.additional_properties = d
        return secret_info

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
