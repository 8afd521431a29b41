"""The API Access page: list, create and delete the tenant's API secrets.

One view per URL renders the full page, or with HTMX only the part that changes
(`template_name += "#partial"`), so every control also works as a plain link or form without
JavaScript. All writes go through apisecrets.services; every queryset starts from request.tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import F
from django.db.models.expressions import OrderBy
from django.db.models.functions import Lower
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts.decorators import recent_sign_in_required
from apisecrets import submissions
from apisecrets.forms import (
    AllowedAddressesForm,
    ApiSecretCreateForm,
    ApiSecretEditForm,
    RollForm,
)
from apisecrets.models import (
    MAX_PER_TENANT,
    MAX_TEST_PER_TENANT,
    PERMISSIONS,
    ApiSecret,
    places_used,
    secrets_of,
)
from apisecrets.notices import reminder_schedule
from apisecrets.selectors import create_refusal
from apisecrets.services import (
    api_secret_create,
    api_secret_delete,
    api_secret_roll,
    api_secret_set_addresses,
    api_secret_set_disabled,
    api_secret_update,
)
from audit.services import Actor
from cybergate.lib.clientinfo import client_ip
from cybergate.lib.compression import exempt as exempt_from_compression
from cybergate.lib.decorators import tenant_required
from cybergate.lib.forms import REFUSALS, add_refusal
from tenants.models import Tenant
from tenants.requesttypes import PortalRequest
from tenants.selectors import open_support_request

PAGE_TEMPLATE = "apisecrets/api_access.html"
# The HTMX event that makes the secrets table fetch itself again after a create or delete.
SECRETS_CHANGED = "secretsChanged"

# URL sort key -> (column header, database expression). "Last used: never" sorts as the oldest.
SORT_COLUMNS: dict[str, tuple[str, F | Lower]] = {
    "name": ("Name", Lower("name")),
    "secret": ("Secret", F("prefix")),
    "created": ("Creation time", F("created_at")),
    "expiration": ("Expiration", F("expires_at")),
    "last_used": ("Last used", F("last_used_at")),
}
DEFAULT_SORT = "created"
DIRECTIONS = ("asc", "desc")
# Where an HTMX create that was already sent goes back to.
API_ACCESS_URL = reverse_lazy("api_access")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sorted: str | None  # "asc", "desc" or None
    url: str  # where clicking the header leads: this column, reversed if already sorted by it

    @property
    def aria_sort(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.sorted or "", "none")


def sort_params(query: QueryDict) -> tuple[str, str]:
    """The requested sort, or the default for anything unknown (never an error)."""
    sort = query.get("sort", DEFAULT_SORT)
    direction = query.get("dir", "asc")
    if sort not in SORT_COLUMNS:
        sort = DEFAULT_SORT
    if direction not in DIRECTIONS:
        direction = "asc"
    return sort, direction


def ordering(sort: str, direction: str) -> list[OrderBy]:
    expression = SORT_COLUMNS[sort][1]
    primary = (
        expression.desc(nulls_last=True)
        if direction == "desc"
        else expression.asc(nulls_first=True)
    )
    # Ties (same expiry day, never used) keep a stable order across reloads.
    return [primary, F("created_at").asc(), F("id").asc()]


def sort_url(sort: str, direction: str) -> str:
    return f"{reverse('api_access')}?{urlencode({'sort': sort, 'dir': direction})}"


def columns(sort: str, direction: str) -> list[Column]:
    result = []
    for key, (label, _) in SORT_COLUMNS.items():
        is_sorted = key == sort
        next_direction = "desc" if is_sorted and direction == "asc" else "asc"
        result.append(
            Column(key, label, direction if is_sorted else None, sort_url(key, next_direction))
        )
    return result


def page_context(request: PortalRequest, tenant: Tenant) -> dict:
    sort, direction = sort_params(request.GET)
    secrets = list(
        secrets_of(tenant)
        .select_related("replaced_by", "tenant")
        .order_by(*ordering(sort, direction))
    )
    live = [secret for secret in secrets if not secret.is_test]
    test = [secret for secret in secrets if secret.is_test]
    open_request = None
    if not tenant.api_access_enabled:
        open_request = open_support_request(tenant)
    return {
        "secrets": secrets,
        "secret_limit": MAX_PER_TENANT,
        "places_used": places_used(live),
        "create_refusal": create_refusal(tenant, live),
        "test_secret_limit": MAX_TEST_PER_TENANT,
        "test_places_used": places_used(test),
        "test_create_refusal": create_refusal(tenant, test, test=True),
        "open_support_request": open_request,
        "columns": columns(sort, direction),
        "table_url": sort_url(sort, direction),
    }


@tenant_required
@require_GET
def api_access(request: PortalRequest) -> HttpResponse:
    context = page_context(request, request.tenant)
    context["form"] = ApiSecretCreateForm()
    context["test_form"] = ApiSecretCreateForm()
    context["submit_token"] = submissions.new_token()
    # The real address this portal answers on (behind the proxy: its Host), for the curl example.
    context["api_base_url"] = request.build_absolute_uri("/api/v1/")
    template_name = PAGE_TEMPLATE
    if request.htmx and not request.htmx.history_restore_request:
        template_name += "#secrets-table"
    response = render(request, template_name, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@tenant_required
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def api_secret_new(request: PortalRequest, test: bool = False) -> HttpResponse:
    """The Create dialog's form (HTMX) or its no-JavaScript page; POST generates the secret.
    `test` (its own URL): a test secret, for the tenant's sandbox."""
    tenant = request.tenant
    form = ApiSecretCreateForm(request.POST or None)
    token, repeated = _first_submit(request)
    if repeated is not None:
        return repeated
    if request.method == "POST" and form.is_valid():
        try:
            secret, value = api_secret_create(
                tenant=tenant,
                actor=Actor.for_user(request.user),
                name=form.cleaned_data["name"],
                validity_days=form.cleaned_data["validity_days"],
                permissions=form.cleaned_data["permissions"],
                allowed_addresses=form.cleaned_data["allowed_addresses"],
                created_by=request.user,
                ip=client_ip(request),
                test=test,
            )
        except REFUSALS as exc:
            # {"name": ...} lands on the field; the limit and disabled access are non-field.
            add_refusal(form, exc)
        else:
            _remember_submit(request, token, secret, value)
            return _secret_created_response(request, secret, value)
    if token:
        submissions.release(token)  # nothing created: the corrected form may be sent again

    refusal = create_refusal(tenant, test=test) if request.method == "GET" else None
    blocked = refusal.message if refusal else None
    template_name = PAGE_TEMPLATE + "#create-form" if request.htmx else "apisecrets/new.html"
    context = {
        "form": form,
        "blocked": blocked,
        "submit_token": submissions.new_token(),
        "test": test,
    }
    return render(request, template_name, context)


