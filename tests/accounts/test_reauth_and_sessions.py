"""Re-authentication windows, password reset tokens, session limits (clock moved, no sleeping)."""

from __future__ import annotations

import re
import uuid

import pytest
from asgiref.sync import async_to_sync

from accounts.sessions import HELD_BY_PATH_KEY, HELD_BY_PATH_MAX
from apisecrets.models import ApiSecret
from audit.models import AuditEntry
from tests.factories import PASSWORD, make_api_secret

T0 = "2026-11-28 10:00:00+00:00"


@pytest.fixture
def signed_in(client, admin_user, time_machine):
    time_machine.move_to(T0, tick=False)
    response = client.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def create(client, name="Door", **headers):
    return client.post(
        "/api-access/new/",
        {"name": name, "validity_days": 90, "permissions": "read"},
        headers=headers or None,
    )


def test_a_fresh_sign_in_may_create_a_secret(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:14:50+00:00", tick=False)
    assert create(signed_in).status_code == 200
    assert ApiSecret.objects.filter(name="Door").exists()


def test_after_15_minutes_create_asks_to_reauthenticate_then_carries_on(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:15:01+00:00", tick=False)
    response = create(signed_in)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Fapi-access%2Fnew%2F"
    assert not ApiSecret.objects.exists()
    # The password again: allauth then carries out the suspended POST.
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": PASSWORD}
    )
    assert response.status_code == 200
    assert ApiSecret.objects.filter(name="Door").exists()
    # Recent now: the next create goes through directly.
    assert create(signed_in, "Door 2").status_code == 200


def test_htmx_create_after_the_window_is_held_and_carried_out_after_the_password(
    signed_in, time_machine
):
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    response = signed_in.post(
        "/api-access/new/",
        {
            "name": "Typed in the dialog",
            "validity_days": 30,
            "permissions": ["read", "door_open"],
            "allowed_addresses": "203.0.113.7",
        },
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/api-access/"},
    )
    assert response.status_code == 200
    # The whole page goes to the password, which leads back to the held form, not to the list.
    assert response["HX-Redirect"] == "/accounts/reauthenticate/?next=%2Fapi-access%2Fnew%2F"
    assert not ApiSecret.objects.exists()
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": PASSWORD}
    )
    # Carried out as the form without JavaScript would be: the full page with the value.
    assert response.status_code == 200
    assert b"<html" in response.content and b"API secret created" in response.content
    secret = ApiSecret.objects.get()
    assert secret.name == "Typed in the dialog"
    assert sorted(secret.permissions) == ["door_open", "read"]
    assert secret.allowed_addresses == ["203.0.113.7"]
    assert secret.validity_days == 30


