from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_api_secret_summary import WebhookApiSecretSummary


T = TypeVar("T", bound="WebhookEventApiSecretCreated")


@_attrs_define
class WebhookEventApiSecretCreated:
    """The body of a `api_secret.created` webhook: An API secret was created (a summary; never its value).

    Attributes:
        type_ (str): Always `api_secret.created`.
        timestamp (datetime.datetime): When the event happened (UTC).
        data (WebhookApiSecretSummary): What webhook events say of an API secret: never its value.
    """

    type_: str
    timestamp: datetime.datetime
    data: WebhookApiSecretSummary
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
        from ..models.webhook_api_secret_summary import WebhookApiSecretSummary

        d = dict(src_dict)
        type_ = d.pop("type")

        timestamp = datetime.datetime.fromisoformat(d.pop("timestamp"))

        data = WebhookApiSecretSummary.from_dict(d.pop("data"))

        webhook_event_api_secret_created = cls(
            type_=type_,
            timestamp=timestamp,
            data=data,
        )

        webhook_event_api_secret_created.additional_properties = d
        return webhook_event_api_secret_created

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
