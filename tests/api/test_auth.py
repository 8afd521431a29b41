"""Bearer authentication: codes, revocation and disable within 1 s, exact expiry, last use,
pepper rotation, rate limits."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.request import Request

from apisecrets import authentication
from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_delete, hash_api_secret
from audit.services import Actor
from cybergate.lib import tokens
from tenants.models import Tenant
from tests.conftest import needs
from tests.factories import make_api_secret
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db

VERSION = "/api/v1/version"


def _code(response) -> str:
    return response.json()["code"]


def test_valid_secret_is_accepted_and_tenant_is_resolved(api_client, tenant):
    response = api_client.get("/api/v1/tenant")
    assert response.status_code == 200
    assert response.json()["id"] == str(tenant.id)


def test_missing_header_is_401_with_www_authenticate(db):
    assert_problem(Client().get(VERSION), 401, "missing_credentials")


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer", "Bearer ", "bearer a b", "Token cgs_x", "cgs_abc"]
)
def test_malformed_header_is_missing_credentials(db, header):
    response = Client(headers={"Authorization": header}).get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "missing_credentials"


def test_scheme_is_case_insensitive(api_secret_value):
    response = Client(headers={"Authorization": f"bearer {api_secret_value}"}).get(VERSION)
    assert response.status_code == 200


def test_unknown_secret_is_invalid_secret(db):
    response = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX)).get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "invalid_secret"
    assert response["WWW-Authenticate"] == "Bearer"


def test_device_credential_is_not_an_api_secret(db):
    response = bearer_client(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)).get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "invalid_secret"


def test_expired_secret_is_rejected(expired_secret_value):
    response = bearer_client(expired_secret_value).get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "expired_secret"


def test_secret_stops_working_the_moment_it_expires_even_when_cached(
    api_secret, api_client, monkeypatch
):
    expires_at = api_secret.expires_at
    monkeypatch.setattr(
        authentication.timezone, "now", lambda: expires_at - timedelta(microseconds=1)
    )
    assert api_client.get(VERSION).status_code == 200  # now cached in this process
    monkeypatch.setattr(authentication.timezone, "now", lambda: expires_at)
    response = api_client.get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "expired_secret"


def test_disabled_tenant_is_403(api_client, tenant):
    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    response = api_client.get(VERSION)
    assert response.status_code == 403
    assert _code(response) == "api_access_disabled"
    assert "WWW-Authenticate" not in response


def test_deleted_secret_is_rejected_within_one_second_by_a_process_that_cached_it(
    api_secret, api_client
):
    assert api_client.get(VERSION).status_code == 200  # this "other process" has it cached
    # Deleted elsewhere: nobody tells this process (no forget_secret call).
    ApiSecret.objects.filter(pk=api_secret.pk).delete()
    time.sleep(1.0)
    response = api_client.get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "invalid_secret"


def test_deleting_through_the_service_evicts_this_process_at_once(
    api_secret, api_client, django_capture_on_commit_callbacks
):
    assert api_client.get(VERSION).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        api_secret_delete(secret=api_secret, actor=Actor.system())
    response = api_client.get(VERSION)
    assert response.status_code == 401
    assert _code(response) == "invalid_secret"


def test_disabling_api_access_holds_within_one_second_on_a_process_that_cached_it(
    api_client, tenant
):
    assert api_client.get(VERSION).status_code == 200
    Tenant.objects.filter(pk=tenant.pk).update(api_access_enabled=False)
    time.sleep(1.0)
    response = api_client.get(VERSION)
    assert response.status_code == 403
    assert _code(response) == "api_access_disabled"


def test_cached_secret_costs_no_query(api_client, django_assert_num_queries):
    assert api_client.get(VERSION).status_code == 200
    with django_assert_num_queries(0):
        assert api_client.get(VERSION).status_code == 200


def test_last_use_is_recorded_with_ip(api_secret, api_client):
    assert ApiSecret.objects.get(pk=api_secret.pk).last_used_at is None
    before = timezone.now()
    assert api_client.get(VERSION, REMOTE_ADDR="192.0.2.7").status_code == 200
    secret = ApiSecret.objects.get(pk=api_secret.pk)
    assert secret.last_used_at >= before
    assert secret.last_used_ip == "192.0.2.7"


def test_last_use_is_written_at_most_once_a_minute_across_processes(
    api_secret, api_client, django_assert_num_queries
):
    assert api_client.get(VERSION).status_code == 200
    first = ApiSecret.objects.get(pk=api_secret.pk).last_used_at
    # Same process: no query at all.
    with django_assert_num_queries(0):
        api_client.get(VERSION)
    # A "fresh process" (empty cache) loads the secret and sees the recent use: no write.
    authentication.reset_for_tests()
    with django_assert_num_queries(1):
        api_client.get(VERSION)
    assert ApiSecret.objects.get(pk=api_secret.pk).last_used_at == first
    # A minute later the next request writes again (one conditional UPDATE).
    ApiSecret.objects.filter(pk=api_secret.pk).update(last_used_at=first - timedelta(seconds=61))
    authentication.reset_for_tests()
    assert api_client.get(VERSION).status_code == 200
    assert ApiSecret.objects.get(pk=api_secret.pk).last_used_at > first


def test_conditional_update_lets_only_one_process_write(api_secret, api_secret_value):
    """Two processes both believe the last use is old; the second UPDATE matches no row."""
    now = timezone.now()
    entry = authentication._load(api_secret_value)
    assert entry is not None
    authentication.ApiSecretAuthentication._record_use(entry, api_secret, "127.0.0.1", now)
    stale = authentication._load(api_secret_value)
    stale.last_used_at = None  # another process's outdated view
    later = now + timedelta(seconds=5)
    authentication.ApiSecretAuthentication._record_use(stale, api_secret, "127.0.0.1", later)
    assert ApiSecret.objects.get(pk=api_secret.pk).last_used_at == now


def test_secret_hashed_with_a_retired_pepper_works_and_is_rehashed(tenant, settings):
    settings.SECRET_PEPPER = "old pepper"
    secret, value = make_api_secret(tenant)
    settings.SECRET_PEPPER = "new pepper"
    settings.SECRET_PEPPER_OLD = ["old pepper"]
    assert bearer_client(value).get(VERSION).status_code == 200
    assert ApiSecret.objects.get(pk=secret.pk).hashed_value == hash_api_secret(value)
    settings.SECRET_PEPPER_OLD = []
    authentication.reset_for_tests()
    assert bearer_client(value).get(VERSION).status_code == 200


def test_rate_limit_per_secret_is_429_with_retry_after(tenant, settings):
    settings.API_RATE_LIMIT = "3/min"
    _, value = make_api_secret(tenant, name="one")
    _, other = make_api_secret(tenant, name="two")
    client = bearer_client(value)
    for _ in range(3):
        assert client.get(VERSION).status_code == 200
    response = client.get(VERSION)
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    # The limit is per secret.
    assert bearer_client(other).get(VERSION).status_code == 200


def test_failed_authentication_is_rate_limited_per_ip(api_secret_value, settings):
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    bad = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
    for _ in range(3):
        assert bad.get(VERSION).status_code == 401
    response = bad.get(VERSION)
    assert_problem(response, 429, "auth_rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert _code(Client().get(VERSION)) == "auth_rate_limited"  # a missing header counts too
    # Another address is not affected.
    assert bad.get(VERSION, REMOTE_ADDR="198.51.100.9").status_code == 401
    assert (
        bearer_client(api_secret_value).get(VERSION, REMOTE_ADDR="198.51.100.9").status_code == 200
    )


def _exhaust_failure_limit(settings, ip: str = "127.0.0.1") -> None:
    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    bad = bearer_client(tokens.generate(tokens.API_SECRET_PREFIX))
    assert [bad.get(VERSION, REMOTE_ADDR=ip).status_code for _ in range(3)] == [401] * 3


def test_over_the_limit_a_valid_secret_not_used_lately_gets_429_without_a_query(
    api_secret_value, settings, django_assert_num_queries
):
    """Guessing stops: a correct guess answers like a wrong one, before any database work."""
    _exhaust_failure_limit(settings)
    client = bearer_client(api_secret_value)
    with django_assert_num_queries(0):
        response = client.get(VERSION)
    assert response.status_code == 429
    assert _code(response) == "auth_rate_limited"
    assert int(response["Retry-After"]) >= 1
    assert client.get("/api/v1/tenant").status_code == 429


def test_over_the_limit_a_secret_used_lately_from_that_address_still_works(
    api_secret_value, other_api_secret_value, settings
):
    """A customer's working client is not locked out by a misconfigured (or hostile) neighbour."""
    good = bearer_client(api_secret_value)
    assert good.get(VERSION).status_code == 200
    assert good.get(VERSION, REMOTE_ADDR="203.0.113.5").status_code == 200
    _exhaust_failure_limit(settings)
    assert good.get(VERSION).status_code == 200
    assert good.get("/api/v1/tenant").status_code == 200
    # Remembered per address and per value: the other secret was never used from here ...
    assert _code(bearer_client(other_api_secret_value).get(VERSION)) == "auth_rate_limited"
    # ... and what worked from one address does not open another address's limit.
    _exhaust_failure_limit(settings, ip="198.51.100.20")
    assert _code(good.get(VERSION, REMOTE_ADDR="198.51.100.20")) == "auth_rate_limited"
    assert good.get(VERSION, REMOTE_ADDR="203.0.113.5").status_code == 200


