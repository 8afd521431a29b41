from __future__ import annotations

from django.apps import AppConfig


class ApiSecretsConfig(AppConfig):
    name = "apisecrets"

    def ready(self) -> None:
        from apisecrets.services import api_secrets_revoke_for_offboarding
        from tenants.signals import tenant_offboarding

        tenant_offboarding.connect(
            api_secrets_revoke_for_offboarding, dispatch_uid="apisecrets.offboarding"
        )
