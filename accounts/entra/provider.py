"""The "Sign in with Microsoft" provider: Entra ID's OpenID Connect, multi-tenant."""

from __future__ import annotations

import secrets

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.http import HttpRequest

from accounts.entra.claims import trusted_addresses
from accounts.entra.views import MicrosoftOAuth2Adapter


class MicrosoftAccount(ProviderAccount):
    def to_str(self) -> str:
        return self.account.extra_data.get("preferred_username") or super().to_str()


class MicrosoftProvider(OAuth2Provider):
    id = "microsoft"
    name = "Microsoft"
    account_class = MicrosoftAccount
    oauth2_adapter_class = MicrosoftOAuth2Adapter
    pkce_enabled_default = True

    def get_default_scope(self) -> list[str]:
        return ["openid", "email", "profile"]

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        # A nonce per sign-in, kept in allauth's (single-use) state and checked in the id token.
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params = {**auth_params, "nonce": nonce}
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )

    def extract_uid(self, data: dict) -> str:
        # The Entra object id: stable for the user in their organisation, unlike the email.
        return str(data["oid"])

    def extract_common_fields(self, data: dict) -> dict:
        # A new login is named by an address the organisation vouches for, never a chosen one.
        return {"email": next(iter(trusted_addresses(data)), ""), "name": data.get("name", "")}

    def extract_email_addresses(self, data: dict) -> list:
        return []  # ACCOUNT_EMAIL_VERIFICATION is "none": no EmailAddress rows are kept


provider_classes = [MicrosoftProvider]
