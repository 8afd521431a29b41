"""Support sees secrets' metadata only: never the hash, never a value. Revoking is audited."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_delete
from audit.services import Actor
from cybergate.lib.admin import SupportAdmin
from cybergate.lib.clientinfo import client_ip

REVOKED = "api_secret.revoked"


@admin.register(ApiSecret)
class ApiSecretAdmin(SupportAdmin):
    list_display = [
        "name",
        "tenant",
        "masked",
        "created_at",
        "expires_at",
        "expiration",
        "last_used_at",
    ]
    list_filter = ["tenant"]
    list_select_related = ["tenant"]
    search_fields = ["name", "prefix", "tenant__name"]
    ordering = ["tenant__name", "created_at"]
    fields = (
        "id",
        "tenant",
        "name",
        "masked",
        "created_by",
        "created_at",
        "expires_at",
        "expiration",
        "last_used_at",
        "last_used_ip",
        "permission_list",
        "allowed_addresses",
        "replaced_by",
        "rolled_at",
        "disabled_at",
    )
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="Secret")
    def masked(self, obj: ApiSecret) -> str:
        return obj.masked

    @admin.display(description="Permissions")
    def permission_list(self, obj: ApiSecret) -> str:
        return ", ".join(obj.permissions)

    @admin.display(description="Expiration")
    def expiration(self, obj: ApiSecret) -> str:
        return obj.expiration_text()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only a tenant admin (or the create_api_secret command) makes secrets

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" is the same, worded for support
        return actions

    @admin.action(description="Revoke (delete) selected API secrets", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiSecret]) -> None:
        count = 0
        for secret in queryset.select_related("tenant"):
            api_secret_delete(
                secret=secret,
                actor=Actor.for_support(request.user),
                ip=client_ip(request),
                action=REVOKED,
            )
            count += 1
        self.message_user(request, f"Revoked {count} API secret(s).", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: ApiSecret) -> None:
        """The change page's Delete link revokes through the service too, so it is audited."""
        api_secret_delete(
            secret=obj, actor=Actor.for_support(request.user), ip=client_ip(request), action=REVOKED
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiSecret]) -> None:
        for secret in queryset.select_related("tenant"):
            self.delete_model(request, secret)
