from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_event_availability_changed_data import (
        WebhookEventAvailabilityChangedData,
    )


T = TypeVar("T", bound="WebhookEventAvailabilityChanged")


@_attrs_define
class WebhookEventAvailabilityChanged:
    """The body of a `availability.changed` webhook: A member's availability in a call group changed (the member).

    Attributes:
        type_ (str): Always `availability.changed`.
        timestamp (datetime.datetime): When the event happened (UTC).
        data (WebhookEventAvailabilityChangedData): The member, as the availability PUT answers, with its group and the
            value before.
    """

    type_: str
    timestamp: datetime.datetime
    data: WebhookEventAvailabilityChangedData
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
        from ..models.webhook_event_availability_changed_data import (
            WebhookEventAvailabilityChangedData,
        )

        d = dict(src_dict)
        type_ = d.pop("type")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        data = WebhookEventAvailabilityChangedData.from_dict(d.pop("data"))

        webhook_event_availability_changed = cls(
            type_=type_,
            timestamp=timestamp,
            data=data,
        )

        webhook_event_availability_changed.additional_properties = d
        return webhook_event_availability_changed

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
