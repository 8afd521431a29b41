from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookEventApiSecretExpiringData")


@_attrs_define
class WebhookEventApiSecretExpiringData:
    """The secret and the notice.

    Attributes:
        id (UUID): The secret's id.
        name (str): Its name.
        prefix (str): The first characters of its value, as the portal shows them.
        permissions (list[str]): What it may do (`read`, `availability`, `door_open`, `webhooks`).
        allowed_addresses (list[str]): Addresses and CIDR ranges it may be used from; empty: anywhere.
        created_at (datetime.datetime): When it was created (UTC).
        expires_at (datetime.datetime): When it stops working (UTC).
        notice (str): Which notice: `20d`, `7d`, `1d` or `expired`.
    """

    id: UUID
    name: str
    prefix: str
    permissions: list[str]
    allowed_addresses: list[str]
    created_at: datetime.datetime
    expires_at: datetime.datetime
    notice: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        prefix = self.prefix

        permissions = self.permissions

        allowed_addresses = self.allowed_addresses

        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        notice = self.notice

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "prefix": prefix,
                "permissions": permissions,
                "allowed_addresses": allowed_addresses,
                "created_at": created_at,
                "expires_at": expires_at,
                "notice": notice,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        prefix = d.pop("prefix")

        permissions = cast(list[str], d.pop("permissions"))

        allowed_addresses = cast(list[str], d.pop("allowed_addresses"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        notice = d.pop("notice")

        webhook_event_api_secret_expiring_data = cls(
            id=id,
            name=name,
            prefix=prefix,
            permissions=permissions,
            allowed_addresses=allowed_addresses,
            created_at=created_at,
            expires_at=expires_at,
            notice=notice,
        )

        webhook_event_api_secret_expiring_data.additional_properties = d
        return webhook_event_api_secret_expiring_data

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
