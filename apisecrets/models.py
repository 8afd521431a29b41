from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

# Characters the seed forbids in a secret's name.
FORBIDDEN_NAME_CHARACTERS = '\\/[]"!@#$%^&()={};'
NAME_MAX_LENGTH = 256
VALIDITY_MIN_DAYS = 10
VALIDITY_MAX_DAYS = 365
VALIDITY_DEFAULT_DAYS = 90
ALLOWED_ADDRESSES_MAX = 50
# A tenant's API secrets at most (a replaced secret shares its successor's place: places_used).
MAX_PER_TENANT = 4
# A tenant's test secrets (its sandbox's) at most, counted apart from the live ones.
MAX_TEST_PER_TENANT = 4
# Expired, or expiring within this many calendar days: the table warns (needs_warning).
WARNING_DAYS = 20
# How long a rolled secret keeps working next to its successor (Roll dialog choices).
ROLL_OVERLAPS: dict[str, tuple[timedelta, str]] = {
    "1h": (timedelta(hours=1), "1 hour"),
    "1d": (timedelta(days=1), "1 day"),
    "3d": (timedelta(days=3), "3 days"),
    "7d": (timedelta(days=7), "7 days"),
}
ROLL_OVERLAP_DEFAULT = "1d"

# What a secret may do: name -> (model field, label). The model's defaults are True because the
# seed's secrets could do everything; the Create dialog starts from none (least privilege).
PERMISSIONS: dict[str, tuple[str, str]] = {
    "read": ("perm_read", "Read"),
    "availability": ("perm_availability", "Change availability"),
    "door_open": ("perm_door_open", "Open doors"),
    "webhooks": ("perm_webhooks", "Manage webhooks"),
}
# What a secret gets when the caller names no permissions: not `webhooks`, which is off unless
# chosen (it can point the tenant's events at any URL).
DEFAULT_PERMISSIONS: tuple[str, ...] = ("read", "availability", "door_open")
PERMISSION_HELP: dict[str, str] = {
    "read": (
        "Version, tenant, call groups, active calls, call log, audit trail, door-open outcomes."
    ),
    "availability": "Change call group members' availability.",
    "door_open": "Open the door of the device in a Teams user's active call.",
    "webhooks": (
        "Webhook endpoints: list, add, change and delete them (and so their secrets), see their "
        "delivery logs, resend and recover messages."
    ),
}


