from __future__ import annotations

import pytest

ADMIN_LISTS = [
    "/admin/tenants/tenant/",
    "/admin/tenants/user/",
    "/admin/tenants/supportrequest/",
    "/admin/apisecrets/apisecret/",
    "/admin/audit/auditentry/",
    "/admin/callgroups/teamsuser/",
    "/admin/callgroups/callgroup/",
    "/admin/devices/device/",
    "/admin/devices/call/",
    "/admin/devices/calllogentry/",
    "/admin/devices/dooropencommand/",
]


@pytest.mark.parametrize("url", ADMIN_LISTS)
def test_admin_search_with_a_nul_character_answers(client, staff_user, url):
    client.force_login(staff_user)
    assert client.get(url, {"q": "a\x00b"}).status_code == 200
