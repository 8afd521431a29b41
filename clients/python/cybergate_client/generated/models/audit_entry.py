from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audit_action_enum import AuditActionEnum

if TYPE_CHECKING:
    from ..models.audit_actor import AuditActor
    from ..models.audit_entry_details import AuditEntryDetails


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        id (UUID): The entry's id: process each id once.
        at (datetime.datetime): When it happened (UTC).
        actor (AuditActor):
        action (AuditActionEnum | str): What happened.

            * `api_secret.created` - API secret created
            * `api_secret.deleted` - API secret deleted
            * `api_secret.revoked` - API secret revoked by support
            * `api_secret.rolled` - API secret rolled
            * `api_secret.overlap_ended` - Replaced API secret stopped by the next roll
            * `api_secret.addresses_changed` - API secret allowed addresses changed
            * `api_secret.updated` - API secret name or permissions changed
            * `api_secret.disabled` - API secret disabled
            * `api_secret.enabled` - API secret enabled
            * `call_group.availability_changed` - Member availability changed
            * `device.credential_rotated` - Device credential rotated
            * `door.open_requested` - Door opening requested
            * `door.opened` - Door opened
            * `door.open_failed` - Door opening failed
            * `support_request.created` - Support request created
            * `support_request.resolved` - Support request resolved
            * `webhook_endpoint.created` - Webhook endpoint added
            * `webhook_endpoint.updated` - Webhook endpoint changed
            * `webhook_endpoint.deleted` - Webhook endpoint deleted
            * `webhook_endpoint.secret_rotated` - Webhook signing secret rotated
            * `webhook_endpoint.secret_revealed` - Webhook signing secret revealed
            * `webhook_endpoint.enabled` - Webhook endpoint enabled
            * `webhook_endpoint.disabled` - Webhook endpoint disabled
            * `webhook_endpoint.test_sent` - Webhook test event sent
            * `webhook_endpoint.message_resent` - Webhook message sent again
            * `webhook_endpoint.messages_recovered` - Failed webhook messages sent again
            * `tenant.api_access_enabled` - API access enabled
            * `tenant.api_access_disabled` - API access disabled
            * `tenant.offboarded` - Tenant offboarded by support
            * `tenant.created` - Tenant created
            * `tenant.changed` - Tenant changed
            * `tenant.deleted` - Tenant deleted
            * `user.created` - Login created
            * `user.changed` - Login changed
            * `user.deleted` - Login deleted
            * `device.created` - Device created
            * `device.changed` - Device changed
            * `device.deleted` - Device deleted
            * `call_group.created` - Call group created
            * `call_group.changed` - Call group changed
            * `call_group.deleted` - Call group deleted
            * `teams_user.created` - Teams user created
            * `teams_user.changed` - Teams user changed
            * `teams_user.deleted` - Teams user deleted
            * `microsoft_account.created` - Microsoft account linked
            * `microsoft_account.changed` - Microsoft account link changed
            * `microsoft_account.deleted` - Microsoft account unlinked
            * `group.created` - Permission group created
            * `group.changed` - Permission group changed
            * `group.deleted` - Permission group deleted
            * `user.signed_in` - Signed in
            * `user.sign_in_failed` - Sign-in failed
            * `user.microsoft_linked` - Microsoft account linked
            * `user.locked_out` - Sign-in locked out
            * `user.password_changed` - Password changed
            * `mfa.enabled` - Second factor added
            * `mfa.disabled` - Second factor removed
            * `mfa.recovery_codes_regenerated` - Recovery codes regenerated

            Within v1 new values may appear (see the compatibility policy): treat a value not listed as unknown, never as an
            error.
        target (str): What it changed, as `kind:name`.
        details (AuditEntryDetails): Never contains secret values.
        ip (None | str): The client address the change came from, if known.
    """

    id: UUID
    at: datetime.datetime
    actor: AuditActor
    action: AuditActionEnum | str
    target: str
    details: AuditEntryDetails
    ip: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        at = self.at.isoformat()

        actor = self.actor.to_dict()

        action: str
        if isinstance(self.action, AuditActionEnum):
            action = self.action.value
        else:
            action = self.action

        target = self.target

        details = self.details.to_dict()

        ip: None | str
        ip = self.ip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "at": at,
                "actor": actor,
                "action": action,
                "target": target,
                "details": details,
                "ip": ip,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.audit_actor import AuditActor
        from ..models.audit_entry_details import AuditEntryDetails

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        actor = AuditActor.from_dict(d.pop("actor"))

        def _parse_action(data: object) -> AuditActionEnum | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                action_type_0 = AuditActionEnum(data)

                return action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditActionEnum | str, data)

        action = _parse_action(d.pop("action"))

        target = d.pop("target")

        details = AuditEntryDetails.from_dict(d.pop("details"))

        def _parse_ip(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ip = _parse_ip(d.pop("ip"))

        audit_entry = cls(
            id=id,
            at=at,
            actor=actor,
            action=action,
            target=target,
            details=details,
            ip=ip,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
