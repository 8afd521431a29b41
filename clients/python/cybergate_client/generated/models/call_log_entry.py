from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_result_enum import CallResultEnum

if TYPE_CHECKING:
    from ..models.call_group_ref import CallGroupRef
    from ..models.call_log_device import CallLogDevice
    from ..models.teams_user import TeamsUser


T = TypeVar("T", bound="CallLogEntry")


@_attrs_define
class CallLogEntry:
    """
    Attributes:
        id (UUID): The entry's id: process each id once.
        call_id (None | UUID): The call (null once the call was deleted).
        started_at (datetime.datetime): When the visitor rang (UTC).
        answered_at (datetime.datetime | None): When it was answered (UTC), or null.
        ended_at (datetime.datetime): When it ended (UTC).
        duration_seconds (int): From start to end, in whole seconds.
        device (CallLogDevice):
        call_group (CallGroupRef | None): The call group it rang, or null.
        caller (str): The calling party as the device reported it.
        answered_by (None | TeamsUser): The Teams user who answered, or null.
        result (CallResultEnum | str): How the call ended.

            * `answered` - Answered
            * `missed` - Missed
            * `rejected` - Rejected
            * `failed` - Failed

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        door_opened (bool): Whether a door-open was executed during the call.
    """

    id: UUID
    call_id: None | UUID
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime
    duration_seconds: int
    device: CallLogDevice
    call_group: CallGroupRef | None
    caller: str
    answered_by: None | TeamsUser
    result: CallResultEnum | str
    door_opened: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_group_ref import CallGroupRef
        from ..models.teams_user import TeamsUser

        id = str(self.id)

        call_id: None | str
        if isinstance(self.call_id, UUID):
            call_id = str(self.call_id)
        else:
            call_id = self.call_id

        started_at = self.started_at.isoformat()

        answered_at: None | str
        if isinstance(self.answered_at, datetime.datetime):
            answered_at = self.answered_at.isoformat()
        else:
            answered_at = self.answered_at

        ended_at = self.ended_at.isoformat()

        duration_seconds = self.duration_seconds

        device = self.device.to_dict()

        call_group: dict[str, Any] | None
        if isinstance(self.call_group, CallGroupRef):
            call_group = self.call_group.to_dict()
        else:
            call_group = self.call_group

        caller = self.caller

        answered_by: dict[str, Any] | None
        if isinstance(self.answered_by, TeamsUser):
            answered_by = self.answered_by.to_dict()
        else:
            answered_by = self.answered_by

        result: str
        if isinstance(self.result, CallResultEnum):
            result = self.result.value
        else:
            result = self.result

        door_opened = self.door_opened

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "call_id": call_id,
                "started_at": started_at,
                "answered_at": answered_at,
                "ended_at": ended_at,
                "duration_seconds": duration_seconds,
                "device": device,
                "call_group": call_group,
                "caller": caller,
                "answered_by": answered_by,
                "result": result,
                "door_opened": door_opened,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_group_ref import CallGroupRef
        from ..models.call_log_device import CallLogDevice
        from ..models.teams_user import TeamsUser

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_call_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                call_id_type_0 = UUID(data)

                return call_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        call_id = _parse_call_id(d.pop("call_id"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

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

        ended_at = datetime.datetime.fromisoformat(d.pop("ended_at"))

        duration_seconds = d.pop("duration_seconds")

        device = CallLogDevice.from_dict(d.pop("device"))

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

        caller = d.pop("caller")

        def _parse_answered_by(data: object) -> None | TeamsUser:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                answered_by_type_1 = TeamsUser.from_dict(data)

                return answered_by_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TeamsUser, data)

        answered_by = _parse_answered_by(d.pop("answered_by"))

        def _parse_result(data: object) -> CallResultEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                result_type_0 = CallResultEnum(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallResultEnum | str, data)

        result = _parse_result(d.pop("result"))

        door_opened = d.pop("door_opened")

        call_log_entry = cls(
            id=id,
            call_id=call_id,
            started_at=started_at,
            answered_at=answered_at,
            ended_at=ended_at,
            duration_seconds=duration_seconds,
            device=device,
            call_group=call_group,
            caller=caller,
            answered_by=answered_by,
            result=result,
            door_opened=door_opened,
        )

        call_log_entry.additional_properties = d
        return call_log_entry

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
