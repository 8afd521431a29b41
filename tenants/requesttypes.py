"""Typed portal requests: what the portal's middleware adds to a request, for the type checker.

Page views annotate their `request` with these instead of `HttpRequest`, so that `request.user`,
`request.tenant` and `request.htmx` have their real types. They are annotations only: nothing
creates them, and at run time a request is still Django's own.

- `SignedInRequest`: a portal page behind `login_required` (`tenant` may be None: support staff).
- `PortalRequest`: a portal page behind `cybergate.lib.decorators.tenant_required` (signed in,
  with a tenant).

`tenants.middleware.TenantMiddleware` sets `tenant`, django-htmx's middleware `htmx`. Here, in
the app that owns the tenant, rather than in `cybergate.lib`, which imports no app (not even for
its annotations: tests/test_import_contracts.py). An app below tenants in the layers
(.importlinter) imports these only under `TYPE_CHECKING`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from tenants.models import Tenant, User


class SignedInRequest(HttpRequest):
    user: User
    tenant: Tenant | None
    htmx: HtmxDetails


class PortalRequest(SignedInRequest):
    tenant: Tenant
