"""cybergate/lib/env.py: each malformed value names its variable; a URL that may carry a password is
never repeated in the message; limits are part of the rule."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.settings.test_environment import ROOT, clean_environment, start


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMAIL_URL", "smtpx://mailer:hunter2@smtp.example.com:25"),
        ("EMAIL_URL", "smtp+tls://mailer:hunter2@smtp.example.com:notaport"),
        ("DATABASE_URL", "postgres://cg:hunter2@db.example.com:notaport/cg"),
        ("DATABASE_URL", "mysql://cg:hunter2@db.example.com/cg"),
        ("REDIS_URL", "http://:hunter2@cache.example.com:6379/0"),
    ],
)
def test_a_malformed_url_is_named_without_its_password(name: str, value: str):
    result = start(**{name: value})
    assert result.returncode != 0
    assert f"Environment variable {name} is malformed" in result.stderr
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("SESSION_IDLE_MINUTES", "0", "must be above 0"),
        ("SESSION_MAX_AGE_HOURS", "-1", "must be above 0"),
        ("DATABASE_POOL_SIZE", "-1", "must be at least 0"),
        ("IPV6_LIMIT_PREFIX", "129", "must be at most 128"),
        ("IPV6_LIMIT_PREFIX", "0", "must be at least 1"),
        ("GATEWAY_DB_THREADS", "0", "must be above 0"),
        ("GATEWAY_WAKEUP", "carrier", "expected auto, redis or db-poll"),
        ("GATEWAY_WAKEUP", "postgres", "expected auto, redis or db-poll"),
        ("GATEWAY_LOOP_PROBE", "perhaps", "expected true or false"),
        ("LOGIN_FAILED_RATE_LIMIT", "10/m", "expected e.g. '10/m/ip,5/5m/key'"),
    ],
)
def test_a_value_outside_its_rule_says_the_rule(name: str, value: str, why: str):
    result = start(**{name: value})
    assert result.returncode != 0
    assert f"Environment variable {name} is malformed" in result.stderr
    assert why in result.stderr


def read_settings(*names: str, **variables: str) -> dict:
    environment = clean_environment()
    environment.update(DJANGO_SETTINGS_MODULE="cybergate.settings", **variables)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_well_formed_values_are_read_with_their_types():
    values = read_settings(
        "SESSION_IDLE_MINUTES",
        "GATEWAY_WAKEUP",
        "TRUSTED_PROXIES",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_USE_TLS",
        "EMAIL_HOST_PASSWORD",
        "GATEWAY_LOOP_PROBE",
        "IPV6_LIMIT_PREFIX",
        SESSION_IDLE_MINUTES="5.5",
        GATEWAY_WAKEUP=" DB-Poll ",
        TRUSTED_PROXIES="10.1.2.3, 2001:db8::/64",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        GATEWAY_LOOP_PROBE="on",
        IPV6_LIMIT_PREFIX="56",
    )
    assert values == {
        "SESSION_IDLE_MINUTES": 5.5,
        "GATEWAY_WAKEUP": "db-poll",
        "TRUSTED_PROXIES": ["10.1.2.3/32", "2001:db8::/64"],
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_USE_TLS": True,
        "EMAIL_HOST_PASSWORD": "pw",
        "GATEWAY_LOOP_PROBE": True,
        "IPV6_LIMIT_PREFIX": 56,
    }


def test_defaults_without_any_variable():
    values = read_settings(
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "API_RATE_LIMIT",
        "GATEWAY_MAX_WAITING",
        "IPV6_LIMIT_PREFIX",
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "EMAIL_HOST": "localhost",
        "EMAIL_PORT": 25,
        "API_RATE_LIMIT": "600/min",
        "GATEWAY_MAX_WAITING": 2000,
        "IPV6_LIMIT_PREFIX": 64,
    }
