"""The Roll form's one-time token (the Create form's): a resent Roll shows the same new secret once
more, to its sender only, instead of "already rolled"; and the reveal's existence check."""

from __future__ import annotations

import pytest
from django.test import Client

from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_delete, hash_api_secret
from apisecrets.submissions import new_token
from audit.services import Actor
from tests.factories import make_api_secret
from tests.portal.test_create_submit_token import shown_value

pytestmark = pytest.mark.django_db


def roll(client, secret, token, overlap="1d"):
    return client.post(
        f"/api-access/{secret.pk}/roll/",
        {"overlap": overlap, "validity_days": "90", "submit_token": token},
    )


def test_a_resent_roll_shows_the_same_successor_once_more_then_only_a_notice(admin_client, tenant):
    old, _ = make_api_secret(tenant, "s0")
    token = new_token()
    first = roll(admin_client, old, token)
    value = shown_value(first)
    second = roll(admin_client, old, token)
    assert second.status_code == 200
    assert shown_value(second) == value
    assert "already" not in second.content.decode()
    assert "no-store" in second["Cache-Control"]
    old.refresh_from_db()
    assert old.replaced_by.hashed_value == hash_api_secret(value)
    assert ApiSecret.objects.count() == 2

    third = roll(admin_client, old, token)
    assert third.status_code == 302
    page = admin_client.get(third["Location"]).content.decode()
    assert "This form was already sent" in page
    assert value not in page
    assert ApiSecret.objects.count() == 2


def test_another_session_cannot_replay_a_roll(admin_client, admin_user, tenant):
    old, _ = make_api_secret(tenant, "s0")
    token = new_token()
    value = shown_value(roll(admin_client, old, token))
    client = Client()
    client.force_login(admin_user)  # a second session of the same user
    other = roll(client, old, token)
    assert value not in other.content.decode()
    assert value not in client.get("/api-access/").content.decode()
    assert ApiSecret.objects.count() == 2


def test_a_refused_roll_does_not_spend_the_token(admin_client, tenant):
    old, _ = make_api_secret(tenant, "s0")
    token = new_token()
    bad = roll(admin_client, old, token, overlap="forever")
    assert bad.status_code == 200
    assert ApiSecret.objects.count() == 1
    value = shown_value(roll(admin_client, old, token))
    assert ApiSecret.objects.filter(hashed_value=hash_api_secret(value)).exists()


def test_the_roll_form_carries_a_fresh_token(admin_client, tenant):
    old, _ = make_api_secret(tenant, "s0")
    first = admin_client.get(f"/api-access/{old.pk}/roll/").content.decode()
    second = admin_client.get(f"/api-access/{old.pk}/roll/").content.decode()
    assert 'name="submit_token"' in first
    token_of = lambda html: html.split('name="submit_token" value="')[1].split('"')[0]  # noqa: E731
    assert token_of(first) != token_of(second)


def test_the_reveal_shows_a_curl_line_with_the_new_secret(admin_client, tenant):
    old, _ = make_api_secret(tenant, "s0")
    response = roll(admin_client, old, new_token())
    value = shown_value(response)
    assert (
        f"curl -H &quot;Authorization: Bearer {value}&quot; "
        "http://testserver/api/v1/call-groups" in response.content.decode()
    )


def test_exists_answers_while_the_secret_exists_then_404(admin_client, admin_user, tenant):
    secret, _ = make_api_secret(tenant, "s0")
    url = f"/api-access/{secret.pk}/exists/"
    response = admin_client.get(url)
    assert response.status_code == 204
    assert "no-store" in response["Cache-Control"]
    api_secret_delete(secret=secret, actor=Actor.for_user(admin_user))
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 405


def test_exists_is_404_for_another_tenants_secret_and_asks_strangers_to_sign_in(
    client, other_admin_user, tenant
):
    secret, _ = make_api_secret(tenant, "s0")
    url = f"/api-access/{secret.pk}/exists/"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(other_admin_user)
    assert client.get(url).status_code == 404
