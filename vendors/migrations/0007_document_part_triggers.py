"""A change to a vendor's languages, domains, skills, rates, delivery centres or
certifications (or to the code of a taxonomy entry it names) advances the
vendor's change number: triggers touch the vendor row (kpo/change_seq.py,
"parts of a synced row's document")."""

from django.db import migrations

from kpo.change_seq import document_triggers_operation


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0006_vendor_change_seq_external_id"),
    ]

    operations = [document_triggers_operation("vendors_vendor")]
