"""A NUL character in an admin filter or autocomplete query: 400, never a 500.

PostgreSQL is where it broke (its text cannot hold NUL), so these run there (needs()).
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import needs

FILTERS = [
    ("/admin/audit/auditentry/", {"action": "\x00"}),
    ("/admin/audit/auditentry/", {"action__startswith": "a\x00"}),
    ("/admin/tenants/tenant/", {"name": "\x00"}),
    ("/admin/devices/device/", {"name__exact": "x\x00y"}),
    ("/admin/tenants/tenant/", {"\x00": "x"}),
]
AUTOCOMPLETE = [
    {"app_label": "callgroups", "model_name": "callgroupmember", "field_name": "user"},
    {"app_label": "tenants", "model_name": "user", "field_name": "tenant"},
]


@pytest.fixture
def support_client(client, staff_user):
    needs(connection.vendor == "postgresql", "NUL in a query fails on PostgreSQL only")
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize(("url", "params"), FILTERS)
def test_a_nul_in_an_admin_filter_is_a_400(support_client, url, params):
    assert support_client.get(url, params).status_code == 400


@pytest.mark.parametrize("source", AUTOCOMPLETE)
@pytest.mark.parametrize("term", ["\x00", "a\x00b"])
def test_a_nul_in_an_admin_autocomplete_term_is_a_400(support_client, tenant, source, term):
    assert support_client.get("/admin/autocomplete/", {**source, "term": term}).status_code == 400


@pytest.mark.parametrize("source", AUTOCOMPLETE)
def test_admin_autocomplete_still_answers_a_plain_term(support_client, tenant, source):
    response = support_client.get("/admin/autocomplete/", {**source, "term": "a"})
    assert response.status_code == 200
    assert "results" in response.json()


def test_an_admin_filter_without_nul_still_filters(support_client, tenant):
    response = support_client.get("/admin/tenants/tenant/", {"name": tenant.name})
    assert response.status_code == 200
    assert tenant.name in response.content.decode()
