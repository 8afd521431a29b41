"""Reads of API secrets that decide what the services and pages may offer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from apisecrets.models import MAX_PER_TENANT, MAX_TEST_PER_TENANT, ApiSecret, places_used
from tenants.models import Tenant

ACCESS_DISABLED_MESSAGE = "API access is not enabled for this tenant. Contact support to enable it."


@dataclass(frozen=True)
class CreateRefusal:
    """Why a tenant cannot create an API secret now: a stable code and the sentence to show."""

    code: str  # "api_access_disabled" or "limit_reached"
    message: str


def create_refusal(
    tenant: Tenant, secrets: Iterable[ApiSecret] | None = None, *, test: bool = False
) -> CreateRefusal | None:
    """Can `tenant` create an API secret (`test`: a test secret) now? None if it can, else why
    not.

    The one statement of the rule, for the service (under the tenant row's lock), the Create
    page and the API Access page's buttons and notes. Live and test secrets have places of
    their own. `secrets`: the tenant's secrets of that kind when the caller has them already
    (the page's list), else they are read.
    """
    if not tenant.api_access_enabled:
        return CreateRefusal("api_access_disabled", ACCESS_DISABLED_MESSAGE)
    if secrets is None:
        secrets = ApiSecret.objects.filter(
            **({"tenant__sandbox_of": tenant} if test else {"tenant": tenant})
        ).only("replaced_by")
    limit = MAX_TEST_PER_TENANT if test else MAX_PER_TENANT
    if places_used(secrets) >= limit:
        kind = "test secrets" if test else "API secrets"
        return CreateRefusal(
            "limit_reached",
            f"You have reached the maximum: at most {limit} {kind} per tenant. "
            "Delete one to create another.",
        )
    return None
