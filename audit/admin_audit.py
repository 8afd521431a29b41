"""Support's changes in Django admin, in the affected tenant's audit trail.

`AuditedAdmin` (or `AuditedAdminMixin` beside another ModelAdmin) writes
`<audit_name>.created|changed|deleted` for each add, change and delete made through a form, with
the changed fields (secrets masked: cybergate/lib/admin.py) and inline rows. The actor is always
`Actor.for_support(request.user)`, as in every other admin action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from audit.services import Actor, record
from cybergate.lib.admin import SupportAdminMixin, form_changes, formset_changes, initial_value
from cybergate.lib.clientinfo import client_ip


class AuditedAdminMixin(SupportAdminMixin):
    """Writes `<audit_name>.created|changed|deleted` in the affected tenant's audit trail, in the
    admin's own transaction, with the changed fields (secrets masked) and inline rows.

    `tenant` cannot be changed once a row exists (`fixed_on_change`): a device, Teams user or
    call group moved to another tenant would keep being referenced by the old tenant's call
    groups, members and calls. A move is not something support does; delete and recreate instead.
    """

    audit_name: str = ""
    fixed_on_change: tuple[str, ...] = ("tenant",)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            for name in self.fixed_on_change:
                if name in form.base_fields:
                    # Disabled rather than read-only: the value stays in the form, so unique
                    # constraints that include it are still validated (no IntegrityError).
                    form.base_fields[name].disabled = True
                    form.base_fields[name].help_text = "Fixed once created."
        return form

    def audit_tenants(self, obj: models.Model, form: ModelForm | None = None) -> list:
        """The trails an entry goes to: the row's tenant, and the previous one if it moved."""
        tenant = getattr(obj, "tenant", None)
        tenants = [tenant]
        if form is not None and "tenant" in getattr(form, "changed_data", ()):
            previous = initial_value(form, "tenant")
            if previous is not None and previous != tenant:
                tenants.append(previous)
        return tenants

    def audit(
        self,
        request: HttpRequest,
        obj: models.Model,
        verb: str,
        details: dict[str, Any],
        form: ModelForm | None = None,
    ) -> None:
        for tenant in self.audit_tenants(obj, form):
            record(
                tenant=tenant,
                actor=Actor.for_support(request.user),
                action=f"{self.audit_name or obj._meta.model_name}.{verb}",
                target=f"{self.audit_name or obj._meta.model_name}:{obj}",
                details={"id": str(obj.pk), **details},
                ip=client_ip(request),
            )

    def save_related(self, request: HttpRequest, form: ModelForm, formsets, change: bool) -> None:
        # Called after save_model, once the row and its inlines are saved: one entry for both.
        super().save_related(request, form, formsets, change)
        details: dict[str, Any] = {}
        fields = form_changes(form, adding=not change)
        if fields:
            details["fields"] = fields
        for formset in formsets:
            rows = formset_changes(formset)
            if rows:
                details[formset.prefix] = rows
        if change and not details:
            return  # "Save" with nothing changed changes nothing
        self.audit(request, form.instance, "changed" if change else "created", details, form)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.audit(request, obj, "deleted", {})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """ "Delete selected": one entry per row, all or nothing."""
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class AuditedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass
