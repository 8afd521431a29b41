"""Webhook endpoints and messages: every write goes through here (the portal page and the
customer API are thin layers on top), and `emit` is how the other apps raise an event.

`emit` writes its messages in the caller's transaction: the change and its event commit or roll
back together. The worker (webhooks/worker.py) delivers them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import Actor, record
from cybergate.lib import metrics
from cybergate.lib.errors import ServiceError
from tenants.models import Tenant
from webhooks import events, keys, ssrf, wakeup
from webhooks.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_ENDPOINTS_PER_TENANT,
    URL_MAX_LENGTH,
    Attempt,
    Endpoint,
    Message,
)

if TYPE_CHECKING:
    from tenants.models import User

logger = logging.getLogger(__name__)

# The old secret keeps signing this long after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
# Messages (and their attempts) older than this are purged.
RETENTION = timedelta(days=30)
# A body at most (bytes).
MAX_BODY_BYTES = 20_000


class EndpointLimitReached(ServiceError):
    codes = frozenset({"limit_reached"})


# --- Endpoints ----------------------------------------------------------------------------


def clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": ValidationError("Enter the URL.", code="required")})
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {"url": ValidationError(f"At most {URL_MAX_LENGTH} characters.", code="max_length")}
        )
    try:
        _, host, _, _ = ssrf.check_url(url)
        why = _literal_refusal(host)
    except ssrf.Refused as exc:
        why = str(exc)
    if why:
        raise ValidationError({"url": ValidationError(why, code="invalid")})
    return url


def _literal_refusal(host: str) -> str | None:
    """An IP address in the URL is vetted at once (a name is vetted on every delivery)."""
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    why = ssrf.refusal(address)
    return f"Refused: {why}." if why else None


def clean_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    unknown = [name for name in chosen if name not in events.EVENT_TYPES]
    if unknown:
        raise ValidationError(
            {
                "event_types": ValidationError(
                    f"Unknown event type: {', '.join(map(str, unknown))}.", code="invalid_choice"
                )
            }
        )
    return sorted(chosen)


def clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": ValidationError(
                    f"At most {DESCRIPTION_MAX_LENGTH} characters.", code="max_length"
                )
            }
        )
    return description


def _audit(
    endpoint: Endpoint, actor: Actor, *, action: str, ip: str | None, **details: Any
) -> None:
    record(
        tenant=endpoint.tenant,
        actor=actor,
        action=action,
        target=f"webhook_endpoint:{endpoint.url}",
        details={"id": str(endpoint.id), "url": endpoint.url, **details},
        ip=ip,
    )


def endpoint_create(
    *,
    tenant: Tenant,
    actor: Actor,
    url: str,
    description: str = "",
    event_types: Iterable[str] = (),
    created_by: User | None = None,
    ip: str | None = None,
) -> tuple[Endpoint, str]:
    """Add an endpoint; return it and its signing secret. The tenant row is locked for the
    count-then-insert, so concurrent creators never pass MAX_ENDPOINTS_PER_TENANT."""
    url = clean_url(url)
    description = clean_description(description)
    chosen = clean_event_types(event_types)
    secret = keys.generate()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.webhook_endpoints.count() >= MAX_ENDPOINTS_PER_TENANT:
            raise EndpointLimitReached(
                "limit_reached",
                f"A tenant can have at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints. "
                "Delete one first.",
            )
        endpoint = Endpoint.objects.create(
            tenant=locked,
            url=url,
            description=description,
            event_types=chosen,
            secret_encrypted=keys.encrypt(secret),
            created_by_name=actor.name,
        )
        _audit(
            endpoint,
            actor,
            action="webhook_endpoint.created",
            ip=ip,
            description=description,
            event_types=chosen,
        )
    return endpoint, secret


def _lock(endpoint: Endpoint) -> Endpoint:
    """`endpoint`'s row, locked until the transaction ends."""
    return Endpoint.objects.select_for_update().select_related("tenant").get(pk=endpoint.pk)


def endpoint_update(
    *,
    endpoint: Endpoint,
    actor: Actor,
    url: str | None = None,
    description: str | None = None,
    event_types: Iterable[str] | None = None,
    ip: str | None = None,
) -> Endpoint:
    """Change what is given; audit the fields that changed (before and after)."""
    wanted: dict[str, Any] = {}
    if url is not None:
        wanted["url"] = clean_url(url)
    if description is not None:
        wanted["description"] = clean_description(description)
    if event_types is not None:
        wanted["event_types"] = clean_event_types(event_types)
    with transaction.atomic():
        locked = _lock(endpoint)
        changes = {
            field: {"before": getattr(locked, field), "after": value}
            for field, value in wanted.items()
            if getattr(locked, field) != value
        }
        if not changes:
            return locked
        for field, change in changes.items():
            setattr(locked, field, change["after"])
        locked.save(update_fields=list(changes))
        _audit(locked, actor, action="webhook_endpoint.updated", ip=ip, changes=changes)
    return locked