def test_an_htmx_get_after_the_window_leads_back_to_its_page(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    response = signed_in.get("/api-access/new/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/reauthenticate/?next=%2Fapi-access%2Fnew%2F"
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/api-access/new/"


def test_htmx_delete_after_the_window_is_carried_out_after_the_password(
    signed_in, tenant, time_machine
):
    secret, _ = make_api_secret(tenant, name="Old")
    time_machine.move_to("2026-11-28 10:16:00+00:00", tick=False)
    url = f"/api-access/{secret.id}/delete/"
    response = signed_in.post(url, headers={"HX-Request": "true"})
    assert (
        response["HX-Redirect"]
        == f"/accounts/reauthenticate/?next=%2Fapi-access%2F{secret.id}%2Fdelete%2F"
    )
    assert signed_in.get(url)["Location"].startswith("/accounts/reauthenticate/")
    assert ApiSecret.objects.filter(pk=secret.pk).exists()
    # The GET above asked too, but holds nothing: the POST confirmed in the dialog is carried out.
    response = signed_in.post(f"/accounts/reauthenticate/?next={url}", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/api-access/"
    assert not ApiSecret.objects.filter(pk=secret.pk).exists()


def test_a_held_request_is_carried_out_once(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    create(signed_in, **{"HX-Request": "true"})
    url = "/accounts/reauthenticate/?next=/api-access/new/"
    assert signed_in.post(url, {"password": "wrong"}).status_code == 200
    assert not ApiSecret.objects.exists()  # a wrong password: still held, nothing done
    assert signed_in.post(url, {"password": PASSWORD}).status_code == 200
    # Confirm sent again (Back, resend): the held request is gone, only the empty form shows.
    response = signed_in.post(url, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/api-access/new/"
    assert ApiSecret.objects.filter(name="Door").count() == 1


def test_two_tabs_held_at_once_each_carry_out_their_own(signed_in, tenant, time_machine):
    old, _ = make_api_secret(tenant, name="Old")
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    create(signed_in, "From tab A", **{"HX-Request": "true"})
    delete_url = f"/api-access/{old.id}/delete/"
    signed_in.post(delete_url, headers={"HX-Request": "true"})  # tab B, while A waits
    # Tab A's password: its own create, not B's delete (allauth alone held only B's).
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": PASSWORD}
    )
    assert response.status_code == 200 and b"From tab A" in response.content
    assert ApiSecret.objects.filter(pk=old.pk).exists()
    response = signed_in.post(
        f"/accounts/reauthenticate/?next={delete_url}", {"password": PASSWORD}
    )
    assert response["Location"] == "/api-access/"
    assert list(ApiSecret.objects.values_list("name", flat=True)) == ["From tab A"]
    # Both carried out: nothing is held any more.
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": PASSWORD}
    )
    assert response["Location"] == "/api-access/new/"
    assert ApiSecret.objects.count() == 1


def test_a_session_holds_a_few_requests_at_most(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    for _ in range(8):
        signed_in.post(f"/api-access/{uuid.uuid4()}/delete/", headers={"HX-Request": "true"})
    assert len(signed_in.session[HELD_BY_PATH_KEY]) == HELD_BY_PATH_MAX


def test_a_wrong_reauthentication_password_changes_nothing(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
    create(signed_in)
    response = signed_in.post(
        "/accounts/reauthenticate/?next=/api-access/new/", {"password": "wrong"}
    )
    assert response.status_code == 200
    assert not ApiSecret.objects.exists()


def test_mfa_changes_ask_to_reauthenticate_after_the_window(signed_in, time_machine):
    assert signed_in.get("/accounts/2fa/totp/activate/").status_code == 200
    time_machine.move_to("2026-11-28 10:16:00+00:00", tick=False)
    response = signed_in.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")


# --- sessions -------------------------------------------------------------------------------


def test_an_idle_session_ends_after_30_minutes(signed_in, time_machine):
    time_machine.move_to("2026-11-28 10:29:00+00:00", tick=False)
    assert signed_in.get("/api-access/").status_code == 200  # activity moves "last seen"
    time_machine.move_to("2026-11-28 10:58:00+00:00", tick=False)
    assert signed_in.get("/api-access/").status_code == 200
    time_machine.move_to("2026-11-28 11:29:00+00:00", tick=False)
    response = signed_in.get("/api-access/")
    assert response["Location"] == "/accounts/login/?next=%2Fapi-access%2F"
    assert signed_in.get("/api-access/")["Location"].startswith("/accounts/login/")


def test_a_session_ends_12_hours_after_sign_in_however_active(signed_in, time_machine):
    for minutes in range(20, 12 * 60, 20):
        time_machine.move_to(f"2026-11-28 {10 + minutes // 60}:{minutes % 60:02d}:00+00:00")
        assert signed_in.get("/api-access/").status_code == 200
    time_machine.move_to("2026-11-28 22:00:00+00:00", tick=False)
    assert signed_in.get("/api-access/")["Location"].startswith("/accounts/login/")


def test_the_limits_follow_the_environment(signed_in, settings, time_machine):
    settings.SESSION_IDLE_MINUTES = 5
    time_machine.move_to("2026-11-28 10:06:00+00:00", tick=False)
    assert signed_in.get("/api-access/").status_code == 302


def test_a_password_change_signs_out_every_session(client, admin_user, tenant):
    from django.test import Client

    other = Client()
    for c in (client, other):
        c.post("/accounts/login/", {"login": admin_user.email, "password": PASSWORD})
        assert c.get("/api-access/").status_code == 200
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a new Passw0rd!", "password2": "a new Passw0rd!"},
    )
    assert response.status_code == 302
    assert other.get("/api-access/").status_code == 302
    assert client.get("/api-access/").status_code == 302
    assert AuditEntry.objects.filter(action="user.password_changed", tenant=tenant).exists()


# --- password reset -------------------------------------------------------------------------


def reset_link(mailoutbox) -> str:
    match = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mailoutbox[-1].body)
    assert match, mailoutbox[-1].body
    return match[1]


def test_a_reset_link_works_once(client, admin_user, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "Alice@acme.example"})
    assert response.status_code == 302 and len(mailoutbox) == 1
    link = reset_link(mailoutbox)
    form_url = client.get(link)["Location"]  # allauth moves the key into the session
    response = client.post(
        form_url, {"password1": "a new Passw0rd!", "password2": "a new Passw0rd!"}
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password("a new Passw0rd!")
    # The same link again: refused (the token hashes the old password).
    response = client.get(link, follow=True)
    assert b"invalid" in response.content.lower()


def test_a_reset_link_expires(client, admin_user, mailoutbox, time_machine):
    time_machine.move_to(T0, tick=False)
    client.post("/accounts/password/reset/", {"email": admin_user.email})
    link = reset_link(mailoutbox)
    time_machine.move_to("2026-11-28 11:01:00+00:00", tick=False)
    response = client.get(link, follow=True)
    assert b"invalid" in response.content.lower()


def test_a_reset_for_an_unknown_address_looks_the_same(client, db, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@acme.example"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    # allauth tells the owner of the address that there is no account (no enumeration on page).
    assert len(mailoutbox) <= 1


def test_held_requests_are_put_back_under_asgi_too(async_client, admin_user, tenant, time_machine):
    old, _ = make_api_secret(tenant, name="Old")
    delete_url = f"/api-access/{old.id}/delete/"

    async def two_tabs():
        time_machine.move_to(T0, tick=False)
        await async_client.aforce_login(admin_user)
        time_machine.move_to("2026-11-28 10:20:00+00:00", tick=False)
        await async_client.post(
            "/api-access/new/", {"name": "A", "validity_days": 90, "permissions": "read"}
        )
        await async_client.post(delete_url)
        reauthenticate = "/accounts/reauthenticate/?next="
        first = await async_client.post(f"{reauthenticate}/api-access/new/", {"password": PASSWORD})
        second = await async_client.post(f"{reauthenticate}{delete_url}", {"password": PASSWORD})
        return first, second

    first, second = async_to_sync(two_tabs)()
    assert first.status_code == 200 and second["Location"] == "/api-access/"
    assert list(ApiSecret.objects.values_list("name", flat=True)) == ["A"]
