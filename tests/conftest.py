"""Shared fixtures. Names follow the cast of healthchecks' tests: a tenant and another tenant."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from audit.services import Actor
from devices.models import Call
from tenants.models import Tenant, User
from tests.factories import (
    PASSWORD,
    World,
    make_admin,
    make_api_secret,
    make_tenant,
    make_world,
    start_answered_call,
)
from tests.helpers import bearer_client
from tests.security.log_lines import security_log_lines  # noqa: F401 - checks every test's lines
from tests.smtp import smtp_inbox  # noqa: F401 - a fixture for every test that sends mail


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(worker_id: str):
    """Give each xdist worker its own Redis database (or local memory) so tests can clear it."""
    cache_settings = dict(django_settings.CACHES["default"])
    if "redis" in cache_settings["BACKEND"].lower():
        base = (
            cache_settings["LOCATION"].rsplit("/", 1)[0]
            if cache_settings["LOCATION"].count("/") > 2
            else cache_settings["LOCATION"]
        )
        index = 1 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
        cache_settings["LOCATION"] = f"{base}/{index}"
    with override_settings(CACHES={"default": cache_settings}):
        yield


@pytest.fixture(autouse=True)
def _fast_hashers_and_clean_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Acme")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return make_tenant("Globex")


@pytest.fixture
def world(tenant) -> World:
    return make_world(tenant)


@pytest.fixture
def other_world(other_tenant) -> World:
    return make_world(other_tenant, prefix="o-")


@pytest.fixture
def active_call(world) -> Call:
    """Anna answered a call from the front door (which has a door-open code)."""
    return start_answered_call(world["front"], world["reception"], world["anna"])


@pytest.fixture
def admin_user(tenant) -> User:
    return make_admin(tenant, "alice@acme.example")


@pytest.fixture
def other_admin_user(other_tenant) -> User:
    return make_admin(other_tenant, "bob@globex.example")


# The TOTP secret of `staff_user` (support staff must have MFA to reach admin).
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def staff_user(db) -> User:
    from allauth.mfa.totp.internal.auth import TOTP

    user = User.objects.create_superuser("support@cybergate.example", PASSWORD)
    TOTP.activate(user, STAFF_TOTP_SECRET)
    return user


@pytest.fixture
def staff_user_without_mfa(db) -> User:
    return User.objects.create_superuser("new.support@cybergate.example", PASSWORD)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def actor(admin_user) -> Actor:
    return Actor.for_user(admin_user)


def chromium_path() -> str:
    """CHROMIUM, else the `chromium` on PATH (where `make test` installs it: /usr/bin)."""
    import shutil

    return os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """On SQLite, test against a file (one per process), not Django's shared in-memory database.

    In-memory shared-cache SQLite answers concurrent writers with "database table is locked"
    instead of waiting, so tests with threads (the secret-limit race, live_server) would test
    SQLite's shared cache rather than our code. A file in WAL mode waits (see settings.py).
    """
    import tempfile

    db = django_settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = os.path.join(
            tempfile.gettempdir(), f"cybergate-test-{os.getpid()}.sqlite3"
        )


# --- Customer API ---------------------------------------------------------------------------


@pytest.fixture
def api_secret_pair(tenant):
    return make_api_secret(tenant)


@pytest.fixture
def api_secret(api_secret_pair):
    return api_secret_pair[0]


@pytest.fixture
def api_secret_value(api_secret_pair) -> str:
    return api_secret_pair[1]


@pytest.fixture
def api_client(api_secret_value):
    """A Django test client that sends `Authorization: Bearer <secret>` of `tenant`."""
    return bearer_client(api_secret_value)


@pytest.fixture
def expired_secret_value(tenant) -> str:
    from datetime import timedelta

    return make_api_secret(tenant, name="expired", expires_in=-timedelta(seconds=1))[1]


@pytest.fixture
def other_api_secret_value(other_tenant) -> str:
    return make_api_secret(other_tenant, name="other integration")[1]


# The modules that keep state in the process (memos, local caches, counts not yet written):
# each has a reset_for_tests(), called around every test (tests/test_process_state.py finds
# any module-level state a new module adds).
STATEFUL_MODULES = (
    "accounts.lockout",
    "apisecrets.authentication",
    "apisecrets.cache",
    "cybergate.lib.authfailures",
    "cybergate.lib.throttling",
    "webhooks.worker",
)


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Every test starts as in a new process: no cached secrets, rate-limit counts, remembered
    lockouts or TLS context from the test before."""
    import importlib

    modules = [importlib.import_module(name) for name in STATEFUL_MODULES]
    for module in modules:
        module.reset_for_tests()
    yield
    for module in modules:
        module.reset_for_tests()


def needs(condition: bool, reason: str) -> None:
    """Skip a test whose service is absent on a developer's machine; fail it in CI.

    `.ci/run` sets REQUIRE_SERVICES=1: there PostgreSQL and Redis are part of the contract, and a
    skipped test would prove nothing.
    """
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def totp_code(secret: str, *, margin: float = 4.0) -> str:
    """The current TOTP code, waiting for the next period when this one ends within `margin`
    seconds (the server accepts a code only in its own 30 s period; a slow browser step could
    otherwise carry a code across the boundary)."""
    import time

    import pyotp

    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left + 0.1)
    return totp.now()
