"""Expiry notices: tenant admins get an email 20, 7 and 1 days before a secret expires and once
when it has expired, each at most once per secret and admin.

Each admin gets an email of their own, so one refusing mailbox (a departed admin's) neither
stops the others' nor makes them get it twice. A refused or failed delivery is logged, stays
pending on the notice's row and is tried again by a later run once its back-off has passed
(10 minutes, doubling up to 12 hours), for as long as that notice is the one due and the admin is
active; it never ends the run, so every other secret's notices go out as usual.

Safe on several machines at once: each secret is handled in its own transaction that locks its
row with SKIP LOCKED (another run skips it instead of waiting), and the notice's row, with who
got it and who is pending, is written in the same transaction as the emails are sent: a second
run after commit finds the row and sends nothing more. (A crash after sending and before commit
leaves the row as it was, so the next run sends those emails again: at least once, as SMTP
allows no better.)
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apisecrets.models import ApiSecret, ExpiryNotice
from apisecrets.services import summary
from cybergate.lib import metrics
from webhooks import events
from webhooks.services import emit

# Most urgent first: a secret gets only the most urgent notice due (one made with 10 days'
# validity gets no "20 days" notice).
_BEFORE = [
    (ExpiryNotice.Kind.DAYS_1, timedelta(days=1)),
    (ExpiryNotice.Kind.DAYS_7, timedelta(days=7)),
    (ExpiryNotice.Kind.DAYS_20, timedelta(days=20)),
]


def reminder_schedule() -> list[int]:
    """Days before expiry a reminder goes out, earliest first (for the secret's page)."""
    return sorted((before.days for _, before in _BEFORE), reverse=True)


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
        first = f"The API secret “{secret.name}” of {secret.owner.name} expired on {when}."
        advice = (
            "Integrations that use it are refused. Roll it on its page to get a successor "
            "with the same name and permissions, then switch your integrations to it."
        )
    else:
        subject = f"[CyberGate] API secret “{secret.name}” expires {secret.expiration_text(now)}"
        first = (
            f"The API secret “{secret.name}” of {secret.owner.name} expires on {when} "
            f"({secret.expiration_text(now)})."
        )
        advice = (
            "Roll it on its page to get a successor while the old one keeps working for a "
            "while, then switch your integrations to the new secret."
        )
    return subject, f"{first}\n\n{advice}\n\n{url}\n"


RETRY_FIRST = timedelta(minutes=10)
RETRY_MAX = timedelta(hours=12)
# Seconds an SMTP connection may hang when EMAIL_URL sets no timeout: a stuck server must not
# hold the run (and the other tenants' notices) forever.
SMTP_TIMEOUT = 30

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Outcome:
    sent: int = 0  # emails the mail server accepted
    failed: int = 0  # deliveries refused or failed, left for a later run

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.sent + other.sent, self.failed + other.failed)


def retry_delay(attempts: int) -> timedelta:
    """How long a notice waits after its `attempts`-th try that left something pending."""
    return min(RETRY_FIRST * 2 ** min(attempts - 1, 16), RETRY_MAX)  # 2**16 × 10 min ≫ 12 h


def send_expiry_notices(*, now: datetime | None = None) -> Outcome:
    """Send the notices due now, and the deliveries due for another try."""
    now = now or timezone.now()
    candidates = list(
        ApiSecret.objects.filter(
            rolled_at__isnull=True,  # rolled on purpose: its successor matters now
            expires_at__lte=now + _BEFORE[-1][1],
            expires_at__gt=now - EXPIRED_NOTICE_WINDOW,
        ).values_list("pk", flat=True)
    )
    outcome = Outcome()
    for pk in candidates:
        outcome += _notify(pk, now)
    return outcome


def _notify(pk: UUID, now: datetime) -> Outcome:
    with transaction.atomic():
        secret = (
            ApiSecret.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant__sandbox_of")
            .filter(pk=pk, rolled_at__isnull=True)
            .first()
        )
        if secret is None:
            return Outcome()  # another run holds it, or it was deleted or rolled meanwhile
        kind = due_kind(secret, now)
        if kind is None:
            return Outcome()
        # A test secret's notices go to the admins of the tenant whose sandbox holds it.
        admins = sorted(secret.owner.users.filter(is_active=True).values_list("email", flat=True))
        notice = secret.expiry_notices.filter(kind=kind).first()
        if notice is None:
            # The webhook event once per endpoint (its key), whatever the mail does.
            expired = kind == ExpiryNotice.Kind.EXPIRED
            emit(
                tenant_id=secret.tenant_id,
                event_type=events.API_SECRET_EXPIRED if expired else events.API_SECRET_EXPIRING,
                data={**summary(secret), "notice": kind},
                key=f"{secret.id}:{kind}",
            )
            if not admins:
                return Outcome()
            notice = ExpiryNotice(secret=secret, kind=kind, sent_at=now, pending=admins)
        elif not notice.pending or (notice.next_attempt_at and notice.next_attempt_at > now):
            return Outcome()
        else:
            # An admin deactivated since (a departed admin's mailbox) is not tried again.
            notice.pending = [address for address in notice.pending if address in admins]
        outcome = _deliver(notice, now)
        notice.save()
        return outcome


def _deliver(notice: ExpiryNotice, now: datetime) -> Outcome:
    """Email each pending admin; record on `notice` who got it and who stays pending."""
    subject, body = _message(notice.secret, notice.kind, now)
    delivered: list[str] = []
    errors: dict[str, str] = {}
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT) as connection:
            for address in notice.pending:
                try:
                    EmailMessage(subject, body, to=[address], connection=connection).send()
                except (smtplib.SMTPException, OSError) as exc:
                    errors[address] = _describe(exc)
                else:
                    delivered.append(address)
    except (smtplib.SMTPException, OSError) as exc:  # no connection at all, or closing it failed
        for address in notice.pending:
            if address not in delivered:
                errors.setdefault(address, _describe(exc))
    notice.recipients = [*notice.recipients, *delivered]
    notice.pending = list(errors)
    if errors:
        notice.attempts += 1
        notice.next_attempt_at = now + retry_delay(notice.attempts)
        notice.last_error = next(iter(errors.values()))[:300]
        for address, error in errors.items():
            log.warning(
                "expiry_notice_failed",
                secret_id=str(notice.secret.pk),
                tenant=notice.secret.tenant.name,
                kind=notice.kind,
                recipient=address,
                error=error,
                attempts=notice.attempts,
                next_attempt_at=notice.next_attempt_at.isoformat(),
            )
    else:
        notice.next_attempt_at = None
        notice.last_error = ""
    if delivered:
        metrics.expiry_notices.labels("sent").inc(len(delivered))
    if errors:
        metrics.expiry_notices.labels("failed").inc(len(errors))
    return Outcome(sent=len(delivered), failed=len(errors))


def _describe(exc: Exception) -> str:
    """The server's answer (e.g. "550 5.1.1 Mailbox unavailable"), or the error's type."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, message = next(iter(exc.recipients.values()))
        return f"{code} {message.decode('utf-8', 'replace')}"[:300]
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {text}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]
