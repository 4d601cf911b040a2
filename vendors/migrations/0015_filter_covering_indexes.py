"""The directory's domain and certification filters read the vendor ids from an index alone
(an index-only scan) instead of visiting each matching row: `vendor_id IN (SELECT vendor_id
FROM ... WHERE expertisearea_id = ...)` for a domain (21,000 rows on 100,000 vendors, 11 ms
-> 2 ms), the same with the validity date for a certification. A count of two such filters
together: 47 -> 27-33 ms.

The domains' table is Django's own for the many-to-many field, so its index is plain SQL
(the same on both databases); the certification index replaces (certification, valid_until),
whose lookups it still serves."""

from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor

DOMAIN_INDEX = "CREATE INDEX vendor_domain_filter_idx ON vendors_vendor_domains (expertisearea_id, vendor_id)"
DROP_DOMAIN_INDEX = "DROP INDEX IF EXISTS vendor_domain_filter_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0014_search_document_sort_name"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="vendorcertification",
            name="vendor_cert_lookup_idx",
        ),
        migrations.AddIndex(
            model_name="vendorcertification",
            index=models.Index(fields=["certification", "valid_until", "vendor"], name="vendor_cert_filter_idx"),
        ),
        RunSQLForVendor(
            forwards={"postgresql": [DOMAIN_INDEX], "sqlite": [DOMAIN_INDEX]},
            backwards={"postgresql": [DROP_DOMAIN_INDEX], "sqlite": [DROP_DOMAIN_INDEX]},
        ),
    ]
