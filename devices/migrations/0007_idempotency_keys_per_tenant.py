"""Idempotency-Keys move from the command (unique per secret, refusals not kept) to a row of
their own, unique per tenant, that keeps the first answer whatever it was. Keys still within
their 24 hours carry over (the newest, where two secrets of a tenant used the same key)."""

import hashlib
from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def carry_over_keys(apps, schema_editor):
    DoorOpenCommand = apps.get_model("devices", "DoorOpenCommand")
    IdempotencyKey = apps.get_model("devices", "IdempotencyKey")
    since = timezone.now() - timedelta(hours=24)
    commands = (
        DoorOpenCommand.objects.filter(created_at__gt=since)
        .exclude(idempotency_key="")
        .select_related("call__answered_by")
        .order_by("-created_at")
    )
    taken = set()
    for command in commands.iterator():
        if (command.tenant_id, command.idempotency_key) in taken:
            continue
        taken.add((command.tenant_id, command.idempotency_key))
        upn = command.call.answered_by.upn if command.call.answered_by else ""
        IdempotencyKey.objects.create(
            tenant_id=command.tenant_id,
            key=command.idempotency_key,
            fingerprint=hashlib.sha256(f"{upn.casefold()}\n".encode()).hexdigest(),
            created_at=command.created_at,
            command=command,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0006_remove_dooropencommand_issued_by_user"),
        ("tenants", "0003_entra_sign_in"),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=255)),
                ("fingerprint", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                ("refusal_code", models.CharField(blank=True, max_length=64)),
                ("refusal_message", models.CharField(blank=True, max_length=300)),
                (
                    "command",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="devices.dooropencommand",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "key"), name="idempotency_key_per_tenant"
                    )
                ],
            },
        ),
        migrations.RunPython(carry_over_keys, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="dooropencommand",
            name="command_idempotency_key_unique",
        ),
        migrations.RemoveField(
            model_name="dooropencommand",
            name="idempotency_key",
        ),
    ]
