"""The Create form's one-time token: a resent form shows the same secret once, to its sender."""

from __future__ import annotations

import pytest
from django.test import Client

from apisecrets.models import ApiSecret
from apisecrets.services import hash_api_secret
from apisecrets.submissions import new_token

pytestmark = pytest.mark.django_db

URL = "/api-access/new/"


def post(client, token, name="Door integration"):
    return client.post(
        URL, {"name": name, "validity_days": "90", "permissions": "read", "submit_token": token}
    )


def shown_value(response) -> str:
    html = response.content.decode()
    start = html.index('id="new-secret-value"')
    value_at = html.index('value="', start) + len('value="')
    return html[value_at : html.index('"', value_at)]


def test_the_same_form_twice_shows_the_same_secret_then_only_a_notice(admin_client):
    token = new_token()
    first = post(admin_client, token)
    second = post(admin_client, token)
    assert first.status_code == second.status_code == 200
    value = shown_value(first)
    assert shown_value(second) == value
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(value)
    assert "no-store" in second["Cache-Control"]

    third = post(admin_client, token, name="Another")
    assert third.status_code == 302
    assert ApiSecret.objects.count() == 1
    page = admin_client.get(third["Location"]).content.decode()
    assert "This form was already sent" in page
    assert value not in page


def test_a_new_token_creates_a_new_secret(admin_client):
    post(admin_client, new_token(), name="One")
    post(admin_client, new_token(), name="Two")
    assert ApiSecret.objects.count() == 2


def test_invalid_input_does_not_spend_the_token(admin_client):
    token = new_token()
    bad = post(admin_client, token, name="Bad@name")
    assert bad.status_code == 200
    assert not ApiSecret.objects.exists()
    good = post(admin_client, token)
    assert ApiSecret.objects.get().hashed_value == hash_api_secret(shown_value(good))


def test_another_session_cannot_replay_the_token(admin_client, admin_user):
    token = new_token()
    value = shown_value(post(admin_client, token))
    client = Client()
    client.force_login(admin_user)  # a second session of the same user
    other = post(client, token)
    assert value not in other.content.decode()
    assert ApiSecret.objects.count() == 1


def test_the_form_carries_a_token_and_a_malformed_one_is_ignored(admin_client):
    html = admin_client.get(URL).content.decode()
    assert 'name="submit_token"' in html
    post(admin_client, "short", name="One")
    post(admin_client, "short", name="Two")
    assert ApiSecret.objects.count() == 2
