"""`/metrics` of the pools as README "Deploying" runs them: gunicorn with several workers in
Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR, deploy/gunicorn.conf.py), and the
gateway pool's polls, refusals and door-opens (the lean path on PostgreSQL)."""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_api_secret, make_call_group, make_device, make_teams_user
from tests.gateway.servers import (
    POOLS,
    base_environment,
    database_url,
    gunicorn_command,
    start_gunicorn,
    start_server,
)
from tests.helpers import assert_problem, bearer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _no_server_sessions_left(django_db_setup, django_db_blocker):
    """The servers' PostgreSQL sessions end a moment after their processes: end them now, or
    the test database cannot be dropped."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{url}/metrics", timeout=15)
    assert response.status_code == 200, response.text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def pids(directory: Path, kind: str) -> set[int]:
    return {
        int(m.group(1))
        for p in directory.iterdir()
        if (m := re.fullmatch(rf"{kind}_(\d+)\.db", p.name))
    }


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_workers_are_summed_and_exited_ones_marked_dead(tmp_path):
    directory = tmp_path / "metrics-web"  # made by the gunicorn config
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        METRICS_ALLOWED="127.0.0.0/8",
    )
    app, *options = POOLS["web"]
    # Each worker exits after 10 requests (gunicorn starts another): 30 requests are answered
    # by at least three processes, of which at most two are alive at the end.
    command = gunicorn_command(app, *options, "-w", "2", "--threads", "2", "--max-requests", "10")
    server = start_server(env, command)
    try:
        answered = [httpx.get(f"{server.url}/readyz", timeout=15).status_code for _ in range(30)]
        assert answered == [200] * 30
        time.sleep(1)  # the last exits' child_exit
        served_by = pids(directory, "counter")
        assert len(served_by) >= 3, served_by

        for _ in range(3):  # whichever worker answers the scrape, the sum is the same
            samples = scrape(server.url)
            assert (
                value(
                    samples,
                    "cybergate_http_request_duration_seconds_count",
                    route="readyz",
                    method="GET",
                    status="2xx",
                )
                == 30
            )
            assert (
                value(
                    samples,
                    "cybergate_http_request_duration_seconds_bucket",
                    route="readyz",
                    method="GET",
                    status="2xx",
                    le="+Inf",
                )
                == 30
            )
        # An exited worker's live gauges are gone (child_exit marked it dead); counters stay.
        exited = {pid for pid in served_by if not alive(pid)}
        assert exited, served_by
        assert not exited & pids(directory, "gauge_livesum")
        assert len(pids(directory, "gauge_livesum")) <= 2
    finally:
        server.stop()


def test_a_restarted_pool_starts_from_zero(tmp_path):
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics-web"),
        METRICS_ALLOWED="127.0.0.0/8",
    )
    for _ in range(2):  # the same directory: the second start must not count the first's
        server = start_gunicorn(env, "web", workers=2)
        try:
            for _ in range(5):
                assert httpx.get(f"{server.url}/readyz", timeout=15).status_code == 200
            samples = scrape(server.url)
        finally:
            server.stop()
        ok = {"route": "readyz", "method": "GET", "status": "2xx"}
        assert value(samples, "cybergate_http_request_duration_seconds_count", **ok) == 5


LIMIT = 2


def poll(url: str, credential: str, wait: float) -> httpx.Response:
    return httpx.get(
        f"{url}/device-api/v1/commands",
        params={"wait": wait},
        headers=bearer(credential),
        timeout=wait + 15,
    )


def test_the_gateway_pool_counts_polls_refusals_and_door_opens(tenant, tmp_path):
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics-gateway"),
        METRICS_ALLOWED="127.0.0.0/8",
        GATEWAY_MAX_WAITING=str(LIMIT),
    )
    on_postgresql = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgresql:
        env["DATABASE_POOL_SIZE"] = "2"  # as README "Deploying" runs the gateway pool
    gateway = start_gunicorn(env, "gateway", workers=1)
    web = start_gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics-web")}, "web")
    try:
        anna = make_teams_user(tenant, "anna@acme.example")
        group = make_call_group(tenant, "Reception", anna)
        _, front = make_device(tenant, "Front door")
        _, back = make_device(tenant, "Back door")
        _, api_secret = make_api_secret(tenant)
        call = httpx.post(
            f"{web.url}/device-api/v1/calls",
            json={"caller": "sip:visitor@street", "call_group": str(group.id)},
            headers=bearer(front),
        ).json()
        httpx.post(
            f"{web.url}/device-api/v1/calls/{call['id']}/events",
            json={"type": "answered", "user": "anna@acme.example"},
            headers=bearer(front),
        ).raise_for_status()
        assert value(scrape(gateway.url), "cybergate_gateway_polls_waiting") == 0

        with ThreadPoolExecutor(2) as pool:
            waiting = [
                pool.submit(poll, gateway.url, front, 20),
                pool.submit(poll, gateway.url, back, 4),
            ]
            deadline = time.monotonic() + 15
            while value(scrape(gateway.url), "cybergate_gateway_polls_waiting") < LIMIT:
                assert time.monotonic() < deadline, "the polls did not wait"
                time.sleep(0.05)
            assert_problem(poll(gateway.url, back, 10), 503, "gateway_busy")
            assert_problem(poll(gateway.url, "dev_not-a-credential", 0), 401)

            opened = httpx.post(
                f"{web.url}/api/v1/active-calls/anna@acme.example/door-open",
                headers=bearer(api_secret),
            )
            assert opened.status_code == 202, opened.text
            delivered = waiting[0].result(timeout=30).json()["commands"]
            assert [c["id"] for c in delivered] == [opened.json()["id"]]
            acked = httpx.post(
                f"{web.url}/device-api/v1/commands/{delivered[0]['id']}/ack",
                json={"result": "executed"},
                headers=bearer(front),
            )
            assert acked.status_code == 200, acked.text
            waiting[1].result(timeout=30)

        assert httpx.get(f"{gateway.url}/readyz", timeout=15).status_code == 200  # Django's pool
        samples = scrape(gateway.url)
        assert value(samples, "cybergate_gateway_polls_waiting") == 0
        assert value(samples, "cybergate_gateway_polls_waiting_limit") == LIMIT
        assert value(samples, "cybergate_gateway_polls_refused_busy_total") == 1
        assert value(samples, "cybergate_door_open_queued_to_delivered_seconds_count") == 1
        assert value(samples, "cybergate_door_open_post_to_delivered_seconds_count") == 1
        assert value(samples, "cybergate_auth_refusals_total", surface="device_api",
                     code="invalid_credentials") == 1  # fmt: skip
        route = "device-api/v1/commands"
        assert (
            value(
                samples,
                "cybergate_http_request_duration_seconds_count",
                route=route,
                method="GET",
                status="2xx",
            )
            == 2
        )
        assert (
            value(
                samples,
                "cybergate_http_request_duration_seconds_count",
                route=route,
                method="GET",
                status="5xx",
            )
            == 1
        )
        # The acknowledgement came through the web pool, which counts it.
        on_web = scrape(web.url)
        assert value(on_web, "cybergate_door_open_commands_total", outcome="executed") == 1
        assert value(on_web, "cybergate_door_open_delivered_to_acknowledged_seconds_count") == 1
        if on_postgresql:
            # The lean path's connection pool and Django's, read at scrape time.
            assert value(samples, "cybergate_db_pool_connections", pool="gateway_lean") >= 1
            assert value(samples, "cybergate_db_pool_connections", pool="django") >= 1
            assert value(samples, "cybergate_db_pool_requests_waiting", pool="django") == 0
    finally:
        gateway.stop()
        web.stop()
