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