def _first_submit(request: PortalRequest) -> tuple[str | None, HttpResponse | None]:
    """The form's one-time token if this is its first submit, else the answer to a repeat."""
    token = submissions.token_from(request.POST) if request.method == "POST" else None
    if token and not submissions.claim(token):
        repeated = _repeated_submit_response(request, token)
        if repeated is not None:
            return None, repeated
        token = None  # the earlier entry ran out: an ordinary submit without protection
    return token, None


def _remember_submit(request: PortalRequest, token: str | None, secret, value: str) -> None:
    if token:
        submissions.remember(
            token,
            user_id=request.user.pk,
            session_key=request.session.session_key,
            secret_id=secret.id,
            value=value,
        )


def _repeated_submit_response(request: PortalRequest, token: str) -> HttpResponse | None:
    """A form sent twice: the secret the first submit created, shown this once more."""
    repeated = submissions.replay(
        token, user_id=request.user.pk, session_key=request.session.session_key
    )
    if repeated is None:
        return None
    if repeated.value is not None and repeated.secret_id is not None:
        secret = secrets_of(request.tenant).filter(id=repeated.secret_id).first()
        if secret is not None:
            return _secret_created_response(request, secret, repeated.value)
    messages.info(
        request,
        "This form was already sent and its secret was shown then. "
        "If you did not copy it, delete that secret and create a new one.",
    )
    if request.htmx:
        return HttpResponseClientRedirect(str(API_ACCESS_URL))
    return redirect("api_access")


def _secret_created_response(request: PortalRequest, secret, value: str) -> HttpResponse:
    """Show the value this once, in this response only: not in a URL, session or message."""
    template_name = PAGE_TEMPLATE + "#secret-created" if request.htmx else "apisecrets/created.html"
    context = {
        "secret": secret,
        "value": value,
        "predecessor": secret.working_predecessor(),
        "api_base_url": request.build_absolute_uri("/api/v1/"),
    }
    response = render(request, template_name, context)
    patch_cache_control(response, no_store=True, private=True)
    exempt_from_compression(response)  # BREACH: the value sits next to the name the user typed
    if request.htmx:
        trigger_client_event(response, SECRETS_CHANGED)
    return response


