"""Keys you can change and pause: least privilege in the Create dialog, name and permissions
edited on the secret's page, Disable / Enable, and Roll's choice of the successor's validity."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apisecrets import authentication
from apisecrets.models import ApiSecret, places_used
from apisecrets.services import api_secret_roll, api_secret_set_disabled, api_secret_update
from tests.accounts.test_reauth_and_sessions import signed_in  # noqa: F401 - fixture
from tests.conftest import needs
from tests.factories import make_api_secret
from tests.helpers import assert_problem, at_once, bearer_client

pytestmark = pytest.mark.django_db

VERSION = "/api/v1/version"


def _actions(tenant, action):
    return list(tenant.audit_entries.filter(action=action).order_by("id"))


# --- least privilege in the Create dialog -----------------------------------------------------


def test_create_dialog_checks_no_permission_and_says_what_each_allows(admin_client):
    html = admin_client.get("/api-access/new/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="permissions"[^>]*>', html)
    assert len(boxes) == 4
    assert not any("checked" in box for box in boxes)
    assert "Open the door of the device in a Teams user&#x27;s active call." in html
    assert "Change call group members&#x27; availability." in html
    # Each box is described by its own help text.
    assert 'aria-describedby="id_permissions_2_help"' in html
    assert 'id="id_permissions_2_help"' in html


# --- name and permissions -----------------------------------------------------------------------


def test_edit_name_and_permissions_applies_at_once_and_is_audited(
    admin_client, tenant, django_capture_on_commit_callbacks
):
    secret, value = make_api_secret(tenant, "Door app", permissions=["read", "door_open"])
    api = bearer_client(value)
    assert api.get(VERSION).status_code == 200  # cached in this process
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/api-access/{secret.pk}/edit/", {"name": "Door app v2", "permissions": "door_open"}
        )
    assert response.status_code == 302
    assert response["Location"] == f"/api-access/{secret.pk}/"
    secret.refresh_from_db()
    assert (secret.name, secret.permissions) == ("Door app v2", ["door_open"])
    # The process's cache forgot it: the lost permission is refused on the next request.
    assert_problem(api.get(VERSION), 403, "insufficient_permission")
    (entry,) = _actions(tenant, "api_secret.updated")
    assert entry.actor_name == "alice@acme.example"
    assert entry.details["name"] == {"before": "Door app", "after": "Door app v2"}
    assert entry.details["permissions"] == {
        "before": ["read", "door_open"],
        "after": ["door_open"],
    }
    page = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    assert "Name and permissions saved." in page


def test_edit_repeated_writes_nothing_more(admin_client, tenant):
    secret, _ = make_api_secret(tenant, "Door app", permissions=["read"])
    data = {"name": "Door app", "permissions": "read"}
    for _ in range(2):
        assert admin_client.post(f"/api-access/{secret.pk}/edit/", data).status_code == 302
    assert _actions(tenant, "api_secret.updated") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Other", "permissions": []}, "Choose at least one permission."),
        ({"name": "other", "permissions": "read"}, "An API secret with this name already exists."),
        ({"name": "Оther", "permissions": "read"}, "looks like"),  # Cyrillic О
        ({"name": "", "permissions": "read"}, "Enter a name."),
        ({"name": "a/b", "permissions": "read"}, "/"),
        ({"name": "x", "permissions": "admin"}, "Select a valid choice"),
    ],
)
def test_bad_edit_is_a_field_error_and_changes_nothing(admin_client, tenant, data, message):
    make_api_secret(tenant, "Other")
    secret, _ = make_api_secret(tenant, "Door app", permissions=["read", "availability"])
    response = admin_client.post(f"/api-access/{secret.pk}/edit/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    secret.refresh_from_db()
    assert (secret.name, secret.permissions) == ("Door app", ["read", "availability"])
    assert _actions(tenant, "api_secret.updated") == []


def test_a_rolled_secret_keeps_its_name_and_is_edited_through_its_successor(
    admin_client, tenant, actor
):
    old, _ = make_api_secret(tenant, "Door app")
    new, _ = api_secret_roll(secret=old, actor=actor, overlap="1h")
    newer, _ = api_secret_roll(secret=new, actor=actor, overlap="1h")
    # The successor may keep the name its predecessors share, or change its case.
    for name in ("Door app", "DOOR APP"):
        response = admin_client.post(
            f"/api-access/{newer.pk}/edit/", {"name": name, "permissions": "read"}
        )
        assert response.status_code == 302
    newer.refresh_from_db()
    assert newer.name == "DOOR APP"
    response = admin_client.post(
        f"/api-access/{old.pk}/edit/", {"name": "Renamed", "permissions": "read"}
    )
    assert response.status_code == 200
    assert "edit its successor instead" in response.content.decode()
    old.refresh_from_db()
    assert old.name == "Door app" and old.permissions == ["read", "availability", "door_open"]


def test_another_tenants_secret_cannot_be_edited_or_disabled(admin_client, tenant, other_tenant):
    mine, _ = make_api_secret(tenant, "Mine")
    other, _ = make_api_secret(other_tenant, "Theirs")
    data = {"name": "Mine", "permissions": "read"}
    assert admin_client.post(f"/api-access/{mine.pk}/edit/", data).status_code == 302
    assert admin_client.post(f"/api-access/{mine.pk}/disable/").status_code == 302
    assert admin_client.post(f"/api-access/{other.pk}/edit/", data).status_code == 404
    assert admin_client.post(f"/api-access/{other.pk}/disable/").status_code == 404
    other.refresh_from_db()
    assert other.name == "Theirs" and not other.is_disabled
    assert not other_tenant.audit_entries.filter(action__startswith="api_secret.u").exists()


def test_edit_and_disable_ask_to_reauthenticate_after_15_minutes(
    signed_in,  # noqa: F811
    tenant,
    time_machine,
):
    secret, _ = make_api_secret(tenant, "Door app")
    time_machine.move_to("2026-11-28 10:15:01+00:00", tick=False)
    for path, data in [
        (f"/api-access/{secret.pk}/edit/", {"name": "Changed", "permissions": "read"}),
        (f"/api-access/{secret.pk}/disable/", {}),
    ]:
        response = signed_in.post(path, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/")
    secret.refresh_from_db()
    assert secret.name == "Door app" and not secret.is_disabled


# --- Disable / Enable ---------------------------------------------------------------------------


def test_disable_refuses_at_once_keeps_the_place_and_enable_restores(
    admin_client, tenant, django_capture_on_commit_callbacks
):
    secret, value = make_api_secret(tenant, "Door app")
    api = bearer_client(value)
    assert api.get(VERSION).status_code == 200  # cached in this process
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/api-access/{secret.pk}/disable/")
    assert response.status_code == 302
    body = assert_problem(api.get(VERSION), 401, "disabled_secret", title="Disabled API secret")
    assert "disabled" in body["detail"]
    page = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    assert "Disabled</strong> since" in page
    assert ">Enable</button>" in page
    table = admin_client.get("/api-access/").content.decode()
    assert '<span class="badge badge-disabled">disabled</span>' in table
    # It keeps its place: still counted, still listed.
    assert places_used(tenant.api_secrets.all()) == 1
    assert "1 of 4" in table

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/api-access/{secret.pk}/disable/", {"enable": "1"})
    assert api.get(VERSION).status_code == 200
    actions = [
        e.action
        for e in tenant.audit_entries.filter(
            action__in=["api_secret.disabled", "api_secret.enabled"]
        ).order_by("id")
    ]
    assert actions == ["api_secret.disabled", "api_secret.enabled"]


def test_disabling_twice_is_one_entry(admin_client, tenant):
    secret, _ = make_api_secret(tenant, "Door app")
    for _ in range(2):
        assert admin_client.post(f"/api-access/{secret.pk}/disable/").status_code == 302
    assert len(_actions(tenant, "api_secret.disabled")) == 1
    secret.refresh_from_db()
    assert secret.is_disabled


def test_a_process_that_cached_the_secret_refuses_it_within_a_second(
    tenant, api_client, api_secret
):
    assert api_client.get(VERSION).status_code == 200  # this "other process" has it cached
    # Disabled elsewhere: nobody tells this process (no cache.forget here).
    ApiSecret.objects.filter(pk=api_secret.pk).update(disabled_at=timezone.now())
    time.sleep(1.0)
    assert_problem(api_client.get(VERSION), 401, "disabled_secret")


def test_disabled_and_expired_says_expired(tenant, actor):
    secret, value = make_api_secret(tenant, "Door app", expires_in=-timedelta(minutes=1))
    api_secret_set_disabled(secret=secret, actor=actor, disabled=True)
    assert_problem(bearer_client(value).get(VERSION), 401, "expired_secret")


# --- Roll: the successor's validity -------------------------------------------------------------


def test_roll_page_offers_the_old_period_and_says_the_new_expiry(admin_client, tenant):
    secret, _ = make_api_secret(tenant, "Door app", days=30)
    html = admin_client.get(f"/api-access/{secret.pk}/roll/").content.decode()
    assert 'name="validity_days" value="30"' in html
    expected = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert "With 30 days (the current period) the new secret expires on" in html
    assert expected in html


def test_roll_with_a_chosen_validity(admin_client, tenant):
    secret, _ = make_api_secret(tenant, "Door app", days=30)
    response = admin_client.post(
        f"/api-access/{secret.pk}/roll/", {"overlap": "1h", "validity_days": "200"}
    )
    assert response.status_code == 200
    new = tenant.api_secrets.get(rolled_at__isnull=True)
    assert new.validity_days == 200
    assert "(200 days left)" in response.content.decode()
    (entry,) = _actions(tenant, "api_secret.rolled")
    assert entry.details["validity_days"] == 200


@pytest.mark.parametrize("days", ["9", "366", "ten", "-1"])
def test_roll_with_a_bad_validity_is_a_field_error_and_rolls_nothing(admin_client, tenant, days):
    secret, _ = make_api_secret(tenant, "Door app")
    response = admin_client.post(
        f"/api-access/{secret.pk}/roll/", {"overlap": "1h", "validity_days": days}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_validity_days_error"' in html
    assert tenant.api_secrets.count() == 1
    secret.refresh_from_db()
    assert secret.rolled_at is None


# --- the secret's page: expiry explained ------------------------------------------------------


def test_secret_page_shows_validity_period_and_who_gets_reminders_when(
    admin_client, tenant, admin_user
):
    secret, _ = make_api_secret(tenant, "Door app", days=60)
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    assert re.search(r'id="validity-period">60 days', html)
    reminders = re.search(r'<dd id="expiry-reminders">(.*?)</dd>', html, re.S).group(1)
    assert "Emailed to Acme's active admins (alice@acme.example)" in reminders
    assert "20, 7 and 1 days before it expires, and once when it has expired." in reminders
    assert f'href="/audit-trail/?secret={secret.pk}"' in html


def test_secret_page_says_to_roll_an_expiring_secret(admin_client, tenant):
    secret, _ = make_api_secret(tenant, "Door app", expires_in=timedelta(days=5))
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    assert "It stops working then. Roll it to get a successor" in html


def test_requests_with_a_disabled_secret_are_charted_as_refused(tenant, actor):
    secret, value = make_api_secret(tenant, "Door app")
    api_secret_set_disabled(secret=secret, actor=actor, disabled=True)
    authentication.cache.reset_for_tests()
    for _ in range(2):
        bearer_client(value).get(VERSION)
    authentication.flush_usage()
    usage = secret.usage.get()
    assert (usage.count, usage.refused) == (0, 2)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_disables_and_edits_write_once_each(tenant, actor):
    needs(connection.vendor == "postgresql", "row locks need PostgreSQL")
    secret, _ = make_api_secret(tenant, "Door app")

    def disable(_: int) -> str:
        api_secret_set_disabled(secret=secret, actor=actor, disabled=True)
        return "done"

    def edit(_: int) -> str:
        api_secret_update(secret=secret, actor=actor, name="Door app 2", permissions=["read"])
        return "done"

    assert at_once(4, disable) == ["done"] * 4
    assert at_once(4, edit) == ["done"] * 4
    assert len(_actions(tenant, "api_secret.disabled")) == 1
    assert len(_actions(tenant, "api_secret.updated")) == 1
