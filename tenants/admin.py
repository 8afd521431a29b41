"""Support's view of tenants, users and support requests (STYLE "Django admin")."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from audit.admin_audit import AuditedAdmin, AuditedAdminMixin
from audit.services import Actor, record
from cybergate.lib.admin import SupportAdmin
from cybergate.lib.clientinfo import client_ip
from tenants.models import SupportRequest, Tenant, User
from tenants.services import (
    support_request_resolve_enabling_access,
    tenant_offboard,
    tenant_set_api_access,
)

admin.site.site_header = "CyberGate support"
admin.site.site_title = "CyberGate support"
admin.site.index_title = "Tenants, secrets, call groups, devices and the audit trail"

# Fields that grant power in admin. Only a superuser sees or changes them (for anyone, itself
# included); for other staff they are read-only, so a crafted POST cannot set them either.
PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    audit_name = "tenant"
    list_display = ["name", "domain", "api_access_enabled", "created", "id"]
    list_filter = ["api_access_enabled"]
    search_fields = ["name", "domain", "=id"]
    # API access changes only through the actions below, so each one is audited.
    readonly_fields = ["id", "api_access_enabled", "created"]
    fields = [
        "id",
        "name",
        "domain",
        "api_access_enabled",
        "mfa_required",
        "entra_tenant_id",
        "entra_admins_may_sign_in",
        "created",
    ]
    actions = ["enable_api_access", "disable_api_access", "offboard"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Its audit entries protect a tenant (and must outlive it): "Offboard" ends its access.
        return False

    def audit_tenants(self, obj: Tenant, form=None) -> list[Tenant]:  # type: ignore[override]
        return [obj]

    @admin.action(
        description="Offboard (revoke all access, keep the audit trail)", permissions=["change"]
    )
    def offboard(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
        """Confirm first; then end each tenant's access through tenant_offboard."""
        tenants = list(queryset)
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Offboard tenants?",
                "tenants": tenants,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/tenants/tenant/offboard_confirm.html", context)
        actor, ip = Actor.for_support(request.user), client_ip(request)
        for tenant in tenants:
            tenant_offboard(tenant=tenant, actor=actor, ip=ip)
        self.message_user(request, f"Offboarded {len(tenants)} tenant(s).", messages.SUCCESS)
        return None

    @admin.action(description="Enable API access", permissions=["change"])
    def enable_api_access(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._set_api_access(request, queryset, enabled=True)

    @admin.action(description="Disable API access", permissions=["change"])
    def disable_api_access(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        self._set_api_access(request, queryset, enabled=False)

    def _set_api_access(
        self, request: HttpRequest, queryset: QuerySet[Tenant], *, enabled: bool
    ) -> None:
        actor, ip = Actor.for_support(request.user), client_ip(request)
        changed = sum(
            tenant_set_api_access(tenant=tenant, enabled=enabled, actor=actor, ip=ip)
            for tenant in queryset
        )
        state = "enabled" if enabled else "disabled"
        self.message_user(request, f"API access {state} for {changed} tenant(s).", messages.SUCCESS)


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserCreateForm(AdminUserCreationForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices, initial="UTC")

    class Meta:
        model = User
        fields = ["email", "full_name", "tenant", "time_zone"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with this email address already exists.")
        return email


class UserEditForm(UserChangeForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices)

    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_name = "user"
    fixed_on_change = ()  # a login put in the wrong tenant may be moved; both trails record it
    form = UserEditForm
    add_form = UserCreateForm
    list_display = [
        "email",
        "full_name",
        "tenant",
        "is_staff",
        "is_active",
        "last_login",
        "last_sign_in_method",
    ]
    list_filter = ["is_staff", "is_superuser", "is_active", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["email", "full_name", "tenant__name"]
    ordering = ["email"]
    autocomplete_fields = ["tenant"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "tenant", "time_zone"]}),
        (
            "Permissions",
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "description": "Tenant admins have a tenant; support staff are staff without one.",
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "tenant",
                    "time_zone",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    def _may_edit(self, request: HttpRequest, obj: User | None) -> bool:
        """Staff without superuser status edit tenant logins and themselves, not other staff:
        setting another staff member's email or password would be taking over its powers."""
        return (
            obj is None
            or request.user.is_superuser
            or obj.pk == request.user.pk
            or not (obj.is_staff or obj.is_superuser)
        )

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_edit(request, obj) and super().has_delete_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Support setting a login's password is audited (never the password itself)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                assert user is not None  # the password was just changed
                record(
                    tenant=user.tenant,
                    actor=Actor.for_support(request.user),
                    action="user.password_changed",
                    target=f"user:{user}",
                    details={"id": str(user.pk)},
                    ip=client_ip(request),
                )
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    """A group's permissions are privileges: only superusers change groups. Groups belong to no
    tenant: their entries are in the global list."""

    audit_name = "group"
    fixed_on_change = ()

    def audit_tenants(self, obj: Group, form=None) -> list:  # type: ignore[override]
        return [None]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(SupportRequest)
class SupportRequestAdmin(SupportAdmin):
    list_display = ["subject", "tenant", "contact_email", "status", "created_at", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["tenant"]
    search_fields = ["subject", "contact_email", "tenant__name"]
    # "open" sorts before "resolved": open requests first, newest first within each.
    ordering = ["status", "-created_at"]
    fields = (
        "tenant",
        "requested_by",
        "contact_email",
        "subject",
        "message",
        "status",
        "created_at",
        "updated_at",
        "resolved_at",
    )
    readonly_fields = fields
    actions = ["enable_api_access_and_resolve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from tenant admins on the API Access page

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A request changes only through the action below (audited); its page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a request is resolved, not erased: it is the record of what was asked

    @admin.action(description="Enable API access and resolve", permissions=["change"])
    def enable_api_access_and_resolve(
        self, request: HttpRequest, queryset: QuerySet[SupportRequest]
    ) -> None:
        count = 0
        for support_request in queryset.select_related("tenant").filter(
            status=SupportRequest.Status.OPEN
        ):
            support_request_resolve_enabling_access(
                support_request=support_request,
                actor=Actor.for_support(request.user),
                ip=client_ip(request),
            )
            count += 1
        self.message_user(
            request,
            f"Enabled API access and resolved {count} request(s).",
            messages.SUCCESS,
        )
