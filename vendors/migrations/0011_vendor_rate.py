# ruff: noqa: S608 - the SQL is built from constants of this module, never from input
"""Each vendor's rate per seniority in the base currency (`vendors_vendorrate`), kept by
triggers, so the directory sorts and filters by rate through an index instead of converting
every vendor's rate card per request (vendors/selectors.py).

- A new vendor gets one row per seniority (junior, mid, senior, expert; a new seniority needs
  a migration that adds its rows and its name here), `rate_base` null.
- A rate card written or deleted sets its row: hourly_rate x the currency's rate_to_base,
  or null (no exchange rate for the currency, or no card).
- An exchange rate added, changed or deleted resets the rows of every card in its currency.

All in the transaction of the write, on PostgreSQL and on SQLite (the demo) alike. The rows
are no part of any synced document: they change no change number.
"""

import django.db.models.deletion
from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor

SENIORITIES = ("junior", "mid", "senior", "expert")

POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION vendors_vendor_rate_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO vendors_vendorrate (vendor_id, seniority, rate_base)
        SELECT NEW.id, seniority, NULL FROM unnest(ARRAY['junior', 'mid', 'senior', 'expert']) AS seniority
        ON CONFLICT (vendor_id, seniority) DO NOTHING;
    RETURN NULL;
END;
$$
""",
    """
CREATE TRIGGER vendors_vendor_rate_rows AFTER INSERT ON vendors_vendor
    FOR EACH ROW EXECUTE FUNCTION vendors_vendor_rate_rows()
""",
    """
CREATE OR REPLACE FUNCTION vendors_ratecard_rate_base() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE vendors_vendorrate SET rate_base = NULL
            WHERE vendor_id = OLD.vendor_id AND seniority = OLD.seniority;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE vendors_vendorrate
            SET rate_base = NEW.hourly_rate * (SELECT rate_to_base FROM vendors_exchangerate WHERE currency = NEW.currency)
            WHERE vendor_id = NEW.vendor_id AND seniority = NEW.seniority;
    END IF;
    RETURN NULL;
END;
$$
""",
    """
CREATE TRIGGER vendors_ratecard_rate_base AFTER INSERT OR UPDATE OR DELETE ON vendors_ratecard
    FOR EACH ROW EXECUTE FUNCTION vendors_ratecard_rate_base()
""",
    """
CREATE OR REPLACE FUNCTION vendors_exchangerate_rate_base() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE vendors_vendorrate vr SET rate_base = NULL FROM vendors_ratecard rc
            WHERE rc.currency = OLD.currency AND vr.vendor_id = rc.vendor_id AND vr.seniority = rc.seniority;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE vendors_vendorrate vr SET rate_base = rc.hourly_rate * NEW.rate_to_base FROM vendors_ratecard rc
            WHERE rc.currency = NEW.currency AND vr.vendor_id = rc.vendor_id AND vr.seniority = rc.seniority;
    END IF;
    RETURN NULL;
END;
$$
""",
    """
CREATE TRIGGER vendors_exchangerate_rate_base AFTER INSERT OR UPDATE OF currency, rate_to_base OR DELETE
    ON vendors_exchangerate FOR EACH ROW EXECUTE FUNCTION vendors_exchangerate_rate_base()
""",
    """
