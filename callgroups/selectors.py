"""Reads of call groups and Teams users that the customer API's views share."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from callgroups.models import CallGroup, CallGroupMember, TeamsUser
from cybergate.lib.problems import Problem
from tenants.models import Tenant


def teams_user_or_404(tenant: Tenant, ref: str) -> TeamsUser:
    """The tenant's Teams user named by UPN or Entra object id, else 404 `user_not_found`."""
    user = tenant.teams_users.by_reference(ref).first()
    if user is None:
        raise Problem(404, "user_not_found", "No Teams user with this UPN or id.")
    return user


def call_groups_of(tenant: Tenant) -> QuerySet[CallGroup]:
    members = CallGroupMember.objects.select_related("user").order_by("position")
    return tenant.call_groups.prefetch_related(Prefetch("memberships", queryset=members))
