"""The portal's Audit trail page: the tenant's entries, newest first, filterable by actor and by
API secret."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cybergate.lib.decorators import tenant_required

if TYPE_CHECKING:
    # tenants sits above audit in the layers (.importlinter): its request type is an
    # annotation here, not an import at run time.
    from tenants.requesttypes import PortalRequest

PAGE_SIZE = 50
# The actor filter lists at most this many names; a longer tail is still reachable by URL.
ACTOR_CHOICES_LIMIT = 200


def _secret_filter(value: str) -> uuid.UUID | None:
    """The `secret` parameter as an id, or None for anything else (never an error)."""
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@tenant_required
@require_GET
def audit_trail(request: PortalRequest) -> HttpResponse:
    tenant = request.tenant
    entries = tenant.audit_entries.order_by("-id")
    # Through a form field: it trims and refuses what the database would choke on (NUL).
    actor_field = forms.CharField(required=False, max_length=300)
    try:
        actor = actor_field.clean(request.GET.get("actor", ""))
    except ValidationError:
        actor = ""
    if actor:
        entries = entries.filter(actor_name=actor)
    secrets = list(tenant.api_secrets.order_by("name", "created_at").only("id", "name", "prefix"))
    secret_id = _secret_filter(request.GET.get("secret", ""))
    # Entries about a secret name its id (a roll names its successor's too); deleted secrets are
    # still found by id (from a bookmarked link), ours or not: entries are the tenant's only.
    if secret_id is not None:
        entries = entries.filter(
            Q(details__id=str(secret_id)) | Q(details__successor_id=str(secret_id))
        )
    selected_secret = next((s for s in secrets if s.pk == secret_id), None)
    actors = list(
        tenant.audit_entries.order_by("actor_name")
        .values_list("actor_name", flat=True)
        .distinct()[:ACTOR_CHOICES_LIMIT]
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Entries about a secret that still exists link to its page.
    existing = {str(s.pk) for s in secrets}
    rows = []
    for entry in page.object_list:
        about = entry.details.get("id") if isinstance(entry.details, dict) else None
        rows.append((entry, about if about in existing else None))
    query = {key: value for key, value in (("actor", actor), ("secret", secret_id)) if value}
    return render(
        request,
        "audit/audit_trail.html",
        {
            "page": page,
            "rows": rows,
            "actor": actor,
            "actors": actors,
            "secrets": secrets,
            "secret_id": str(secret_id) if secret_id else "",
            "selected_secret": selected_secret,
            "filter_query": urlencode(query),
        },
    )
