"""The Webhooks page: a tenant's endpoints, each with its secret, test, enable/disable and
delivery log. Thin views over webhooks.services; every queryset starts from request.tenant, and
every change (and revealing a secret) asks for a recent sign-in, as on the API Access page."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import recent_sign_in_required
from audit.services import Actor
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.compression import exempt as exempt_from_compression
from cybergate.lib.decorators import tenant_required
from cybergate.lib.forms import REFUSALS, add_refusal
from tenants.requesttypes import PortalRequest
from webhooks import services
from webhooks.events import EVENT_TYPES
from webhooks.forms import EndpointForm, RecoverForm
from webhooks.models import MAX_ENDPOINTS_PER_TENANT, Attempt, Endpoint, Message

# The delivery log shows this many of the newest messages (all are kept for 30 days).
LOG_SIZE = 50


def _endpoint(request: PortalRequest, endpoint_id) -> Endpoint:
    return get_object_or_404(
        request.tenant.webhook_endpoints.select_related("tenant"), id=endpoint_id
    )


def _actor(request: PortalRequest) -> Actor:
    return Actor.for_user(request.user)


@tenant_required
@require_GET
def webhooks(request: PortalRequest) -> HttpResponse:
    endpoints = list(request.tenant.webhook_endpoints.all())
    context = {
        "endpoints": endpoints,
        "endpoint_limit": MAX_ENDPOINTS_PER_TENANT,
        "limit_reached": len(endpoints) >= MAX_ENDPOINTS_PER_TENANT,
    }
    return render(request, "webhooks/list.html", context)


@tenant_required
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def webhook_new(request: PortalRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                tenant=request.tenant,
                actor=_actor(request),
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                created_by=request.user,
                ip=client_ip(request),
            )
        except REFUSALS as exc:
            add_refusal(form, exc)  # {"url": …} lands on the field; the limit is non-field
        else:
            return _secret_response(request, endpoint, secret, created=True)
    return render(request, "webhooks/new.html", {"form": form})


def _secret_response(
    request: PortalRequest, endpoint: Endpoint, secret: str, *, created: bool = False
) -> HttpResponse:
    """The signing secret in this response only: not in a URL, session or message."""
    response = render(
        request,
        "webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "created": created},
    )
    patch_cache_control(response, no_store=True, private=True)
    exempt_from_compression(response)  # BREACH: the secret sits next to text the user typed
    return response


def _detail_context(endpoint: Endpoint, edit_form=None, recover_form=None) -> dict:
    log = list(
        Message.objects.filter(endpoint=endpoint)
        .prefetch_related(Prefetch("attempts", Attempt.objects.order_by("number")))
        .order_by("-created_at")[:LOG_SIZE]
    )
    return {
        "endpoint": endpoint,
        "event_descriptions": [(name, EVENT_TYPES.get(name, "")) for name in endpoint.event_types],
        "edit_form": edit_form
        or EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_types": endpoint.event_types,
            }
        ),
        "recover_form": recover_form or RecoverForm(),
        "log": log,
        "log_size": LOG_SIZE,
    }


@tenant_required
@require_GET
def webhook_detail(request: PortalRequest, endpoint_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    return render(request, "webhooks/detail.html", _detail_context(endpoint))


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_edit(request: PortalRequest, endpoint_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(
                endpoint=endpoint,
                actor=_actor(request),
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                ip=client_ip(request),
            )
        except REFUSALS as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhook_detail", endpoint_id=endpoint.pk)
    return render(request, "webhooks/detail.html", _detail_context(endpoint, edit_form=form))


@tenant_required
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request: PortalRequest, endpoint_id) -> HttpResponse:
    """GET: the confirmation page. POST: delete the endpoint with its delivery log."""
    endpoint = _endpoint(request, endpoint_id)
    if request.method == "GET":
        return render(request, "webhooks/confirm_delete.html", {"endpoint": endpoint})
    url = endpoint.url
    services.endpoint_delete(endpoint=endpoint, actor=_actor(request), ip=client_ip(request))
    messages.success(request, f"Webhook endpoint {url} deleted.")
    return redirect("webhooks")


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_secret(request: PortalRequest, endpoint_id) -> HttpResponse:
    """Reveal the signing secret (audited: who saw it)."""
    endpoint = _endpoint(request, endpoint_id)
    secret = services.endpoint_reveal_secret(
        endpoint=endpoint, actor=_actor(request), ip=client_ip(request)
    )
    return _secret_response(request, endpoint, secret)


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_rotate(request: PortalRequest, endpoint_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    secret = services.endpoint_rotate_secret(
        endpoint=endpoint, actor=_actor(request), ip=client_ip(request)
    )
    endpoint.refresh_from_db()
    return _secret_response(request, endpoint, secret)


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_test(request: PortalRequest, endpoint_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_send_test(endpoint=endpoint, actor=_actor(request), ip=client_ip(request))
    messages.success(request, "Test event queued; its delivery appears in the log below.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_disable(request: PortalRequest, endpoint_id) -> HttpResponse:
    """Disable, or enable (`enable=1`), an endpoint."""
    endpoint = _endpoint(request, endpoint_id)
    actor, ip = _actor(request), client_ip(request)
    if request.POST.get("enable") == "1":
        services.endpoint_enable(endpoint=endpoint, actor=actor, ip=ip)
        messages.success(request, "Endpoint enabled. “Recover” sends what it missed.")
    else:
        services.endpoint_disable(endpoint=endpoint, actor=actor, ip=ip)
        messages.success(request, "Endpoint disabled. Nothing is sent to it until enabled.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_resend(request: PortalRequest, endpoint_id, message_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    message = get_object_or_404(Message.objects.filter(endpoint=endpoint), id=message_id)
    services.message_resend(message=message, actor=_actor(request), ip=client_ip(request))
    messages.success(request, f"Message {message.webhook_id} will be sent again now.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)


@tenant_required
@recent_sign_in_required
@require_POST
def webhook_recover(request: PortalRequest, endpoint_id) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    form = RecoverForm(request.POST)
    if not form.is_valid():
        context = _detail_context(endpoint, recover_form=form)
        return render(request, "webhooks/detail.html", context)
    count = services.messages_recover(
        endpoint=endpoint,
        since=form.cleaned_data["since"],
        actor=_actor(request),
        ip=client_ip(request),
    )
    messages.success(request, f"{count} failed message{'s' if count != 1 else ''} sent again.")
    return redirect("webhook_detail", endpoint_id=endpoint.pk)
