"""Webhook endpoints of a tenant, the messages sent to them and each attempt at sending one.

The delivery log is the queue: a pending Attempt whose `due_at` has come and whose lease is free
is work for any worker (webhooks/worker.py). Secrets are stored encrypted (webhooks/secrets.py).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

# A tenant's endpoints at most.
MAX_ENDPOINTS_PER_TENANT = 10
URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 200
# What an attempt keeps of the receiver's answer.
RESPONSE_KEPT_BYTES = 1024


class Endpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    # Event type names (webhooks.events); empty: every event.
    event_types = models.JSONField(default=list, blank=True)
    # Fernet tokens, never the secret itself. The previous secret signs too until it expires.
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Since when every attempt has failed (None: the last one succeeded, or none was made).
    failing_since = models.DateTimeField(null=True, blank=True)
    # The last refusal or error, shown on the endpoint (e.g. an address the SSRF guard refused).
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class Message(models.Model):
    """One event for one endpoint: the body is signed and sent as is on every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="messages")
    event_type = models.CharField(max_length=50)
    # The JSON body exactly as signed and sent: {"type", "timestamp", "data"}.
    body = models.TextField()
    # Set for events that a periodic duty finds (e.g. a door-open that ran out of time): the
    # same event is never emitted twice to an endpoint.
    event_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_message_by_endpoint"),
            models.Index(fields=["created_at"], name="webhook_message_by_age"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_type", "event_key"],
                condition=~Q(event_key=""),
                name="webhook_message_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: the same on every attempt of this message."""
        return f"msg_{self.id.hex}"


class Attempt(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()  # 1 for the first
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    # A worker holds the attempt until then (and proves it with the token); when the lease
    # lapses unfinished (a worker killed mid-delivery), any worker may take it again.
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    claims = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response = models.TextField(blank=True)  # the first RESPONSE_KEPT_BYTES of the answer

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(status="pending"),
                name="webhook_attempt_due",
            )
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.message_id} ({self.status})"
