"""A change to a vendor's languages, domains, skills, rates, delivery centres or
certifications (or to the code of a taxonomy entry it names) advances the
vendor's change number: triggers touch the vendor row (kpo/change_seq.py,
"parts of a synced row's document")."""

from django.db import migrations

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
DOCUMENT_TRIGGERS_VENDORS_VENDOR = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE OR REPLACE FUNCTION vendors_vendorlanguage_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendorlanguage_touch_parent_insert AFTER INSERT ON vendors_vendorlanguage
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorlanguage_touch_parent();
CREATE TRIGGER vendors_vendorlanguage_touch_parent_update AFTER UPDATE ON vendors_vendorlanguage
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorlanguage_touch_parent();
CREATE TRIGGER vendors_vendorlanguage_touch_parent_delete AFTER DELETE ON vendors_vendorlanguage
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorlanguage_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_vendor_domains_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendor_domains_touch_parent_insert AFTER INSERT ON vendors_vendor_domains
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendor_domains_touch_parent();
CREATE TRIGGER vendors_vendor_domains_touch_parent_update AFTER UPDATE ON vendors_vendor_domains
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendor_domains_touch_parent();
CREATE TRIGGER vendors_vendor_domains_touch_parent_delete AFTER DELETE ON vendors_vendor_domains
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendor_domains_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_vendorskill_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendorskill_touch_parent_insert AFTER INSERT ON vendors_vendorskill
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorskill_touch_parent();
CREATE TRIGGER vendors_vendorskill_touch_parent_update AFTER UPDATE ON vendors_vendorskill
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorskill_touch_parent();
CREATE TRIGGER vendors_vendorskill_touch_parent_delete AFTER DELETE ON vendors_vendorskill
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorskill_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_ratecard_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_ratecard_touch_parent_insert AFTER INSERT ON vendors_ratecard
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_ratecard_touch_parent();
CREATE TRIGGER vendors_ratecard_touch_parent_update AFTER UPDATE ON vendors_ratecard
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_ratecard_touch_parent();
CREATE TRIGGER vendors_ratecard_touch_parent_delete AFTER DELETE ON vendors_ratecard
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_ratecard_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_deliverycenter_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_deliverycenter_touch_parent_insert AFTER INSERT ON vendors_deliverycenter
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_deliverycenter_touch_parent();
CREATE TRIGGER vendors_deliverycenter_touch_parent_update AFTER UPDATE ON vendors_deliverycenter
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_deliverycenter_touch_parent();
CREATE TRIGGER vendors_deliverycenter_touch_parent_delete AFTER DELETE ON vendors_deliverycenter
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_deliverycenter_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_vendorcertification_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM old_rows);
    ELSE
        UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM new_rows UNION SELECT vendor_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_vendorcertification_touch_parent_insert AFTER INSERT ON vendors_vendorcertification
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorcertification_touch_parent();
CREATE TRIGGER vendors_vendorcertification_touch_parent_update AFTER UPDATE ON vendors_vendorcertification
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorcertification_touch_parent();
CREATE TRIGGER vendors_vendorcertification_touch_parent_delete AFTER DELETE ON vendors_vendorcertification
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vendors_vendorcertification_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_expertisearea_touch_vendors_vendor_domains() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM vendors_vendor_domains WHERE expertisearea_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_expertisearea_touch_vendors_vendor_domains AFTER UPDATE OF code, name ON vendors_expertisearea
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION vendors_expertisearea_touch_vendors_vendor_domains();
""",
            """
CREATE OR REPLACE FUNCTION vendors_skill_touch_vendors_vendorskill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM vendors_vendorskill WHERE skill_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_skill_touch_vendors_vendorskill AFTER UPDATE OF code ON vendors_skill
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION vendors_skill_touch_vendors_vendorskill();
""",
            """
