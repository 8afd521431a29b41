"""Security events in the log: failed sign-ins, failed bearer authentication, 429s.

Read from the stdlib records of the `cybergate.security` logger (what an operator's log shipper
gets), so the structlog configuration is part of what is tested.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from tests.factories import PASSWORD, make_api_secret, make_device
from tests.helpers import bearer_client

LOGGER = "cybergate.security"
WELL_FORMED_UNKNOWN = "cgs_" + "A" * 43


@pytest.fixture
def security_events(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)

    def events() -> list[dict]:
        out = []
        for record in caplog.records:
            if record.name != LOGGER:
                continue
            assert record.levelno == logging.WARNING
            out.append(record.msg if isinstance(record.msg, dict) else json.loads(record.msg))
        return out

    events.text = lambda: caplog.text  # every line as printed, to look for leaked values
    return events


def test_a_failed_portal_sign_in_is_logged_without_the_password(
    client, admin_user, security_events
):
    response = client.post(
        "/accounts/login/", {"login": admin_user.email, "password": "wrong-password-123"}
    )
    assert response.status_code == 200
    (event,) = security_events()
    assert event["event"] == "login_failed"
    assert event["reason"] == "invalid_credentials"
    assert event["user"] == admin_user.email
    assert event["client_ip"] == "127.0.0.1"
    assert event["path"] == "/accounts/login/"
    assert "wrong-password-123" not in security_events.text()


def test_a_failed_admin_sign_in_is_logged(client, staff_user, security_events):
    # Admin sign-in goes through the portal's (allauth) form, with the admin as `next`.
    assert client.get("/admin/login/").status_code == 302
    client.post("/accounts/login/?next=/admin/", {"login": staff_user.email, "password": "nope-1"})
    (event,) = security_events()
    assert (event["event"], event["path"]) == ("login_failed", "/accounts/login/")
    assert event["user"] == staff_user.email


def test_a_sign_in_lockout_is_logged_once_not_per_refused_attempt(
    client, admin_user, security_events
):
    form = {"login": admin_user.email, "password": "wrong-password-123"}
    for _ in range(6):  # 5 failures, then the lockout
        client.post("/accounts/login/", form)
    assert [client.post("/accounts/login/", form).status_code for _ in range(3)] == [429] * 3
    events = [e["event"] for e in security_events()]
    assert events == ["login_failed"] * 5 + ["user.locked_out"]
    (locked,) = [e for e in security_events() if e["event"] == "user.locked_out"]
    assert (locked["user"], locked["client_ip"]) == (admin_user.email, "127.0.0.1")
    assert locked["reason"] == "too_many_login_attempts"
    assert 0 < locked["retry_in_seconds"] <= 300
    assert "wrong-password-123" not in security_events.text()


def test_every_security_event_is_one_json_object_per_line(
    client, admin_user, settings, security_log_lines
):
    """The lines as the configured handler writes them (settings.LOGGING), for every kind of
    event: sign-in failures, the lockout, a sign-in, failed API authentication, a 429."""
    settings.AUTH_FAILURE_RATE_LIMIT = "1/min"
    form = {"login": admin_user.email, "password": "wrong-password-123"}
    for _ in range(6):
        client.post("/accounts/login/", form)
    Client().post("/accounts/login/", {"login": "bob@acme.example", "password": "x"})
    Client().login(email=admin_user.email, password=PASSWORD)  # locked out: refused too
    signed_in = Client()
    signed_in.post(
        "/accounts/login/",
        {"login": admin_user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    assert [Client().get("/api/v1/version").status_code for _ in range(2)] == [401, 429]
    lines = security_log_lines.lines
    assert lines and all(line.startswith("{") and line.endswith("}") for line in lines)
    events = [json.loads(line) for line in lines]
    names = {e["event"] for e in events}
    assert {"login_failed", "user.locked_out", "auth_failed", "rate_limited"} <= names
    for event in events:
        assert event["logger"] == LOGGER
        assert event["level"] in ("info", "warning")
        assert event["timestamp"].endswith("Z")
        assert "request_id" in event
    assert "wrong-password-123" not in "".join(lines)


def test_a_login_name_that_is_not_an_email_is_not_logged(db, security_events):
    # The portal's form wants an email; other callers of authenticate() may not.
    assert authenticate(None, username="MyS3cretPassw0rd", password="x") is None
    (event,) = security_events()
    assert event["user"] is None
    assert "MyS3cretPassw0rd" not in security_events.text()


def test_a_successful_sign_in_logs_nothing(client, admin_user, security_events):
    client.post("/accounts/login/", {"username": admin_user.email, "password": PASSWORD})
    assert security_events() == []


@pytest.mark.parametrize(
    ("headers", "reason", "prefix"),
    [
        ({}, "missing_credentials", None),
        ({"Authorization": "Basic abc"}, "missing_credentials", None),
        ({"Authorization": f"Bearer {WELL_FORMED_UNKNOWN}"}, "invalid_secret", "cgs_AAAA"),
        ({"Authorization": "Bearer hunter2-password"}, "invalid_secret", None),
    ],
)
def test_failed_api_authentication_is_logged(db, security_events, headers, reason, prefix):
    response = Client(headers=headers).get("/api/v1/version")
    assert response.status_code == 401
    (event,) = security_events()
    assert event["event"] == "auth_failed"
    assert event["reason"] == reason
    assert event["status"] == 401
    assert event["secret_prefix"] == prefix
    assert (event["client_ip"], event["method"], event["path"]) == (
        "127.0.0.1",
        "GET",
        "/api/v1/version",
    )
    assert WELL_FORMED_UNKNOWN not in security_events.text()
    assert "hunter2" not in security_events.text()


def test_an_expired_secret_is_logged_with_its_prefix_only(expired_secret_value, security_events):
    assert bearer_client(expired_secret_value).get("/api/v1/tenant").status_code == 401
    (event,) = security_events()
    assert event["reason"] == "expired_secret"
    assert event["secret_prefix"] == expired_secret_value[:8]
    assert expired_secret_value not in security_events.text()


def test_a_valid_secret_logs_nothing(api_client, security_events):
    assert api_client.get("/api/v1/version").status_code == 200
    assert security_events() == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/device-api/v1/calls"),
        ("get", "/device-api/v1/commands?wait=0"),  # the async long-poll
    ],
)
def test_failed_device_authentication_is_logged(tenant, security_events, method, path):
    make_device(tenant, "Main entrance")
    value = "cgd_" + "B" * 43
    client = bearer_client(value)
    response = getattr(client, method)(path, content_type="application/json")
    assert response.status_code == 401
    (event,) = security_events()
    assert event["event"] == "auth_failed"
    assert event["reason"] == "invalid_credentials"
    assert event["secret_prefix"] == "cgd_BBBB"
    assert event["path"] == path.split("?")[0]
    assert value not in security_events.text()


def test_the_per_secret_rate_limit_is_logged(tenant, settings, security_events):
    settings.API_RATE_LIMIT = "2/min"
    _, value = make_api_secret(tenant, name="busy")
    client = bearer_client(value)
    assert [client.get("/api/v1/version").status_code for _ in range(3)] == [200, 200, 429]
    (event,) = security_events()
    assert event["event"] == "rate_limited"
    assert event["reason"] == "rate_limited"
    assert event["status"] == 429
    assert event["secret_prefix"] == value[:8]


def test_the_failed_authentication_limit_is_logged(db, settings, security_events):
    settings.AUTH_FAILURE_RATE_LIMIT = "2/min"
    client = Client()
    statuses = [client.get("/api/v1/version").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    events = security_events()
    assert [e["event"] for e in events] == ["auth_failed", "auth_failed", "rate_limited"]
    assert events[-1]["client_ip"] == "127.0.0.1"


def test_a_value_with_a_newline_cannot_forge_a_log_line(db, caplog, security_events):
    assert Client().get("/api/v1/active-calls/a%0Afake=line").status_code == 401
    (event,) = security_events()
    assert event["path"] == "/api/v1/active-calls/a\nfake=line"
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert "\n" not in record.getMessage()