INSERT INTO vendors_vendorrate (vendor_id, seniority, rate_base)
SELECT v.id, s.seniority, rc.hourly_rate * x.rate_to_base
FROM vendors_vendor v
CROSS JOIN unnest(ARRAY['junior', 'mid', 'senior', 'expert']) AS s(seniority)
LEFT JOIN vendors_ratecard rc ON rc.vendor_id = v.id AND rc.seniority = s.seniority
LEFT JOIN vendors_exchangerate x ON x.currency = rc.currency
ON CONFLICT (vendor_id, seniority) DO NOTHING
""",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS vendors_exchangerate_rate_base ON vendors_exchangerate",
    "DROP FUNCTION IF EXISTS vendors_exchangerate_rate_base()",
    "DROP TRIGGER IF EXISTS vendors_ratecard_rate_base ON vendors_ratecard",
    "DROP FUNCTION IF EXISTS vendors_ratecard_rate_base()",
    "DROP TRIGGER IF EXISTS vendors_vendor_rate_rows ON vendors_vendor",
    "DROP FUNCTION IF EXISTS vendors_vendor_rate_rows()",
]

# The four seniorities as rows of one column, `seniority`.
_SQLITE_SENIORITIES = " UNION ALL ".join(
    [f"SELECT '{SENIORITIES[0]}' AS seniority", *(f"SELECT '{seniority}'" for seniority in SENIORITIES[1:])]
)
_SQLITE_RATE = "(SELECT rate_to_base FROM vendors_exchangerate WHERE currency = NEW.currency)"
# Reinstalled after every migrate on SQLite (vendors/apps.py), as written here.
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS vendors_vendor_rate_rows AFTER INSERT ON vendors_vendor BEGIN
    INSERT OR IGNORE INTO vendors_vendorrate (vendor_id, seniority, rate_base)
        SELECT NEW.id, seniority, NULL FROM ({_SQLITE_SENIORITIES});
END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendors_ratecard_rate_base_insert AFTER INSERT ON vendors_ratecard BEGIN
    UPDATE vendors_vendorrate SET rate_base = NEW.hourly_rate * {_SQLITE_RATE}
        WHERE vendor_id = NEW.vendor_id AND seniority = NEW.seniority;
END""",
    f"""CREATE TRIGGER IF NOT EXISTS vendors_ratecard_rate_base_update AFTER UPDATE ON vendors_ratecard BEGIN
    UPDATE vendors_vendorrate SET rate_base = NULL WHERE vendor_id = OLD.vendor_id AND seniority = OLD.seniority;
    UPDATE vendors_vendorrate SET rate_base = NEW.hourly_rate * {_SQLITE_RATE}
        WHERE vendor_id = NEW.vendor_id AND seniority = NEW.seniority;
END""",
    """CREATE TRIGGER IF NOT EXISTS vendors_ratecard_rate_base_delete AFTER DELETE ON vendors_ratecard BEGIN
    UPDATE vendors_vendorrate SET rate_base = NULL WHERE vendor_id = OLD.vendor_id AND seniority = OLD.seniority;
END""",
    """CREATE TRIGGER IF NOT EXISTS vendors_exchangerate_rate_base_insert AFTER INSERT ON vendors_exchangerate BEGIN
    UPDATE vendors_vendorrate SET rate_base = (
        SELECT rc.hourly_rate * NEW.rate_to_base FROM vendors_ratecard rc
        WHERE rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority)
    WHERE EXISTS (SELECT 1 FROM vendors_ratecard rc WHERE rc.currency = NEW.currency
        AND rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority);
END""",
    """CREATE TRIGGER IF NOT EXISTS vendors_exchangerate_rate_base_update AFTER UPDATE OF currency, rate_to_base
    ON vendors_exchangerate BEGIN
    UPDATE vendors_vendorrate SET rate_base = NULL
    WHERE EXISTS (SELECT 1 FROM vendors_ratecard rc WHERE rc.currency = OLD.currency
        AND rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority);
    UPDATE vendors_vendorrate SET rate_base = (
        SELECT rc.hourly_rate * NEW.rate_to_base FROM vendors_ratecard rc
        WHERE rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority)
    WHERE EXISTS (SELECT 1 FROM vendors_ratecard rc WHERE rc.currency = NEW.currency
        AND rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority);
END""",
    """CREATE TRIGGER IF NOT EXISTS vendors_exchangerate_rate_base_delete AFTER DELETE ON vendors_exchangerate BEGIN
    UPDATE vendors_vendorrate SET rate_base = NULL
    WHERE EXISTS (SELECT 1 FROM vendors_ratecard rc WHERE rc.currency = OLD.currency
        AND rc.vendor_id = vendors_vendorrate.vendor_id AND rc.seniority = vendors_vendorrate.seniority);
END""",
]

SQLITE = [
    *SQLITE_TRIGGERS,
    f"""INSERT OR IGNORE INTO vendors_vendorrate (vendor_id, seniority, rate_base)
SELECT v.id, s.seniority, rc.hourly_rate * x.rate_to_base
FROM vendors_vendor v
CROSS JOIN ({_SQLITE_SENIORITIES}) s
LEFT JOIN vendors_ratecard rc ON rc.vendor_id = v.id AND rc.seniority = s.seniority
LEFT JOIN vendors_exchangerate x ON x.currency = rc.currency""",
]

SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "vendors_vendor_rate_rows",
        "vendors_ratecard_rate_base_insert",
        "vendors_ratecard_rate_base_update",
        "vendors_ratecard_rate_base_delete",
        "vendors_exchangerate_rate_base_insert",
        "vendors_exchangerate_rate_base_update",
        "vendors_exchangerate_rate_base_delete",
    )
]


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0010_search_document"),
    ]

    operations = [
        migrations.CreateModel(
            name="VendorRate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "seniority",
                    models.CharField(
                        choices=[
                            ("junior", "Junior"),
                            ("mid", "Mid-level"),
                            ("senior", "Senior"),
                            ("expert", "Expert"),
                        ],
                        editable=False,
                        max_length=10,
                    ),
                ),
                ("rate_base", models.DecimalField(decimal_places=10, editable=False, max_digits=30, null=True)),
                (
                    "vendor",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="base_rates",
                        to="vendors.vendor",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["seniority", "rate_base", "vendor"], name="vendor_rate_sort_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("vendor", "seniority"), name="vendor_rate_unique_seniority")
                ],
            },
        ),
        RunSQLForVendor(
            forwards={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            backwards={"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
