"""What every support admin page shares: no filtering on stored hashes, and what a form changed
(secrets masked), for the audit entry that audit/admin_audit.py writes per add, change and delete.

The apps' ModelAdmins mix these in (`class DeviceAdmin(AuditedAdmin)`), so a new admin gets the
rules by inheriting, not by copying them. A library module: it imports no app.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.forms import BaseModelFormSet, ModelChoiceField, ModelForm, ModelMultipleChoiceField
from django.http import HttpRequest

# Stored one-way hashes. Filtering on them (`?hashed_value__startswith=dc8e`) answers "yes/no"
# per guessed prefix, which recovers the whole hash in a few hundred requests.
HASH_FIELDS = frozenset({"hashed_value", "credential_hash", "password"})

# Form fields whose values never go into an audit entry: only that they were set or changed.
# Matched by substring too, so a new `..._secret` or `..._code` field is masked by default.
SECRET_FIELD_MARKERS = ("password", "secret", "code", "credential", "hash", "token")


def lookup_touches_hash(lookup: str, fields: frozenset[str] = HASH_FIELDS) -> bool:
    return any(part in fields for part in lookup.split(LOOKUP_SEP))


def is_secret_field(name: str) -> bool:
    return any(marker in name.lower() for marker in SECRET_FIELD_MARKERS)


def plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a form value for the audit trail."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Iterable):  # many-to-many: a queryset or a list of objects
        return sorted(str(item) for item in value)
    return str(value)


def initial_value(form: ModelForm, name: str) -> Any:
    """A field's value before the change; a form keeps related rows' initial values as keys."""
    value = form.initial.get(name)
    field = form.fields.get(name)
    if isinstance(field, ModelMultipleChoiceField):
        assert field.queryset is not None
        keys = [item.pk if isinstance(item, models.Model) else item for item in value or []]
        return field.queryset.model._default_manager.filter(pk__in=keys)
    if isinstance(field, ModelChoiceField) and value is not None:
        if isinstance(value, models.Model):
            return value
        assert field.queryset is not None
        return field.queryset.model._default_manager.filter(pk=value).first()
    return value


def form_changes(form: ModelForm, *, adding: bool) -> dict[str, Any]:
    """Changed fields of a validated form: new values on add, {old, new} on change; secrets
    only as "set"/"changed"."""
    changes: dict[str, Any] = {}
    for name in form.changed_data:
        if is_secret_field(name):
            changes[name] = "set" if adding else "changed"
        elif adding:
            changes[name] = plain(form.cleaned_data.get(name))
        else:
            changes[name] = {
                "old": plain(initial_value(form, name)),
                "new": plain(form.cleaned_data.get(name)),
            }
    return changes


def formset_changes(formset: BaseModelFormSet) -> dict[str, Any]:
    """What a saved inline formset did: rows added, changed (with their fields) and removed."""
    forms_by_instance = {id(form.instance): form for form in formset.initial_forms}
    changed = []
    for obj, _fields in formset.changed_objects:
        form = forms_by_instance.get(id(obj))
        if form is not None:
            changed.append({"row": str(obj), "fields": form_changes(form, adding=False)})
    result = {
        "added": [str(obj) for obj in formset.new_objects],
        "changed": changed,
        "removed": [str(obj) for obj in formset.deleted_objects],
    }
    return {key: value for key, value in result.items() if value}


if TYPE_CHECKING:
    _ModelAdminBase = admin.ModelAdmin  # the mixins' super() calls are ModelAdmin's
else:
    _ModelAdminBase = object


class SupportAdminMixin(_ModelAdminBase):
    """Refuses list filters that reach a stored hash, on this model or through any relation.

    Django allows any lookup on the model's own fields (so `hashed_value__startswith` passes its
    default check); a refused one answers 400 (DisallowedModelAdminLookup), never a 500.
    """

    # Fields no list filter may touch; an admin of a model with other stored secrets adds them.
    refused_lookup_fields: frozenset[str] = HASH_FIELDS

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        if lookup_touches_hash(lookup, self.refused_lookup_fields):
            return False
        return super().lookup_allowed(lookup, value, request)


class SupportAdmin(SupportAdminMixin, admin.ModelAdmin):
    pass
