"""Reads of webhook deliveries."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone

from webhooks.models import Attempt


def due_backlog() -> tuple[int, float]:
    """(attempts due now, age in seconds of the oldest of them): the metrics' webhook backlog."""
    now = timezone.now()
    due = Attempt.objects.filter(status=Attempt.Status.PENDING, due_at__lte=now).aggregate(
        count=Count("id"), oldest=Min("due_at")
    )
    oldest = due["oldest"]
    return due["count"], (now - oldest).total_seconds() if oldest is not None else 0.0
