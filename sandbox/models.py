from __future__ import annotations

from django.db import models


class SandboxCall(models.Model):
    """A call rung in a sandbox through the API (`POST /api/v1/test/calls`): what its virtual
    door station does with the door-opens of that call."""

    class DoorOpen(models.TextChoices):
        EXECUTE = "execute", "Executes them"
        FAIL = "fail", "Reports a failure"
        IGNORE = "ignore", "Receives them and never answers (they expire)"

    call = models.OneToOneField(
        "devices.Call", primary_key=True, on_delete=models.CASCADE, related_name="sandbox_call"
    )
    door_open = models.CharField(max_length=8, choices=DoorOpen.choices, default=DoorOpen.EXECUTE)

    def __str__(self) -> str:
        return f"test call {self.call_id} ({self.door_open})"
