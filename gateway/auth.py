"""Bearer authentication of the device gateway: `Authorization: Bearer cgd_...`.

A device credential and an API secret never stand in for each other: they carry different
prefixes and are hashed under different purposes (cybergate/lib/tokens.py), so an API secret is an
unknown credential here and a device credential an unknown secret in the customer API.

One plain function does the work so that the DRF views (calls, events, acks) and the async
long-poll, which is not a DRF view, authenticate the same way. Failed attempts count against the
customer API's per-IP limit (settings.AUTH_FAILURE_RATE_LIMIT): over it the address gets 429
`auth_rate_limited` for every credential it has not used successfully lately, before any lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from cybergate.lib.authfailures import auth_attempt, failed_authentication
from cybergate.lib.clientinfo import bearer_value, client_ip
from cybergate.lib.problems import AuthenticationProblem
from cybergate.lib.requestid import bind_tenant
from devices.models import Device
from devices.selectors import device_for_credential
from devices.services import device_seen, hash_device_credential

if TYPE_CHECKING:
    from drf_spectacular.openapi import AutoSchema
    from rest_framework.views import APIView

    from cybergate.lib.apiviews import AuthenticatedRequest

SECURITY_SCHEME = "deviceCredential"


def authenticate_device(header: str | None, ip: str | None) -> Device:
    """The device the Authorization header proves, marked as seen; else raise a Problem.

    Synchronous (one indexed lookup); the async view runs it in a database thread.
    """
    value = bearer_value(header)
    if value is None:
        raise failed_authentication(
            ip,
            AuthenticationProblem(
                "missing_credentials",
                "Send the device credential as 'Authorization: Bearer <credential>'.",
            ),
        )
    # 429 over the limit, before any lookup
    attempt = auth_attempt(ip, hash_device_credential(value))
    device = device_for_credential(value)
    if device is None:
        raise attempt.failed(
            AuthenticationProblem("invalid_credentials", "The device credential is not valid.")
        )
    attempt.succeeded()
    bind_tenant(device.tenant_id)
    device_seen(device)
    return device


if TYPE_CHECKING:
    # A gateway request after DeviceCredentialAuthentication (for the type checker).
    DeviceRequest = AuthenticatedRequest[Device]
else:
    DeviceRequest = Request


class DeviceCredentialAuthentication(BaseAuthentication):
    """DRF side: `request.auth` is the Device; `request.user` is anonymous (no portal user)."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, Device]:
        device = authenticate_device(request.META.get("HTTP_AUTHORIZATION"), client_ip(request))
        return AnonymousUser(), device

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class IsDevice(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, Device)


class DeviceCredentialScheme(OpenApiAuthenticationExtension):
    target_class = DeviceCredentialAuthentication
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "The device credential (`cgd_...`) shown once when support registers or rotates "
                "the device. An API secret is not accepted here."
            ),
        }
