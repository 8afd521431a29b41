"""The portal's Audit trail page: the tenant's entries, newest first, filterable by actor."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cybergate.decorators import tenant_required
from cybergate.requests import PortalRequest

PAGE_SIZE = 50
# The actor filter lists at most this many names; a longer tail is still reachable by URL.
ACTOR_CHOICES_LIMIT = 200


@tenant_required
@require_GET
def audit_trail(request: PortalRequest) -> HttpResponse:
    entries = request.tenant.audit_entries.order_by("-id")
    # Through a form field: it trims and refuses what the database would choke on (NUL).
    actor_field = forms.CharField(required=False, max_length=300)
    try:
        actor = actor_field.clean(request.GET.get("actor", ""))
    except ValidationError:
        actor = ""
    if actor:
        entries = entries.filter(actor_name=actor)
    actors = list(
        request.tenant.audit_entries.order_by("actor_name")
        .values_list("actor_name", flat=True)
        .distinct()[:ACTOR_CHOICES_LIMIT]
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit_trail.html",
        {
            "page": page,
            "actor": actor,
            "actors": actors,
            "actor_query": urlencode({"actor": actor}) if actor else "",
        },
    )
