"""An engagement shows its vendor's slug and name: renaming the vendor advances
the change numbers of its engagements (kpo/change_seq.py)."""

from django.db import migrations

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
DOCUMENT_TRIGGERS_ENGAGEMENTS_ENGAGEMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE OR REPLACE FUNCTION vendors_vendor_touch_engagements_engagement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE engagements_engagement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT id FROM engagements_engagement WHERE vendor_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendor_touch_engagements_engagement AFTER UPDATE OF name, slug ON vendors_vendor
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION vendors_vendor_touch_engagements_engagement();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_touch_engagements_engagement AFTER UPDATE OF name, slug ON vendors_vendor
WHEN OLD.name IS NOT NEW.name OR OLD.slug IS NOT NEW.slug BEGIN
    UPDATE engagements_engagement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT id FROM engagements_engagement WHERE vendor_id = NEW.id);
END""",
        ],
    },
    backwards={
        "postgresql": [
            """DROP TRIGGER IF EXISTS vendors_vendor_touch_engagements_engagement ON vendors_vendor;
DROP FUNCTION IF EXISTS vendors_vendor_touch_engagements_engagement();""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS vendors_vendor_touch_engagements_engagement""",
        ],
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0007_requirement_document_triggers"),
    ]

    operations = [DOCUMENT_TRIGGERS_ENGAGEMENTS_ENGAGEMENT]
