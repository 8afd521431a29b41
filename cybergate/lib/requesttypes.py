"""Typed requests: what our middleware and authentication add to a request, for the type checker.

Views annotate their `request` with these instead of `HttpRequest` / DRF's `Request`, so that
`request.tenant`, `request.htmx` and `request.auth` have their real types. They are annotations
only: nothing creates them, and at run time a request is still Django's or DRF's own.

- `SignedInRequest`: a portal page behind `login_required` (`tenant` may be None: support staff).
- `PortalRequest`: a portal page behind `cybergate.lib.decorators.tenant_required` (signed in,
  with a tenant; `tenants.middleware.TenantMiddleware` sets `tenant`, django-htmx's middleware
  `htmx`).
- `ApiRequest`: a customer API request after `apisecrets.authentication.ApiSecretAuthentication`
  (`auth` is the ApiSecret, `tenant` its tenant).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from apisecrets.models import ApiSecret
    from tenants.models import Tenant, User


class SignedInRequest(HttpRequest):
    user: User
    tenant: Tenant | None
    htmx: HtmxDetails


class PortalRequest(SignedInRequest):
    tenant: Tenant


if TYPE_CHECKING:

    class ApiRequest(Request):
        tenant: Tenant

        @property
        def auth(self) -> ApiSecret: ...
        @auth.setter
        def auth(self, value: ApiSecret) -> None: ...

else:
    ApiRequest = Request
