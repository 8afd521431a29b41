from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_event_type_enum import WebhookEventTypeEnum
from ..models.webhook_message_status_enum import WebhookMessageStatusEnum

if TYPE_CHECKING:
    from ..models.webhook_attempt import WebhookAttempt
    from ..models.webhook_message_payload import WebhookMessagePayload


T = TypeVar("T", bound="WebhookMessage")


@_attrs_define
class WebhookMessage:
    """
    Attributes:
        id (UUID): The message's id (for `resend`).
        webhook_id (str): The `webhook-id` header the receiver got: the same on every attempt.
        event_type (str | WebhookEventTypeEnum): The event.

            * `door_open.executed` - door_open.executed
            * `door_open.failed` - door_open.failed
            * `door_open.expired` - door_open.expired
            * `call.ringing` - call.ringing
            * `call.answered` - call.answered
            * `call.ended` - call.ended
            * `availability.changed` - availability.changed
            * `api_secret.created` - api_secret.created
            * `api_secret.rolled` - api_secret.rolled
            * `api_secret.deleted` - api_secret.deleted
            * `api_secret.expiring` - api_secret.expiring
            * `api_secret.expired` - api_secret.expired
            * `webhook.test` - webhook.test

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        status (str | WebhookMessageStatusEnum): `pending` (attempts to come), `delivered` or `failed` (no attempt
            left).

            * `pending` - Pending
            * `delivered` - Delivered
            * `failed` - Failed

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        created_at (datetime.datetime): When the event happened.
        delivered_at (datetime.datetime | None): When an attempt succeeded, or null.
        payload (WebhookMessagePayload): The body sent: `type`, `timestamp` and `data`.
        attempts (list[WebhookAttempt]): Every attempt, first to last.
    """

    id: UUID
    webhook_id: str
    event_type: str | WebhookEventTypeEnum
    status: str | WebhookMessageStatusEnum
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
    payload: WebhookMessagePayload
    attempts: list[WebhookAttempt]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        webhook_id = self.webhook_id

        event_type: str
        if isinstance(self.event_type, WebhookEventTypeEnum):
            event_type = self.event_type.value
        else:
            event_type = self.event_type

        status: str
        if isinstance(self.status, WebhookMessageStatusEnum):
            status = self.status.value
        else:
            status = self.status

        created_at = self.created_at.isoformat()

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        payload = self.payload.to_dict()

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "webhook_id": webhook_id,
                "event_type": event_type,
                "status": status,
                "created_at": created_at,
                "delivered_at": delivered_at,
                "payload": payload,
                "attempts": attempts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_attempt import WebhookAttempt
        from ..models.webhook_message_payload import WebhookMessagePayload

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        webhook_id = d.pop("webhook_id")

        def _parse_event_type(data: object) -> str | WebhookEventTypeEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                event_type_type_0 = WebhookEventTypeEnum(data)

                return event_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | WebhookEventTypeEnum, data)

        event_type = _parse_event_type(d.pop("event_type"))

        def _parse_status(data: object) -> str | WebhookMessageStatusEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = WebhookMessageStatusEnum(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | WebhookMessageStatusEnum, data)

        status = _parse_status(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        payload = WebhookMessagePayload.from_dict(d.pop("payload"))

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = WebhookAttempt.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        webhook_message = cls(
            id=id,
            webhook_id=webhook_id,
            event_type=event_type,
            status=status,
            created_at=created_at,
            delivered_at=delivered_at,
            payload=payload,
            attempts=attempts,
        )

        webhook_message.additional_properties = d
        return webhook_message

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
