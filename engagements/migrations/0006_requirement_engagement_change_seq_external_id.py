"""Delta sync for requirements and engagements: the database-kept change
number (numbered by triggers on every insert and update, tombstones on
delete) and the ERP's external id, unique per client. Existing rows are
numbered in id order. On SQLite the triggers come last: rebuilding a table
(AlterField, AddConstraint) would drop them."""

from django.conf import settings
from django.db import migrations, models

from kpo.change_seq import backfill_operation, triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0005_rfp_proposals_team"),
        ("vendors", "0006_vendor_change_seq_external_id"),
        ("kpo", "0003_change_seq_counter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalrequirement",
            name="external_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="requirement",
            name="external_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="engagement",
            name="external_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="requirement",
            name="change_seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="engagement",
            name="change_seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        backfill_operation("engagements_requirement"),
        backfill_operation("engagements_engagement"),
        migrations.AlterField(
            model_name="requirement",
            name="change_seq",
            field=models.BigIntegerField(db_default=0, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="engagement",
            name="change_seq",
            field=models.BigIntegerField(db_default=0, editable=False, unique=True),
        ),
        migrations.AddIndex(
            model_name="engagement",
            index=models.Index(fields=["client", "change_seq"], name="engagement_client_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="engagement",
            index=models.Index(fields=["vendor", "change_seq"], name="engagement_vendor_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="requirement",
            index=models.Index(fields=["client", "change_seq"], name="requirement_client_seq_idx"),
        ),
        migrations.AddConstraint(
            model_name="engagement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("client", "external_id"),
                name="engagement_external_id_unique_per_client",
            ),
        ),
        migrations.AddConstraint(
            model_name="requirement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("client", "external_id"),
                name="requirement_external_id_unique_per_client",
            ),
        ),
        triggers_operation("engagements_requirement"),
        triggers_operation("engagements_engagement"),
    ]
