"""A Teams user is in at most one active call: end the extra ones, then add the constraint.

Before this, a user could be recorded as answering a second call while still in the first, and a
door-open went to whichever was answered last. Which of the two the user is really in cannot be
known; ending all but the most recently answered one keeps what door-opens did until now and
refuses nothing that worked before. Each ended call is finished as `call_end` would finish it:
`answered` result, queued door-open commands expired (never delivered after the call ended),
and its call log entry appended.
"""

from django.db import migrations, models
from django.utils import timezone


def end_all_but_latest_active_call_per_user(apps, schema_editor):
    Call = apps.get_model("devices", "Call")
    CallLogEntry = apps.get_model("devices", "CallLogEntry")
    DoorOpenCommand = apps.get_model("devices", "DoorOpenCommand")
    connection = schema_editor.connection
    active = (
        Call.objects.filter(state="active", answered_by__isnull=False)
        .select_related("device", "call_group", "answered_by")
        .order_by("answered_by_id", "-answered_at", "-started_at")
    )
    kept: set = set()
    now = timezone.now()
    for call in active:
        if call.answered_by_id not in kept:
            kept.add(call.answered_by_id)
            continue
        call.state = "ended"
        call.result = "answered"
        call.ended_at = now
        call.save(update_fields=["state", "result", "ended_at"])
        DoorOpenCommand.objects.filter(call=call, status="queued").update(status="expired")
        if connection.vendor == "postgresql":  # the lock audit.services.append_to_log takes
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"call_log:{call.tenant_id}"]
                )
        user = call.answered_by
        CallLogEntry.objects.create(
            tenant_id=call.tenant_id,
            call=call,
            started_at=call.started_at,
            answered_at=call.answered_at,
            ended_at=now,
            device_id_public=call.device.id,
            device_name=call.device.name,
            call_group_id_public=call.call_group.id if call.call_group else None,
            call_group_name=call.call_group.name if call.call_group else "",
            caller=call.caller,
            answered_by_id_public=user.id,
            answered_by_upn=user.upn,
            answered_by_display_name=user.display_name,
            result="answered",
            door_opened=call.door_opened,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("callgroups", "0002_initial"),
        ("devices", "0002_initial"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            end_all_but_latest_active_call_per_user, migrations.RunPython.noop, elidable=True
        ),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "active")),
                fields=("answered_by",),
                name="call_one_active_per_user",
                violation_error_message="This Teams user is already in an active call.",
            ),
        ),
    ]
