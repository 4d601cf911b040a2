"""Delta sync for requirements and engagements: the database-kept change
number (numbered by triggers on every insert and update, tombstones on
delete) and the ERP's external id, unique per client. Existing rows are
numbered in id order. On SQLite the triggers come last: rebuilding a table
(AlterField, AddConstraint) would drop them."""

from django.conf import settings
from django.db import migrations, models

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
BACKFILL_ENGAGEMENTS_REQUIREMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """UPDATE engagements_requirement SET change_seq = kpo_next_change_seq()""",
        ],
        "sqlite": [
            """UPDATE engagements_requirement SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) + ranked.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM engagements_requirement) AS ranked
 WHERE engagements_requirement.id = ranked.id""",
            """UPDATE kpo_change_counter SET value = value + (SELECT count(*) FROM engagements_requirement) WHERE id = 1""",
        ],
    },
    backwards={
        "postgresql": [
        ],
        "sqlite": [
        ],
    },
)

BACKFILL_ENGAGEMENTS_ENGAGEMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """UPDATE engagements_engagement SET change_seq = kpo_next_change_seq()""",
        ],
        "sqlite": [
            """UPDATE engagements_engagement SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) + ranked.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM engagements_engagement) AS ranked
 WHERE engagements_engagement.id = ranked.id""",
            """UPDATE kpo_change_counter SET value = value + (SELECT count(*) FROM engagements_engagement) WHERE id = 1""",
        ],
    },
    backwards={
        "postgresql": [
        ],
        "sqlite": [
        ],
    },
)

TRIGGERS_ENGAGEMENTS_REQUIREMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE TRIGGER engagements_requirement_change_seq BEFORE INSERT OR UPDATE ON engagements_requirement
    FOR EACH ROW EXECUTE FUNCTION kpo_set_change_seq();
CREATE OR REPLACE FUNCTION engagements_requirement_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM kpo_write_tombstone('requirement', OLD.id, OLD.external_id, OLD.client_id, NULL, 'deleted');
    ELSE
        PERFORM kpo_write_tombstone('requirement', OLD.id, OLD.external_id, OLD.client_id, NULL, 'deactivated');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER engagements_requirement_tombstone_delete AFTER DELETE ON engagements_requirement
    FOR EACH ROW EXECUTE FUNCTION engagements_requirement_tombstone();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_change_seq_insert AFTER INSERT ON engagements_requirement BEGIN
    UPDATE engagements_requirement SET change_seq = change_seq WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_change_seq_update AFTER UPDATE ON engagements_requirement BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    UPDATE engagements_requirement SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_tombstone_delete AFTER DELETE ON engagements_requirement BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES ('requirement', OLD.id, OLD.external_id, OLD.client_id, NULL,
            'deleted', (SELECT value FROM kpo_change_counter WHERE id = 1), strftime('%Y-%m-%d %H:%M:%f', 'now'));
END""",
        ],
    },
    backwards={
        "postgresql": [
            """
DROP TRIGGER IF EXISTS engagements_requirement_tombstone_deactivate ON engagements_requirement;
DROP TRIGGER IF EXISTS engagements_requirement_tombstone_delete ON engagements_requirement;
DROP TRIGGER IF EXISTS engagements_requirement_change_seq ON engagements_requirement;
DROP FUNCTION IF EXISTS engagements_requirement_tombstone();
""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS engagements_requirement_change_seq_insert""",
            """DROP TRIGGER IF EXISTS engagements_requirement_change_seq_update""",
            """DROP TRIGGER IF EXISTS engagements_requirement_tombstone_delete""",
            """DROP TRIGGER IF EXISTS engagements_requirement_tombstone_deactivate""",
        ],
    },
)

TRIGGERS_ENGAGEMENTS_ENGAGEMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE TRIGGER engagements_engagement_change_seq BEFORE INSERT OR UPDATE ON engagements_engagement
    FOR EACH ROW EXECUTE FUNCTION kpo_set_change_seq();
CREATE OR REPLACE FUNCTION engagements_engagement_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM kpo_write_tombstone('engagement', OLD.id, OLD.external_id, OLD.client_id, OLD.vendor_id, 'deleted');
    ELSE
        PERFORM kpo_write_tombstone('engagement', OLD.id, OLD.external_id, OLD.client_id, OLD.vendor_id, 'deactivated');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER engagements_engagement_tombstone_delete AFTER DELETE ON engagements_engagement
    FOR EACH ROW EXECUTE FUNCTION engagements_engagement_tombstone();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS engagements_engagement_change_seq_insert AFTER INSERT ON engagements_engagement BEGIN
    UPDATE engagements_engagement SET change_seq = change_seq WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_engagement_change_seq_update AFTER UPDATE ON engagements_engagement BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    UPDATE engagements_engagement SET change_seq = (SELECT value FROM kpo_change_counter WHERE id = 1) WHERE id = NEW.id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_engagement_tombstone_delete AFTER DELETE ON engagements_engagement BEGIN
    UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES ('engagement', OLD.id, OLD.external_id, OLD.client_id, OLD.vendor_id,
            'deleted', (SELECT value FROM kpo_change_counter WHERE id = 1), strftime('%Y-%m-%d %H:%M:%f', 'now'));
END""",
        ],
    },
    backwards={
        "postgresql": [
            """
DROP TRIGGER IF EXISTS engagements_engagement_tombstone_deactivate ON engagements_engagement;
DROP TRIGGER IF EXISTS engagements_engagement_tombstone_delete ON engagements_engagement;
DROP TRIGGER IF EXISTS engagements_engagement_change_seq ON engagements_engagement;
DROP FUNCTION IF EXISTS engagements_engagement_tombstone();
""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS engagements_engagement_change_seq_insert""",
            """DROP TRIGGER IF EXISTS engagements_engagement_change_seq_update""",
            """DROP TRIGGER IF EXISTS engagements_engagement_tombstone_delete""",
            """DROP TRIGGER IF EXISTS engagements_engagement_tombstone_deactivate""",
        ],
    },
)


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
        BACKFILL_ENGAGEMENTS_REQUIREMENT,
        BACKFILL_ENGAGEMENTS_ENGAGEMENT,
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
        TRIGGERS_ENGAGEMENTS_REQUIREMENT,
        TRIGGERS_ENGAGEMENTS_ENGAGEMENT,
    ]
