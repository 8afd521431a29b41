"""Expiry notices (SPEC §6): tenant admins get an email 20, 7 and 1 days before a secret expires
and once when it has expired, each at most once per secret.

Safe on several machines at once: each secret is handled in its own transaction that locks its
row with SKIP LOCKED (another run skips it instead of waiting), and the notice row's unique
(secret, kind) is written in the same transaction as the email is sent: a crash before commit
leaves no row, so the next run sends it; a second run after commit finds the row and sends nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apisecrets.models import ApiSecret, ExpiryNotice
from cybergate import metrics

# Most urgent first: a secret gets only the most urgent notice due (one made with 10 days'
# validity gets no "20 days" notice).
_BEFORE = [
    (ExpiryNotice.Kind.DAYS_1, timedelta(days=1)),
    (ExpiryNotice.Kind.DAYS_7, timedelta(days=7)),
    (ExpiryNotice.Kind.DAYS_20, timedelta(days=20)),
]
# Secrets that expired longer ago than this get no "expired" notice (e.g. on the first run).
EXPIRED_NOTICE_WINDOW = timedelta(days=7)


def due_kind(secret: ApiSecret, now: datetime) -> str | None:
    if secret.expires_at <= now:
        return ExpiryNotice.Kind.EXPIRED
    for kind, before in _BEFORE:
        if secret.expires_at <= now + before:
            return kind
    return None


def _message(secret: ApiSecret, kind: str, now: datetime) -> tuple[str, str]:
    url = settings.PORTAL_URL + reverse("api_secret_detail", args=[secret.pk])
    when = secret.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    if kind == ExpiryNotice.Kind.EXPIRED:
        subject = f"[CyberGate] API secret “{secret.name}” has expired"
        first = f"The API secret “{secret.name}” of {secret.tenant.name} expired on {when}."
        advice = "Integrations that use it are refused. Create a new secret and switch to it."
    else:
        subject = f"[CyberGate] API secret “{secret.name}” expires {secret.expiration_text(now)}"
        first = (
            f"The API secret “{secret.name}” of {secret.tenant.name} expires on {when} "
            f"({secret.expiration_text(now)})."
        )
        advice = (
            "Roll it on its page to get a successor while the old one keeps working for a "
            "while, then switch your integrations to the new secret."
        )
    return subject, f"{first}\n\n{advice}\n\n{url}\n"


def send_expiry_notices(*, now: datetime | None = None) -> int:
    """Send the notices due now; return how many emails went out."""
    now = now or timezone.now()
    candidates = list(
        ApiSecret.objects.filter(
            rolled_at__isnull=True,  # rolled on purpose: its successor matters now
            expires_at__lte=now + _BEFORE[-1][1],
            expires_at__gt=now - EXPIRED_NOTICE_WINDOW,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in candidates:
        with transaction.atomic():
            secret = (
                ApiSecret.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("tenant")
                .filter(pk=pk, rolled_at__isnull=True)
                .first()
            )
            if secret is None:
                continue  # another run holds it, or it was deleted or rolled meanwhile
            kind = due_kind(secret, now)
            if kind is None or secret.expiry_notices.filter(kind=kind).exists():
                continue
            recipients = sorted(
                secret.tenant.users.filter(is_active=True).values_list("email", flat=True)
            )
            if not recipients:
                continue
            ExpiryNotice.objects.create(
                secret=secret, kind=kind, sent_at=now, recipients=recipients
            )
            subject, body = _message(secret, kind, now)
            # Raises on failure: the transaction then rolls back and the next run retries.
            try:
                send_mail(subject, body, None, recipients)
            except Exception:
                metrics.expiry_notices.labels("failed").inc()
                raise
            metrics.expiry_notices.labels("sent").inc()
            sent += 1
    return sent
