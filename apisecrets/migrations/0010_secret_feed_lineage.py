from django.db import migrations, models
from django.db.models import F


def each_secret_starts_its_chain(apps, schema_editor):
    # Secrets rolled before lineages existed keep their own positions and cursors, as they had.
    apps.get_model("apisecrets", "ApiSecret").objects.update(lineage=F("id"))


class Migration(migrations.Migration):
    dependencies = [
        ("apisecrets", "0009_expiry_notice_retries"),
    ]

    operations = [
        migrations.AddField(
            model_name="apisecret",
            name="lineage",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(each_secret_starts_its_chain, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apisecret",
            name="lineage",
            field=models.UUIDField(db_index=True, editable=False),
        ),
    ]
