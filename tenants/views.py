"""Tenant pages: the support request behind "Contact support"; the user's time zone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cybergate.lib.clientinfo import client_ip
from cybergate.lib.decorators import tenant_required
from tenants.forms import SupportRequestForm, TimeZoneForm
from tenants.requesttypes import PortalRequest, SignedInRequest
from tenants.selectors import open_support_request
from tenants.services import (
    ALREADY_OPEN_MESSAGE,
    SupportRequestAlreadyOpen,
    support_request_create,
    user_set_time_zone,
)


@tenant_required
@require_http_methods(["GET", "POST"])
def support_request_new(request: PortalRequest) -> HttpResponse:
    tenant = request.tenant
    if tenant.api_access_enabled:
        messages.info(request, "API access is already enabled for your tenant.")
        return redirect("api_access")
    if open_support_request(tenant) is not None:
        # One open request is enough; the API Access page shows it.
        messages.info(request, ALREADY_OPEN_MESSAGE)
        return redirect("api_access")

    form = SupportRequestForm(
        request.POST or None,
        initial=SupportRequestForm.enable_api_access_initial(tenant, request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            support_request_create(
                tenant=tenant,
                user=request.user,
                contact_email=form.cleaned_data["contact_email"],
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
                ip=client_ip(request),
            )
        except SupportRequestAlreadyOpen:
            # Another tab or colleague was first.
            messages.info(request, ALREADY_OPEN_MESSAGE)
            return redirect("api_access")
        messages.success(
            request, "Your request was sent to support. We will let you know by email."
        )
        return redirect("api_access")
    return render(request, "tenants/support_request_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def time_zone_settings(request: SignedInRequest) -> HttpResponse:
    """The Security page's time zone choice: portal pages show times in it."""
    form = TimeZoneForm(request.POST or None, initial={"time_zone": request.user.time_zone})
    if request.method == "POST" and form.is_valid():
        user_set_time_zone(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, f"Times are now shown in {form.cleaned_data['time_zone']}.")
        return redirect("mfa_index")
    return render(request, "tenants/time_zone_form.html", {"form": form})