def endpoint_delete(*, endpoint: Endpoint, actor: Actor, ip: str | None = None) -> None:
    """Delete an endpoint with its delivery log. Callers fetch it from the tenant."""
    with transaction.atomic():
        _audit(endpoint, actor, action="webhook_endpoint.deleted", ip=ip)
        endpoint.delete()


def endpoint_rotate_secret(*, endpoint: Endpoint, actor: Actor, ip: str | None = None) -> str:
    """A new signing secret; the current one goes on signing beside it for ROTATION_OVERLAP
    (two signatures in `webhook-signature`). A second rotation within the overlap drops the
    oldest secret at once: at most two ever sign."""
    secret = keys.generate()
    with transaction.atomic():
        locked = _lock(endpoint)
        now = timezone.now()
        locked.previous_secret_encrypted = locked.secret_encrypted
        locked.previous_secret_expires_at = now + ROTATION_OVERLAP
        locked.secret_encrypted = keys.encrypt(secret)
        locked.save(
            update_fields=[
                "previous_secret_encrypted",
                "previous_secret_expires_at",
                "secret_encrypted",
            ]
        )
        _audit(
            locked,
            actor,
            action="webhook_endpoint.secret_rotated",
            ip=ip,
            previous_signs_until=locked.previous_secret_expires_at.isoformat(),
        )
    return secret


def endpoint_reveal_secret(*, endpoint: Endpoint, actor: Actor, ip: str | None = None) -> str:
    """The current signing secret, for the admin who asks for it (audited: who saw it)."""
    current = Endpoint.objects.select_related("tenant").get(pk=endpoint.pk)
    _audit(current, actor, action="webhook_endpoint.secret_revealed", ip=ip)
    return keys.decrypt(current.secret_encrypted)


