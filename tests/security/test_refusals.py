"""Refusals are visible: a request refused although its secret was recognised (expired, outside
its permissions or allowed addresses, its tenant's API access off) is a security-log event naming
the secret's prefix, and is counted per secret per day beside the successes, for the chart on the
secret's page. A wrong second factor at sign-in is a security-log event too."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pyotp
import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone

from apisecrets import authentication
from apisecrets.models import ApiSecretUsage
from apisecrets.services import usage_add
from audit.models import AuditEntry
from tests.conftest import STAFF_TOTP_SECRET, totp_code
from tests.factories import PASSWORD, make_api_secret
from tests.helpers import assert_problem, at_once, bearer_client

pytestmark = pytest.mark.django_db

LOGGER = "cybergate.security"


@pytest.fixture
def security_events(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def events() -> list[dict]:
        return [
            record.msg if isinstance(record.msg, dict) else json.loads(record.msg)
            for record in caplog.records
            if record.name == LOGGER and record.levelno >= logging.WARNING
        ]

    events.text = lambda: caplog.text  # every line as printed, to look for leaked values
    return events


def _expired(tenant):
    return make_api_secret(tenant, "expired", expires_in=-timedelta(seconds=1))


def _fenced(tenant):
    return make_api_secret(tenant, "fenced", allowed_addresses="192.0.2.0/24")


def _read_less(tenant):
    return make_api_secret(tenant, "doors only", permissions=["door_open"])


def _access_off(tenant):
    made = make_api_secret(tenant, "switched off")
    tenant.api_access_enabled = False
    tenant.save()
    return made


REFUSALS = [
    (_expired, 401, "auth_failed", "expired_secret"),
    (_fenced, 403, "request_refused", "ip_not_allowed"),
    (_read_less, 403, "request_refused", "insufficient_permission"),
    (_access_off, 403, "request_refused", "api_access_disabled"),
]
REFUSAL_IDS = [code for *_, code in REFUSALS]


def _usage(secret) -> tuple[int, int]:
    """(requests, refused) of the secret today, after this process's counts are written."""
    authentication.flush_usage()
    row = ApiSecretUsage.objects.filter(secret=secret, day=timezone.now().date()).first()
    return (row.count, row.refused) if row else (0, 0)


@pytest.mark.parametrize(("make", "status", "event_name", "code"), REFUSALS, ids=REFUSAL_IDS)
def test_a_refusal_is_logged_with_the_prefix_and_counted(
    tenant, security_events, make, status, event_name, code
):
    secret, value = make(tenant)
    client = bearer_client(value)
    assert_problem(client.get("/api/v1/version"), status, code)
    (event,) = security_events()
    assert event["event"] == event_name
    assert event["reason"] == code
    assert event["status"] == status
    assert event["secret_prefix"] == secret.prefix == value[:8]
    assert (event["client_ip"], event["path"]) == ("127.0.0.1", "/api/v1/version")
    assert value not in security_events.text()
    assert _usage(secret) == (0, 1)
    # Each repeat is one more, on the same row.
    assert_problem(client.get("/api/v1/version"), status, code)
    assert_problem(client.get("/api/v1/call-groups"), status, code)
    assert _usage(secret) == (0, 3)
    assert ApiSecretUsage.objects.filter(secret=secret).count() == 1
    # Refused requests are not audited: the tenant's trail is for changes, not for traffic.
    assert not AuditEntry.objects.filter(action__contains="refused").exists()


def test_refusals_and_successes_of_a_secret_share_its_days_row(tenant, security_events):
    secret, value = make_api_secret(tenant, "partly allowed", permissions=["read"])
    client = bearer_client(value)
    assert client.get("/api/v1/version").status_code == 200
    assert client.get("/api/v1/version").status_code == 200
    response = client.post("/api/v1/active-calls/anna@x.example/door-open")
    assert_problem(response, 403, "insufficient_permission")
    assert _usage(secret) == (2, 1)
    (event,) = security_events()  # the successes log nothing
    assert (event["reason"], event["secret_prefix"]) == ("insufficient_permission", value[:8])


