from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.call_result_enum import CallResultEnum
from ..models.sandbox_door_open_enum import SandboxDoorOpenEnum
from ..models.state_enum import StateEnum

if TYPE_CHECKING:
    from ..models.call_group_ref import CallGroupRef
    from ..models.device_ref import DeviceRef
    from ..models.teams_user import TeamsUser


T = TypeVar("T", bound="SandboxCall")


@_attrs_define
class SandboxCall:
    """
    Attributes:
        id (UUID): The call's id: send it as door-open's `call_id`.
        state (StateEnum | str): `active` until the test call is ended, then `ended`.

            * `ringing` - Ringing
            * `active` - Active
            * `ended` - Ended

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error. Default: StateEnum.RINGING.
        device (DeviceRef):
        call_group (CallGroupRef | None): The sandbox's call group it rang.
        caller (str): Who rang, as the call log shows it.
        answered_by (None | TeamsUser): The virtual Teams user who answered.
        door_open (SandboxDoorOpenEnum | str): What the virtual door station does with this call's door-opens.

            * `execute` - Executes them
            * `fail` - Reports a failure
            * `ignore` - Receives them and never answers (they expire)

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        started_at (datetime.datetime): When the virtual station rang (UTC).
        answered_at (datetime.datetime | None): When the virtual Teams user answered (UTC).
        ended_at (datetime.datetime | None): When the call ended (UTC); null while active.
        result (CallResultEnum | None | str): Set when the call has ended.

            * `answered` - Answered
            * `missed` - Missed
            * `rejected` - Rejected
            * `failed` - Failed

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        door_opened (bool): Whether a door-open of this call was executed.
    """

    id: UUID
    device: DeviceRef
    call_group: CallGroupRef | None
    caller: str
    answered_by: None | TeamsUser
    door_open: SandboxDoorOpenEnum | str
    started_at: datetime.datetime
    answered_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    result: CallResultEnum | None | str
    door_opened: bool
    state: StateEnum | str = StateEnum.RINGING
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.call_group_ref import CallGroupRef
        from ..models.teams_user import TeamsUser

        id = str(self.id)

        state: str
        if isinstance(self.state, StateEnum):
            state = self.state.value
        else:
            state = self.state

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

        door_open: str
        if isinstance(self.door_open, SandboxDoorOpenEnum):
            door_open = self.door_open.value
        else:
            door_open = self.door_open

        started_at = self.started_at.isoformat()

        answered_at: None | str
        if isinstance(self.answered_at, datetime.datetime):
            answered_at = self.answered_at.isoformat()
        else:
            answered_at = self.answered_at

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        result: None | str
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
                "state": state,
                "device": device,
                "call_group": call_group,
                "caller": caller,
                "answered_by": answered_by,
                "door_open": door_open,
                "started_at": started_at,
                "answered_at": answered_at,
                "ended_at": ended_at,
                "result": result,
                "door_opened": door_opened,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_group_ref import CallGroupRef
        from ..models.device_ref import DeviceRef
        from ..models.teams_user import TeamsUser

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_state(data: object) -> StateEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_0 = StateEnum(data)

                return state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(StateEnum | str, data)

        state = _parse_state(d.pop("state"))

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

        def _parse_door_open(data: object) -> SandboxDoorOpenEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                door_open_type_0 = SandboxDoorOpenEnum(data)

                return door_open_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(SandboxDoorOpenEnum | str, data)

        door_open = _parse_door_open(d.pop("door_open"))

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

        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        def _parse_result(data: object) -> CallResultEnum | None | str:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                result_type_0 = CallResultEnum(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallResultEnum | None | str, data)

        result = _parse_result(d.pop("result"))

        door_opened = d.pop("door_opened")

        sandbox_call = cls(
            id=id,
            state=state,
            device=device,
            call_group=call_group,
            caller=caller,
            answered_by=answered_by,
            door_open=door_open,
            started_at=started_at,
            answered_at=answered_at,
            ended_at=ended_at,
            result=result,
            door_opened=door_opened,
        )

        sandbox_call.additional_properties = d
        return sandbox_call

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
