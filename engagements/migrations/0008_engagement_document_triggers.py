"""An engagement shows its vendor's slug and name: renaming the vendor advances
the change numbers of its engagements (kpo/change_seq.py)."""

from django.db import migrations

from kpo.change_seq import document_triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0007_requirement_document_triggers"),
    ]

    operations = [document_triggers_operation("engagements_engagement")]
