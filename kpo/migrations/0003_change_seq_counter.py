"""The shared change-number counter (a sequence on PostgreSQL, a one-row table
on SQLite) and its functions; the tables' triggers come with their fields
(vendors 0006, engagements 0006). See kpo/change_seq.py."""

from django.db import migrations

from kpo.migration_operations import RunSQLForVendor


# The SQL as kpo/change_seq.py wrote it when this migration was made, frozen here:
# later changes to that module never alter what this migration runs.
COUNTER = RunSQLForVendor(
    forwards={
        "postgresql": [
            """
CREATE SEQUENCE IF NOT EXISTS kpo_change_seq AS bigint;

CREATE OR REPLACE FUNCTION kpo_next_change_seq() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    floor_value bigint;
BEGIN
    -- Once per transaction: claim "my numbers are above floor_value" before taking any.
    IF coalesce(current_setting('kpo.change_seq_floor', true), '') = '' THEN
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO floor_value FROM kpo_change_seq;
        PERFORM pg_advisory_xact_lock_shared((19280::bigint << 48) + floor_value);
        PERFORM set_config('kpo.change_seq_floor', floor_value::text, true);
    END IF;
    RETURN nextval('kpo_change_seq');
END;
$$;

CREATE OR REPLACE FUNCTION kpo_change_seq_watermark() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_assigned bigint;
    oldest_claim bigint;
BEGIN
    -- Order matters: the sequence first, then the claims.
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO last_assigned FROM kpo_change_seq;
    SELECT min(((l.classid::bigint << 32) | l.objid::bigint) - (19280::bigint << 48))
      INTO oldest_claim
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted AND l.pid <> pg_backend_pid()
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND (l.classid::bigint >> 16) = 19280;
    RETURN least(last_assigned, coalesce(oldest_claim, last_assigned));
END;
$$;

CREATE OR REPLACE FUNCTION kpo_set_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := kpo_next_change_seq();
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION kpo_write_tombstone(
    p_resource text, p_object_id bigint, p_external_id text, p_client_id bigint, p_vendor_id bigint, p_reason text
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES (p_resource, p_object_id, p_external_id, p_client_id, p_vendor_id, p_reason, kpo_next_change_seq(), now());
END;
$$;
""",
        ],
        "sqlite": [
            """CREATE TABLE IF NOT EXISTS kpo_change_counter (id integer PRIMARY KEY CHECK (id = 1), value integer NOT NULL)""",
            """INSERT OR IGNORE INTO kpo_change_counter (id, value) VALUES (1, 0)""",
        ],
    },
    backwards={
        "postgresql": [
            """
DROP FUNCTION IF EXISTS kpo_write_tombstone(text, bigint, text, bigint, bigint, text);
DROP FUNCTION IF EXISTS kpo_set_change_seq();
DROP FUNCTION IF EXISTS kpo_change_seq_watermark();
DROP FUNCTION IF EXISTS kpo_next_change_seq();
DROP SEQUENCE IF EXISTS kpo_change_seq;
""",
        ],
        "sqlite": [
            """DROP TABLE IF EXISTS kpo_change_counter""",
        ],
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("kpo", "0002_api_tokens_idempotency_tombstones"),
    ]

    operations = [COUNTER]
