"""Configuration comes from the environment; a malformed value stops start-up, naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts Django in a new Python process (1–2 s each): not in `make test-fast`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def clean_environment() -> dict[str, str]:
    """This process's environment without what tests set for themselves (the browser tests
    allow async-unsafe ORM calls, which `check --deploy` rightly refuses)."""
    ignored = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in ignored}


def start(**variables: str) -> subprocess.CompletedProcess:
    environment = clean_environment()
    environment.update(DJANGO_SETTINGS_MODULE="cybergate.settings", **variables)
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "nonsense://host/db"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("API_RATE_LIMIT", "lots"),
        ("AUTH_FAILURE_RATE_LIMIT", "10/fortnight"),
        ("TIME_ZONE", "Mars/Olympus_Mons"),
        ("CONN_MAX_AGE", "forever"),
        ("EMAIL_URL", "carrier-pigeon"),
        ("API_SECRET_CACHE_SECONDS", "soon"),
        ("GATEWAY_MAX_WAITING", "many"),
        ("GATEWAY_MAX_WAITING", "0"),
    ],
)
def test_malformed_variable_stops_start_up_naming_it(name: str, value: str):
    result = start(**{name: value})
    assert result.returncode != 0
    assert f"Environment variable {name} is malformed" in result.stderr


def test_defaults_start_without_any_variable():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"  # DEBUG only when asked


def test_debug_is_on_when_asked():
    assert start(DEBUG="true").stdout.strip() == "True"


def test_production_settings_pass_deploy_checks():
    environment = clean_environment()
    environment.update(
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY="k" * 20 + "9Xq!v2@Lm#8zR$4tY%6wE^1uI&3oP*5a",
        SECRET_PEPPER="another-long-random-value-for-hashing-secrets",
        ALLOWED_HOSTS="portal.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
