"""Delta sync for vendors: the database-kept change number (numbered by
triggers on every insert and update, tombstones on delete and deactivation)
and the ERP's external id. Existing rows are numbered in id order. On SQLite
the triggers come last: rebuilding the table (AlterField) would drop them."""

from django.db import migrations, models

from kpo.change_seq import backfill_operation, triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0005_history_languages_domains_milestone_counters"),
        ("kpo", "0003_change_seq_counter"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalvendor",
            name="external_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="vendor",
            name="external_id",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.AddField(
            model_name="vendor",
            name="change_seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        backfill_operation("vendors_vendor"),
        migrations.AlterField(
            model_name="vendor",
            name="change_seq",
            field=models.BigIntegerField(db_default=0, editable=False, unique=True),
        ),
        triggers_operation("vendors_vendor"),
    ]
