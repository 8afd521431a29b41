"""The audit trail in admin: read-only, for support. Nobody adds, changes or deletes entries."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEntry
from cybergate.lib.admin import SupportAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(SupportAdmin):
    list_display = ["at", "tenant", "actor_type", "actor_name", "action", "target", "ip"]
    list_filter = ["action", "actor_type", "tenant"]
    list_select_related = ["tenant"]
    search_fields = ["actor_name", "action", "target", "=uuid"]
    date_hierarchy = "at"
    # The log grows without bound; an exact count of a filtered page is not worth a full scan.
    show_full_result_count = False
    fields = (
        "uuid",
        "at",
        "tenant",
        "actor_type",
        "actor_name",
        "action",
        "target",
        "details",
        "ip",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
