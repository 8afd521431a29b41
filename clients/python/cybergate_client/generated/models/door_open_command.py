from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.door_open_command_reason_enum import DoorOpenCommandReasonEnum
from ..models.door_open_command_status_enum import DoorOpenCommandStatusEnum

if TYPE_CHECKING:
    from ..models.device_ref import DeviceRef


T = TypeVar("T", bound="DoorOpenCommand")


@_attrs_define
class DoorOpenCommand:
    """
    Attributes:
        id (UUID): The command's id.
        call_id (UUID): The call the door opens for.
        status (DoorOpenCommandStatusEnum | str): Where the command stands.

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        reason (DoorOpenCommandReasonEnum | None | str): Why it `failed` or `expired`; null otherwise.

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        device (DeviceRef):
        created_at (datetime.datetime): When it was requested (UTC).
        expires_at (datetime.datetime): Not delivered and acknowledged by then: `expired`.
        delivered_at (datetime.datetime | None): When the device received it (UTC), or null.
        acked_at (datetime.datetime | None): When the device reported the outcome (UTC), or null.
    """

    id: UUID
    call_id: UUID
    status: DoorOpenCommandStatusEnum | str
    reason: DoorOpenCommandReasonEnum | None | str
    device: DeviceRef
    created_at: datetime.datetime
    expires_at: datetime.datetime
    delivered_at: datetime.datetime | None
    acked_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        call_id = str(self.call_id)

        status: str
        if isinstance(self.status, DoorOpenCommandStatusEnum):
            status = self.status.value
        else:
            status = self.status

        reason: None | str
        if isinstance(self.reason, DoorOpenCommandReasonEnum):
            reason = self.reason.value
        else:
            reason = self.reason

        device = self.device.to_dict()

        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        acked_at: None | str
        if isinstance(self.acked_at, datetime.datetime):
            acked_at = self.acked_at.isoformat()
        else:
            acked_at = self.acked_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "call_id": call_id,
                "status": status,
                "reason": reason,
                "device": device,
                "created_at": created_at,
                "expires_at": expires_at,
                "delivered_at": delivered_at,
                "acked_at": acked_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.device_ref import DeviceRef

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        call_id = UUID(d.pop("call_id"))

        def _parse_status(data: object) -> DoorOpenCommandStatusEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = DoorOpenCommandStatusEnum(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DoorOpenCommandStatusEnum | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_reason(data: object) -> DoorOpenCommandReasonEnum | None | str:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reason_type_0 = DoorOpenCommandReasonEnum(data)

                return reason_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DoorOpenCommandReasonEnum | None | str, data)

        reason = _parse_reason(d.pop("reason"))

        device = DeviceRef.from_dict(d.pop("device"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        def _parse_acked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                acked_at_type_0 = datetime.datetime.fromisoformat(data)

                return acked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        acked_at = _parse_acked_at(d.pop("acked_at"))

        door_open_command = cls(
            id=id,
            call_id=call_id,
            status=status,
            reason=reason,
            device=device,
            created_at=created_at,
            expires_at=expires_at,
            delivered_at=delivered_at,
            acked_at=acked_at,
        )

        door_open_command.additional_properties = d
        return door_open_command

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