@tenant_required
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def api_secret_delete_view(request: PortalRequest, secret_id) -> HttpResponse:
    """GET: the confirmation page (no JavaScript). POST: revoke at once."""
    secret = get_object_or_404(secrets_of(request.tenant), id=secret_id)
    if request.method == "GET":
        return render(request, "apisecrets/confirm_delete.html", {"secret": secret})

    name = secret.name
    api_secret_delete(secret=secret, actor=Actor.for_user(request.user), ip=client_ip(request))
    messages.success(request, f"API secret “{name}” deleted. It no longer works.")
    if request.htmx:
        response = HttpResponse(status=204)
        return trigger_client_event(response, SECRETS_CHANGED)
    return redirect("api_access")


@tenant_required
@recent_sign_in_required
@require_http_methods(["GET", "POST"])
def api_secret_roll_view(request: PortalRequest, secret_id) -> HttpResponse:
    """Roll: GET the form (choose the overlap); POST makes the successor and shows its value once,
    on the same page as Create."""
    secret = get_object_or_404(secrets_of(request.tenant), id=secret_id)
    form = RollForm(request.POST or None, initial={"validity_days": secret.validity_days})
    token, repeated = _first_submit(request)
    if repeated is not None:
        return repeated
    if request.method == "POST" and form.is_valid():
        try:
            new, value = api_secret_roll(
                secret=secret,
                actor=Actor.for_user(request.user),
                overlap=form.cleaned_data["overlap"],
                validity_days=form.cleaned_data["validity_days"],
                created_by=request.user,
                ip=client_ip(request),
            )
        except REFUSALS as exc:
            add_refusal(form, exc)
        else:
            _remember_submit(request, token, new, value)
            return _secret_created_response(request, new, value)
    if token:
        submissions.release(token)  # nothing rolled: the corrected form may be sent again
    context = {
        "secret": secret,
        "form": form,
        "submit_token": submissions.new_token(),
        "predecessor": secret.working_predecessor(),
        # What the default gives, said before rolling: the successor's expiry from now.
        "default_expires_at": timezone.now() + timedelta(days=secret.validity_days),
    }
    return render(request, "apisecrets/roll.html", context)


@tenant_required
@require_GET
def api_secret_exists(request: PortalRequest, secret_id) -> HttpResponse:
    """204 while the secret exists, 404 once deleted: a shown-once value checks, when its tab
    comes back into view, that it is still worth copying."""
    get_object_or_404(secrets_of(request.tenant), id=secret_id)
    response = HttpResponse(status=204)
    patch_cache_control(response, no_store=True, private=True)
    return response


CHART_DAYS = 30
CHART_WIDTH = 600
CHART_HEIGHT = 120
CHART_BAR_GAP = 4


@dataclass(frozen=True)
class Bar:
    """A day of the chart: its requests (a solid bar) and, beside it, its refused requests (an
    outlined bar, told apart by its shape, not only its colour)."""

    day: date
    count: int
    refused: int
    x: int
    y: int
    width: int
    height: int
    refused_x: int
    refused_y: int
    refused_height: int


def _bar_height(count: int, peak: int) -> int:
    height = round(count / peak * CHART_HEIGHT)
    return 1 if count and not height else height


def usage_bars(secret: ApiSecret, today: date | None = None) -> list[Bar]:
    """One pair of bars per UTC day of the last 30 (today included), both scaled to the busiest
    day; geometry is computed here so the SVG needs no style or script (CSP)."""
    today = today or timezone.now().date()
    first = today - timedelta(days=CHART_DAYS - 1)
    rows = {
        day: (count, refused)
        for day, count, refused in secret.usage.filter(day__gte=first).values_list(
            "day", "count", "refused"
        )
    }
    peak = max((max(pair) for pair in rows.values()), default=0) or 1
    slot = CHART_WIDTH // CHART_DAYS
    width = (slot - CHART_BAR_GAP) // 2
    bars = []
    for i in range(CHART_DAYS):
        day = first + timedelta(days=i)
        count, refused = rows.get(day, (0, 0))
        height = _bar_height(count, peak)
        refused_height = _bar_height(refused, peak)
        x = i * slot
        bars.append(
            Bar(
                day=day,
                count=count,
                refused=refused,
                x=x,
                y=CHART_HEIGHT - height,
                width=width,
                height=height,
                refused_x=x + width,
                refused_y=CHART_HEIGHT - refused_height,
                refused_height=refused_height,
            )
        )
    return bars


