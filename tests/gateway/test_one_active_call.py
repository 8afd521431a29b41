"""A Teams user is in at most one active call, and only available members answer.

Otherwise a door-open for the user could open the door of a call they are not in: device 1
rings, Anna answers; device 2 reports that Anna answered there too; the customer API's door-open
then went to device 2. The rule is a database constraint, so it also holds when two answers race
on two server processes.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from callgroups.models import CallGroupMember
from devices import services
from devices.models import Call
from tests.conftest import needs
from tests.factories import make_api_secret, make_call_group, make_device, make_teams_user
from tests.gateway.servers import base_environment, database_url, start_server
from tests.helpers import assert_problem, bearer


def _ring(device, call_group) -> Call:
    return services.call_start(device=device, call_group=call_group, caller="sip:visitor@x")


@pytest.mark.django_db
def test_a_user_in_an_active_call_cannot_answer_another(gateway, other_gateway, call_group, member):
    first = gateway.start_call(call_group).json()["id"]
    assert gateway.event(first, "answered", user=member.upn).status_code == 200
    second = other_gateway.start_call(call_group).json()["id"]

    response = other_gateway.event(second, "answered", user=member.upn)

    assert_problem(response, 409, "user_busy")
    assert response.json()["title"] == "Teams user busy"
    call = Call.objects.get(id=second)
    assert (call.state, call.answered_by, call.answered_at) == (Call.State.RINGING, None, None)
    assert Call.objects.get(id=first).state == Call.State.ACTIVE


@pytest.mark.django_db
def test_after_hanging_up_the_user_can_answer_the_next_call(
    gateway, other_gateway, call_group, member
):
    first = gateway.start_call(call_group).json()["id"]
    gateway.event(first, "answered", user=member.upn)
    assert gateway.event(first, "ended").status_code == 200
    second = other_gateway.start_call(call_group).json()["id"]

    assert other_gateway.event(second, "answered", user=member.upn).status_code == 200


@pytest.mark.django_db
def test_an_unavailable_member_cannot_answer(gateway, call_group, member):
    CallGroupMember.objects.filter(call_group=call_group, user=member).update(
        availability=CallGroupMember.Availability.UNAVAILABLE
    )
    call_id = gateway.start_call(call_group).json()["id"]

    response = gateway.event(call_id, "answered", user=member.upn)

    assert response.status_code == 409
    assert response.json()["code"] == "member_unavailable"
    assert Call.objects.get(id=call_id).state == Call.State.RINGING


@pytest.mark.django_db
def test_availability_is_per_call_group(tenant, device, call_group, member):
    """Unavailable in one group does not stop an answer in another where the member is
    available."""
    night = make_call_group(tenant, "Night desk", member)
    CallGroupMember.objects.filter(call_group=night, user=member).update(
        availability=CallGroupMember.Availability.UNAVAILABLE
    )
    call = services.call_answer(call=_ring(device, call_group), user=member)
    assert call.state == Call.State.ACTIVE


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_call_for_a_user(
    device, other_gateway, call_group, member
):
    services.call_answer(call=_ring(device, call_group), user=member)
    second = _ring(other_gateway.device, call_group)

    # Past the service's check, straight to the table: the constraint still holds.
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.filter(pk=second.pk).update(state=Call.State.ACTIVE, answered_by=member)


# --- Races on PostgreSQL ------------------------------------------------------------------


def _in_thread(func):
    """Run `func` with a connection of its own, closed afterwards."""

    def run():
        try:
            return func()
        finally:
            connection.close()

    return run


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_answer_racing_an_uncommitted_one_is_refused_as_busy(
    device, other_gateway, call_group, member
):
    """Deterministic race: A has answered but not committed; B's check cannot see it, so only
    the constraint can stop B. B must wait for A, then get `user_busy` (not a 500)."""
    needs(connection.vendor == "postgresql", "needs PostgreSQL's concurrent writers")
    first, second = _ring(device, call_group), _ring(other_gateway.device, call_group)
    answered, release = threading.Event(), threading.Event()

    def a():
        with transaction.atomic():
            services.call_answer(call=first, user=member)
            answered.set()
            assert release.wait(10)

    def b():
        assert answered.wait(10)
        try:
            services.call_answer(call=second, user=member)
        except services.CallError as exc:
            return exc.code
        return "answered"

    with ThreadPoolExecutor(max_workers=2) as pool:
        fa, fb = pool.submit(_in_thread(a)), pool.submit(_in_thread(b))
        assert answered.wait(10)
        time.sleep(0.5)
        assert not fb.done(), "B should be waiting for A's uncommitted row"
        release.set()
        fa.result(timeout=10)
        assert fb.result(timeout=10) == "user_busy"

    assert Call.objects.get(pk=first.pk).state == Call.State.ACTIVE
    assert Call.objects.get(pk=second.pk).state == Call.State.RINGING
    assert Call.objects.filter(answered_by=member, state=Call.State.ACTIVE).count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_of_two_simultaneous_answers_for_one_user_exactly_one_wins(tenant, call_group, member):
    needs(connection.vendor == "postgresql", "needs PostgreSQL's concurrent writers")
    devices = [make_device(tenant, f"Door {i}")[0] for i in range(2)]
    for _ in range(5):
        calls = [_ring(d, call_group) for d in devices]
        start = threading.Barrier(2)

        def answer(call, start=start):
            def run():
                start.wait(5)
                try:
                    services.call_answer(call=call, user=member)
                except services.CallError as exc:
                    return exc.code
                return "answered"

            return _in_thread(run)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = sorted(f.result(10) for f in [pool.submit(answer(c)) for c in calls])

        assert results == ["answered", "user_busy"]
        assert Call.objects.filter(answered_by=member, state=Call.State.ACTIVE).count() == 1
        for call in Call.objects.filter(answered_by=member, state=Call.State.ACTIVE):
            services.call_end(call=call)
        Call.objects.filter(state=Call.State.RINGING).update(state=Call.State.ENDED)


# --- The reported attack, over real HTTP ----------------------------------------------------


@pytest.fixture
def live_gateway(transactional_db, django_db_setup):
    """A uvicorn server process on the test database (committed rows)."""
    env = base_environment(
        DATABASE_URL=database_url(settings.DATABASES["default"]),
        GATEWAY_WAKEUP="db-poll",
        GATEWAY_DB_POLL_SECONDS="0.1",
    )
    server = start_server(env)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.slow
def test_a_door_open_never_reaches_a_second_device_that_claims_the_busy_user(live_gateway, tenant):
    anna = make_teams_user(tenant, "anna@acme.example")
    ben = make_teams_user(tenant, "ben@acme.example")
    group = make_call_group(tenant, "Reception", anna, ben)
    front, front_credential = make_device(tenant, "Front door", "*1#")
    back, back_credential = make_device(tenant, "Back door", "9#")
    secret = make_api_secret(tenant)[1]

    with httpx.Client(base_url=live_gateway.url, timeout=10) as http:

        def ring(credential: str) -> str:
            response = http.post(
                "/device-api/v1/calls",
                json={"caller": "sip:visitor@street", "call_group": str(group.id)},
                headers=bearer(credential),
            )
            assert response.status_code == 201, response.text
            return response.json()["id"]

        def answer(credential: str, call_id: str, user: str) -> httpx.Response:
            return http.post(
                f"/device-api/v1/calls/{call_id}/events",
                json={"type": "answered", "user": user},
                headers=bearer(credential),
            )

        def poll(credential: str, wait: float) -> list[dict]:
            response = http.get(
                "/device-api/v1/commands", params={"wait": wait}, headers=bearer(credential)
            )
            assert response.status_code == 200, response.text
            return response.json()["commands"]

        # Device 1 rings, Anna answers.
        front_call = ring(front_credential)
        assert answer(front_credential, front_call, "anna@acme.example").status_code == 200
        # Device 2 rings and reports that Anna answered there too.
        back_call = ring(back_credential)
        claimed = answer(back_credential, back_call, "anna@acme.example")
        assert_problem(claimed, 409, "user_busy")

        # Ben is unavailable in the group: he cannot take the call either.
        availability = http.put(
            f"/api/v1/call-groups/{group.id}/members/ben@acme.example/availability",
            json={"availability": "unavailable"},
            headers=bearer(secret),
        )
        assert availability.status_code == 200, availability.text
        refused = answer(back_credential, back_call, "ben@acme.example")
        assert (refused.status_code, refused.json()["code"]) == (409, "member_unavailable")

        active = http.get("/api/v1/active-calls/anna@acme.example", headers=bearer(secret))
        assert active.json()["call"]["device"]["id"] == str(front.id)
        opened = http.post(
            "/api/v1/active-calls/anna@acme.example/door-open", headers=bearer(secret)
        )
        assert opened.status_code == 202, opened.text
        assert opened.json()["device"]["id"] == str(front.id)

        # Only device 1 receives the command; device 2's door stays shut.
        assert poll(back_credential, 0.5) == []
        commands = poll(front_credential, 5)
        assert [(c["call_id"], c["dtmf"]) for c in commands] == [(front_call, "*1#")]
        assert poll(back_credential, 0) == []

    back_row = Call.objects.get(id=back_call)
    assert (back_row.state, back_row.answered_by_id) == (Call.State.RINGING, None)
    assert not back.door_open_commands.exists()
