"""The client package in clients/python/: the committed generated client matches the served schema
(`make client` refreshes it), the package builds and installs, and its wrapper works against a
live server through a small proxy that loses answers or throttles: door-open with an automatic
Idempotency-Key whose retry replays, 429/503 retried after Retry-After (bounded), and the feed loop
that reads and acknowledges."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import Client

from cybergate.lib.problems import problem_body
from devices.models import CallLogEntry, DoorOpenCommand
from devices.services import call_end
from tests.factories import make_api_secret, make_world, start_answered_call

CLIENT_DIR = Path(settings.BASE_DIR) / "clients" / "python"
sys.path.insert(0, str(CLIENT_DIR))

from cybergate_client import CyberGate, CyberGateError  # noqa: E402

pytestmark = pytest.mark.slow


def _generator():
    spec = importlib.util.spec_from_file_location("cybergate_generate", CLIENT_DIR / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right, ignore=["__pycache__", ".ruff_cache"])
    found = [f"{left.name}: {name}" for name in compared.left_only + compared.right_only]
    found += [str(Path(left) / name) for name in compared.diff_files]
    for sub in compared.common_dirs:
        found += _differences(left / sub, right / sub)
    return found


def test_the_committed_generated_client_is_up_to_date(tmp_path, db):
    schema = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    fresh = tmp_path / "generated"
    _generator().generate(schema.content, fresh)
    committed = CLIENT_DIR / "cybergate_client" / "generated"
    assert _differences(committed, fresh) == [], "out of date: run `make client` and commit it"


def test_the_package_builds_and_installs(tmp_path):
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, CLIENT_DIR],
        check=True,
        timeout=120,
    )
    (wheel,) = wheels.glob("cybergate_client-1.0.0-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", site, wheel], check=True, timeout=120)
    probe = (
        "import cybergate_client, cybergate_client.generated.api.version.version_retrieve as v; "
        "print(cybergate_client.__file__); print(v.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {probe}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.stdout.splitlines()[0].startswith(str(site))


# --- A proxy in front of the live server that can lose or throttle answers ---------------------


@dataclass
class Fault:
    method: str
    path_contains: str
    status: int
    retry_after: str
    forward_first: bool = False  # the server does the work, then the answer is lost
    times: int = 1


@dataclass
class Proxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def proxy(live_server) -> Iterator[Proxy]:
    state = Proxy(upstream=live_server.url)
    upstream = httpx.Client(base_url=live_server.url, timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            state.seen.append((self.command, self.path, headers))
            fault = next(
                (
                    f
                    for f in state.faults
                    if f.times and f.method == self.command and f.path_contains in self.path
                ),
                None,
            )
            if fault is None or fault.forward_first:
                answer = upstream.request(self.command, self.path, headers=headers, content=body)
            if fault is not None:
                fault.times -= 1
                self.send_response(fault.status)
                self.send_header("Retry-After", fault.retry_after)
                self.send_header("Content-Type", "application/problem+json")
                code = "service_unavailable" if fault.status == 503 else "rate_limited"
                problem = problem_body(fault.status, code, "Try again after Retry-After.")
                problem["instance"] = f"urn:cybergate:request:{uuid.uuid4().hex}"
                payload = json.dumps(problem).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "content-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        upstream.close()


@pytest.fixture
def waits() -> list[float]:
    return []


def gate(url: str, secret: str, waits: list[float], **options) -> CyberGate:
    return CyberGate(url, secret, sleep=waits.append, **options)


@pytest.mark.django_db(transaction=True)
def test_a_lost_door_open_answer_is_retried_with_the_same_key_and_replays(proxy, tenant, waits):
    world = make_world(tenant)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    _, secret = make_api_secret(tenant)
    proxy.faults.append(Fault("POST", "door-open", 503, "1", forward_first=True))

    with gate(proxy.url, secret, waits) as api:
        assert api.active_call(world["anna"].upn).id == call.id
        opened = api.open_door(world["anna"].upn, call_id=call.id)

    assert opened.replayed is True  # the first answer again: the door-open was already queued
    command = DoorOpenCommand.objects.get()
    assert opened.command.id == command.id and opened.command.call_id == call.id
    keys = [h.get("Idempotency-Key") for m, p, h in proxy.seen if p.endswith("/door-open")]
    assert len(keys) == 2 and keys[0] == keys[1] == opened.idempotency_key
    uuid.UUID(opened.idempotency_key)
    assert waits == [1.0]


@pytest.mark.django_db(transaction=True)
def test_each_door_open_gets_its_own_key(proxy, tenant, waits):
    world = make_world(tenant)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    _, secret = make_api_secret(tenant)
    with gate(proxy.url, secret, waits) as api:
        first = api.open_door(world["anna"].upn, call_id=call.id)
        second = api.open_door(world["anna"].upn, call_id=call.id)
        again = api.open_door(
            world["anna"].upn, call_id=call.id, idempotency_key=first.idempotency_key
        )
    assert first.idempotency_key != second.idempotency_key
    assert DoorOpenCommand.objects.count() == 2
    assert again.replayed and again.command.id == first.command.id


@pytest.mark.django_db(transaction=True)
def test_429_is_retried_after_retry_after(proxy, tenant, waits):
    _, secret = make_api_secret(tenant)
    proxy.faults.append(Fault("GET", "/version", 429, "2"))
    with gate(proxy.url, secret, waits) as api:
        assert api.version().api_version == "1.0"
    assert [p for _, p, _ in proxy.seen] == ["/api/v1/version", "/api/v1/version"]
    assert waits == [2.0]


@pytest.mark.django_db(transaction=True)
def test_retries_are_bounded(proxy, tenant, waits):
    _, secret = make_api_secret(tenant)
    proxy.faults.append(Fault("GET", "/version", 503, "1", times=99))
    with gate(proxy.url, secret, waits, attempts=3) as api, pytest.raises(CyberGateError) as err:
        api.version()
    assert err.value.status == 503 and len(proxy.seen) == 3 and waits == [1.0, 1.0]


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_longer_than_max_wait_is_not_waited_for(proxy, tenant, waits):
    _, secret = make_api_secret(tenant)
    proxy.faults.append(Fault("GET", "/version", 503, "3600"))
    with gate(proxy.url, secret, waits, max_wait=60) as api, pytest.raises(CyberGateError):
        api.version()
    assert len(proxy.seen) == 1 and waits == []


@pytest.mark.django_db(transaction=True)
def test_problems_raise_with_their_code_and_request_id(live_server, tenant, waits):
    _, secret = make_api_secret(tenant)
    with gate(live_server.url, secret, waits) as api, pytest.raises(CyberGateError) as err:
        api.open_door("nobody@example.org")
    assert (err.value.status, err.value.code) == (404, "user_not_found")
    assert err.value.request_id
    assert waits == []


@pytest.mark.django_db(transaction=True)
def test_the_feed_reads_every_entry_once_and_acknowledges(live_server, tenant, waits):
    world = make_world(tenant)
    for _ in range(3):
        call_end(call=start_answered_call(world["front"], world["reception"], world["anna"]))
    _, secret = make_api_secret(tenant)
    with gate(live_server.url, secret, waits) as api:
        entries = list(api.feed("call-log", limit=2, follow=False))
        assert [e.id for e in entries] == list(
            CallLogEntry.objects.order_by("id").values_list("uuid", flat=True)
        )
        assert list(api.feed("call-log", follow=False)) == []  # all acknowledged
        audit = [e.action for e in api.feed("audit-trail", follow=False)]
    assert audit  # the trail has the calls' entries
    assert waits == []


@pytest.mark.django_db(transaction=True)
def test_an_entry_being_processed_when_the_loop_stops_comes_again(live_server, tenant, waits):
    world = make_world(tenant)
    for _ in range(2):
        call_end(call=start_answered_call(world["front"], world["reception"], world["anna"]))
    _, secret = make_api_secret(tenant)
    with gate(live_server.url, secret, waits) as api:
        loop = api.feed("call-log", limit=2, follow=False)
        first = next(loop)
        loop.close()  # a crash while processing: the page was not acknowledged
        assert next(api.feed("call-log", follow=False)).id == first.id


@pytest.mark.django_db(transaction=True)
def test_following_the_feed_waits_when_caught_up(live_server, tenant):
    make_world(tenant)
    _, secret = make_api_secret(tenant)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    with CyberGate(live_server.url, secret, sleep=sleep) as api, pytest.raises(KeyboardInterrupt):
        for _ in api.feed("call-log", poll_seconds=7):
            pass
    assert waits == [7, 7]


@pytest.mark.django_db(transaction=True)
def test_the_guides_python_example_runs(live_server, tenant, capsys):
    """docs/api/guide.md's example, against a live server (its feed stopped once caught up)."""
    guide = (Path(settings.BASE_DIR) / "docs" / "api" / "guide.md").read_text()
    example = guide.split("```python\n", 1)[1].split("```", 1)[0]
    world = make_world(tenant)
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    call_end(call=start_answered_call(world["back"], world["garage"], world["ben"]))
    _, secret = make_api_secret(tenant)
    replaced = {
        "http://127.0.0.1:8000": live_server.url,
        "anna.berg@demo.example": world["anna"].upn,
        'api.feed("call-log")': 'api.feed("call-log", follow=False)',
    }
    for old, new in replaced.items():
        assert old in example, old
        example = example.replace(old, new)
    exec(compile(example, "guide.md", "exec"), {"SECRET": secret})
    printed = capsys.readouterr().out.splitlines()
    command = DoorOpenCommand.objects.get()
    assert command.call_id == call.id  # the example pinned Anna's call
    assert printed[0].startswith(f"{command.id} queued")
    assert "Back door" in printed[1]  # the call log entry of Ben's ended call
