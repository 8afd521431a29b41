""" "Get new entries" of the call log and the audit trail (SPEC §3)."""

from __future__ import annotations

import base64
import threading
import time

import pytest
from django.core import signing
from django.db import connection, connections, transaction

from apisecrets.models import ApiSecret
from audit.api import AUDIT_FEED
from audit.services import Actor, record
from cybergate.lib.feeds import decode_cursor, encode_cursor
from cybergate.lib.problems import Problem
from devices.api import CALL_LOG_FEED
from devices.services import call_end
from tests.conftest import needs
from tests.factories import make_api_secret, start_answered_call
from tests.helpers import assert_problem, bearer_client

pytestmark = pytest.mark.django_db

AUDIT = "/api/v1/audit-trail"
CALL_LOG = "/api/v1/call-log"


def add_audit(tenant, n: int, action: str = "test.event") -> None:
    for i in range(n):
        record(tenant=tenant, actor=Actor.system(), action=action, target=f"t{i}")


def actions(body) -> list[str]:
    return [e["target"] for e in body["entries"]]


def test_audit_entry_shape(api_client, tenant):
    record(
        tenant=tenant,
        actor=Actor("user", "alice@acme.example"),
        action="thing.done",
        target="thing:1",
        details={"a": 1, "secret": "hidden"},
        ip="192.0.2.1",
    )
    entries = api_client.get(AUDIT).json()["entries"]
    entry = entries[-1]
    assert set(entry) == {"id", "at", "actor", "action", "target", "details", "ip"}
    assert entry["actor"] == {"type": "user", "name": "alice@acme.example"}
    assert entry["action"] == "thing.done"
    assert entry["details"] == {"a": 1, "secret": "***"}
    assert entry["ip"] == "192.0.2.1"
    assert len(entry["id"]) == 36  # the public uuid, never the integer key


def test_call_log_entry_shape(api_client, world):
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    call_end(call=call)
    body = api_client.get(CALL_LOG).json()
    assert body["has_more"] is False
    (entry,) = body["entries"]
    assert set(entry) == {
        "id",
        "call_id",
        "started_at",
        "answered_at",
        "ended_at",
        "duration_seconds",
        "device",
        "call_group",
        "caller",
        "answered_by",
        "result",
        "door_opened",
    }
    assert entry["device"] == {"id": str(world["front"].id), "name": "Front door"}
    assert entry["call_group"] == {"id": str(world["reception"].id), "name": "reception"}
    assert entry["answered_by"] == {
        "id": str(world["anna"].id),
        "upn": "anna@acme.example",
        "display_name": "Anna",
    }
    assert entry["result"] == "answered"
    assert entry["caller"] == "sip:visitor@example.org"
    assert entry["door_opened"] is False
    assert entry["duration_seconds"] >= 0


def test_missed_call_has_null_answered_by(api_client, world):
    from devices.services import call_start

    call = call_start(device=world["back"], call_group=world["garage"], caller="x")
    call_end(call=call)
    (entry,) = api_client.get(CALL_LOG).json()["entries"]
    assert entry["answered_by"] is None
    assert entry["answered_at"] is None
    assert entry["result"] == "missed"


def ack(client, url: str, cursor):
    return client.post(f"{url}/ack", {"cursor": cursor}, content_type="application/json")


def catch_up(client, url: str = AUDIT) -> None:
    """Acknowledge everything there is now (e.g. the secret's own creation entry)."""
    while True:
        page = client.get(url, {"limit": 500}).json()
        assert ack(client, url, page["cursor"]).status_code == 200
        if not page["has_more"]:
            return


def test_get_and_head_never_move_the_position(api_client, api_secret, tenant):
    add_audit(tenant, 3)
    first = api_client.get(AUDIT).json()
    assert api_client.head(AUDIT).status_code == 200
    again = api_client.get(AUDIT).json()
    assert [e["id"] for e in again["entries"]] == [e["id"] for e in first["entries"]]
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == 0


def test_a_crashed_consumer_gets_the_same_entries_again(api_client, tenant):
    catch_up(api_client)
    add_audit(tenant, 3)
    crashed = api_client.get(AUDIT).json()  # read, then died before processing and acking
    assert actions(crashed) == ["t0", "t1", "t2"]
    restarted = api_client.get(AUDIT).json()
    assert actions(restarted) == ["t0", "t1", "t2"]
    assert ack(api_client, AUDIT, restarted["cursor"]).json() == {"acknowledged": True}
    assert api_client.get(AUDIT).json()["entries"] == []
    add_audit(tenant, 1, "later")
    assert actions(api_client.get(AUDIT).json()) == ["t0"]


