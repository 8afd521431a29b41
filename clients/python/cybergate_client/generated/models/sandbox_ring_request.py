from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.sandbox_door_open_enum import SandboxDoorOpenEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="SandboxRingRequest")


@_attrs_define
class SandboxRingRequest:
    """
    Attributes:
        answer_by (str | Unset): UPN or Entra object id of the virtual Teams user who answers. Leave out for the first
            available one not in a call.
        door_open (SandboxDoorOpenEnum | Unset): * `execute` - Executes them
            * `fail` - Reports a failure
            * `ignore` - Receives them and never answers (they expire) Default: SandboxDoorOpenEnum.EXECUTE.
        caller (str | Unset): Who rings, as the call log shows it (default `sip:visitor@…`).
    """

    answer_by: str | Unset = UNSET
    door_open: SandboxDoorOpenEnum | Unset = SandboxDoorOpenEnum.EXECUTE
    caller: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        answer_by = self.answer_by

        door_open: str | Unset = UNSET
        if not isinstance(self.door_open, Unset):
            door_open = self.door_open.value

        caller = self.caller

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if answer_by is not UNSET:
            field_dict["answer_by"] = answer_by
        if door_open is not UNSET:
            field_dict["door_open"] = door_open
        if caller is not UNSET:
            field_dict["caller"] = caller

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        answer_by = d.pop("answer_by", UNSET)

        _door_open = d.pop("door_open", UNSET)
        door_open: SandboxDoorOpenEnum | Unset
        if isinstance(_door_open, Unset):
            door_open = UNSET
        else:
            door_open = SandboxDoorOpenEnum(_door_open)

        caller = d.pop("caller", UNSET)

        sandbox_ring_request = cls(
            answer_by=answer_by,
            door_open=door_open,
            caller=caller,
        )

        return sandbox_ring_request