def test_a_refusal_counts_for_its_own_secret_only(tenant, other_tenant, security_events):
    refused, refused_value = _fenced(tenant)
    bystander, bystander_value = make_api_secret(tenant, "bystander")
    stranger, stranger_value = make_api_secret(other_tenant, "stranger")
    assert bearer_client(refused_value).get("/api/v1/version").status_code == 403
    assert bearer_client(bystander_value).get("/api/v1/version").status_code == 200
    assert bearer_client(stranger_value).get("/api/v1/version").status_code == 200
    # A value that is no secret's (one character off: its checksum fails) counts for none.
    wrong = bystander_value[:-1] + ("A" if bystander_value[-1] != "A" else "B")
    assert_problem(bearer_client(wrong).get("/api/v1/version"), 401, "invalid_secret")
    assert _usage(refused) == (0, 1)
    assert _usage(bystander) == (1, 0)
    assert _usage(stranger) == (1, 0)
    assert ApiSecretUsage.objects.count() == 3
    assert [e["reason"] for e in security_events()] == ["ip_not_allowed", "invalid_secret"]


def test_refusals_are_counted_in_memory_like_successes(
    tenant, settings, django_assert_max_num_queries
):
    settings.API_SECRET_CACHE_SECONDS = 3600  # no reload query in the counts below
    secret, value = _read_less(tenant)
    client = bearer_client(value)
    assert client.get("/api/v1/version").status_code == 403  # loads the secret once
    with django_assert_max_num_queries(0):
        for _ in range(20):
            assert client.get("/api/v1/version").status_code == 403
    assert not ApiSecretUsage.objects.exists()
    authentication.flush_usage()
    assert ApiSecretUsage.objects.get(secret=secret).refused == 21
    # A minute after the last write, the next refusal adds what accumulated (one upsert).
    authentication._usage_flushed[secret.pk] -= 61  # (monotonic time cannot be moved)
    with django_assert_max_num_queries(1):
        client.get("/api/v1/version")
    assert ApiSecretUsage.objects.get(secret=secret).refused == 22


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_processes_adding_a_days_first_counts_at_once_lose_none(tenant):
    # Each process writes its own minute's counts; the first writes of a day race to insert the
    # row (one inserts, the others add to it).
    secret, _ = make_api_secret(tenant)
    day = timezone.now().date()

    def add(index: int) -> str:
        usage_add(secret_id=secret.pk, day=day, count=index % 2, refused=1)
        return "added"

    assert at_once(8, add) == ["added"] * 8
    row = ApiSecretUsage.objects.get(secret=secret, day=day)
    assert (row.count, row.refused) == (4, 8)


# --- the secret's page ----------------------------------------------------------------------


def test_the_chart_shows_refused_requests_beside_the_successes(
    client, admin_user, tenant, time_machine
):
    time_machine.move_to("2026-11-28 12:00:00+00:00", tick=False)
    client.force_login(admin_user)
    secret, _ = make_api_secret(tenant)
    today = date(2026, 11, 28)
    for days_ago, count, refused in [(0, 10, 5), (1, 0, 20), (2, 4, 0)]:
        ApiSecretUsage.objects.create(
            secret=secret, day=today - timedelta(days=days_ago), count=count, refused=refused
        )
    html = client.get(f"/api-access/{secret.pk}/").content.decode()
    chart = html.split('<svg class="usage-chart"')[1].split("</svg>")[0]
    # A second series, drawn only where there were refusals, scaled with the first (the
    # busiest day is yesterday's 20 refusals), and outlined: not told apart by colour alone.
    assert chart.count('class="usage-refused"') == 2
    assert 'height="120" fill="currentColor" fill-opacity="0.2" stroke="currentColor"' in chart
    assert '"2026-11-27: 0 requests, 20 refused"' in chart
    assert '"2026-11-28: 10 requests, 5 refused"' in chart
    assert 'height="60" fill="currentColor"/>' in chart.split("2026-11-28: 10 requests")[1]
    assert "14 requests in total, 25 refused" in html
    # The legend says which is which; the table of values has a column for each series.
    assert "Refused: expired, outside its permissions or allowed addresses" in html
    assert '<th scope="col">Refused</th>' in html
    assert "<td>2026-11-27</td><td>0</td><td>20</td>" in html
    assert "style=" not in chart