def test_ack_is_forward_only_and_idempotent(api_client, api_secret, tenant):
    catch_up(api_client)
    add_audit(tenant, 4)
    early = api_client.get(AUDIT, {"limit": 2}).json()
    late = api_client.get(AUDIT, {"after": early["cursor"]}).json()
    assert actions(late) == ["t2", "t3"]
    assert ack(api_client, AUDIT, late["cursor"]).status_code == 200
    position = ApiSecret.objects.get(pk=api_secret.pk).audit_position
    # An older cursor (a slow worker, a retried request) does not move it back.
    assert ack(api_client, AUDIT, early["cursor"]).status_code == 200
    assert ack(api_client, AUDIT, late["cursor"]).status_code == 200
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == position
    assert api_client.get(AUDIT).json()["entries"] == []


def test_after_start_replays_from_the_oldest_kept_entry(api_client, tenant):
    add_audit(tenant, 2)
    catch_up(api_client)
    assert api_client.get(AUDIT).json()["entries"] == []
    replay = api_client.get(AUDIT, {"after": "start"}).json()
    assert actions(replay)[-2:] == ["t0", "t1"]
    assert replay["entries"][0]["action"] == "api_secret.created"


def test_logs_keep_separate_positions(api_client, world):
    call = start_answered_call(world["front"], world["reception"], world["anna"])
    call_end(call=call)
    catch_up(api_client, AUDIT)
    assert len(api_client.get(CALL_LOG).json()["entries"]) == 1


def test_two_secrets_keep_separate_positions(tenant, api_client):
    _, other_value = make_api_secret(tenant, name="second")
    other = bearer_client(other_value)
    add_audit(tenant, 2)
    mine = api_client.get(AUDIT).json()
    assert actions(mine)[-2:] == ["t0", "t1"]
    ack(api_client, AUDIT, mine["cursor"])
    assert api_client.get(AUDIT).json()["entries"] == []
    # A new secret starts at the oldest kept entry, whatever other secrets have acknowledged.
    theirs = other.get(AUDIT).json()
    assert [e["id"] for e in theirs["entries"]][: len(mine["entries"])] == [
        e["id"] for e in mine["entries"]
    ]


def test_after_pages_without_moving_the_position(api_client, api_secret, tenant):
    catch_up(api_client)
    start = api_client.get(AUDIT).json()["cursor"]
    add_audit(tenant, 3)
    position = ApiSecret.objects.get(pk=api_secret.pk).audit_position
    page = api_client.get(AUDIT, {"after": start, "limit": 2}).json()
    assert actions(page) == ["t0", "t1"]
    assert page["has_more"] is True
    rest = api_client.get(AUDIT, {"after": page["cursor"]}).json()
    assert actions(rest) == ["t2"] and rest["has_more"] is False
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == position
    assert actions(api_client.get(AUDIT).json()) == ["t0", "t1", "t2"]


def test_paging_by_ack(api_client, tenant):
    catch_up(api_client)
    add_audit(tenant, 5)
    seen = []
    while True:
        page = api_client.get(AUDIT, {"limit": 2}).json()
        seen += actions(page)
        ack(api_client, AUDIT, page["cursor"])
        if not page["has_more"]:
            break
    assert seen == ["t0", "t1", "t2", "t3", "t4"]


@pytest.mark.parametrize(
    ("limit", "ok"), [("0", False), ("1", True), ("500", True), ("501", False)]
)
@pytest.mark.parametrize("url", [AUDIT, CALL_LOG])
def test_limit_bounds(api_client, tenant, url, limit, ok):
    add_audit(tenant, 2)
    response = api_client.get(url, {"limit": limit})
    if ok:
        assert response.status_code == 200
        assert len(response.json()["entries"]) <= int(limit)
    else:
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid_request"
        assert "limit" in body["errors"]


def test_limit_one_returns_one(api_client, tenant):
    add_audit(tenant, 3)
    assert len(api_client.get(AUDIT, {"limit": 1}).json()["entries"]) == 1


