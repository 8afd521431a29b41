from __future__ import annotations

from django.apps import AppConfig


class ApiSecretsConfig(AppConfig):
    name = "apisecrets"

    def ready(self) -> None:
        from apisecrets.notices import send_expiry_notices
        from apisecrets.services import api_secrets_revoke_for_offboarding
        from tenants.signals import tenant_offboarding
        from webhooks import duties

        # Each secret's notice is sent once, whichever worker gets to it first.
        duties.register("apisecrets.expiry_notices", every_seconds=600, run=send_expiry_notices)

        tenant_offboarding.connect(
            api_secrets_revoke_for_offboarding, dispatch_uid="apisecrets.offboarding"
        )
