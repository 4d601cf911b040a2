"""A change to a requirement's skills or required certifications (or to the code
of the domain, skill or certification it names) advances the requirement's
change number: triggers touch the requirement row (kpo/change_seq.py, "parts of
a synced row's document")."""

from django.db import migrations

from kpo.change_seq import document_triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0006_requirement_engagement_change_seq_external_id"),
        ("vendors", "0007_document_part_triggers"),
    ]

    operations = [document_triggers_operation("engagements_requirement")]