def _and_list(items: list[str]) -> str:
    """["20", "7", "1"] -> "20, 7 and 1"."""
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def _detail_context(secret: ApiSecret, address_form=None, edit_form=None) -> dict:
    bars = usage_bars(secret)
    # The y scale: the top of the chart is the busiest day of either series.
    scale_max = max(max(bar.count, bar.refused) for bar in bars)
    return {
        "edit_form": edit_form
        or ApiSecretEditForm(initial={"name": secret.name, "permissions": secret.permissions}),
        "reminders": _and_list([str(days) for days in reminder_schedule()]),
        "reminder_recipients": sorted(
            secret.tenant.users.filter(is_active=True).values_list("email", flat=True)
        ),
        "secret_audit_url": f"{reverse('audit_trail')}?{urlencode({'secret': str(secret.pk)})}",
        "secret": secret,
        "permission_rows": [
            (name, label, secret.has_permission(name)) for name, (_, label) in PERMISSIONS.items()
        ],
        "bars": bars,
        "total_requests": sum(bar.count for bar in bars),
        "total_refused": sum(bar.refused for bar in bars),
        "peak_requests": max(bar.count for bar in bars),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "chart_mid": CHART_HEIGHT // 2,
        "chart_slot": CHART_WIDTH // CHART_DAYS,
        "scale_max": scale_max,
        "scale_mid": scale_max / 2,
        "axis_days": [bars[0].day, bars[CHART_DAYS // 2].day, bars[-1].day],
        "address_form": address_form
        or AllowedAddressesForm(initial={"allowed_addresses": "\n".join(secret.allowed_addresses)}),
    }


@tenant_required
@require_GET
def api_secret_detail(request: PortalRequest, secret_id) -> HttpResponse:
    secret = get_object_or_404(
        secrets_of(request.tenant).select_related("created_by", "replaced_by"), id=secret_id
    )
    return render(request, "apisecrets/detail.html", _detail_context(secret))


@tenant_required
@recent_sign_in_required
@require_http_methods(["POST"])
def api_secret_addresses(request: PortalRequest, secret_id) -> HttpResponse:
    secret = get_object_or_404(secrets_of(request.tenant), id=secret_id)
    form = AllowedAddressesForm(request.POST)
    if form.is_valid():
        try:
            api_secret_set_addresses(
                secret=secret,
                actor=Actor.for_user(request.user),
                allowed_addresses=form.cleaned_data["allowed_addresses"],
                ip=client_ip(request),
            )
        except REFUSALS as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Allowed addresses saved. They apply within a second.")
            return redirect("api_secret_detail", secret_id=secret.pk)
    return render(request, "apisecrets/detail.html", _detail_context(secret, form), status=200)


@tenant_required
@recent_sign_in_required
@require_http_methods(["POST"])
def api_secret_edit(request: PortalRequest, secret_id) -> HttpResponse:
    """The secret page's name and permissions form."""
    secret = get_object_or_404(secrets_of(request.tenant), id=secret_id)
    form = ApiSecretEditForm(request.POST)
    if form.is_valid():
        try:
            api_secret_update(
                secret=secret,
                actor=Actor.for_user(request.user),
                name=form.cleaned_data["name"],
                permissions=form.cleaned_data["permissions"],
                ip=client_ip(request),
            )
        except REFUSALS as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Name and permissions saved. They apply within a second.")
            return redirect("api_secret_detail", secret_id=secret.pk)
    context = _detail_context(secret, edit_form=form)
    return render(request, "apisecrets/detail.html", context)


@tenant_required
@recent_sign_in_required
@require_http_methods(["POST"])
def api_secret_disable(request: PortalRequest, secret_id) -> HttpResponse:
    """Disable or enable (`enable=1`) a secret without deleting it."""
    secret = get_object_or_404(secrets_of(request.tenant), id=secret_id)
    disabled = request.POST.get("enable") != "1"
    api_secret_set_disabled(
        secret=secret, actor=Actor.for_user(request.user), disabled=disabled, ip=client_ip(request)
    )
    if disabled:
        messages.success(
            request, f"API secret “{secret.name}” disabled. Requests with it are refused."
        )
    else:
        messages.success(request, f"API secret “{secret.name}” enabled. It works again.")
    return redirect("api_secret_detail", secret_id=secret.pk)
