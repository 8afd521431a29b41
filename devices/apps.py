from __future__ import annotations

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self) -> None:
        from devices.services import ExpiredCommandsDuty, device_credentials_revoke_for_offboarding
        from tenants.signals import tenant_offboarding
        from webhooks import duties

        duties.register("devices.door_open_expired", every_seconds=1, run=ExpiredCommandsDuty())

        tenant_offboarding.connect(
            device_credentials_revoke_for_offboarding, dispatch_uid="devices.offboarding"
        )
