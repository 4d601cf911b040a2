"""The shared change-number counter (a sequence on PostgreSQL, a one-row table
on SQLite) and its functions; the tables' triggers come with their fields
(vendors 0006, engagements 0006). See kpo/change_seq.py."""

from django.db import migrations

from kpo.change_seq import counter_operation


class Migration(migrations.Migration):
    dependencies = [
        ("kpo", "0002_api_tokens_idempotency_tombstones"),
    ]

    operations = [counter_operation()]
