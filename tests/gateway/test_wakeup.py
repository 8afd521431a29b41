"""The wake-up hub: no lost wake-ups, waking across threads, the safety-net poll, a notify that
never fails the request that queued the command."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import DoorOpenCommand
from gateway import wakeup


@pytest.fixture
def fresh_hub(settings):
    """Restart the background thread with the test's settings, and again afterwards."""
    wakeup.hub.stop()
    yield wakeup.hub
    wakeup.hub.stop()


def test_a_wake_before_the_wait_is_not_lost():
    async def scenario() -> bool:
        waiter = wakeup.hub.register("device-1")
        try:
            wakeup.hub.wake("device-1")  # arrives between the look and the wait
            return await waiter.wait(1.0)
        finally:
            wakeup.hub.unregister(waiter)

    assert asyncio.run(scenario()) is True


@pytest.fixture
def quiet_hub(settings, fresh_hub):
    """No listener (whose (re)connects wake every waiter, on purpose) and no safety net."""
    settings.GATEWAY_WAKEUP = "db-poll"
    settings.GATEWAY_DB_POLL_SECONDS = 60
    return fresh_hub


@pytest.mark.slow  # stopping the running hub first takes seconds
def test_waiters_are_woken_from_another_thread_and_only_their_own(quiet_hub):
    async def scenario() -> tuple[bool, bool]:
        mine = wakeup.hub.register("device-a")
        other = wakeup.hub.register("device-b")
        try:
            threading.Timer(0.1, wakeup.hub.wake, ["device-a"]).start()
            started = time.monotonic()
            woken = await mine.wait(5)
            assert time.monotonic() - started < 2
            return woken, await other.wait(0.2)
        finally:
            wakeup.hub.unregister(mine)
            wakeup.hub.unregister(other)

    assert asyncio.run(scenario()) == (True, False)
    assert "device-a" not in wakeup.hub.waiting_device_ids()


def test_a_waiter_times_out_when_nothing_happens(quiet_hub):
    async def scenario() -> bool:
        waiter = wakeup.hub.register("device-quiet")
        try:
            return await waiter.wait(0.2)
        finally:
            wakeup.hub.unregister(waiter)

    assert asyncio.run(scenario()) is False


@pytest.mark.parametrize(
    ("choice", "redis_url", "expected"),
    [
        ("auto", "redis://127.0.0.1:6379/15", "redis"),
        ("auto", "", "db-poll"),
        ("db-poll", "redis://127.0.0.1:6379/15", "db-poll"),
    ],
)
def test_the_backend_follows_the_configuration(settings, choice, redis_url, expected):
    settings.GATEWAY_WAKEUP = choice
    settings.REDIS_URL = redis_url
    assert wakeup.backend_name() == expected


def test_notify_never_fails_the_caller(settings, caplog, monkeypatch):
    settings.GATEWAY_WAKEUP = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setattr(wakeup, "_redis_client", None)

    wakeup.notify("device-x")

    assert "notify via redis failed" in caplog.text
    monkeypatch.setattr(wakeup, "_redis_client", None)


@pytest.mark.django_db(transaction=True)
def test_the_safety_net_finds_a_command_nobody_announced(settings, fresh_hub, active_call):
    """A command committed without a notify (a lost message) still wakes its device's poll."""
    settings.GATEWAY_WAKEUP = "db-poll"
    settings.GATEWAY_DB_POLL_SECONDS = 0.1
    device = active_call.device

    async def scenario() -> float:
        waiter = fresh_hub.register(device.id)
        try:
            await asyncio.sleep(0.3)
            now = timezone.now()
            await asyncio.to_thread(
                DoorOpenCommand.objects.create,
                tenant_id=device.tenant_id,
                call=active_call,
                device=device,
                issued_by_name="test",
                dtmf="1",
                expires_at=now + timedelta(seconds=15),
            )
            started = time.monotonic()
            assert await waiter.wait(3)
            return time.monotonic() - started
        finally:
            fresh_hub.unregister(waiter)

    assert asyncio.run(scenario()) < 1.0


@pytest.mark.django_db(transaction=True)
def test_a_poll_registered_after_its_first_look_learns_whether_its_device_was_woken(
    settings, fresh_hub
):
    """The lean path registers a new device's poll only after its first look: the hub tells it
    whether a wake-up for that device came since it started (then it looks again). Unsure (so:
    yes) while the listener is not subscribed."""
    settings.GATEWAY_WAKEUP = "redis"
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    hub = fresh_hub

    async def scenario() -> list[bool]:
        started = hub.register("device-started")  # starts the listener
        try:
            assert hub.woken_since("device-late", hub.mark()) is True  # not subscribed yet
            deadline = time.monotonic() + 10
            while hub.woken_since("device-late", hub.mark()):
                assert time.monotonic() < deadline, "the listener never subscribed"
                await asyncio.sleep(0.05)
            mark = hub.mark()
            seen = [hub.woken_since("device-late", mark)]
            hub.wake("device-other")
            seen.append(hub.woken_since("device-late", mark))
            hub.wake("device-late")
            seen.append(hub.woken_since("device-late", mark))
            seen.append(hub.woken_since("device-late", hub.mark()))
            return seen
        finally:
            hub.unregister(started)

    assert asyncio.run(scenario()) == [False, False, True, False]


@pytest.fixture
def own_hub(quiet_hub):
    """A hub of the test's own (its places start empty), with the quiet settings."""
    hub = wakeup.Hub()
    yield hub
    hub.stop()


def test_a_device_holds_at_most_two_waiting_polls_a_newer_one_ends_its_oldest(own_hub):
    hub = own_hub

    async def scenario() -> list[bool]:
        polls = [hub.register("device-greedy") for _ in range(4)]
        other = hub.register("device-other")
        for poll in [*polls, other]:
            hub.hold(poll)
        return [poll.ended for poll in [*polls, other]]

    assert asyncio.run(scenario()) == [True, True, False, False, False]


def test_a_full_hub_takes_the_place_of_a_device_holding_the_most_then_refuses(own_hub):
    hub = own_hub

    async def scenario() -> None:
        held = {}
        for name in ("a1", "a2", "b1", "c1"):  # device a holds two, b and c one each
            assert hub.admit(4)
            held[name] = hub.register(f"device-{name[0]}")
            hub.hold(held[name])
        assert hub.admit(4)  # a newcomer: a's oldest poll gives up its place
        assert [name for name, poll in held.items() if poll.ended] == ["a1"]
        hub.unregister(held["a1"])
        hub.release()
        assert not hub.admit(4)  # every device holds one: refused
        assert not any(poll.ended for name, poll in held.items() if name != "a1")
        assert hub.admitted_count() == 4

    asyncio.run(scenario())
