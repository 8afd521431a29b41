from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.webhook_event_type_enum import WebhookEventTypeEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="PatchedWebhookEndpointUpdateRequest")


@_attrs_define
class PatchedWebhookEndpointUpdateRequest:
    """The body of create (url required) and update (every field optional).

    Attributes:
        url (str | Unset): Where to POST events: a public http(s) URL (https when the server requires it). Private,
            loopback and link-local addresses are refused.
        description (str | Unset): A note for the tenant's admins.
        event_types (list[WebhookEventTypeEnum] | Unset): The event types sent to this endpoint; empty: every event,
            including types added later.
        enabled (bool | Unset): false: stop sending; true: send again (then `recover` sends what it missed).
    """

    url: str | Unset = UNSET
    description: str | Unset = UNSET
    event_types: list[WebhookEventTypeEnum] | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        description = self.description

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = []
            for event_types_item_data in self.event_types:
                event_types_item = event_types_item_data.value
                event_types.append(event_types_item)

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        description = d.pop("description", UNSET)

        _event_types = d.pop("event_types", UNSET)
        event_types: list[WebhookEventTypeEnum] | Unset = UNSET
        if _event_types is not UNSET:
            event_types = []
            for event_types_item_data in _event_types:
                event_types_item = WebhookEventTypeEnum(event_types_item_data)

                event_types.append(event_types_item)

        enabled = d.pop("enabled", UNSET)

        patched_webhook_endpoint_update_request = cls(
            url=url,
            description=description,
            event_types=event_types,
            enabled=enabled,
        )

        return patched_webhook_endpoint_update_request
