"""One open support request per tenant, enforced by the service (not only by the page)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from tenants.models import SupportRequest
from tenants.services import SupportRequestAlreadyOpen, support_request_create
from tests.helpers import at_once

THREADS = 6


def _create(tenant, user, subject: str = "Enable API access for Acme") -> SupportRequest:
    return support_request_create(
        tenant=tenant,
        user=user,
        contact_email=user.email,
        subject=subject,
        message="Please enable it.",
    )


@pytest.mark.django_db
def test_a_second_request_is_refused_while_one_is_open(tenant, admin_user):
    first = _create(tenant, admin_user)

    with pytest.raises(SupportRequestAlreadyOpen) as caught:
        _create(tenant, admin_user, subject="Again")

    assert caught.value.code == "support_request_open"
    assert list(tenant.support_requests.all()) == [first]
    assert AuditEntry.objects.filter(action="support_request.created").count() == 1


@pytest.mark.django_db
def test_a_new_request_is_allowed_once_the_open_one_is_resolved(tenant, admin_user):
    first = _create(tenant, admin_user)
    first.status = SupportRequest.Status.RESOLVED
    first.save()

    second = _create(tenant, admin_user, subject="Again")

    assert second.status == SupportRequest.Status.OPEN
    assert tenant.support_requests.count() == 2


@pytest.mark.django_db
def test_another_tenants_open_request_does_not_count(tenant, other_tenant, admin_user):
    from tests.conftest import PASSWORD

    other_user = other_tenant.users.model.objects.create_user(
        "carol@globex.example", PASSWORD, tenant=other_tenant
    )
    _create(other_tenant, other_user, subject="Globex")

    assert _create(tenant, admin_user).tenant_id == tenant.pk


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_concurrent_requests_is_created(tenant, admin_user):
    def send(index: int) -> str:
        try:
            _create(tenant, admin_user, subject=f"Request {index}")
        except SupportRequestAlreadyOpen:
            return "refused"
        return "created"

    outcomes = at_once(THREADS, send)
    assert outcomes == ["created"] + ["refused"] * (THREADS - 1), outcomes
    assert tenant.support_requests.count() == 1
