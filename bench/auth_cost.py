"""Benchmark: CPU instructions of an authenticated `GET /api/v1/version` and of `GET /healthz`.

bench/auth.py's throughput ratio swings by far more than a few per cent between rounds on a
shared machine; instruction counts do not. valgrind's callgrind runs Django's WSGI handler
in-process (no server, no load generator): a run with the warm-up only, and one with REQUESTS
more of each URL; the differences ÷ REQUESTS are the instructions per request.
BENCH_BASELINE=<another checkout> counts that tree as well (same database; its code must fit this
tree's migrations), so before and after come from one run. Needs valgrind and PostgreSQL; about
5 minutes per tree on a loaded machine.

    .venv/bin/python bench/auth_cost.py
    BENCH_BASELINE=/tmp/auth-before .venv/bin/python bench/auth_cost.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from auth import ensure_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cybergate_bench")
BASELINE = os.environ.get("BENCH_BASELINE", "")
REQUESTS = 300

RUN = r"""
import io, sys
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_create
from audit.services import Actor
from tenants.models import Tenant

tenant, _ = Tenant.objects.get_or_create(
    name="Bench", defaults={"domain": "bench.example", "api_access_enabled": True}
)
ApiSecret.objects.filter(tenant=tenant).delete()
_, value = api_secret_create(tenant=tenant, actor=Actor.system(), name="bench", validity_days=30)
app = WSGIHandler()


def get(path, headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "HTTP_ACCEPT": "*/*", "HTTP_USER_AGENT": "wrk", **headers,
    }
    status = []
    body = app(environ, lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    body.close()
    assert status[0].startswith("200"), status


auth = {"HTTP_AUTHORIZATION": f"Bearer {value}"}
for _ in range(50):  # warm-up: imports, caches, the first last-use write
    get("/healthz", {})
    get("/api/v1/version", auth)
path, count = sys.argv[1], int(sys.argv[2])
for _ in range(count):
    get(path, auth if path.startswith("/api/") else {})
"""


def instructions(tree: Path, path: str, requests: int) -> int:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "cybergate.settings",
        "DATABASE_URL": DATABASE_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_RATE_LIMIT": "1000000000/s",
        "API_SECRET_CACHE_SECONDS": "3600",  # the same lookups however slow valgrind runs
        "LOG_LEVEL": "WARNING",
        "PYTHONHASHSEED": "0",
    }
    with tempfile.TemporaryDirectory() as directory:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={directory}/out",
                sys.executable,
                "-c",
                RUN,
                path,
                str(requests),
            ],  # fmt: skip
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    match = re.search(r"Collected : (\d+)", result.stderr)
    assert match is not None, result.stderr
    return int(match.group(1))


def per_request(tree: Path) -> dict[str, float]:
    start = instructions(tree, "/healthz", 0)
    return {
        path: (instructions(tree, path, REQUESTS) - start) / REQUESTS
        for path in ("/healthz", "/api/v1/version")
    }


def main() -> None:
    ensure_database(DATABASE_URL)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": DATABASE_URL},
        check=True,
    )
    trees = {"this tree": ROOT} | ({"baseline": Path(BASELINE).resolve()} if BASELINE else {})
    print("Django's WSGI handler in-process, instructions per request (callgrind):")
    found = {}
    for name, tree in trees.items():
        counts = found[name] = per_request(tree)
        health, version = counts["/healthz"], counts["/api/v1/version"]
        print(
            f"  {name} ({tree}): GET /healthz {health:,.0f}, GET /api/v1/version {version:,.0f}, "
            f"healthz ÷ version {health / version:.3f}"
        )
    if BASELINE:
        ratio = found["this tree"]["/api/v1/version"] / found["baseline"]["/api/v1/version"]
        print(f"  GET /api/v1/version, this tree ÷ baseline: {ratio:.3f}")


if __name__ == "__main__":
    main()
