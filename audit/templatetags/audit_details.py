"""Audit entries as a person reads them: action labels, details as text, stored timestamps in
the viewer's time zone, IPv4 peers of a dual-stack socket as IPv4."""

from __future__ import annotations

import ipaddress

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEntry

register = template.Library()

_ACTION_LABELS = dict(AuditEntry.Action.choices)


@register.filter
def action_label(action: str) -> str:
    """ "api_secret.created" -> "API secret created"; an unknown code as it is."""
    return _ACTION_LABELS.get(action, action)


@register.filter
def detail_key(key: str) -> str:
    """ "allowed_addresses" -> "allowed addresses"."""
    return str(key).replace("_", " ")


def _timestamp(value: str) -> str | None:
    if len(value) >= 16 and value[4:5] == "-" and "T" in value:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is not None and timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return None


@register.filter
def detail_value(value) -> str:
    """A detail as text: an ISO timestamp (details keep UTC ISO strings) becomes "Y-m-d H:i" in
    the active zone, a list its items ("read, door_open"; "none" when empty), a change
    ({"before", "after"}) "old → new", True/False/None "yes"/"no"/"none"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, str):
        return _timestamp(value) or value
    if isinstance(value, list | tuple):
        return ", ".join(detail_value(item) for item in value) or "none"
    if isinstance(value, dict):
        if set(value) == {"before", "after"}:
            return f"{detail_value(value['before'])} → {detail_value(value['after'])}"
        return "; ".join(f"{detail_key(k)}: {detail_value(v)}" for k, v in value.items())
    return str(value)


@register.filter
def display_ip(value) -> str:
    """ "::ffff:192.0.2.1" (an IPv4 client of a dual-stack socket) -> "192.0.2.1"."""
    if not value:
        return ""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return str(value)
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)
