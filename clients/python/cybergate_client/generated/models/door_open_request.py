from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DoorOpenRequest")


@_attrs_define
class DoorOpenRequest:
    """
    Attributes:
        call_id (UUID | Unset): The call you mean to open the door for (`call.id` from the active call): when the Teams
            user's active call is another one by now, the answer is 409 `call_mismatch` and no door opens. Leave out to open
            the door of whatever call is active.
    """

    call_id: UUID | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        call_id: str | Unset = UNSET
        if not isinstance(self.call_id, Unset):
            call_id = str(self.call_id)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if call_id is not UNSET:
            field_dict["call_id"] = call_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        _call_id = d.pop("call_id", UNSET)
        call_id: UUID | Unset
        if isinstance(_call_id, Unset):
            call_id = UNSET
        else:
            call_id = UUID(_call_id)

        door_open_request = cls(
            call_id=call_id,
        )

        return door_open_request
