"""Calls, the call log and door-open commands: the safety rules of door opening live here. One
is stated twice: the lean gateway path (gateway/lean.py) claims commands with SQL of its own, and
tests/gateway/test_claim_rule.py holds it to commands_claim's answers case by case.

The customer API, the device gateway, admin and the simulators all go through these functions.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.fields import DateTimeField

from audit.services import Actor, append_to_log, record
from callgroups.models import CallGroup, CallGroupMember, TeamsUser, teams_user_reference
from cybergate.lib import metrics, tokens
from cybergate.lib.errors import ServiceError
from devices.models import Call, CallLogEntry, Device, DoorOpenCommand, IdempotencyKey
from devices.selectors import DEVICE_CREDENTIAL_PURPOSE, pending_commands_filter
from devices.serializers import (
    ActiveCallDetailSerializer,
    ActiveCallSerializer,
    CallLogEntrySerializer,
    DoorOpenCommandSerializer,
)
from devices.signals import command_queued, command_settled
from webhooks import events
from webhooks.models import Endpoint
from webhooks.services import emit

if TYPE_CHECKING:
    from apisecrets.models import ApiSecret
    from tenants.models import Tenant

# How long the Idempotency-Key of a tenant's door-open request counts.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
# A transaction that lost a deadlock is run again this many times in all.
DEADLOCK_RETRIES = 3
# Devices poll often; record "last seen" at most this often per device.
LAST_SEEN_GRANULARITY = timedelta(seconds=10)


class CallError(ServiceError):
    """A rule of calls or door-open commands refused the operation (cybergate/lib/errors.py).
    `replayed`: the stored first answer to an Idempotency-Key, given again."""

    codes = frozenset(
        {
            "not_found",
            "user_not_found",
            "not_a_member",
            "member_unavailable",
            "user_busy",
            "invalid_call_state",
            "not_in_active_call",
            "call_mismatch",
            "no_door_open_code",
            "idempotency_key_reused",
            "not_delivered",
            "already_acknowledged",
            "test_secret_required",
        }
    )

    def __init__(self, code: str, message: str, *, replayed: bool = False) -> None:
        super().__init__(code, message)
        self.replayed = replayed


# --- Device credentials -------------------------------------------------------------------


def hash_device_credential(value: str) -> str:
    return tokens.keyed_hash(value, purpose=DEVICE_CREDENTIAL_PURPOSE)


def device_credential_rotate(device: Device, *, actor: Actor | None = None) -> str:
    """Issue a new credential (the old one stops working); return the value, shown once.
    A virtual door station gets none: no hardware may ever poll as a sandbox's station."""
    if device.virtual:
        raise ValueError("A virtual door station has no credential.")
    value = tokens.generate(tokens.DEVICE_CREDENTIAL_PREFIX)
    with transaction.atomic():
        device.credential_prefix = value[: tokens.DISPLAY_PREFIX_LENGTH]
        device.credential_hash = hash_device_credential(value)
        device.save(update_fields=["credential_prefix", "credential_hash"])
        record(
            tenant=device.tenant,
            actor=actor or Actor.system(),
            action="device.credential_rotated",
            target=f"device:{device.name}",
            details={"id": str(device.id), "prefix": device.credential_prefix},
        )
    return value


def device_credentials_revoke_for_offboarding(
    sender: object, *, tenant: Tenant, actor: Actor, ip: str | None, **kwargs: object
) -> dict[str, list[str]]:
    """tenant_offboarding receiver: clear every device credential of the tenant (the gateway then
    answers 401)."""
    devices = Device.objects.filter(tenant=tenant)
    named = sorted(devices.filter(credential_hash__isnull=False).values_list("name", flat=True))
    devices.update(credential_hash=None, credential_prefix="")
    return {"device_credentials_revoked": named}


def device_seen(device: Device) -> None:
    now = timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= LAST_SEEN_GRANULARITY:
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


# --- Calls --------------------------------------------------------------------------------


def call_start(*, device: Device, call_group: CallGroup, caller: str) -> Call:
    """A visitor rang: the device calls one of its tenant's call groups."""
    if call_group.tenant_id != device.tenant_id:
        raise CallError("not_found", "Call group not found.")
    with transaction.atomic():
        call = Call.objects.create(
            tenant_id=device.tenant_id, device=device, call_group=call_group, caller=caller[:254]
        )
        emit(tenant_id=call.tenant_id, event_type=events.CALL_RINGING, data=_ringing_data(call))
    return call


