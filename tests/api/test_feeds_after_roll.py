"""A roll keeps the integrator's place in the logs: the successor reads on from the position its
predecessor acknowledged, and the cursors issued to either secret of the roll chain work with the
other. Other secrets of the tenant still refuse them."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from django.db import connection, transaction

from apisecrets.models import ApiSecret
from apisecrets.services import api_secret_roll
from audit.services import Actor, record
from devices.services import call_end
from tests.api.test_new_entries import AUDIT, CALL_LOG, _in_thread, ack, actions, add_audit
from tests.conftest import needs
from tests.factories import make_api_secret, start_answered_call
from tests.helpers import assert_problem, bearer, bearer_client

pytestmark = pytest.mark.django_db


def roll(secret: ApiSecret) -> tuple[ApiSecret, str]:
    return api_secret_roll(secret=secret, actor=Actor.system(), overlap="1d")


def read_all_and_ack(client, url: str) -> dict:
    page = client.get(url, {"limit": 500}).json()
    assert ack(client, url, page["cursor"]).status_code == 200
    return page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_successor_reads_on_where_its_predecessor_acknowledged_over_http(
    live_server, world, tenant
):
    old, old_value = make_api_secret(tenant, name="feeds")
    call_end(call=start_answered_call(world["front"], world["reception"], world["anna"]))
    add_audit(tenant, 2, "before")
    with httpx.Client(base_url=live_server.url, headers=bearer(old_value)) as client:
        for url in (CALL_LOG, AUDIT):
            page = client.get(url, params={"limit": 500}).json()
            assert page["entries"]
            acked = client.post(f"{url}/ack", json={"cursor": page["cursor"]})
            assert acked.json() == {"acknowledged": True}
        held = client.get(AUDIT).json()["cursor"]  # a cursor the integrator still holds

    _, new_value = roll(old)
    add_audit(tenant, 1, "after")

    with httpx.Client(base_url=live_server.url, headers=bearer(new_value)) as client:
        # No replay: only what came after the predecessor's position (the roll's own entry too).
        assert client.get(CALL_LOG).json()["entries"] == []
        audit = client.get(AUDIT).json()
        assert [e["action"] for e in audit["entries"]] == ["api_secret.rolled", "after"]
        # The predecessor's cursor is accepted, to read on from and to acknowledge.
        after = client.get(AUDIT, params={"after": held})
        assert after.status_code == 200, after.text
        assert [e["id"] for e in after.json()["entries"]] == [e["id"] for e in audit["entries"]]
        assert client.post(f"{AUDIT}/ack", json={"cursor": held}).status_code == 200
        assert client.post(f"{AUDIT}/ack", json={"cursor": audit["cursor"]}).status_code == 200
        assert client.get(AUDIT).json()["entries"] == []


def test_a_cursor_of_the_successor_works_for_the_predecessor_during_its_overlap(tenant):
    old, old_value = make_api_secret(tenant, name="feeds")
    _, new_value = roll(old)
    successor, predecessor = bearer_client(new_value), bearer_client(old_value)
    add_audit(tenant, 2)
    page = successor.get(AUDIT).json()
    assert ack(predecessor, AUDIT, page["cursor"]).json() == {"acknowledged": True}
    # One position for the chain: both secrets are past the acknowledged entries.
    assert successor.get(AUDIT).json()["entries"] == []
    assert predecessor.get(AUDIT).json()["entries"] == []


def test_the_predecessors_acks_during_the_overlap_move_the_chain_and_never_back(tenant):
    old, old_value = make_api_secret(tenant, name="feeds")
    _, new_value = roll(old)
    successor, predecessor = bearer_client(new_value), bearer_client(old_value)
    add_audit(tenant, 4)
    early = successor.get(AUDIT, {"limit": 2}).json()
    # The old deployment, still running in the overlap, acknowledges further than the new one.
    read_all_and_ack(predecessor, AUDIT)
    add_audit(tenant, 1, "later")
    assert ack(successor, AUDIT, early["cursor"]).status_code == 200  # behind: changes nothing
    assert actions(successor.get(AUDIT).json()) == ["t0"]
    assert actions(predecessor.get(AUDIT).json()) == ["t0"]


def test_the_chains_cursors_are_refused_by_another_secret_of_the_tenant(tenant):
    old, old_value = make_api_secret(tenant, name="feeds")
    _, new_value = roll(old)
    _, stranger_value = make_api_secret(tenant, name="stranger")
    stranger = bearer_client(stranger_value)
    for value in (old_value, new_value):
        cursor = bearer_client(value).get(AUDIT).json()["cursor"]
        assert_problem(stranger.get(AUDIT, {"after": cursor}), 400, "invalid_cursor")
        assert_problem(ack(stranger, AUDIT, cursor), 400, "invalid_cursor")
    # and the stranger's position is its own
    assert stranger.get(AUDIT).json()["entries"]


def test_a_second_roll_keeps_the_first_secrets_cursors_and_position(tenant, world):
    first, first_value = make_api_secret(tenant, name="feeds")
    call_end(call=start_answered_call(world["front"], world["reception"], world["anna"]))
    page = read_all_and_ack(bearer_client(first_value), CALL_LOG)
    second, _ = roll(first)
    third, third_value = roll(ApiSecret.objects.get(pk=second.pk))
    latest = bearer_client(third_value)
    assert latest.get(CALL_LOG).json()["entries"] == []
    assert latest.get(CALL_LOG, {"after": page["cursor"]}).status_code == 200
    assert ApiSecret.objects.get(pk=third.pk).lineage == first.id


def test_the_chain_survives_deleting_the_predecessor(tenant):
    from apisecrets.services import api_secret_delete

    old, old_value = make_api_secret(tenant, name="feeds")
    new, new_value = roll(old)
    add_audit(tenant, 3)
    read_all_and_ack(bearer_client(old_value), AUDIT)
    api_secret_delete(secret=ApiSecret.objects.get(pk=old.pk), actor=Actor.system())
    add_audit(tenant, 1, "later")
    # The successor's own row was moved by the predecessor's ack: nothing replays.
    entries = bearer_client(new_value).get(AUDIT).json()["entries"]
    assert [e["action"] for e in entries] == ["api_secret.deleted", "later"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_ack_by_the_predecessor_racing_the_roll_counts_for_the_successor(tenant):
    """The roll holds the old secret's row; the old deployment's ack waits for it and then
    cannot see the successor's row (inserted in the roll's transaction). The successor's position
    is the highest of the chain's, so it still starts after that ack."""
    needs(connection.vendor == "postgresql", "SQLite serialises the two writers whole")
    old, old_value = make_api_secret(tenant, name="feeds")
    predecessor = bearer_client(old_value)
    add_audit(tenant, 3)
    page = predecessor.get(AUDIT).json()
    rolled, release = threading.Event(), threading.Event()
    successor: list[tuple[ApiSecret, str]] = []

    def rolling():
        with transaction.atomic():
            successor.append(roll(old))
            rolled.set()
            assert release.wait(10)

    def acking():
        assert ack(bearer_client(old_value), AUDIT, page["cursor"]).status_code == 200

    roller, roll_errors = _in_thread(rolling)
    assert rolled.wait(10)
    acker, ack_errors = _in_thread(acking)
    time.sleep(0.3)  # the ack now waits for the roll's lock on the old row
    release.set()
    roller.join(10)
    acker.join(10)
    assert not roll_errors and not ack_errors
    ((_, new_value),) = successor
    entries = bearer_client(new_value).get(AUDIT).json()["entries"]
    assert [e["action"] for e in entries] == ["api_secret.rolled"]
    record(tenant=tenant, actor=Actor.system(), action="next")
    assert [e["action"] for e in bearer_client(new_value).get(AUDIT).json()["entries"]] == [
        "api_secret.rolled",
        "next",
    ]
