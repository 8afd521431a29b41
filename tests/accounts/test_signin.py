"""Sign-in through allauth: lockout thresholds, no enumeration, audit, admin, MFA rules."""

from __future__ import annotations

import json
from io import StringIO

import pyotp
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command

from audit.models import AuditEntry
from tenants.models import User
from tests.conftest import STAFF_TOTP_SECRET
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
LOCKED = "Too many failed sign-in attempts. Try again in 5 minutes."


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting how many password hashes were computed."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_signin.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def actions(**filters) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("id").values_list("action", flat=True)
    )


def test_sign_in_is_audited_with_the_address(client, admin_user, tenant):
    response = sign_in(client, "ALICE@acme.example", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and response["Location"] == "/"
    entry = AuditEntry.objects.get(action="user.signed_in")
    assert (entry.tenant, entry.actor_name, entry.ip) == (tenant, admin_user.email, "198.51.100.7")


def test_five_failures_lock_the_account_even_for_the_right_password(client, admin_user, tenant):
    for _ in range(5):
        response = sign_in(client, admin_user.email, "wrong password")
        assert response.status_code == 200
        assert b"are not correct" in response.content
    response = sign_in(client, admin_user.email)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert actions(tenant=tenant) == ["user.sign_in_failed"] * 5 + ["user.locked_out"]
    failed = AuditEntry.objects.filter(action="user.sign_in_failed").first()
    assert failed.ip == "127.0.0.1" and "wrong password" not in json.dumps(failed.details)
    # Refused again, now at the door (one cache read): 429 with Retry-After, one lockout entry.
    response = sign_in(client, admin_user.email)
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 300
    assert LOCKED in response.content.decode()
    assert actions(action="user.locked_out") == ["user.locked_out"]


def test_four_failures_do_not_lock(client, admin_user):
    for _ in range(4):
        sign_in(client, admin_user.email, "wrong password")
    assert sign_in(client, admin_user.email).status_code == 302


def test_the_lockout_ends_when_the_window_has_passed(client, admin_user, time_machine):
    time_machine.move_to("2026-11-28 10:00:00+00:00", tick=False)
    for _ in range(5):
        sign_in(client, admin_user.email, "wrong password")
    time_machine.move_to("2026-11-28 10:04:00+00:00", tick=False)
    assert "Try again in 1 minute." in sign_in(client, admin_user.email).content.decode()
    time_machine.move_to("2026-11-28 10:04:30+00:00", tick=False)
    assert sign_in(client, admin_user.email).status_code == 429  # at the door now
    time_machine.move_to("2026-11-28 10:05:01+00:00", tick=False)
    assert sign_in(client, admin_user.email).status_code == 302


def test_unknown_and_existing_accounts_get_the_same_answers(client, admin_user):
    # From two addresses, so that only the per-account limit applies.
    for email, ip in ((admin_user.email, "192.0.2.1"), ("nobody@acme.example", "192.0.2.2")):
        for _ in range(5):
            response = sign_in(client, email, "wrong password", REMOTE_ADDR=ip)
            assert "The email address and/or password you specified are not correct." in (
                response.content.decode()
            )
        response = sign_in(client, email, "wrong password", REMOTE_ADDR=ip)
        assert LOCKED in response.content.decode()
    unknown = AuditEntry.objects.filter(target="nobody@acme.example")
    assert {entry.tenant_id for entry in unknown} == {None}  # global list in admin
    assert [e.action for e in unknown.order_by("id")][-1] == "user.locked_out"


def test_the_address_limit_covers_many_accounts(client, db):
    for n in range(10):
        sign_in(client, f"guess{n}@acme.example", "wrong password")
    assert "Try again in 1 minute." in sign_in(client, "other@acme.example").content.decode()


def test_a_throttled_attempt_computes_no_password_hash(client, admin_user, counting_hasher):
    for _ in range(5):
        sign_in(client, admin_user.email, "wrong password")
    before = counting_hasher.calls
    assert before >= 5
    for _ in range(3):
        assert LOCKED in sign_in(client, admin_user.email, "wrong").content.decode()
    assert counting_hasher.calls == before


def test_an_unknown_email_costs_a_hash_like_a_known_one(client, admin_user, counting_hasher):
    sign_in(client, admin_user.email, "wrong password")
    known = counting_hasher.calls
    sign_in(client, "nobody@acme.example", "wrong password")
    assert counting_hasher.calls - known == known  # no timing difference to enumerate with


def test_sign_up_is_closed(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "new@acme.example", "password1": "a long Passw0rd!"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="new@acme.example").exists()


# --- admin ----------------------------------------------------------------------------------


def test_admin_login_is_the_portal_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_admin_password_change_is_the_portal_one(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/password_change/")["Location"] == "/accounts/password/change/"
    assert b"Change password" in client.get("/accounts/2fa/").content


def test_staff_signs_in_with_a_totp_code_and_reaches_admin(client, staff_user):
    response = sign_in(client, staff_user.email, **{"QUERY_STRING": "next=/admin/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_without_mfa_is_sent_to_enrol_before_admin(client, staff_user_without_mfa):
    client.force_login(staff_user_without_mfa)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/?next=%2Fadmin%2F"
    assert client.get("/accounts/2fa/").status_code == 200  # the enrolment page itself is open


def test_a_tenant_can_require_mfa_of_its_users(client, admin_user, tenant):
    client.force_login(admin_user)
    assert client.get("/api-access/").status_code == 200
    tenant.mfa_required = True
    tenant.save()
    response = client.get("/api-access/")
    assert response["Location"] == "/accounts/2fa/?next=%2Fapi-access%2F"
    response = client.get("/api-access/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/2fa/?next=%2Fapi-access%2F"


def test_enrolling_totp_is_audited_and_then_satisfies_the_tenant_rule(
    client, admin_user, tenant, django_capture_on_commit_callbacks
):
    tenant.mfa_required = True
    tenant.save()
    sign_in(client, admin_user.email)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        code = pyotp.TOTP(secret).now()
        response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/api-access/").status_code == 200
    entries = AuditEntry.objects.filter(action="mfa.enabled", tenant=tenant)
    # The app, and the recovery codes allauth makes alongside it.
    assert sorted(e.details["type"] for e in entries) == ["recovery_codes", "totp"]
    assert secret not in json.dumps(list(AuditEntry.objects.values("details", "target")))


def test_totp_secrets_are_stored_encrypted(staff_user):
    from allauth.mfa.models import Authenticator

    stored = Authenticator.objects.get(user=staff_user, type="totp").data
    assert STAFF_TOTP_SECRET not in json.dumps(stored)


def test_seed_demo_support_login_signs_in_with_its_totp_secret(client, db):
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out, stderr=StringIO())
    support = json.loads(out.getvalue())["support"]
    sign_in(client, support["email"], support["password"])
    code = pyotp.TOTP(support["totp_secret"]).now()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_shows_the_tenant_mfa_setting(client, staff_user, tenant):
    client.force_login(staff_user)
    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert 'name="mfa_required"' in page
