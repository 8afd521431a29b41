from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.secret_info import SecretInfo


T = TypeVar("T", bound="TenantInfo")


@_attrs_define
class TenantInfo:
    """
    Attributes:
        id (UUID): The tenant's id.
        name (str): The tenant's name.
        api_access_enabled (bool): Always true here: without API access every request is 403.
        secret (SecretInfo):
    """

    id: UUID
    name: str
    api_access_enabled: bool
    secret: SecretInfo
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        name = self.name

        api_access_enabled = self.api_access_enabled

        secret = self.secret.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "api_access_enabled": api_access_enabled,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.secret_info import SecretInfo

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        name = d.pop("name")

        api_access_enabled = d.pop("api_access_enabled")

        secret = SecretInfo.from_dict(d.pop("secret"))

        tenant_info = cls(
            id=id,
            name=name,
            api_access_enabled=api_access_enabled,
            secret=secret,
        )

        tenant_info.additional_properties = d
        return tenant_info

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
