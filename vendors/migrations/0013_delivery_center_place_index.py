"""The directory's location filter: one index on (country, time zone, vendor) serves the
country filter and the loose index scan for the distinct (country, time zone) pairs the
location classes are worked out from (vendors.selectors.values_in_use), replacing the
(country, vendor) index.

On PostgreSQL, statistics on the pairs (most common values): the planner otherwise
multiplies the two columns' selectivities, estimates "offshore" (about 30 pairs) at a tenth
of its 89,000 centres and counts a page's matches with a hash of all of them (25 ms on
100,000 vendors) instead of stopping at the count limit (3 ms)."""

from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0012_directory_order_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="deliverycenter",
            name="delivery_center_country_idx",
        ),
        migrations.AddIndex(
            model_name="deliverycenter",
            index=models.Index(fields=["country", "timezone", "vendor"], name="delivery_center_place_idx"),
        ),
        RunSQLForVendor(
            forwards={
                "postgresql": [
                    "CREATE STATISTICS delivery_center_place_stats (mcv) ON country, timezone FROM vendors_deliverycenter",
                    "ANALYZE vendors_deliverycenter",
                ],
                "sqlite": [],
            },
            backwards={
                "postgresql": ["DROP STATISTICS IF EXISTS delivery_center_place_stats"],
                "sqlite": [],
            },
        ),
    ]
