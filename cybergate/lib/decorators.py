"""Access rules of portal pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render


class _TenantRequest(HttpRequest):
    # What tenant_required reads: `tenant`, which the portal's tenant middleware sets (an app's,
    # which this library does not import; the apps' views type it as their Tenant). An
    # annotation only.
    tenant: object


def tenant_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Log in first; a user without a tenant (support staff) gets a page pointing to admin.

    Every portal page works on `request.tenant`, so this is the one place that decides what a
    login without one sees: a plain explanation rather than an error.
    """

    @login_required
    @wraps(view)
    def wrapper(request: _TenantRequest, *args, **kwargs) -> HttpResponseBase:
        # request.tenant is a lazy object: test its truth, not its identity with None.
        if not request.tenant:
            return render(request, "tenants/no_tenant.html")
        return view(request, *args, **kwargs)

    return wrapper
