from __future__ import annotations

import uuid
from datetime import datetime

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

dtmf_validator = RegexValidator(
    r"^[0-9*#A-D]{1,8}$", "A door-open code is 1 to 8 DTMF characters: 0-9 * # A B C D."
)


class Device(models.Model):
    """A SIP door station."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        related_name="devices",
        # A sandbox holds its virtual station only: no real device can be put where a test
        # secret reaches.
        limit_choices_to={"sandbox_of__isnull": True},
    )
    name = models.CharField(max_length=100)
    # The sandbox's door station: played by the server (sandbox app), never issued a credential.
    virtual = models.BooleanField(default=False, editable=False)
    sip_uri = models.CharField("SIP URI", max_length=254)
    vendor = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=100, blank=True)
    door_open_code = models.CharField(
        max_length=8, blank=True, validators=[dtmf_validator], help_text="DTMF, 1–8 of 0-9*#ABCD."
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    credential_prefix = models.CharField(max_length=16, blank=True, editable=False)
    credential_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_online(self, now: datetime | None = None) -> bool:
        """Seen by the gateway within the last minute (a long-poll is at most 30 s)."""
        if self.last_seen_at is None:
            return False
        return ((now or timezone.now()) - self.last_seen_at).total_seconds() < 60


class Call(models.Model):
    class State(models.TextChoices):
        RINGING = "ringing", "Ringing"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    class Result(models.TextChoices):
        ANSWERED = "answered", "Answered"
        MISSED = "missed", "Missed"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="calls")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="calls")
    call_group = models.ForeignKey(
        "callgroups.CallGroup", null=True, on_delete=models.SET_NULL, related_name="calls"
    )
    caller = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.RINGING)
    answered_by = models.ForeignKey(
        "callgroups.TeamsUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=8, choices=Result.choices, blank=True)
    door_opened = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["tenant", "answered_by", "state"], name="call_active_by_user"),
        ]
        constraints = [
            # A Teams user is in at most one active call, or a door-open could reach the wrong
            # door. In the database, so that two answers racing on two processes cannot both win.
            models.UniqueConstraint(
                fields=["answered_by"],
                condition=models.Q(state="active"),
                name="call_one_active_per_user",
                violation_error_message="This Teams user is already in an active call.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller or 'call'} → {self.device} ({self.state})"


class CallLogEntry(models.Model):
    """Appended when a call ends; what the call log API and page serve.

    A snapshot: names are copied so the log stays true after devices or users are renamed.
    The integer key is the monotonic key of the "new entries" API.
    """

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="call_log_entries"
    )
    call = models.OneToOneField(
        Call, null=True, on_delete=models.SET_NULL, related_name="log_entry"
    )
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField()
    device_id_public = models.UUIDField()
    device_name = models.CharField(max_length=100)
    call_group_id_public = models.UUIDField(null=True, blank=True)
    call_group_name = models.CharField(max_length=64, blank=True)
    caller = models.CharField(max_length=254, blank=True)
    answered_by_id_public = models.UUIDField(null=True, blank=True)
    answered_by_upn = models.CharField(max_length=254, blank=True)
    answered_by_display_name = models.CharField(max_length=200, blank=True)
    result = models.CharField(max_length=8, choices=Call.Result.choices)
    door_opened = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant", "id"], name="calllog_tenant_id")]
        verbose_name_plural = "call log entries"

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.device_name} {self.result}"

    @property
    def duration_seconds(self) -> int:
        return max(0, int((self.ended_at - self.started_at).total_seconds()))


class DoorOpenCommand(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DELIVERED = "delivered", "Delivered"
        EXECUTED = "executed", "Executed"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    class Reason(models.TextChoices):
        """Why an `expired` or `failed` command did not open the door."""

        CALL_ENDED = "call_ended", "The call ended first"
        NOT_DELIVERED_IN_TIME = "not_delivered_in_time", "Not delivered and acknowledged in time"
        DEVICE_REPORTED_FAILURE = "device_reported_failure", "The device reported a failure"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="door_open_commands"
    )
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="door_open_commands")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="door_open_commands")
    issued_by_secret = models.ForeignKey(
        "apisecrets.ApiSecret", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_by_name = models.CharField(max_length=300)
    dtmf = models.CharField(max_length=8)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    # When the request that queued it arrived (its POST; the metrics' POST → delivered).
    requested_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # Not a column: set by devices.services (True: an earlier command came back for the same
    # Idempotency-Key).
    replayed: bool

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["device", "status"], name="command_pending_by_device"),
            # The gateway's safety net looks only at commands still valid (devices.services).
            models.Index(fields=["expires_at"], name="command_by_expiry"),
        ]

    def __str__(self) -> str:
        return f"door_open {self.device} ({self.status})"

    def effective_status(self, now: datetime | None = None) -> str:
        """Status as the integrator should see it: an unfinished, expired command is `expired`."""
        if self.status in (self.Status.QUEUED, self.Status.DELIVERED) and self.expires_at <= (
            now or timezone.now()
        ):
            return self.Status.EXPIRED
        return self.status

    def reason(self, now: datetime | None = None) -> str | None:
        """Why an expired or failed command did not open the door; None otherwise."""
        status = self.effective_status(now)
        if status == self.Status.FAILED:
            return self.Reason.DEVICE_REPORTED_FAILURE
        if status != self.Status.EXPIRED:
            return None
        # Only call_end() stores `expired` (for the queued commands of the call it ends); a
        # command that merely ran out of time keeps its stored status.
        if self.status == self.Status.EXPIRED:
            return self.Reason.CALL_ENDED
        return self.Reason.NOT_DELIVERED_IN_TIME


class IdempotencyKey(models.Model):
    """The first answer a tenant's door-open request with an `Idempotency-Key` got, whatever it
    was: the command it issued, or the refusal (code and message). A repeat of the key by any
    secret of the tenant within the window gets that answer again and changes nothing."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of what the request asked for (the Teams user as addressed, the pinned call): the
    # same key for another request is refused rather than answered with this one's answer.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    command = models.ForeignKey(
        DoorOpenCommand, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    refusal_code = models.CharField(max_length=64, blank=True)
    refusal_message = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_key_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r}"
