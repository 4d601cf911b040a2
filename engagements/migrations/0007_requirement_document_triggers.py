"""A change to a requirement's skills or required certifications (or to the code
of the domain, skill or certification it names) advances the requirement's
change number: triggers touch the requirement row (kpo/change_seq.py, "parts of
a synced row's document")."""

from django.db import migrations

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
DOCUMENT_TRIGGERS_ENGAGEMENTS_REQUIREMENT = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE OR REPLACE FUNCTION engagements_requirementskill_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM old_rows);
    ELSE
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM new_rows UNION SELECT requirement_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER engagements_requirementskill_touch_parent_insert AFTER INSERT ON engagements_requirementskill
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirementskill_touch_parent();
CREATE TRIGGER engagements_requirementskill_touch_parent_update AFTER UPDATE ON engagements_requirementskill
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirementskill_touch_parent();
CREATE TRIGGER engagements_requirementskill_touch_parent_delete AFTER DELETE ON engagements_requirementskill
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirementskill_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION engagements_requirement_required_certifications_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('kpo.defer_document_touch', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM old_rows);
    ELSE
        UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM new_rows UNION SELECT requirement_id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER engagements_requirement_required_certifications_touch_parent_insert AFTER INSERT ON engagements_requirement_required_certifications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirement_required_certifications_touch_parent();
CREATE TRIGGER engagements_requirement_required_certifications_touch_parent_update AFTER UPDATE ON engagements_requirement_required_certifications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirement_required_certifications_touch_parent();
CREATE TRIGGER engagements_requirement_required_certifications_touch_parent_delete AFTER DELETE ON engagements_requirement_required_certifications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION engagements_requirement_required_certifications_touch_parent();
""",
            """
CREATE OR REPLACE FUNCTION vendors_expertisearea_touch_engagements_requirement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT id FROM engagements_requirement WHERE domain_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_expertisearea_touch_engagements_requirement AFTER UPDATE OF code, name ON vendors_expertisearea
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION vendors_expertisearea_touch_engagements_requirement();
""",
            """
CREATE OR REPLACE FUNCTION vendors_skill_touch_engagements_requirementskill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM engagements_requirementskill WHERE skill_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_skill_touch_engagements_requirementskill AFTER UPDATE OF code ON vendors_skill
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION vendors_skill_touch_engagements_requirementskill();
""",
            """
CREATE OR REPLACE FUNCTION vendors_certification_touch_engagements_requirement_required_certifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE engagements_requirement SET updated_at = greatest(updated_at, clock_timestamp()) WHERE id IN (SELECT requirement_id FROM engagements_requirement_required_certifications WHERE certification_id = NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER vendors_certification_touch_engagements_requirement_required_certifications AFTER UPDATE OF code ON vendors_certification
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION vendors_certification_touch_engagements_requirement_required_certifications();
""",
        ],
        "sqlite": [
            """CREATE TRIGGER IF NOT EXISTS engagements_requirementskill_touch_parent_insert AFTER INSERT ON engagements_requirementskill BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.requirement_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirementskill_touch_parent_update AFTER UPDATE ON engagements_requirementskill BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.requirement_id, NEW.requirement_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirementskill_touch_parent_delete AFTER DELETE ON engagements_requirementskill BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.requirement_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_required_certifications_touch_parent_insert AFTER INSERT ON engagements_requirement_required_certifications BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = NEW.requirement_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_required_certifications_touch_parent_update AFTER UPDATE ON engagements_requirement_required_certifications BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (OLD.requirement_id, NEW.requirement_id);
END""",
            """CREATE TRIGGER IF NOT EXISTS engagements_requirement_required_certifications_touch_parent_delete AFTER DELETE ON engagements_requirement_required_certifications BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id = OLD.requirement_id;
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_expertisearea_touch_engagements_requirement AFTER UPDATE OF code, name ON vendors_expertisearea
WHEN OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT id FROM engagements_requirement WHERE domain_id = NEW.id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_skill_touch_engagements_requirementskill AFTER UPDATE OF code ON vendors_skill
WHEN OLD.code IS NOT NEW.code BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT requirement_id FROM engagements_requirementskill WHERE skill_id = NEW.id);
END""",
            """CREATE TRIGGER IF NOT EXISTS vendors_certification_touch_engagements_requirement_required_certifications AFTER UPDATE OF code ON vendors_certification
WHEN OLD.code IS NOT NEW.code BEGIN
    UPDATE engagements_requirement SET updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now')) WHERE id IN (SELECT requirement_id FROM engagements_requirement_required_certifications WHERE certification_id = NEW.id);
END""",
        ],
    },
    backwards={
        "postgresql": [
            """DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_insert ON engagements_requirementskill;
DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_update ON engagements_requirementskill;
DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_delete ON engagements_requirementskill;
DROP FUNCTION IF EXISTS engagements_requirementskill_touch_parent();
DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_insert ON engagements_requirement_required_certifications;
DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_update ON engagements_requirement_required_certifications;
DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_delete ON engagements_requirement_required_certifications;
DROP FUNCTION IF EXISTS engagements_requirement_required_certifications_touch_parent();
DROP TRIGGER IF EXISTS vendors_expertisearea_touch_engagements_requirement ON vendors_expertisearea;
DROP FUNCTION IF EXISTS vendors_expertisearea_touch_engagements_requirement();
DROP TRIGGER IF EXISTS vendors_skill_touch_engagements_requirementskill ON vendors_skill;
DROP FUNCTION IF EXISTS vendors_skill_touch_engagements_requirementskill();
DROP TRIGGER IF EXISTS vendors_certification_touch_engagements_requirement_required_certifications ON vendors_certification;
DROP FUNCTION IF EXISTS vendors_certification_touch_engagements_requirement_required_certifications();""",
        ],
        "sqlite": [
            """DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_update""",
            """DROP TRIGGER IF EXISTS engagements_requirementskill_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_insert""",
            """DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_update""",
            """DROP TRIGGER IF EXISTS engagements_requirement_required_certifications_touch_parent_delete""",
            """DROP TRIGGER IF EXISTS vendors_expertisearea_touch_engagements_requirement""",
            """DROP TRIGGER IF EXISTS vendors_skill_touch_engagements_requirementskill""",
            """DROP TRIGGER IF EXISTS vendors_certification_touch_engagements_requirement_required_certifications""",
        ],
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0006_requirement_engagement_change_seq_external_id"),
        ("vendors", "0007_document_part_triggers"),
    ]

    operations = [DOCUMENT_TRIGGERS_ENGAGEMENTS_REQUIREMENT]
