"""Django admin for support: devices (credential prefix only, never its hash), and read-only
calls, call log entries and door-open commands (those change only through devices.services)."""

from __future__ import annotations

from django.contrib import admin

from devices.models import Call, CallLogEntry, Device, DoorOpenCommand


class ReadOnlyAdmin(admin.ModelAdmin):
    """View only: rows written by the call flow are records, not settings."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "sip_uri", "has_door_open_code", "credential", "online"]
    list_filter = ["tenant"]
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
        "credential",
        "last_seen_at",
    ]
    readonly_fields = ["credential", "last_seen_at"]

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
