from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Test mode: each tenant's sandbox, its virtual door station and the test-call API."""

    name = "sandbox"

    def ready(self) -> None:
        from devices.signals import command_queued
        from sandbox.services import sandbox_populate, virtual_station_on_command_queued
        from tenants.signals import sandbox_created

        sandbox_created.connect(sandbox_populate, dispatch_uid="sandbox.populate")
        command_queued.connect(
            virtual_station_on_command_queued, dispatch_uid="sandbox.virtual_station"
        )
