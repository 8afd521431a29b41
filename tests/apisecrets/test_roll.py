"""Roll (SPEC §6 "Rotation without downtime"): a successor shown once, the old secret working for
the chosen overlap and then not, the pair taking one place, race-safety and the audit entry."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from apisecrets.models import ApiSecret, places_used
from apisecrets.services import CannotRoll, api_secret_create, api_secret_roll
from audit.models import AuditEntry
from tests.accounts.test_reauth_and_sessions import T0, signed_in  # noqa: F401 - fixture
from tests.factories import make_api_secret
from tests.helpers import bearer_client

pytestmark = pytest.mark.django_db

VALUE = re.compile(r'value="(cgs_[0-9A-Za-z]{46})"')


def _four(tenant):
    pairs = [make_api_secret(tenant, name=f"s{i}") for i in range(4)]
    return pairs


def test_roll_at_the_limit_through_the_page(client, admin_user, tenant, time_machine):
    time_machine.move_to(T0, tick=False)
    client.force_login(admin_user)
    admin_client = client
    (old, old_value), *_ = _four(tenant)
    ApiSecret.objects.filter(pk=old.pk).update(allowed_addresses=["127.0.0.1", "192.0.2.0/24"])
    ApiSecret.objects.filter(pk=old.pk).update(perm_door_open=False)
    page = admin_client.get("/api-access/").content.decode()
    assert "4 of 4" in page
    assert f'action="/api-access/{old.pk}/roll/"' in page

    form = admin_client.get(f"/api-access/{old.pk}/roll/").content.decode()
    for label in ("1 hour", "1 day", "3 days", "7 days"):
        assert label in form
    response = admin_client.post(f"/api-access/{old.pk}/roll/", {"overlap": "1d"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "shown only this once" in html
    new_value = VALUE.search(html).group(1)
    assert response["Cache-Control"].count("no-store") == 1

    old.refresh_from_db()
    new = old.replaced_by
    assert new.name == old.name == "s0"
    assert new.permissions == ["read", "availability"]
    assert new.allowed_addresses == ["127.0.0.1", "192.0.2.0/24"]
    assert old.expires_at == timezone.now() + timedelta(days=1)
    assert new.expires_at == timezone.now() + timedelta(days=90)
    assert ApiSecret.objects.count() == 5
    assert places_used(ApiSecret.objects.all()) == 4

    page = admin_client.get("/api-access/").content.decode()
    assert "4 of 4" in page
    assert f"replaced by {new.masked}, stops working in 1\xa0day" in page
    # Both work during the overlap; the new one is the value shown.
    assert bearer_client(old_value).get("/api/v1/version").status_code == 200
    assert bearer_client(new_value).get("/api/v1/version").status_code == 200
    # The limit still holds for creates.
    response = admin_client.post(
        "/api-access/new/", {"name": "fifth", "validity_days": "90", "permissions": "read"}
    )
    assert b"at most 4 API secrets" in response.content

    entry = AuditEntry.objects.get(action="api_secret.rolled")
    assert entry.details["successor_id"] == str(new.pk)
    assert entry.details["overlap"] == "1 day"
    assert new_value not in str(entry.details)

    # After the overlap the old one stops; the new one goes on.
    time_machine.move_to(timezone.now() + timedelta(days=1, seconds=1), tick=False)
    response = bearer_client(old_value).get("/api/v1/version")
    assert response.status_code == 401
    assert response.json()["code"] == "expired_secret"
    assert bearer_client(new_value).get("/api/v1/version").status_code == 200
    # Expired, it still shares its successor's place: the page never says "5 of 4".
    assert places_used(ApiSecret.objects.all()) == 4
    client.force_login(admin_user)  # a day later: a new session
    page = client.get("/api-access/").content.decode()
    assert "4 of 4" in page
    assert "at most 4 API secrets" in page


@pytest.mark.parametrize(("overlap", "delta"), [("1h", timedelta(hours=1)), ("7d", timedelta(7))])
def test_overlaps(tenant, actor, overlap, delta, time_machine):
    time_machine.move_to(T0, tick=False)
    old, old_value = make_api_secret(tenant)
    api_secret_roll(secret=old, actor=actor, overlap=overlap)
    time_machine.move_to(timezone.now() + delta - timedelta(seconds=1), tick=False)
    assert bearer_client(old_value).get("/api/v1/version").status_code == 200
    time_machine.move_to(timezone.now() + timedelta(seconds=1), tick=False)
    assert bearer_client(old_value).get("/api/v1/version").status_code == 401


def test_overlap_never_lengthens_a_secret(tenant, actor):
    old, _ = make_api_secret(tenant)
    soon = timezone.now() + timedelta(hours=2)
    ApiSecret.objects.filter(pk=old.pk).update(expires_at=soon)
    old.refresh_from_db()
    api_secret_roll(secret=old, actor=actor, overlap="7d")
    old.refresh_from_db()
    assert old.expires_at == soon


def test_a_rolled_secret_cannot_be_rolled_again_but_its_successor_can(tenant, actor):
    old, _ = make_api_secret(tenant)
    new, _ = api_secret_roll(secret=old, actor=actor, overlap="1h")
    with pytest.raises(CannotRoll, match="already rolled"):
        api_secret_roll(secret=old, actor=actor, overlap="1h")
    newest, _ = api_secret_roll(secret=new, actor=actor, overlap="1h")
    assert places_used(ApiSecret.objects.all()) == 1
    assert newest.name == old.name


def test_bad_overlap_is_a_field_error(admin_client, tenant):
    old, _ = make_api_secret(tenant)
    response = admin_client.post(f"/api-access/{old.pk}/roll/", {"overlap": "30d"})
    assert response.status_code == 200
    assert "Choose one of the offered overlaps." in response.content.decode()
    assert ApiSecret.objects.count() == 1


def test_another_tenants_secret_is_404(admin_client, other_tenant):
    other, _ = make_api_secret(other_tenant)
    assert admin_client.get(f"/api-access/{other.pk}/roll/").status_code == 404
    assert admin_client.post(f"/api-access/{other.pk}/roll/", {"overlap": "1h"}).status_code == 404
    assert ApiSecret.objects.count() == 1


def test_the_name_is_free_again_only_for_the_pair(tenant, actor):
    old, _ = make_api_secret(tenant, name="Door")
    api_secret_roll(secret=old, actor=actor, overlap="1h")
    with pytest.raises(ValidationError) as caught:
        api_secret_create(tenant=tenant, actor=actor, name="door", validity_days=90)
    assert "already exists" in str(caught.value.message_dict["name"])


def test_roll_asks_to_reauthenticate_after_15_minutes(signed_in, tenant, time_machine):  # noqa: F811
    old, _ = make_api_secret(tenant)
    time_machine.move_to("2026-11-28 10:15:01+00:00", tick=False)
    response = signed_in.post(f"/api-access/{old.pk}/roll/", {"overlap": "1h"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert ApiSecret.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_rolls_of_one_secret_make_one_successor(tenant, actor):
    old, _ = make_api_secret(tenant)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    results: list[str] = []
    lock = threading.Lock()

    def roll() -> None:
        try:
            barrier.wait(timeout=10)
            api_secret_roll(secret=old, actor=actor, overlap="1h")
            outcome = "rolled"
        except CannotRoll:
            outcome = "refused"
        except Exception as exc:  # a database error must fail the test, visibly
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=roll) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["refused"] * (threads_count - 1) + ["rolled"], results
    assert ApiSecret.objects.count() == 2


def _answer(value: str) -> int:
    return bearer_client(value).get("/api/v1/version").status_code


def test_rolling_the_newest_six_times_leaves_one_place_and_two_working_secrets(
    admin_client, tenant, actor
):
    secret, value = make_api_secret(tenant, name="gamma")
    values = [value]
    for _ in range(6):
        secret, value = api_secret_roll(secret=secret, actor=actor, overlap="7d")
        values.append(value)

    assert ApiSecret.objects.filter(name="gamma").count() == 7
    assert ApiSecret.objects.filter(expires_at__gt=timezone.now()).count() == 2
    # The newest and the one it replaced work; every earlier one stopped when it was replaced.
    assert [_answer(v) for v in values] == [401] * 5 + [200, 200]
    assert "1 of 4" in admin_client.get("/api-access/").content.decode()
    assert AuditEntry.objects.filter(action="api_secret.overlap_ended").count() == 5


def test_the_roll_page_says_the_working_predecessor_stops_now_and_rolling_stops_it(
    admin_client, admin_user, tenant, actor, django_capture_on_commit_callbacks
):
    first, first_value = make_api_secret(tenant, name="door")
    warning = "stops working now"
    assert warning not in admin_client.get(f"/api-access/{first.pk}/roll/").content.decode()
    second, second_value = api_secret_roll(secret=first, actor=actor, overlap="3d")
    assert _answer(first_value) == 200

    page = admin_client.get(f"/api-access/{second.pk}/roll/").content.decode()
    assert f'<code class="masked">{first.masked}</code>, stops working now.' in page

    with django_capture_on_commit_callbacks(execute=True):  # as on commit: out of the cache
        response = admin_client.post(f"/api-access/{second.pk}/roll/", {"overlap": "1h"})
    assert response.status_code == 200
    third_value = VALUE.search(response.content.decode()).group(1)
    response = bearer_client(first_value).get("/api/v1/version")
    assert response.status_code == 401
    assert response.json()["code"] == "expired_secret"
    assert _answer(second_value) == 200
    assert _answer(third_value) == 200

    entry = AuditEntry.objects.get(action="api_secret.overlap_ended")
    assert entry.actor_name == admin_user.email
    assert entry.target == "api_secret:door"
    assert entry.details["id"] == str(first.pk)
    assert entry.details["successor_id"] == str(second.pk)
    for value in (first_value, second_value, third_value):
        assert value not in str(entry.details)
    # Its predecessor has stopped: rolling the newest again warns about the second only.
    third = ApiSecret.objects.get(rolled_at__isnull=True)
    page = admin_client.get(f"/api-access/{third.pk}/roll/").content.decode()
    assert f'<code class="masked">{second.masked}</code>, stops working now.' in page
    assert first.masked not in page


def test_rolling_an_expired_secret_at_the_limit_stays_at_four_places(admin_client, tenant):
    expired, expired_value = make_api_secret(tenant, name="s0", expires_in=timedelta(days=-2))
    for i in range(1, 4):
        make_api_secret(tenant, name=f"s{i}")
    assert "4 of 4" in admin_client.get("/api-access/").content.decode()

    response = admin_client.post(f"/api-access/{expired.pk}/roll/", {"overlap": "1d"})
    assert "shown only this once" in response.content.decode()

    page = admin_client.get("/api-access/").content.decode()
    assert "4 of 4" in page
    assert "5 of 4" not in page
    assert places_used(ApiSecret.objects.all()) == 4
    assert _answer(expired_value) == 401  # rolling never revives it
    response = admin_client.post(
        "/api-access/new/", {"name": "fifth", "validity_days": "90", "permissions": "read"}
    )
    assert b"at most 4 API secrets" in response.content
    assert ApiSecret.objects.count() == 5
