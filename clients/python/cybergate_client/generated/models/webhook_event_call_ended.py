from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.call_log_entry import CallLogEntry


T = TypeVar("T", bound="WebhookEventCallEnded")


@_attrs_define
class WebhookEventCallEnded:
    """The body of a `call.ended` webhook: A call ended (its call log entry).

    Attributes:
        type_ (str): Always `call.ended`.
        timestamp (datetime.datetime): When the event happened (UTC).
        data (CallLogEntry):
    """

    type_: str
    timestamp: datetime.datetime
    data: CallLogEntry
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        timestamp = self.timestamp.isoformat()

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "timestamp": timestamp,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.call_log_entry import CallLogEntry

        d = dict(src_dict)
        type_ = d.pop("type")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        data = CallLogEntry.from_dict(d.pop("data"))

        webhook_event_call_ended = cls(
            type_=type_,
            timestamp=timestamp,
            data=data,
        )

        webhook_event_call_ended.additional_properties = d
        return webhook_event_call_ended

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