@pytest.mark.parametrize("cache", ["local memory", "redis"])
def test_success_is_shared_between_processes_through_the_cache(
    api_secret_value, other_api_secret_value, settings, request, cache, django_assert_num_queries
):
    """Another process (empty local memory) still lets a recently used secret through, and
    still refuses the others before any query."""
    from cybergate.lib import authfailures

    if cache == "redis":
        request.getfixturevalue("redis_cache")
    good = bearer_client(api_secret_value)
    assert good.get(VERSION).status_code == 200
    _exhaust_failure_limit(settings)
    authfailures._recent.clear()  # another process has not seen this secret succeed
    authentication.reset_for_tests()
    assert good.get(VERSION).status_code == 200
    with django_assert_num_queries(0):
        assert _code(bearer_client(other_api_secret_value).get(VERSION)) == "auth_rate_limited"


@pytest.fixture
def redis_cache(settings, worker_id):
    """Django's cache in Redis, db 9 + xdist worker (the other suites use 1–3)."""
    import redis
    from django.core.cache import caches

    index = 9 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    url = f"redis://127.0.0.1:6379/{index}"
    try:
        available = bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        available = False
    needs(available, "no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_rate_limit_counts_in_redis_when_configured(settings, tenant, redis_cache):
    """Counted in Redis, shared by every process."""
    settings.API_RATE_LIMIT = "2/min"
    client = bearer_client(make_api_secret(tenant, name="redis")[1])
    assert [client.get(VERSION).status_code for _ in range(3)] == [200, 200, 429]


def test_batched_secret_counter_is_exact_near_the_limit_across_processes(redis_cache):
    """Two processes sharing Redis (simulated by swapping their local batch state): far from
    the limit they add to Redis in batches, near it on every request — so together they let
    through the limit, give or take what one process had not yet added."""
    from cybergate.lib import throttling

    states = [{}, {}]
    allowed = 0
    now = 1_000_000.0  # one fixed window
    for i in range(60):
        throttling._batches = states[i % 2]
        allowed += throttling.hit("secret", "s1", "20/min", now=now, batched=True).allowed
    throttling._batches = {}
    assert 20 <= allowed <= 22


def test_each_request_gets_its_own_copies_of_the_cached_secret_and_tenant(api_secret_value):
    raw = RequestFactory().get(VERSION, HTTP_AUTHORIZATION=f"Bearer {api_secret_value}")
    auth = authentication.ApiSecretAuthentication()
    _, first = auth.authenticate(Request(raw))
    assert "call_log_position" in first.get_deferred_fields()
    first.refresh_from_db(fields=["call_log_position"])  # a view reads its position fresh
    assert "call_log_position" not in first.get_deferred_fields()
    first.tenant.name = "Changed by a view"

    _, second = auth.authenticate(Request(raw))  # from the cache

    assert second is not first and second.tenant is not first.tenant
    assert second.tenant.name == "Acme"
    assert "call_log_position" in second.get_deferred_fields()


def _credential_hash() -> str:
    """A new device credential's keyed hash: what authentication hands the limit."""
    from devices.services import hash_device_credential

    return hash_device_credential(tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX))


