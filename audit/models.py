from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit entries are append-only.")

    def delete(self):
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Append-only record of who did what. Written only through `audit.services.record()`.

    The integer primary key is the monotonic key of the "new entries" API; it never leaves the
    server except inside an opaque, signed cursor (entries are identified publicly by `uuid`).
    """

    class ActorType(models.TextChoices):
        USER = "user", "User"
        API_SECRET = "api_secret", "API secret"
        SUPPORT = "support", "Support"
        SYSTEM = "system", "System"
        DEVICE = "device", "Device"

    class Action(models.TextChoices):
        """Every action an entry can name (the API schema's enum; not a column constraint, so
        adding one needs no migration — but add it here, tests/audit check the code base)."""

        API_SECRET_CREATED = "api_secret.created", "API secret created"
        API_SECRET_DELETED = "api_secret.deleted", "API secret deleted"
        API_SECRET_REVOKED = "api_secret.revoked", "API secret revoked by support"
        API_SECRET_ROLLED = "api_secret.rolled", "API secret rolled"
        API_SECRET_OVERLAP_ENDED = (
            "api_secret.overlap_ended",
            "Replaced API secret stopped by the next roll",
        )
        API_SECRET_ADDRESSES_CHANGED = (
            "api_secret.addresses_changed",
            "API secret allowed addresses changed",
        )
        API_SECRET_UPDATED = "api_secret.updated", "API secret name or permissions changed"
        API_SECRET_DISABLED = "api_secret.disabled", "API secret disabled"
        API_SECRET_ENABLED = "api_secret.enabled", "API secret enabled"
        CALL_GROUP_AVAILABILITY_CHANGED = (
            "call_group.availability_changed",
            "Member availability changed",
        )
        DEVICE_CREDENTIAL_ROTATED = "device.credential_rotated", "Device credential rotated"
        DOOR_OPEN_REQUESTED = "door.open_requested", "Door opening requested"
        DOOR_OPENED = "door.opened", "Door opened"
        DOOR_OPEN_FAILED = "door.open_failed", "Door opening failed"
        SUPPORT_REQUEST_CREATED = "support_request.created", "Support request created"
        SUPPORT_REQUEST_RESOLVED = "support_request.resolved", "Support request resolved"
        WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created", "Webhook endpoint added"
        WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated", "Webhook endpoint changed"
        WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted", "Webhook endpoint deleted"
        WEBHOOK_ENDPOINT_SECRET_ROTATED = (
            "webhook_endpoint.secret_rotated",
            "Webhook signing secret rotated",
        )
        WEBHOOK_ENDPOINT_SECRET_REVEALED = (
            "webhook_endpoint.secret_revealed",
            "Webhook signing secret revealed",
        )
        WEBHOOK_ENDPOINT_ENABLED = "webhook_endpoint.enabled", "Webhook endpoint enabled"
        WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled", "Webhook endpoint disabled"
        WEBHOOK_ENDPOINT_TEST_SENT = "webhook_endpoint.test_sent", "Webhook test event sent"
        WEBHOOK_ENDPOINT_MESSAGE_RESENT = (
            "webhook_endpoint.message_resent",
            "Webhook message sent again",
        )
        WEBHOOK_ENDPOINT_MESSAGES_RECOVERED = (
            "webhook_endpoint.messages_recovered",
            "Failed webhook messages sent again",
        )
        TENANT_API_ACCESS_ENABLED = "tenant.api_access_enabled", "API access enabled"
        TENANT_API_ACCESS_DISABLED = "tenant.api_access_disabled", "API access disabled"
        TENANT_OFFBOARDED = "tenant.offboarded", "Tenant offboarded by support"
        # Support's changes in Django admin (audit/admin_audit.py: `<audit_name>.<verb>`).
        TENANT_CREATED = "tenant.created", "Tenant created"
        TENANT_CHANGED = "tenant.changed", "Tenant changed"
        TENANT_DELETED = "tenant.deleted", "Tenant deleted"
        USER_CREATED = "user.created", "Login created"
        USER_CHANGED = "user.changed", "Login changed"
        USER_DELETED = "user.deleted", "Login deleted"
        DEVICE_CREATED = "device.created", "Device created"
        DEVICE_CHANGED = "device.changed", "Device changed"
        DEVICE_DELETED = "device.deleted", "Device deleted"
        CALL_GROUP_CREATED = "call_group.created", "Call group created"
        CALL_GROUP_CHANGED = "call_group.changed", "Call group changed"
        CALL_GROUP_DELETED = "call_group.deleted", "Call group deleted"
        TEAMS_USER_CREATED = "teams_user.created", "Teams user created"
        TEAMS_USER_CHANGED = "teams_user.changed", "Teams user changed"
        TEAMS_USER_DELETED = "teams_user.deleted", "Teams user deleted"
        MICROSOFT_ACCOUNT_CREATED = "microsoft_account.created", "Microsoft account linked"
        MICROSOFT_ACCOUNT_CHANGED = "microsoft_account.changed", "Microsoft account link changed"
        MICROSOFT_ACCOUNT_DELETED = "microsoft_account.deleted", "Microsoft account unlinked"
        GROUP_CREATED = "group.created", "Permission group created"
        GROUP_CHANGED = "group.changed", "Permission group changed"
        GROUP_DELETED = "group.deleted", "Permission group deleted"
        # Sign-in (accounts/receivers.py).
        USER_SIGNED_IN = "user.signed_in", "Signed in"
        USER_SIGN_IN_FAILED = "user.sign_in_failed", "Sign-in failed"
        USER_MICROSOFT_LINKED = "user.microsoft_linked", "Microsoft account linked"
        USER_LOCKED_OUT = "user.locked_out", "Sign-in locked out"
        USER_PASSWORD_CHANGED = "user.password_changed", "Password changed"
        MFA_ENABLED = "mfa.enabled", "Second factor added"
        MFA_DISABLED = "mfa.disabled", "Second factor removed"
        MFA_RECOVERY_CODES_REGENERATED = (
            "mfa.recovery_codes_regenerated",
            "Recovery codes regenerated",
        )

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(unique=True, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    at = models.DateTimeField(default=timezone.now, editable=False)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_name = models.CharField(max_length=300)
    action = models.CharField(max_length=100)
    target = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "id"], name="audit_tenant_id"),
            models.Index(fields=["tenant", "actor_type", "actor_name"], name="audit_tenant_actor"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor_name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit entries are append-only.")