CREATE OR REPLACE FUNCTION vendors_certification_touch_vendors_vendorcertification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vendors_vendor SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT vendor_id FROM vendors_vendorcertification WHERE certification_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_certification_touch_vendors_vendorcertification AFTER UPDATE OF code ON vendors_certification
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION vendors_certification_touch_vendors_vendorcertification();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorlanguage_touch_parent_insert AFTER INSERT ON vendors_vendorlanguage BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorlanguage_touch_parent_update AFTER UPDATE ON vendors_vendorlanguage BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorlanguage_touch_parent_delete AFTER DELETE ON vendors_vendorlanguage BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_domains_touch_parent_insert AFTER INSERT ON vendors_vendor_domains BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_domains_touch_parent_update AFTER UPDATE ON vendors_vendor_domains BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendor_domains_touch_parent_delete AFTER DELETE ON vendors_vendor_domains BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorskill_touch_parent_insert AFTER INSERT ON vendors_vendorskill BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorskill_touch_parent_update AFTER UPDATE ON vendors_vendorskill BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorskill_touch_parent_delete AFTER DELETE ON vendors_vendorskill BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_ratecard_touch_parent_insert AFTER INSERT ON vendors_ratecard BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_ratecard_touch_parent_update AFTER UPDATE ON vendors_ratecard BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_ratecard_touch_parent_delete AFTER DELETE ON vendors_ratecard BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_deliverycenter_touch_parent_insert AFTER INSERT ON vendors_deliverycenter BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_deliverycenter_touch_parent_update AFTER UPDATE ON vendors_deliverycenter BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_deliverycenter_touch_parent_delete AFTER DELETE ON vendors_deliverycenter BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorcertification_touch_parent_insert AFTER INSERT ON vendors_vendorcertification BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorcertification_touch_parent_update AFTER UPDATE ON vendors_vendorcertification BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.vendor_id, NEW.vendor_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_vendorcertification_touch_parent_delete AFTER DELETE ON vendors_vendorcertification BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.vendor_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_expertisearea_touch_vendors_vendor_domains AFTER UPDATE OF code, name ON vendors_expertisearea
WHEN OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT vendor_id FROM vendors_vendor_domains WHERE expertisearea_id = NEW.id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_skill_touch_vendors_vendorskill AFTER UPDATE OF code ON vendors_skill
WHEN OLD.code IS NOT NEW.code BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT vendor_id FROM vendors_vendorskill WHERE skill_id = NEW.id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_certification_touch_vendors_vendorcertification AFTER UPDATE OF code ON vendors_certification
WHEN OLD.code IS NOT NEW.code BEGIN
    UPDATE vendors_vendor SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT vendor_id FROM vendors_vendorcertification WHERE certification_id = NEW.id);
END""",
        ],
    },
    backwards={
        "postgresql": [
            """DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_insert ON vendors_vendorlanguage;
DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_update ON vendors_vendorlanguage;
DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_delete ON vendors_vendorlanguage;
DROP FUNCTION IF EXISTS vendors_vendorlanguage_touch_parent();
DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_insert ON vendors_vendor_domains;
DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_update ON vendors_vendor_domains;
DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_delete ON vendors_vendor_domains;
DROP FUNCTION IF EXISTS vendors_vendor_domains_touch_parent();
DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_insert ON vendors_vendorskill;
DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_update ON vendors_vendorskill;
DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_delete ON vendors_vendorskill;
DROP FUNCTION IF EXISTS vendors_vendorskill_touch_parent();
DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_insert ON vendors_ratecard;
DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_update ON vendors_ratecard;
DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_delete ON vendors_ratecard;
DROP FUNCTION IF EXISTS vendors_ratecard_touch_parent();
DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_insert ON vendors_deliverycenter;
DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_update ON vendors_deliverycenter;
DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_delete ON vendors_deliverycenter;
DROP FUNCTION IF EXISTS vendors_deliverycenter_touch_parent();
DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_insert ON vendors_vendorcertification;
DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_update ON vendors_vendorcertification;
DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_delete ON vendors_vendorcertification;
DROP FUNCTION IF EXISTS vendors_vendorcertification_touch_parent();
DROP TRIGGER IF EXISTS vendors_expertisearea_touch_vendors_vendor_domains ON vendors_expertisearea;
DROP FUNCTION IF EXISTS vendors_expertisearea_touch_vendors_vendor_domains();
DROP TRIGGER IF EXISTS vendors_skill_touch_vendors_vendorskill ON vendors_skill;
DROP FUNCTION IF EXISTS vendors_skill_touch_vendors_vendorskill();
DROP TRIGGER IF EXISTS vendors_certification_touch_vendors_vendorcertification ON vendors_certification;
DROP FUNCTION IF EXISTS vendors_certification_touch_vendors_vendorcertification();""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_vendorlanguage_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_vendor_domains_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_vendorskill_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_ratecard_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_deliverycenter_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_update""",
            """DROP TRIGGER IF EXISTS vendors_vendorcertification_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_expertisearea_touch_vendors_vendor_domains""",
            """DROP TRIGGER IF EXISTS vendors_skill_touch_vendors_vendorskill""",
            """DROP TRIGGER IF EXISTS vendors_certification_touch_vendors_vendorcertification""",
        ],
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0006_vendor_change_seq_external_id"),
    ]

    operations = [DOCUMENT_TRIGGERS_VENDORS_VENDOR]
