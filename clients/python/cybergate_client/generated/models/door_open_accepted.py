from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.door_open_accepted_status_enum import DoorOpenAcceptedStatusEnum

if TYPE_CHECKING:
    from ..models.device_ref import DeviceRef


T = TypeVar("T", bound="DoorOpenAccepted")


@_attrs_define
class DoorOpenAccepted:
    """
    Attributes:
        id (UUID): The command's id: `GET /api/v1/door-open-commands/{id}`.
        call_id (UUID): The call the door opens for.
        status (DoorOpenAcceptedStatusEnum | str): Always `queued` in this answer.

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        device (DeviceRef):
        expires_at (datetime.datetime): Not delivered and acknowledged by then: `expired`.
    """

    id: UUID
    call_id: UUID
    status: DoorOpenAcceptedStatusEnum | str
    device: DeviceRef
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        call_id = str(self.call_id)

        status: str
        if isinstance(self.status, DoorOpenAcceptedStatusEnum):
            status = self.status.value
        else:
            status = self.status

        device = self.device.to_dict()

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "call_id": call_id,
                "status": status,
                "device": device,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.device_ref import DeviceRef

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        call_id = UUID(d.pop("call_id"))

        def _parse_status(data: object) -> DoorOpenAcceptedStatusEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = DoorOpenAcceptedStatusEnum(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DoorOpenAcceptedStatusEnum | str, data)

        status = _parse_status(d.pop("status"))

        device = DeviceRef.from_dict(d.pop("device"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        door_open_accepted = cls(
            id=id,
            call_id=call_id,
            status=status,
            device=device,
            expires_at=expires_at,
        )

        door_open_accepted.additional_properties = d
        return door_open_accepted

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