def test_the_gateway_memo_of_an_address_under_the_limit_ends_with_a_failure_counted_here(
    settings,
):
    """known_attempt (the async gateway's no-round-trip path) lets a new value through from an
    address found under the limit just now, and asks again once a failure from it is counted."""
    from cybergate.lib import authfailures
    from cybergate.lib.problems import AuthenticationProblem, Problem

    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    value = _credential_hash()
    assert authfailures.known_attempt("192.0.2.7", value) is None  # never asked about
    authfailures.auth_attempt("192.0.2.7", value)  # asks: under the limit
    assert authfailures.known_attempt("192.0.2.7", _credential_hash()) is not None
    assert authfailures.known_attempt("192.0.2.8", value) is None  # per address
    authfailures.failed_authentication("192.0.2.7", AuthenticationProblem("x", "y"))
    assert authfailures.known_attempt("192.0.2.7", value) is None
    for _ in range(2):
        authfailures.failed_authentication("192.0.2.7", AuthenticationProblem("x", "y"))
    with pytest.raises(Problem) as refused:
        authfailures.auth_attempt("192.0.2.7", value)
    assert refused.value.problem_code == "auth_rate_limited"
    assert authfailures.known_attempt("192.0.2.7", value) is None  # over the limit: never memoed


def test_successes_collected_for_later_reach_the_shared_set(settings, redis_cache):
    """succeeded_later() marks here at once; share_successes() sends them, one round trip pair
    per address, after which another process lets them through over the limit."""
    from cybergate.lib import authfailures
    from cybergate.lib.problems import AuthenticationProblem, Problem

    settings.AUTH_FAILURE_RATE_LIMIT = "3/min"
    values = [_credential_hash() for _ in range(3)]
    for value in values:
        assert authfailures.auth_attempt("192.0.2.9", value).succeeded_later() is True
    assert authfailures.auth_attempt("192.0.2.9", values[0]).succeeded_later() is False  # marked
    assert authfailures.successes_to_share()
    authfailures.share_successes()
    assert not authfailures.successes_to_share()
    for _ in range(3):
        authfailures.failed_authentication("192.0.2.9", AuthenticationProblem("x", "y"))
    authfailures._recent.clear()  # another process has not seen these values succeed
    for value in values:
        authfailures.auth_attempt("192.0.2.9", value)  # no 429: shared
    with pytest.raises(Problem) as refused:
        authfailures.auth_attempt("192.0.2.9", _credential_hash())
    assert refused.value.problem_code == "auth_rate_limited"