def test_a_refused_request_reaches_the_secrets_page(admin_client, tenant):
    secret, value = _fenced(tenant)
    assert bearer_client(value).get("/api/v1/version").status_code == 403
    authentication.flush_usage()
    html = admin_client.get(f"/api-access/{secret.pk}/").content.decode()
    day = timezone.now().date().isoformat()
    assert f"{day}: 0 requests, 1 refused" in html
    assert f"<td>{day}</td><td>0</td><td>1</td>" in html


# --- second factor ---------------------------------------------------------------------------


def _at_the_second_factor(client, user) -> None:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"


def _wrong_code() -> str:
    right = pyotp.TOTP(STAFF_TOTP_SECRET)
    now = timezone.now()
    valid = {right.at(now + timedelta(seconds=30 * step)) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def test_a_wrong_totp_code_at_sign_in_is_logged(client, staff_user, security_events):
    _at_the_second_factor(client, staff_user)
    code = _wrong_code()
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    (event,) = security_events()
    assert event["event"] == "mfa_failed"
    assert event["reason"] == "incorrect_code"
    assert event["user"] == staff_user.email
    assert event["reauthentication"] is False
    assert (event["client_ip"], event["path"]) == ("127.0.0.1", "/accounts/2fa/authenticate/")
    # A second attempt is a second event; the typed codes are never logged.
    client.post("/accounts/2fa/authenticate/", {"code": code})
    failures = [e for e in security_events() if e["event"] == "mfa_failed"]
    assert len(failures) == 2
    assert f'"{code}"' not in security_events.text() and f"={code}" not in security_events.text()
    # The right code then signs in, and is no failure.
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(STAFF_TOTP_SECRET)})
    assert response.status_code == 302
    assert sum(e["event"] == "mfa_failed" for e in security_events()) == 2


def test_a_wrong_recovery_code_at_sign_in_is_logged(client, staff_user, security_events):
    codes = RecoveryCodes.activate(staff_user).get_unused_codes()
    wrong = next(code for code in ("aaaa1111", "bbbb2222") if code not in codes)
    _at_the_second_factor(client, staff_user)
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    (event,) = security_events()
    assert (event["event"], event["reason"]) == ("mfa_failed", "incorrect_code")
    assert wrong not in security_events.text()


def test_a_failed_webauthn_assertion_at_sign_in_is_logged(client, staff_user, security_events):
    _at_the_second_factor(client, staff_user)
    bogus = {"type": "public-key", "id": "AAAA", "rawId": "AAAA", "response": {}}
    response = client.post("/accounts/2fa/authenticate/", {"credential": json.dumps(bogus)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    (event,) = security_events()
    assert (event["event"], event["reason"]) == ("mfa_failed", "webauthn_failed")
    assert event["user"] == staff_user.email


def test_a_wrong_code_when_re_authenticating_is_logged(client, staff_user, security_events):
    client.force_login(staff_user)
    response = client.post("/accounts/2fa/reauthenticate/", {"code": _wrong_code()})
    assert response.status_code == 200
    (event,) = security_events()
    assert (event["event"], event["reason"]) == ("mfa_failed", "incorrect_code")
    assert event["reauthentication"] is True
    assert event["path"] == "/accounts/2fa/reauthenticate/"
