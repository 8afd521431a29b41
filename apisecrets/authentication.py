"""Bearer authentication of the customer API (filled in by the customer API issue)."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication


class ApiSecretAuthentication(BaseAuthentication):
    def authenticate(self, request):
        return None

    def authenticate_header(self, request) -> str:
        return "Bearer"


def forget_secret(secret_id: str) -> None:
    """Drop a revoked secret from this process's cache."""
