"""Delta sync for vendors: the database-kept change number (numbered by
triggers on every insert and update, tombstones on delete and deactivation)
and the ERP's external id. Existing rows are numbered in id order. On SQLite
the triggers come last: rebuilding the table (AlterField) would drop them."""

from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
BACKFILL_VENDORS_VENDOR = RunSQLForVendor(
    forwards={
        "postgresql": [
            """UPDATE vendors_vendor SET change_seq = kpo_next_change_seq()""",
        ],
        "sqlite": [
            """UPDATE vendors_vendor SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) + ranked.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM vendors_vendor) AS ranked
 WHERE vendors_vendor.id = ranked.id""",
            """UPDATE kpo_change_counter SET value = value + (SELECT count(*) FROM vendors_vendor) WHERE id = 1""",
        ],
    },
    backwards={
        "postgresql": [
        ],
        "sqlite": [
        ],
    },
)

TRIGGERS_VENDORS_VENDOR = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE TRIGGER vendors_vendor_change_seq BEFORE INSERT OR UPDATE ON vendors_vendor
    FOR EACH ROW EXECUTE FUNCTION kpo_set_change_seq();
CREATE OR REPLACE FUNCTION vendors_vendor_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM kpo_write_tombstone('vendor', OLD.id, OLD.external_id, NULL, OLD.id, 'deleted');
    ELSE
        PERFORM kpo_write_tombstone('vendor', OLD.id, OLD.external_id, NULL, OLD.id, 'deactivated');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendor_tombstone_delete AFTER DELETE ON vendors_vendor
    FOR EACH ROW EXECUTE FUNCTION vendors_vendor_tombstone();

CREATE TRIGGER vendors_vendor_tombstone_deactivate AFTER UPDATE OF is_active ON vendors_vendor
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION vendors_vendor_tombstone();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_change_seq_insert AFTER INSERT ON vendors_vendor BEGIN
    UPDATE vendors_vendor SET change_seq = change_seq WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_change_seq_update AFTER UPDATE ON vendors_vendor BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    UPDATE vendors_vendor SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_tombstone_delete AFTER DELETE ON vendors_vendor BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES ('vendor', OLD.id, OLD.external_id, NULL, OLD.id,
            'deleted', (SELECT value FROM kpo_change_counter WHERE id = 1), strftime('%Y-%m-%d %H:%M:%f', 'now'));
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_tombstone_deactivate AFTER UPDATE OF is_active ON vendors_vendor
WHEN OLD.is_active AND NOT NEW.is_active BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES ('vendor', OLD.id, OLD.external_id, NULL, OLD.id,
            'deactivated', (SELECT value FROM kpo_change_counter WHERE id = 1), strftime('%Y-%m-%d %H:%M:%f', 'now'));
END""",
        ],
    },
    backwards={
        "postgresql": [
            """
DROP TRIGGER IF EXISTS vendors_vendor_tombstone_deactivate ON vendors_vendor;
DROP TRIGGER IF EXISTS vendors_vendor_tombstone_delete ON vendors_vendor;
DROP TRIGGER IF EXISTS vendors_vendor_change_seq ON vendors_vendor;
DROP FUNCTION IF EXISTS vendors_vendor_tombstone();
""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS vendors_vendor_change_seq_insert""",
            """DROP TRIGGER IF EXISTS vendors_vendor_change_seq_update""",
            """DROP TRIGGER IF EXISTS vendors_vendor_tombstone_delete""",
            """DROP TRIGGER IF EXISTS vendors_vendor_tombstone_deactivate""",
        ],
    },
)


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
        BACKFILL_VENDORS_VENDOR,
        migrations.AlterField(
            model_name="vendor",
            name="change_seq",
            field=models.BigIntegerField(db_default=0, editable=False, unique=True),
        ),
        TRIGGERS_VENDORS_VENDOR,
    ]