def _ringing_data(call: Call) -> dict[str, Any]:
    """The call as the active call shows it, with who rang and when."""
    return {
        **ActiveCallDetailSerializer(call).data,
        "caller": call.caller,
        "started_at": DateTimeField().to_representation(call.started_at),
    }


_USER_BUSY = "user_busy"
_USER_BUSY_MESSAGE = "The Teams user is already in another active call."


def call_answer(*, call: Call, user: TeamsUser) -> Call:
    """`user` answered `call`. A user in another active call is busy (a door-open must reach the
    door of the call they are really in), and an unavailable member is not rung, so cannot answer.
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.state != Call.State.RINGING:
            raise CallError(
                "invalid_call_state", f"The call is {call.state}; it cannot be answered."
            )
        member = CallGroupMember.objects.filter(call_group_id=call.call_group_id, user=user).first()
        if member is None:
            raise CallError("not_a_member", "Only a member of the call's call group can answer it.")
        if member.availability != CallGroupMember.Availability.AVAILABLE:
            raise CallError(
                "member_unavailable", "The Teams user is unavailable in this call group."
            )
        if Call.objects.filter(answered_by=user, state=Call.State.ACTIVE).exists():
            raise CallError(_USER_BUSY, _USER_BUSY_MESSAGE)
        call.state = Call.State.ACTIVE
        call.answered_by = user
        call.answered_at = timezone.now()
        try:
            # The check above cannot see an answer that another transaction has not committed
            # yet; the constraint call_one_active_per_user can (PostgreSQL waits for that
            # transaction, then refuses this row).
            with transaction.atomic():
                call.save(update_fields=["state", "answered_by", "answered_at"])
        except IntegrityError as exc:
            raise CallError(_USER_BUSY, _USER_BUSY_MESSAGE) from exc
        emit(
            tenant_id=call.tenant_id,
            event_type=events.CALL_ANSWERED,
            data=ActiveCallSerializer({"user": user, "call": call}).data,
        )
    return call


_END_RESULTS = {
    "ended": None,  # answered if it was active, missed if it was still ringing
    "rejected": Call.Result.REJECTED,
    "failed": Call.Result.FAILED,
}


def call_end(*, call: Call, event: str = "ended") -> Call:
    """End a call, expire its queued commands and append its call log entry."""
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins.
        call = (
            Call.objects.select_for_update(of=("self",))
            .select_related("device", "call_group", "answered_by")
            .get(pk=call.pk)
        )
        if call.state == Call.State.ENDED:
            raise CallError("invalid_call_state", "The call has already ended.")
        if event == "rejected" and call.state != Call.State.RINGING:
            raise CallError("invalid_call_state", "Only a ringing call can be rejected.")
        result = _END_RESULTS[event] or (
            Call.Result.ANSWERED if call.state == Call.State.ACTIVE else Call.Result.MISSED
        )
        now = timezone.now()
        call.state = Call.State.ENDED
        call.result = result
        call.ended_at = now
        call.save(update_fields=["state", "result", "ended_at"])
        # Never delivered after the call ended. A delivered command keeps its status: the device
        # may still report what it did.
        expired = list(call.door_open_commands.filter(status=DoorOpenCommand.Status.QUEUED))
        call.door_open_commands.filter(pk__in=[c.pk for c in expired]).update(
            status=DoorOpenCommand.Status.EXPIRED
        )
        for command in expired:
            command.status = DoorOpenCommand.Status.EXPIRED
            command.device = call.device
            _emit_command(command, events.DOOR_OPEN_EXPIRED)
            _announce_settled(command.id)
        if expired:
            count = len(expired)
            transaction.on_commit(lambda: metrics.door_open_commands.labels("expired").inc(count))
        entry = call_log_append(call)
        emit(
            tenant_id=call.tenant_id,
            event_type=events.CALL_ENDED,
            data=CallLogEntrySerializer(entry).data,
        )
    return call


def _emit_command(command: DoorOpenCommand, event_type: str) -> None:
    # Keyed: an endpoint gets one outcome event of each type per command, also from the
    # periodic look for commands that ran out of time.
    emit(
        tenant_id=command.tenant_id,
        event_type=event_type,
        data=DoorOpenCommandSerializer(command).data,
        key=str(command.id),
    )


# Commands that ran out of time are looked for this far back when a worker starts.
EXPIRED_LOOKBACK = timedelta(hours=1)
# And each look overlaps the one before by this much (clocks, late commits).
_EXPIRED_OVERLAP = timedelta(seconds=30)


class ExpiredCommandsDuty:
    """A worker's periodic duty: `door_open.expired` for each command that ran out of time
    undelivered or unacknowledged (its call still going). Safe on several workers at once: an
    endpoint gets the event at most once per command (emit's key)."""

    def __init__(self) -> None:
        self.since: datetime | None = None

    def __call__(self) -> int:
        now = timezone.now()
        since = (self.since or now - EXPIRED_LOOKBACK) - _EXPIRED_OVERLAP
        tenants = Endpoint.objects.filter(enabled=True).values("tenant_id")
        commands = (
            DoorOpenCommand.objects.filter(
                tenant_id__in=tenants,
                status__in=[DoorOpenCommand.Status.QUEUED, DoorOpenCommand.Status.DELIVERED],
                expires_at__gt=since,
                expires_at__lte=now,
            )
            .select_related("device")
            .order_by("expires_at")
        )
        count = 0
        for command in commands:
            with transaction.atomic():
                _emit_command(command, events.DOOR_OPEN_EXPIRED)
            count += 1
        self.since = now
        return count


def call_log_append(call: Call) -> CallLogEntry:
    assert call.ended_at is not None  # call_end sets it first
    answered_by = call.answered_by
    entry = CallLogEntry(
        tenant_id=call.tenant_id,
        call=call,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        device_id_public=call.device.id,
        device_name=call.device.name,
        call_group_id_public=call.call_group.id if call.call_group else None,
        call_group_name=call.call_group.name if call.call_group else "",
        caller=call.caller,
        answered_by_id_public=answered_by.id if answered_by else None,
        answered_by_upn=answered_by.upn if answered_by else "",
        answered_by_display_name=answered_by.display_name if answered_by else "",
        result=call.result,
        door_opened=call.door_opened,
    )
    return append_to_log(entry, "call_log", call.tenant_id)


def door_open_request(
    *,
    tenant: Tenant,
    user_ref: str,
    actor: Actor,
    secret: ApiSecret | None = None,
    ip: str | None = None,
    call_id: uuid.UUID | None = None,
) -> DoorOpenCommand:
    """Queue a door-open for the device of the call the tenant's Teams user named `user_ref` (UPN
    or id) is in right now (and only that one): `user_not_found` if the tenant has no such user.

    With `call_id`, only if that is the call: the integrator saw a visitor at the door and must
    not open it for the next one (`call_mismatch`).
    """
    with transaction.atomic():
        command = _queue_door_open(
            tenant=tenant, user_ref=user_ref, actor=actor, secret=secret, ip=ip, call_id=call_id
        )
    command.replayed = False
    return command


_DOOR_OPEN_COLUMNS = (
    "tenant",
    "device__name",
    "device__virtual",
    "device__door_open_code",
    "answered_by__upn",
)


def _queue_door_open(
    *,
    tenant: Tenant,
    user_ref: str,
    actor: Actor,
    secret: ApiSecret | None,
    ip: str | None,
    call_id: uuid.UUID | None,
) -> DoorOpenCommand:
    """door_open_request's work, in the caller's transaction. The user is found by the statement
    that locks their call. Every refusal comes before the first write, so a caller may record it
    and go on in that same transaction (no savepoint)."""
    # The call locked, its device and user joined to it (of=("self",): those rows are only read),
    # with the columns this request reads.
    call = (
        Call.objects.select_for_update(of=("self",))
        .select_related("device", "answered_by")
        .only(*_DOOR_OPEN_COLUMNS)
        .filter(
            teams_user_reference(user_ref, through="answered_by"),
            tenant_id=tenant.pk,
            answered_by__tenant_id=tenant.pk,
            state=Call.State.ACTIVE,
        )
        .order_by("-answered_at")
        .first()
    )
    if call is None:
        _teams_user_by_reference(tenant, user_ref)  # no such user: user_not_found
        raise CallError("not_in_active_call", "The Teams user is not in an active call.")
    user = call.answered_by
    assert user is not None  # an active call has been answered
    if call_id is not None and call.id != call_id:
        raise CallError(
            "call_mismatch",
            "The Teams user's active call is not the call named by call_id (that call ended).",
        )
    device = call.device
    if not device.door_open_code:
        raise CallError(
            "no_door_open_code", "The device in this call has no door-open code configured."
        )
    now = timezone.now()
    command = DoorOpenCommand.objects.create(
        tenant_id=call.tenant_id,
        call=call,
        device=device,
        issued_by_secret=secret,
        issued_by_name=actor.name,
        dtmf=device.door_open_code,
        created_at=now,
        requested_at=metrics.request_arrived_at(),
        expires_at=now + timedelta(seconds=settings.DOOR_OPEN_COMMAND_TTL_SECONDS),
    )
    # Before the audit entry's: commit hooks run in the order they were added, and the device's
    # wake-up is the one a person at the door waits for.
    transaction.on_commit(
        lambda: command_queued.send(
            sender=DoorOpenCommand, device_id=device.id, virtual=device.virtual
        )
    )
    record(
        tenant=tenant,
        actor=actor,
        action="door.open_requested",
        target=f"device:{device.name}",
        details={
            "command_id": str(command.id),
            "call_id": str(call.id),
            "device_id": str(device.id),
            "user": user.upn,
        },
        ip=ip,
    )
    return command


def door_open_request_once(
    *,
    tenant: Tenant,
    key: str,
    user_ref: str,
    actor: Actor,
    secret: ApiSecret | None = None,
    ip: str | None = None,
    call_id: uuid.UUID | None = None,
) -> DoorOpenCommand:
    """`door_open_request` for the Teams user named `user_ref`, at most once per `key` of the
    tenant within IDEMPOTENCY_WINDOW.

    The first answer is kept whatever it was, and every repeat of the key by any secret of the
    tenant gets it again and changes nothing: the command (`replayed` set), or the same refusal
    (a CallError with `replayed` set) — so a key refused while no call was active cannot open
    the door of a call that starts later. The same key for another request (another user or
    call) is `idempotency_key_reused`. The key is taken before the call is locked, so repeats
    racing each other queue behind the first on the key alone; a deadlock with another writer
    is retried here rather than answered with 503.
    """
    fingerprint = hashlib.sha256(f"{user_ref.casefold()}\n{call_id or ''}".encode()).hexdigest()
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return _door_open_request_once(
                tenant=tenant,
                key=key,
                fingerprint=fingerprint,
                user_ref=user_ref,
                actor=actor,
                secret=secret,
                ip=ip,
                call_id=call_id,
            )
        except OperationalError as exc:
            if attempt == DEADLOCK_RETRIES or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def _retryable(exc: OperationalError) -> bool:
    """A deadlock or serialization failure of a whole transaction of ours (not of one nested in
    a caller's: that transaction is lost and only its owner can run it again)."""
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate in ("40P01", "40001") and not transaction.get_connection().in_atomic_block


def _door_open_request_once(
    *,
    tenant: Tenant,
    key: str,
    fingerprint: str,
    user_ref: str,
    actor: Actor,
    secret: ApiSecret | None,
    ip: str | None,
    call_id: uuid.UUID | None,
) -> DoorOpenCommand:
    refusal: CallError | None = None
    with transaction.atomic():
        taken = _take_idempotency_key(tenant=tenant, key=key, fingerprint=fingerprint)
        if taken.fingerprint != fingerprint:
            raise CallError(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for another door-open request (another "
                "Teams user or call). Use a new key for each door-open you mean.",
            )
        if taken.command_id is not None:
            command = DoorOpenCommand.objects.select_related("device").get(pk=taken.command_id)
            command.replayed = True
            return command
        if taken.refusal_code:
            raise CallError(taken.refusal_code, taken.refusal_message, replayed=True)
        try:
            command = _queue_door_open(
                tenant=tenant,
                user_ref=user_ref,
                actor=actor,
                secret=secret,
                ip=ip,
                call_id=call_id,
            )
            command.replayed = False
        except CallError as exc:
            refusal = exc
            taken.refusal_code, taken.refusal_message = exc.code, exc.message
            taken.save(update_fields=["refusal_code", "refusal_message"])
        else:
            taken.command = command
            taken.save(update_fields=["command"])
            return command
    assert refusal is not None
    raise refusal


def _take_idempotency_key(*, tenant: Tenant, key: str, fingerprint: str) -> IdempotencyKey:
    """The tenant's row for `key`: a new one (no answer yet) if the key is free or its window
    has passed, else the earlier request's. Inserting first means a concurrent request with the
    same key waits on the unique index until this transaction ends, then finds its answer."""
    while True:
        now = timezone.now()
        taken = IdempotencyKey(tenant=tenant, key=key, fingerprint=fingerprint, created_at=now)
        if _insert_unless_taken(taken):
            return taken
        earlier = IdempotencyKey.objects.select_for_update().filter(tenant=tenant, key=key).first()
        if earlier is None:
            continue  # its window passed and another request took the key over: try again
        if earlier.created_at > now - IDEMPOTENCY_WINDOW:
            return earlier
        earlier.delete()  # past its window the key is free again


def _insert_unless_taken(row: IdempotencyKey) -> bool:
    """Insert `row` unless the tenant has its key already (ON CONFLICT DO NOTHING): a conflict
    leaves the transaction usable, so the insert needs no savepoint of its own."""
    meta = IdempotencyKey._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name  # the model names no db_column: attname is the column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.attname) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) "
            f"ON CONFLICT ({quote('tenant_id')}, {quote('key')}) DO NOTHING RETURNING id",
            [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    return True


def _teams_user_by_reference(tenant: Tenant, ref: str) -> TeamsUser:
    user: TeamsUser | None = tenant.teams_users.by_reference(ref).first()
    if user is None:
        raise CallError("user_not_found", "No Teams user with this UPN or id.")
    return user


def commands_claim(*, device: Device) -> list[DoorOpenCommand]:
    """Hand out this device's deliverable commands, marking them delivered (at most once each).

    Only while the device still has the credential it authenticated with (`device` as
    authentication found it): the claiming statement itself checks it, so a poll that began
    before a rotation gets nothing once the rotation is committed. Rows are locked with SKIP
    LOCKED, so two polls of one device never get the same command.
    """
    now = timezone.now()
    claimable = pending_commands_filter(device, now) & Q(
        device__credential_hash=device.credential_hash
    )
    # Nearly every poll finds nothing: one indexed read instead of a locking transaction.
    if not DoorOpenCommand.objects.filter(claimable).exists():
        return []
    with transaction.atomic():
        commands = list(
            DoorOpenCommand.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(claimable)
            .order_by("created_at")
        )
        if commands:
            DoorOpenCommand.objects.filter(pk__in=[c.pk for c in commands]).update(
                status=DoorOpenCommand.Status.DELIVERED, delivered_at=now
            )
            for command in commands:
                first = command.status == DoorOpenCommand.Status.QUEUED
                command.status = DoorOpenCommand.Status.DELIVERED
                command.delivered_at = now
                metrics.door_open_delivered(
                    command.created_at, now, first=first, requested_at=command.requested_at
                )
    return commands


def _announce_settled(command_id: uuid.UUID) -> None:
    transaction.on_commit(
        lambda: command_settled.send(sender=DoorOpenCommand, command_id=command_id)
    )


def command_ack(*, device: Device, command_id: uuid.UUID | str, result: str) -> DoorOpenCommand:
    """The device reports the outcome. Only the device a command went to can acknowledge it."""
    if result not in (DoorOpenCommand.Status.EXECUTED, DoorOpenCommand.Status.FAILED):
        raise ValidationError(
            {"result": ValidationError("Must be 'executed' or 'failed'.", code="invalid_choice")}
        )
    with transaction.atomic():
        command = (
            DoorOpenCommand.objects.select_for_update(of=("self",))
            .select_related("call")
            .filter(device=device, id=command_id)
            .first()
        )
        if command is None:
            raise CallError("not_found", "Command not found.")
        if command.status in (DoorOpenCommand.Status.EXECUTED, DoorOpenCommand.Status.FAILED):
            raise CallError("already_acknowledged", "The command was already acknowledged.")
        if command.status != DoorOpenCommand.Status.DELIVERED:
            raise CallError(
                "not_delivered",
                f"The command is {command.effective_status()}; it was not delivered.",
            )
        now = timezone.now()
        command.status = result
        command.acked_at = now
        command.save(update_fields=["status", "acked_at"])
        delivered_at = command.delivered_at
        transaction.on_commit(
            lambda: metrics.door_open_acknowledged(result, delivered_at=delivered_at, acked_at=now)
        )
        _announce_settled(command.id)
        if result == DoorOpenCommand.Status.EXECUTED:
            Call.objects.filter(pk=command.call_id).update(door_opened=True)
        command.device = device
        _emit_command(
            command,
            events.DOOR_OPEN_EXECUTED
            if result == DoorOpenCommand.Status.EXECUTED
            else events.DOOR_OPEN_FAILED,
        )
        record(
            tenant=device.tenant,
            actor=Actor.for_device(device),
            action="door.opened"
            if result == DoorOpenCommand.Status.EXECUTED
            else "door.open_failed",
            target=f"device:{device.name}",
            details={"command_id": str(command.id), "call_id": str(command.call_id)},
        )
    return command
