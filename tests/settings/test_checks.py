"""Our own system checks: `check --deploy` warns when SECRET_PEPPER is not set."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.checks import run_checks

from tests.settings.test_environment import ROOT, clean_environment

PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": "k" * 20 + "9Xq!v2@Lm#8zR$4tY%6wE^1uI&3oP*5a",
    "ALLOWED_HOSTS": "portal.example.com",
}


def deploy_check(**variables: str) -> subprocess.CompletedProcess:
    environment = clean_environment()
    environment.pop("SECRET_PEPPER", None)
    environment.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def ids(checks) -> set[str]:
    return {check.id for check in checks}


@pytest.mark.slow  # a full `check --deploy` in a new process
def test_check_deploy_warns_when_secret_pepper_is_unset():
    result = deploy_check(**PRODUCTION)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "cybergate.W001" in output
    assert "SECRET_PEPPER is not set" in output


@pytest.mark.slow
def test_check_deploy_is_clean_with_its_own_pepper():
    result = deploy_check(**PRODUCTION, SECRET_PEPPER="a-pepper-of-its-own-" + "x" * 30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pepper_equal_to_the_secret_key_is_the_same_as_none(settings):
    settings.SECRET_PEPPER = settings.SECRET_KEY
    assert "cybergate.W001" in ids(run_checks(include_deployment_checks=True))
    settings.SECRET_PEPPER = "separate"
    assert "cybergate.W001" not in ids(run_checks(include_deployment_checks=True))


def test_plain_check_does_not_warn_on_a_developer_machine(settings):
    settings.SECRET_PEPPER = settings.SECRET_KEY
    assert "cybergate.W001" not in ids(run_checks())