def signing_secrets(endpoint: Endpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign a message now: the current one, and the previous one during the
    overlap after a rotation."""
    now = now or timezone.now()
    out = [keys.decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at is not None
        and endpoint.previous_secret_expires_at > now
    ):
        previous = keys.decrypt_or_none(endpoint.previous_secret_encrypted)
        if previous is not None:  # None: encrypted under an earlier SECRET_KEY
            out.append(previous)
    return out


def endpoint_enable(*, endpoint: Endpoint, actor: Actor, ip: str | None = None) -> Endpoint:
    with transaction.atomic():
        locked = _lock(endpoint)
        if locked.enabled:
            return locked
        locked.enabled = True
        locked.disabled_reason = ""
        locked.disabled_at = None
        locked.failing_since = None
        locked.save(update_fields=["enabled", "disabled_reason", "disabled_at", "failing_since"])
        _audit(locked, actor, action="webhook_endpoint.enabled", ip=ip)
    return locked


def endpoint_disable(
    *,
    endpoint: Endpoint,
    actor: Actor,
    reason: str = "Disabled by an admin.",
    ip: str | None = None,
) -> Endpoint:
    """Stop sending to the endpoint. Its pending messages fail when their attempt comes up
    ("Recover" sends them again once it is enabled)."""
    with transaction.atomic():
        locked = _lock(endpoint)
        if not locked.enabled:
            return locked
        locked.enabled = False
        locked.disabled_reason = reason[:300]
        locked.disabled_at = timezone.now()
        locked.save(update_fields=["enabled", "disabled_reason", "disabled_at"])
        _audit(
            locked, actor, action="webhook_endpoint.disabled", ip=ip, reason=locked.disabled_reason
        )
    return locked


def endpoint_disable_for_failures(endpoint: Endpoint, reason: str) -> None:
    """The worker gives up on an endpoint (410 Gone, or failing for days): disabled and audited
    in the caller's transaction; the tenant's admins are emailed once it commits."""
    endpoint_disable(endpoint=endpoint, actor=Actor.system(), reason=reason)
    metrics.webhook_endpoints_disabled.inc()
    recipients = sorted(
        endpoint.tenant.users.filter(is_active=True).values_list("email", flat=True)
    )
    subject = f"[CyberGate] Webhook endpoint disabled: {endpoint.url}"[:200]
    body = (
        f"The webhook endpoint {endpoint.url} of {endpoint.tenant.name} was disabled: "
        f"{reason}\n\nEnable it on the Webhooks page once it answers again; "
        '"Recover" then sends the messages it missed.\n'
    )

    def mail() -> None:
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # the audit entry and the endpoint's page still say it
            logger.exception("Could not email the admins of a disabled webhook endpoint")

    if recipients:
        transaction.on_commit(mail)


# --- Messages -----------------------------------------------------------------------------


def _timestamp(now: datetime) -> str:
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _body(event_type: str, data: dict[str, Any], now: datetime) -> str:
    body = json.dumps(
        {"type": event_type, "timestamp": _timestamp(now), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValueError(f"A {event_type} webhook body would exceed {MAX_BODY_BYTES} bytes.")
    return body


def _queue(endpoint: Endpoint, event_type: str, body: str, key: str, now: datetime) -> Message:
    message = Message.objects.create(
        tenant_id=endpoint.tenant_id,
        endpoint=endpoint,
        event_type=event_type,
        body=body,
        event_key=key,
        created_at=now,
    )
    Attempt.objects.create(message=message, number=1, due_at=now)
    return message


def emit(
    *, tenant_id: uuid.UUID, event_type: str, data: dict[str, Any], key: str = ""
) -> list[Message]:
    """Raise an event: one message (and its first attempt, due now) for each enabled endpoint
    of the tenant that subscribes to it, written in the caller's transaction; the workers are
    woken when it commits. `data` is the customer API's representation of the object.

    With `key`, an endpoint gets the event at most once (for events a periodic duty finds).
    """
    if event_type not in events.EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(tenant_id=tenant_id, enabled=True)
        if endpoint.subscribes_to(event_type)
    ]
    if not endpoints:
        return []
    now = timezone.now()
    body = _body(event_type, data, now)
    messages = []
    with transaction.atomic():
        for endpoint in endpoints:
            if key:
                try:
                    with transaction.atomic():
                        messages.append(_queue(endpoint, event_type, body, key, now))
                except IntegrityError:
                    continue  # this endpoint had the event already
            else:
                messages.append(_queue(endpoint, event_type, body, key, now))
        if messages:
            wakeup.notify_on_commit()
    return messages


def endpoint_send_test(*, endpoint: Endpoint, actor: Actor, ip: str | None = None) -> Message:
    """Queue a `webhook.test` for this endpoint, whatever it subscribes to."""
    now = timezone.now()
    data = {"endpoint_id": str(endpoint.id), "requested_by": actor.name}
    with transaction.atomic():
        message = _queue(
            endpoint, events.WEBHOOK_TEST, _body(events.WEBHOOK_TEST, data, now), "", now
        )
        _audit(
            endpoint,
            actor,
            action="webhook_endpoint.test_sent",
            ip=ip,
            message_id=message.webhook_id,
        )
        wakeup.notify_on_commit()
    return message


def message_resend(*, message: Message, actor: Actor, ip: str | None = None) -> Attempt:
    """Send a message again now (same webhook-id and body): a new attempt, due at once."""
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update()
            .select_related("endpoint__tenant")
            .get(pk=message.pk)
        )
        attempt = _attempt_now(locked)
        _audit(
            locked.endpoint,
            actor,
            action="webhook_endpoint.message_resent",
            ip=ip,
            message_id=locked.webhook_id,
        )
        wakeup.notify_on_commit()
    return attempt


def messages_recover(
    *, endpoint: Endpoint, since: datetime, actor: Actor, ip: str | None = None
) -> int:
    """Send again every failed message of the endpoint created since `since`; return how many."""
    with transaction.atomic():
        failed = list(
            Message.objects.select_for_update()
            .filter(endpoint=endpoint, status=Message.Status.FAILED, created_at__gte=since)
            .order_by("created_at")
        )
        for message in failed:
            _attempt_now(message)
        _audit(
            endpoint,
            actor,
            action="webhook_endpoint.messages_recovered",
            ip=ip,
            since=since.isoformat(),
            count=len(failed),
        )
        if failed:
            wakeup.notify_on_commit()
    return len(failed)


def _attempt_now(message: Message) -> Attempt:
    """A new attempt due now, unless one is already pending (then that one is made due now)."""
    now = timezone.now()
    pending = message.attempts.filter(status=Attempt.Status.PENDING).first()
    if pending is not None:
        Attempt.objects.filter(pk=pending.pk).update(due_at=now)
        pending.due_at = now
        return pending
    number = (
        message.attempts.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    if message.status == Message.Status.FAILED:
        message.status = Message.Status.PENDING
        message.save(update_fields=["status"])
    return Attempt.objects.create(message=message, number=number, due_at=now)


def purge_old_messages(now: datetime | None = None) -> int:
    """Delete messages (with their attempts) older than RETENTION, a batch at a time; return
    how many."""
    cutoff = (now or timezone.now()) - RETENTION
    purged = 0
    while True:
        batch = list(
            Message.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:1000]
        )
        if not batch:
            return purged
        Message.objects.filter(pk__in=batch).delete()
        purged += len(batch)
