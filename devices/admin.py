"""Django admin for support: devices (credential prefix only, never its hash), and read-only
calls, call log entries and door-open commands (those change only through devices.services)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from audit.admin_audit import AuditedAdmin
from audit.services import Actor
from cybergate.lib.admin import SupportAdmin
from devices.models import Call, CallLogEntry, Device, DoorOpenCommand
from devices.services import device_credential_rotate


class ReadOnlyAdmin(SupportAdmin):
    """View only: rows written by the call flow are records, not settings."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(AuditedAdmin):
    audit_name = "device"
    list_display = ["name", "tenant", "sip_uri", "has_door_open_code", "credential", "online"]
    list_filter = ["tenant", "virtual"]
    search_fields = ["name", "sip_uri", "tenant__name"]
    list_select_related = ["tenant"]
    # credential_hash is not editable and never shown; the prefix identifies the credential.
    fields = [
        "tenant",
        "name",
        "sip_uri",
        "vendor",
        "model",
        "door_open_code",
        "virtual",
        "credential",
        "last_seen_at",
    ]
    readonly_fields = ["virtual", "credential", "last_seen_at"]

    actions = ["rotate_credential"]

    @admin.action(description="Rotate credential (shows the new one once)", permissions=["change"])
    def rotate_credential(
        self, request: HttpRequest, queryset: QuerySet[Device]
    ) -> TemplateResponse:
        """Confirm, then issue new credentials and show them on this one response only.

        The value is rendered straight into the action's response (no redirect, no message, which
        would sit in the session or a cookie) and the response is marked no-store, so it exists
        nowhere after this page. Also how a newly registered device gets its first credential.
        """
        # A sandbox's virtual station never gets a credential (devices.services).
        devices = list(queryset.filter(virtual=False).select_related("tenant"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "devices": devices,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        if request.POST.get("confirmed") != "yes":
            context["title"] = "Rotate device credentials?"
            return TemplateResponse(
                request, "admin/devices/device/rotate_credential_confirm.html", context
            )
        actor = Actor.for_support(request.user)
        context["title"] = "New device credentials"
        context["rotated"] = [
            (device, device_credential_rotate(device, actor=actor)) for device in devices
        ]
        response = TemplateResponse(
            request, "admin/devices/device/rotate_credential_done.html", context
        )
        add_never_cache_headers(response)
        return response

    @admin.display(description="Credential")
    def credential(self, obj: Device) -> str:
        return f"{obj.credential_prefix}••••••••" if obj.credential_prefix else "none issued"

    @admin.display(description="Door-open code", boolean=True)
    def has_door_open_code(self, obj: Device) -> bool:
        return bool(obj.door_open_code)

    @admin.display(description="Online", boolean=True)
    def online(self, obj: Device) -> bool:
        return obj.is_online()


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "device", "call_group", "caller", "state", "result"]
    list_filter = ["state", "result", "tenant"]
    search_fields = ["caller", "device__name"]
    list_select_related = ["device", "call_group"]
    date_hierarchy = "started_at"


@admin.register(CallLogEntry)
class CallLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "tenant", "device_name", "call_group_name", "caller", "result"]
    list_filter = ["result", "tenant"]
    search_fields = ["caller", "device_name", "answered_by_upn"]
    list_select_related = ["tenant"]
    date_hierarchy = "started_at"


@admin.register(DoorOpenCommand)
class DoorOpenCommandAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "device", "status", "issued_by_name", "expires_at"]
    list_filter = ["status", "tenant"]
    search_fields = ["device__name", "issued_by_name"]
    list_select_related = ["device"]
    date_hierarchy = "created_at"