@pytest.mark.parametrize("cursor", ["", "abc", "abc:def", "a" * 200, "\x00"])
@pytest.mark.parametrize("url", [AUDIT, CALL_LOG])
def test_garbage_cursor_is_invalid_cursor(api_client, url, cursor):
    response = api_client.get(url, {"after": cursor})
    assert_problem(response, 400, "invalid_cursor")
    if cursor and cursor.isprintable():  # in a JSON body "" and NUL are invalid_request
        response = ack(api_client, url, cursor)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "body",
    [{}, {"cursor": ""}, {"cursor": 5}, {"cursor": None}, [], {"cursor": "x", "extra": 1}],
)
def test_bad_ack_body_is_invalid_request_and_changes_nothing(api_client, api_secret, body):
    response = api_client.post(f"{AUDIT}/ack", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == 0


def test_cursor_of_another_log_secret_or_tenant_or_tampered_is_invalid(
    api_client, api_secret, tenant, other_tenant
):
    audit_cursor = api_client.get(AUDIT).json()["cursor"]
    assert api_client.get(CALL_LOG, {"after": audit_cursor}).json()["code"] == "invalid_cursor"
    assert ack(api_client, CALL_LOG, audit_cursor).json()["code"] == "invalid_cursor"
    other_secret, other_value = make_api_secret(tenant, name="second")
    theirs = encode_cursor(AUDIT_FEED, other_secret, 10**6)
    assert api_client.get(AUDIT, {"after": theirs}).json()["code"] == "invalid_cursor"
    assert ack(api_client, AUDIT, theirs).json()["code"] == "invalid_cursor"
    assert ack(bearer_client(other_value), AUDIT, audit_cursor).json()["code"] == "invalid_cursor"
    foreign, _ = make_api_secret(other_tenant, name="theirs")
    foreign_cursor = encode_cursor(AUDIT_FEED, foreign, 10**6)
    assert ack(api_client, AUDIT, foreign_cursor).json()["code"] == "invalid_cursor"
    tampered = audit_cursor[:-2] + ("A" if audit_cursor[-2] != "A" else "B") + audit_cursor[-1]
    assert api_client.get(AUDIT, {"after": tampered}).json()["code"] == "invalid_cursor"
    assert ack(api_client, AUDIT, tampered).json()["code"] == "invalid_cursor"
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == 0


def test_cursor_does_not_reveal_the_integer_position(api_client, api_secret, tenant):
    add_audit(tenant, 1)
    cursors = {
        api_client.get(AUDIT, {"after": encode_cursor(AUDIT_FEED, api_secret, 0)}).json()["cursor"]
        for _ in range(3)
    }
    assert len(cursors) == 3  # fresh nonce each time: nothing to read or compare


def _is_invalid(feed, secret, cursor: str) -> bool:
    try:
        decode_cursor(feed, secret, cursor)
    except Problem as exc:
        assert exc.status_code == 400 and exc.problem_code == "invalid_cursor"
        return True
    return False


def test_every_single_character_edit_of_a_cursor_is_refused(api_secret):
    """AES-GCM authenticates all of it: nonce, sealed position and tag."""
    cursor = encode_cursor(AUDIT_FEED, api_secret, 12345)
    assert decode_cursor(AUDIT_FEED, api_secret, cursor) == 12345
    for index, char in enumerate(cursor):
        for other in {"A", "B", "-"} - {char}:
            edited = cursor[:index] + other + cursor[index + 1 :]
            assert _is_invalid(AUDIT_FEED, api_secret, edited), index
    assert _is_invalid(AUDIT_FEED, api_secret, cursor[:-4])
    assert _is_invalid(AUDIT_FEED, api_secret, cursor + "AAAA")


def test_a_cursor_is_bound_to_its_log_tenant_and_secret(api_secret, tenant, other_tenant):
    cursor = encode_cursor(CALL_LOG_FEED, api_secret, 7)
    assert decode_cursor(CALL_LOG_FEED, api_secret, cursor) == 7
    assert _is_invalid(AUDIT_FEED, api_secret, cursor)
    same_tenant, _ = make_api_secret(tenant, name="second")
    assert _is_invalid(CALL_LOG_FEED, same_tenant, cursor)
    foreign, _ = make_api_secret(other_tenant, name="theirs")
    assert _is_invalid(CALL_LOG_FEED, foreign, cursor)
    # The position is not in the cursor in clear: the same position seals differently each time.
    assert base64.urlsafe_b64decode(cursor).find((7).to_bytes(8, "big")) == -1
    assert encode_cursor(CALL_LOG_FEED, api_secret, 7) != cursor


def test_cursors_survive_a_secret_key_rotation_with_the_old_key_as_fallback(api_secret, settings):
    cursor = encode_cursor(AUDIT_FEED, api_secret, 99)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "rotated-" + old_key
    assert _is_invalid(AUDIT_FEED, api_secret, cursor)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert decode_cursor(AUDIT_FEED, api_secret, cursor) == 99


def test_a_cursor_of_the_previous_format_asks_to_read_without_after(api_client, api_secret, tenant):
    """Cursors issued before AES-GCM (signed HMAC keystream) get a clear 400, and the
    acknowledged position, kept on the server, still serves the next read."""
    add_audit(tenant, 2)
    assert ack(api_client, AUDIT, api_client.get(AUDIT).json()["cursor"]).status_code == 200
    add_audit(tenant, 1, "after the ack")
    token = base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode()
    salt = f"cybergate.lib.feeds.audit.{api_secret.tenant_id}.{api_secret.pk}"
    old = signing.Signer(salt=salt).sign(token)
    for response in (api_client.get(AUDIT, {"after": old}), ack(api_client, AUDIT, old)):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_cursor"
        assert "without `after`" in response.json()["detail"]
    assert actions(api_client.get(AUDIT).json()) == ["t0"]


def test_other_tenants_entries_are_never_given(api_client, tenant, other_tenant, other_world):
    add_audit(other_tenant, 3, "theirs")
    call = start_answered_call(other_world["front"], other_world["reception"], other_world["anna"])
    call_end(call=call)
    assert all(e["action"] != "test.event" for e in api_client.get(AUDIT).json()["entries"])
    assert api_client.get(CALL_LOG).json()["entries"] == []


def test_page_cost_does_not_depend_on_log_size(api_client, tenant, django_assert_max_num_queries):
    """Keyset read: a fixed number of queries whatever the log holds (the secret's position, the
    page); an ack is one UPDATE. bench/new_entries.py times it."""
    add_audit(tenant, 50)
    api_client.get(AUDIT, {"limit": 10})
    with django_assert_max_num_queries(2):
        cursor = api_client.get(AUDIT, {"limit": 10}).json()["cursor"]
    with django_assert_max_num_queries(1):
        ack(api_client, AUDIT, cursor)


# --- Concurrency (real transactions, separate connections) -----------------------------------


def _in_thread(target, *args):
    errors: list[BaseException] = []

    def run():
        try:
            target(*args)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_late_committed_entry_is_not_lost(tenant, api_secret_value):
    """Writer A takes an id and holds its transaction; writer B (a later id) waits for A's
    per-tenant lock. A reader in between must not move past A's id; after both commit it gets
    A's and B's entries, in order."""
    needs(
        connection.vendor == "postgresql",
        "SQLite serialises writers; the advisory lock is PostgreSQL's",
    )
    client = bearer_client(api_secret_value)
    catch_up(client)  # start from "nothing new"
    a_inserted, release_a = threading.Event(), threading.Event()

    def writer_a():
        with transaction.atomic():
            record(tenant=tenant, actor=Actor.system(), action="late", target="A")
            a_inserted.set()
            assert release_a.wait(10)

    def writer_b():
        record(tenant=tenant, actor=Actor.system(), action="late", target="B")

    thread_a, errors_a = _in_thread(writer_a)
    assert a_inserted.wait(10)
    thread_b, errors_b = _in_thread(writer_b)
    time.sleep(0.3)  # B is now blocked on A's lock (or not yet started: both are fine)
    during = client.get(AUDIT).json()
    assert during["entries"] == []
    release_a.set()
    thread_a.join(10)
    thread_b.join(10)
    assert not errors_a and not errors_b
    after = client.get(AUDIT).json()
    assert actions(after) == ["A", "B"]
    assert ack(client, AUDIT, during["cursor"]).status_code == 200  # acks nothing new
    assert actions(client.get(AUDIT).json()) == ["A", "B"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_consumers_get_every_entry_and_the_position_only_grows(
    tenant, api_secret, api_secret_value
):
    """Three consumers with one secret loop GET → ack: every entry arrives at least once and the
    acknowledged position never moves backwards."""
    add_audit(tenant, 60)
    seen: set[str] = set()
    positions: list[int] = []
    lock = threading.Lock()

    def consumer():
        client = bearer_client(api_secret_value)
        for _ in range(15):
            page = client.get(AUDIT, {"limit": 5}).json()
            assert ack(client, AUDIT, page["cursor"]).status_code == 200
            position = ApiSecret.objects.get(pk=api_secret.pk).audit_position
            with lock:
                seen.update(e["id"] for e in page["entries"])
                positions.append(position)

    threads = [_in_thread(consumer) for _ in range(3)]
    for thread, errors in threads:
        thread.join(30)
        assert not errors
    assert len(seen) == 61  # 60 plus the secret's own creation entry
    assert ApiSecret.objects.get(pk=api_secret.pk).audit_position == max(positions)
