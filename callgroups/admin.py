"""Django admin for support: Teams users and call groups with their ordered members."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count

from audit.admin_audit import AuditedAdmin
from callgroups.models import (
    SEQUENTIAL_MAX_RING_SECONDS,
    SEQUENTIAL_MIN_RING_SECONDS,
    CallGroup,
    CallGroupMember,
    TeamsUser,
)


@admin.register(TeamsUser)
class TeamsUserAdmin(AuditedAdmin):
    audit_name = "teams_user"
    list_display = ["display_name", "upn", "tenant", "object_id"]
    list_filter = ["tenant"]
    search_fields = ["display_name", "upn", "object_id"]
    list_select_related = ["tenant"]


class MemberFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.has_changed() or form.instance.pk)
        ]
        # `instance` already carries the ring strategy submitted with the main form.
        self.instance.check_member_count(len(kept))
        users = [form.cleaned_data.get("user") for form in kept]
        # The model's clean() cannot see this while the group itself is still unsaved.
        if any(user is not None and user.tenant_id != self.instance.tenant_id for user in users):
            raise ValidationError("A member belongs to another tenant than the call group.")
        if len(users) != len(set(users)):
            raise ValidationError("A Teams user can be a member only once.")
        positions = [form.cleaned_data.get("position") for form in kept]
        if len(positions) != len(set(positions)):
            raise ValidationError("Each member needs a different position.")


class CallGroupMemberInline(admin.TabularInline):
    model = CallGroupMember
    formset = MemberFormSet
    fields = ["position", "user", "availability"]
    ordering = ["position"]
    extra = 1
    autocomplete_fields = ["user"]


class CallGroupAdminForm(forms.ModelForm):
    class Meta:
        model = CallGroup
        fields = ["tenant", "name", "ring_strategy", "ring_seconds"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # a ModelForm's clean returns its cleaned_data
        seconds = data.get("ring_seconds")
        if data.get("ring_strategy") == CallGroup.RingStrategy.SEQUENTIAL and (
            seconds is None
            or not SEQUENTIAL_MIN_RING_SECONDS <= seconds <= SEQUENTIAL_MAX_RING_SECONDS
        ):
            self.add_error(
                "ring_seconds",
                f"Sequential ringing needs {SEQUENTIAL_MIN_RING_SECONDS}–"
                f"{SEQUENTIAL_MAX_RING_SECONDS} seconds per member.",
            )
        return data


@admin.register(CallGroup)
class CallGroupAdmin(AuditedAdmin):
    audit_name = "call_group"
    form = CallGroupAdminForm
    inlines = [CallGroupMemberInline]
    list_display = ["name", "tenant", "ring_strategy", "member_count", "sip_address"]
    list_filter = ["ring_strategy", "tenant"]
    search_fields = ["name", "tenant__name"]
    list_select_related = ["tenant"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("memberships"))

    @admin.display(description="Members", ordering="_members")
    def member_count(self, obj: CallGroup) -> int:
        return obj._members  # type: ignore[attr-defined]  # annotated by get_queryset
