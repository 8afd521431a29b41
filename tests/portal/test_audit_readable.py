"""The audit trail as a person reads it: labels, details as text, IPv4 addresses as IPv4, and
the way between a secret's page and its entries."""

from __future__ import annotations

import re

import pytest

from apisecrets.services import api_secret_delete, api_secret_roll, api_secret_update
from audit.services import Actor, record
from tests.factories import make_api_secret

pytestmark = pytest.mark.django_db

URL = "/audit-trail/"


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_actions_are_labels_and_details_are_text(admin_client, tenant, actor):
    secret, _ = make_api_secret(tenant, "Door app", actor=actor, permissions=["read", "door_open"])
    api_secret_update(secret=secret, actor=actor, name="Door app 2", permissions=["read"])
    html = admin_client.get(URL).content.decode()
    assert "API secret created" in html
    assert "API secret name or permissions changed" in html
    assert "<code>api_secret.created</code>" not in html
    assert "[&#x27;" not in html and "{&#x27;" not in html  # no Python lists or dicts
    assert '<span class="muted">permissions</span> read, door_open' in html
    assert '<span class="muted">allowed addresses</span> none' in html
    assert '<span class="muted">name</span> Door app → Door app 2' in html


def test_ipv4_mapped_addresses_show_as_ipv4(admin_client, tenant):
    record(tenant=tenant, actor=Actor.system(), action="tenant.changed", ip="::ffff:192.0.2.7")
    record(tenant=tenant, actor=Actor.system(), action="tenant.changed", ip="2001:db8::1")
    html = admin_client.get(URL).content.decode()
    assert "<td>192.0.2.7</td>" in html
    assert "<td>2001:db8::1</td>" in html
    assert "::ffff:" not in html


def test_filter_by_secret_and_links_both_ways(admin_client, tenant, actor):
    door, _ = make_api_secret(tenant, "Door app", actor=actor)
    other, _ = make_api_secret(tenant, "Reporting", actor=actor)
    successor, _ = api_secret_roll(secret=door, actor=actor, overlap="1h")
    page = admin_client.get(f"/api-access/{successor.pk}/").content.decode()
    assert f'href="/audit-trail/?secret={successor.pk}"' in page

    html = admin_client.get(URL, {"secret": str(successor.pk)}).content.decode()
    rows = _rows(html)
    # The roll names its successor; the successor's own creation is the roll.
    assert len(rows) == 1 and "API secret rolled" in rows[0]
    assert f'<option value="{successor.pk}" selected>' in html
    assert f'href="/api-access/{successor.pk}/"' in html  # back to the secret's page

    rows = _rows(admin_client.get(URL, {"secret": str(door.pk)}).content.decode())
    assert [("created" in r, "rolled" in r) for r in rows] == [(False, True), (True, False)]
    # Each entry about a secret that exists links to its page.
    assert f'<a href="/api-access/{door.pk}/">api_secret:Door app</a>' in rows[1]
    assert "Reporting" not in "".join(rows)
    assert other.pk


def test_entries_of_a_deleted_secret_are_found_by_id_without_a_link(admin_client, tenant, actor):
    secret, _ = make_api_secret(tenant, "Door app", actor=actor)
    secret_id = secret.pk
    api_secret_delete(secret=secret, actor=actor)
    html = admin_client.get(URL, {"secret": str(secret_id)}).content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    assert f'href="/api-access/{secret_id}/"' not in html
    assert "A deleted API secret" in html


@pytest.mark.parametrize("value", ["nonsense", "1 OR 1=1", "\x00", "0" * 300])
def test_an_unusable_secret_filter_shows_everything(admin_client, tenant, actor, value):
    make_api_secret(tenant, "Door app", actor=actor)
    response = admin_client.get(URL, {"secret": value})
    assert response.status_code == 200
    assert '<select id="secret-filter" name="secret">' in response.content.decode()
    everything = _rows(admin_client.get(URL).content.decode())
    assert len(_rows(response.content.decode())) == len(everything) >= 2


def test_another_tenants_secret_shows_nothing_of_theirs(admin_client, other_tenant):
    theirs, _ = make_api_secret(other_tenant, "Theirs")
    html = admin_client.get(URL, {"secret": str(theirs.pk)}).content.decode()
    assert "Theirs" not in html
    assert "No audit entries" in html
