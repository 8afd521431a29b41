from __future__ import annotations

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self) -> None:
        from devices.services import device_credentials_revoke_for_offboarding
        from tenants.signals import tenant_offboarding

        tenant_offboarding.connect(
            device_credentials_revoke_for_offboarding, dispatch_uid="devices.offboarding"
        )
