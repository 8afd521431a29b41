from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_attempt_status_enum import WebhookAttemptStatusEnum

T = TypeVar("T", bound="WebhookAttempt")


@_attrs_define
class WebhookAttempt:
    """
    Attributes:
        number (int): 1 for the first attempt.
        status (str | WebhookAttemptStatusEnum): `pending` (due or running), or its outcome.

            * `pending` - Pending
            * `succeeded` - Succeeded
            * `failed` - Failed

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        due_at (datetime.datetime): When it is (or was) due.
        sent_at (datetime.datetime | None): When it was sent, or null.
        http_status (int | None): The receiver's HTTP status, or null (no answer).
        duration_ms (int | None): Milliseconds from sending to the answer, or null.
        error (str): Why it failed (empty on success).
        response (str): The first 1 KB of the receiver's answer.
    """

    number: int
    status: str | WebhookAttemptStatusEnum
    due_at: datetime.datetime
    sent_at: datetime.datetime | None
    http_status: int | None
    duration_ms: int | None
    error: str
    response: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        status: str
        if isinstance(self.status, WebhookAttemptStatusEnum):
            status = self.status.value
        else:
            status = self.status

        due_at = self.due_at.isoformat()

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        http_status: int | None
        http_status = self.http_status

        duration_ms: int | None
        duration_ms = self.duration_ms

        error = self.error

        response = self.response

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "status": status,
                "due_at": due_at,
                "sent_at": sent_at,
                "http_status": http_status,
                "duration_ms": duration_ms,
                "error": error,
                "response": response,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        number = d.pop("number")

        def _parse_status(data: object) -> str | WebhookAttemptStatusEnum:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = WebhookAttemptStatusEnum(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | WebhookAttemptStatusEnum, data)

        status = _parse_status(d.pop("status"))

        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        def _parse_http_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        http_status = _parse_http_status(d.pop("http_status"))

        def _parse_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        duration_ms = _parse_duration_ms(d.pop("duration_ms"))

        error = d.pop("error")

        response = d.pop("response")

        webhook_attempt = cls(
            number=number,
            status=status,
            due_at=due_at,
            sent_at=sent_at,
            http_status=http_status,
            duration_ms=duration_ms,
            error=error,
            response=response,
        )

        webhook_attempt.additional_properties = d
        return webhook_attempt

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
