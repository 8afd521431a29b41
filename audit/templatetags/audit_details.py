"""Audit entry details as a person reads them: stored timestamps in the viewer's time zone."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def detail_value(value):
    """An ISO timestamp (details keep UTC ISO strings) becomes "Y-m-d H:i" in the active zone."""
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is not None and timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return value
