"""Benchmark: "get new entries" (call log, audit trail) with 1k and with 1M log rows (SPEC §3).

The cost per call must not grow with the size of the log. This fills two tenants' logs on
PostgreSQL (generate_series, once; re-runs reuse them), then times a page of 100 entries through
the real API view (in-process test client: authentication, the keyset read, serialization) for
each tenant, in both modes — after the secret's acknowledged position and replay with `after` from
the middle — plus the acknowledgement (`POST .../ack`), and prints the medians and the ratio
large/small. Target: ratio ≤ 1.5.

    .venv/bin/python bench/new_entries.py
    DATABASE_URL=postgres://... BENCH_LARGE_ROWS=1000000 .venv/bin/python bench/new_entries.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cybergate_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cybergate.settings")
os.environ["API_RATE_LIMIT"] = "1000000000/s"
os.environ.setdefault("LOG_LEVEL", "WARNING")

SMALL = int(os.environ.get("BENCH_SMALL_ROWS", "1000"))
LARGE = int(os.environ.get("BENCH_LARGE_ROWS", "1000000"))
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", "50"))
PAGE = 100


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(tenant, rows: int) -> None:
    """Give `tenant` exactly `rows` audit entries and call log entries (bulk, in SQL)."""
    from django.db import connection

    from audit.models import AuditEntry
    from devices.models import CallLogEntry

    audit_missing = rows - AuditEntry.objects.filter(tenant=tenant).count()
    log_missing = rows - CallLogEntry.objects.filter(tenant=tenant).count()
    with connection.cursor() as cursor:
        if audit_missing > 0:
            cursor.execute(
                f"""
                INSERT INTO {AuditEntry._meta.db_table}
                    (uuid, tenant_id, at, actor_type, actor_name, action, target, details, ip)
                SELECT gen_random_uuid(), %s, now(), 'system', 'bench', 'bench.event',
                       'target ' || g, '{{"n": 1}}'::jsonb, '192.0.2.1'
                FROM generate_series(1, %s) AS g
                """,
                [tenant.pk, audit_missing],
            )
        if log_missing > 0:
            cursor.execute(
                f"""
                INSERT INTO {CallLogEntry._meta.db_table}
                    (uuid, tenant_id, started_at, answered_at, ended_at, device_id_public,
                     device_name, call_group_id_public, call_group_name, caller,
                     answered_by_id_public, answered_by_upn, answered_by_display_name, result,
                     door_opened)
                SELECT gen_random_uuid(), %s, now() - interval '1 minute', now(), now(),
                       gen_random_uuid(), 'Front door', gen_random_uuid(), 'reception',
                       'sip:visitor@example.org', gen_random_uuid(), 'anna@bench.example',
                       'Anna', 'answered', g %% 2 = 0
                FROM generate_series(1, %s) AS g
                """,
                [tenant.pk, log_missing],
            )
        cursor.execute(f"ANALYZE {AuditEntry._meta.db_table}")
        cursor.execute(f"ANALYZE {CallLogEntry._meta.db_table}")


def measure(tenant, label: str) -> dict[str, float]:
    from django.test import Client

    from apisecrets.models import ApiSecret
    from apisecrets.services import api_secret_create
    from audit.api import AUDIT_FEED
    from audit.models import AuditEntry
    from audit.services import Actor
    from cybergate.lib.feeds import encode_cursor
    from devices.api import CALL_LOG_FEED
    from devices.models import CallLogEntry

    ApiSecret.objects.filter(tenant=tenant).delete()
    secret, value = api_secret_create(
        tenant=tenant, actor=Actor.system(), name="bench", validity_days=30
    )
    client = Client(headers={"Authorization": f"Bearer {value}"})
    results: dict[str, float] = {}
    for name, url, feed, model in (
        ("audit-trail", "/api/v1/audit-trail", AUDIT_FEED, AuditEntry),
        ("call-log", "/api/v1/call-log", CALL_LOG_FEED, CallLogEntry),
    ):
        ids = model.objects.filter(tenant=tenant).order_by("-id").values_list("id", flat=True)
        near_end = ids[PAGE + 50]  # the secret has read all but the last 150
        middle = ids[ids.count() // 2]
        cursor = encode_cursor(feed, secret, middle)
        replay_query: dict[str, int | str] = {"limit": PAGE, "after": cursor}
        own, replay, acks = [], [], []
        for _ in range(3):  # warm up (connection, caches, first-call imports)
            client.get(url, replay_query)
        for _ in range(ITERATIONS):
            ApiSecret.objects.filter(pk=secret.pk).update(**{feed.position_field: near_end})
            start = time.perf_counter()
            response = client.get(url, {"limit": PAGE})
            own.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json()["entries"]) == PAGE

            start = time.perf_counter()
            response = client.post(
                f"{url}/ack", {"cursor": response.json()["cursor"]}, content_type="application/json"
            )
            acks.append(time.perf_counter() - start)
            assert response.status_code == 200

            start = time.perf_counter()
            response = client.get(url, replay_query)
            replay.append(time.perf_counter() - start)
            assert response.status_code == 200 and len(response.json()["entries"]) == PAGE
        results[f"{name} (own position)"] = statistics.median(own) * 1000
        results[f"{name} (after=cursor)"] = statistics.median(replay) * 1000
        results[f"{name} (ack)"] = statistics.median(acks) * 1000
    print(f"  {label}: " + ", ".join(f"{k} {v:.2f} ms" for k, v in results.items()))
    return results


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", "--noinput", verbosity=0)
    from tenants.models import Tenant

    small, _ = Tenant.objects.get_or_create(
        name="Bench log small", defaults={"api_access_enabled": True}
    )
    large, _ = Tenant.objects.get_or_create(
        name="Bench log large", defaults={"api_access_enabled": True}
    )
    started = time.monotonic()
    fill(small, SMALL)
    fill(large, LARGE)
    print(f"logs ready ({SMALL} and {LARGE} rows each) in {time.monotonic() - started:.1f} s")
    print(f"median of {ITERATIONS} calls, page of {PAGE} entries:")
    a = measure(small, f"{SMALL:>8} rows")
    b = measure(large, f"{LARGE:>8} rows")
    worst = 0.0
    for key in a:
        ratio = b[key] / a[key]
        worst = max(worst, ratio)
        print(f"  {key:28} {a[key]:7.2f} ms → {b[key]:7.2f} ms   ratio {ratio:.2f}")
    print(f"worst ratio large/small: {worst:.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
