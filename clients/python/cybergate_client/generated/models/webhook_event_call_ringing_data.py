from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.call_group_ref import CallGroupRef
    from ..models.device_ref import DeviceRef


T = TypeVar("T", bound="WebhookEventCallRingingData")


@_attrs_define
class WebhookEventCallRingingData:
    """The call, as active calls show it, with who rang and when.

    Attributes:
        id (UUID): The call's id: send it as door-open's `call_id`.
        device (DeviceRef):
        call_group (CallGroupRef | None): The call group it rang (null once deleted).
        answered_at (datetime.datetime | None): When the Teams user answered (UTC).
        caller (str): Who rang (the SIP address the device reported).
        started_at (datetime.datetime): When it started ringing (UTC).
    """

    id: UUID
    device: DeviceRef
    call_group: CallGroupRef | None
    answered_at: datetime.datetime | None
    caller: str
    started_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_group_ref import CallGroupRef

        id = str(self.id)

        device = self.device.to_dict()

        call_group: dict[str, Any] | None
        if isinstance(self.call_group, CallGroupRef):
            call_group = self.call_group.to_dict()
        else:
            call_group = self.call_group

        answered_at: None | str
        if isinstance(self.answered_at, datetime.datetime):
            answered_at = self.answered_at.isoformat()
        else:
            answered_at = self.answered_at

        caller = self.caller

        started_at = self.started_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "device": device,
                "call_group": call_group,
                "answered_at": answered_at,
                "caller": caller,
                "started_at": started_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_group_ref import CallGroupRef
        from ..models.device_ref import DeviceRef

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        device = DeviceRef.from_dict(d.pop("device"))

        def _parse_call_group(data: object) -> CallGroupRef | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                call_group_type_1 = CallGroupRef.from_dict(data)

                return call_group_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallGroupRef | None, data)

        call_group = _parse_call_group(d.pop("call_group"))

        def _parse_answered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                answered_at_type_0 = datetime.datetime.fromisoformat(data)

                return answered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        answered_at = _parse_answered_at(d.pop("answered_at"))

        caller = d.pop("caller")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        webhook_event_call_ringing_data = cls(
            id=id,
            device=device,
            call_group=call_group,
            answered_at=answered_at,
            caller=caller,
            started_at=started_at,
        )

        webhook_event_call_ringing_data.additional_properties = d
        return webhook_event_call_ringing_data

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