class ApiSecret(models.Model):
    """An API secret of a tenant. Holds a display prefix and a keyed hash, never the value."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="api_secrets"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    # Permissions as booleans: portable (no ArrayField), one indexed-free column each, and
    # loaded with the other columns into the authentication cache at no extra cost.
    perm_read = models.BooleanField("read", default=True)
    perm_availability = models.BooleanField("availability", default=True)
    perm_door_open = models.BooleanField("door_open", default=True)
    perm_webhooks = models.BooleanField("webhooks", default=False)
    # Addresses and CIDR ranges requests may come from (empty: anywhere), normalised strings such
    # as "192.0.2.0/24", "203.0.113.5", "2001:db8::/32" (apisecrets.validators).
    allowed_addresses = models.JSONField(default=list, blank=True)
    # Set by Roll: the successor. The old secret keeps working until its (shortened) expiry.
    replaced_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessor",
        editable=False,
    )
    # When it was rolled. Set before the successor is inserted, so that the pair may share the
    # name (the uniqueness constraint skips rolled secrets).
    rolled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Paused by an admin (Disable): refused with 401 disabled_secret until enabled again. It
    # keeps its place, name, permissions and expiry.
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    prefix = models.CharField(
        max_length=16, help_text="First characters of the value, for display."
    )
    hashed_value = models.CharField(max_length=64, unique=True, editable=False)
    # Acknowledged positions of the "new entries" endpoints: the highest entry id the client
    # confirmed (POST .../ack); reading never moves them.
    call_log_position = models.BigIntegerField(default=0, editable=False)
    audit_position = models.BigIntegerField(default=0, editable=False)
    # The roll chain this secret belongs to: the id of its first secret (its own, unless it is a
    # successor). The chain shares the feeds' positions and cursors (cybergate.lib.feeds), so a roll
    # neither replays the logs nor refuses the cursors the integrator holds.
    lineage = models.UUIDField(editable=False, db_index=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # A rolled secret shares its name with its successor until it is deleted.
            models.UniqueConstraint(
                "tenant",
                Lower("name"),
                condition=Q(rolled_at__isnull=True),
                name="apisecret_name_unique_per_tenant",
            ),
        ]
        verbose_name = "API secret"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.lineage is None:  # a new chain
            self.lineage = self.id
        super().save(*args, **kwargs)

    @property
    def is_test(self) -> bool:
        """A test secret: it belongs to its tenant's sandbox (tenants.services.tenant_sandbox)."""
        return self.tenant.is_sandbox

    @property
    def owner(self):
        """The live tenant whose admins manage this secret: its own, or its sandbox's."""
        return self.tenant.sandbox_of or self.tenant

    def working_predecessor(self, now: datetime | None = None) -> ApiSecret | None:
        """The secret this one replaced (Roll), while it still works: in its overlap."""
        return ApiSecret.objects.filter(
            tenant_id=self.tenant_id, replaced_by=self, expires_at__gt=now or timezone.now()
        ).first()

    @property
    def permissions(self) -> list[str]:
        return [name for name, (field, _) in PERMISSIONS.items() if getattr(self, field)]

    def has_permission(self, name: str) -> bool:
        return bool(getattr(self, PERMISSIONS[name][0]))

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def validity_days(self) -> int:
        """The validity period chosen at creation (or Roll), in whole days, within the limits."""
        period = round((self.expires_at - self.created_at) / timedelta(days=1))
        return min(max(period, VALIDITY_MIN_DAYS), VALIDITY_MAX_DAYS)

    @property
    def masked(self) -> str:
        return f"{self.prefix}••••••••"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def days_left(self, now: datetime | None = None, tz=None) -> int:
        """Calendar days until expiry in `tz` (negative once expired): 0 means today."""
        now = now or timezone.now()
        tz = tz or timezone.get_current_timezone()
        return (
            timezone.localtime(self.expires_at, tz).date() - timezone.localtime(now, tz).date()
        ).days

    def needs_warning(self, now: datetime | None = None) -> bool:
        """Expired, or expiring within the warning window (20 days)."""
        # Calendar days, as expiration_text counts them: the icon and the text never disagree.
        return self.is_expired(now) or self.days_left(now) <= WARNING_DAYS

    def expiration_text(self, now: datetime | None = None, tz=None) -> str:
        days = self.days_left(now, tz)
        if not self.is_expired(now):
            if days <= 0:
                return "expires today"
            return "1 day left" if days == 1 else f"{days} days left"
        ago = -days
        if ago <= 0:
            return "expired today"
        return "expired 1 day ago" if ago == 1 else f"expired {ago} days ago"


def secrets_of(tenant) -> models.QuerySet[ApiSecret]:
    """Every secret a tenant's admins manage on the API Access page: its live secrets and its
    sandbox's test secrets."""
    return ApiSecret.objects.filter(Q(tenant=tenant) | Q(tenant__sandbox_of=tenant))


def places_used(secrets) -> int:
    """How many of the tenant's places (MAX_PER_TENANT) `secrets` take.

    The one rule for the page, the Create button and the services: every secret takes one
    (expired ones too, until deleted), except a replaced (rolled) secret, which shares its
    successor's place, in its overlap and after it. Rolling ends the overlap of the secret
    before, so a place holds a secret and at most one working predecessor.
    """
    return sum(1 for secret in secrets if secret.replaced_by_id is None)


class ApiSecretUsage(models.Model):
    """Requests a secret authenticated, and requests refused with it, per UTC day, for the chart
    on its page.

    Each process counts in memory and adds its counts here at most once a minute per secret
    (apisecrets.authentication), so the hot path pays a dict increment, not a write. A process
    that dies loses at most its last minute of counts.
    """

    secret = models.ForeignKey(ApiSecret, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    # Refused although the secret was recognised: expired, from an address it may not be used
    # from, outside its permissions, its tenant's API access off.
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("secret", "day", name="apisecretusage_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.secret_id} {self.day}: {self.count} ({self.refused} refused)"


class ExpiryNotice(models.Model):
    """An expiry notice of a secret, one email per admin; the unique (secret, kind) makes each at
    most once. Deliveries the mail server refused or that failed stay `pending` until a later run
    delivers them, from `next_attempt_at` on (apisecrets/notices.py)."""

    class Kind(models.TextChoices):
        DAYS_20 = "20d", "20 days before"
        DAYS_7 = "7d", "7 days before"
        DAYS_1 = "1d", "1 day before"
        EXPIRED = "expired", "expired"

    secret = models.ForeignKey(ApiSecret, on_delete=models.CASCADE, related_name="expiry_notices")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)  # its first attempt
    recipients = models.JSONField(default=list)  # the addresses the server accepted it for
    pending = models.JSONField(default=list)  # refused or failed: to try again
    attempts = models.PositiveIntegerField(default=0)  # tries that left something pending
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("secret", "kind", name="expirynotice_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.secret_id} {self.kind}"
