# ruff: noqa: S608 - the SQL is built from the fixed SYNCED_TABLES names and constants, never from input
"""The change number behind delta sync, kept by the database itself.

Every insert and update of a vendor, requirement or engagement takes the next
number of ONE counter shared by the three tables and by kpo.Tombstone, so
`QuerySet.update()`, `bulk_update()`, raw SQL and the admin advance it as
surely as `save()` does. Deletions (and a vendor's deactivation) write a
tombstone row numbered from the same counter, from triggers too, so bulk
deletes are covered.

PostgreSQL: a sequence `kpo_change_seq`, `kpo_next_change_seq()` and BEFORE
INSERT OR UPDATE triggers that set NEW.change_seq; AFTER DELETE (and AFTER
UPDATE OF is_active for vendors) triggers write the tombstones.

Migrations carry this SQL written out (kpo 0003, vendors 0006-0007, engagements
0006-0008), never calls to the builders below, so changing a builder changes no old
migration: a change of the triggers needs a new migration with the new SQL written
out, and tests/kpo/test_change_seq_migrations.py fails until the database that the
migrations build matches these builders again.

SQLite (development): a one-row counter table `kpo_change_counter`; AFTER
INSERT triggers issue a no-op UPDATE of the row, and the AFTER UPDATE trigger
bumps the counter and writes the number into the row. That inner UPDATE does
not fire its own trigger again because SQLite's `recursive_triggers` is off
(its default, which Django keeps). SQLite has one writer at a time, so numbers
always commit in order there. A migration that rebuilds one of these tables on
SQLite (Django's `_remake_table`) drops its triggers: re-run
`sqlite_table_triggers()` after such an operation.

The in-flight problem (PostgreSQL): a transaction may take number 100, and
commit after another transaction's 101 is already visible. A client syncing
in between would store 101 and never ask for 100 again. So every writing
transaction, before it takes its first number, reads the sequence's current
value F and holds a shared transaction-level advisory lock whose key encodes F
("every number I take is above F"). `kpo_change_seq_watermark()` reads the
sequence's last value L, then the advisory locks held right now (pg_locks),
and answers min(L, smallest F): every number at or below it belongs to a
transaction that has finished (committed rows are visible to the next
statement's snapshot: PostgreSQL releases locks after making the commit
visible). Sync responses serve only rows at or below the watermark; rows
above it come in the next sync. The watermark never decreases. The reader's
own claim is left out: its own uncommitted rows are visible to itself. Readers never
block writers and writers never block each other (shared locks).
"""

from contextlib import contextmanager

from django.db import connections

# High 16 bits of the advisory lock keys: "KP". The low 48 bits carry F.
LOCK_NAMESPACE = 0x4B50
LOCK_SHIFT = 48

SYNCED_TABLES = {
    # table: (resource, client_id expression, vendor_id expression, has is_active)
    "vendors_vendor": ("vendor", "NULL", "{row}.id", True),
    "engagements_requirement": ("requirement", "{row}.client_id", "NULL", False),
    "engagements_engagement": ("engagement", "{row}.client_id", "{row}.vendor_id", False),
}

# -- PostgreSQL ------------------------------------------------------------------

POSTGRES_COUNTER = f"""
CREATE SEQUENCE IF NOT EXISTS kpo_change_seq AS bigint;

CREATE OR REPLACE FUNCTION kpo_next_change_seq() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    floor_value bigint;
BEGIN
    -- Once per transaction: claim "my numbers are above floor_value" before taking any.
    IF coalesce(current_setting('kpo.change_seq_floor', true), '') = '' THEN
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO floor_value FROM kpo_change_seq;
        PERFORM pg_advisory_xact_lock_shared(({LOCK_NAMESPACE}::bigint << {LOCK_SHIFT}) + floor_value);
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
    SELECT min(((l.classid::bigint << 32) | l.objid::bigint) - ({LOCK_NAMESPACE}::bigint << {LOCK_SHIFT}))
      INTO oldest_claim
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted AND l.pid <> pg_backend_pid()
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND (l.classid::bigint >> 16) = {LOCK_NAMESPACE};
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
"""

POSTGRES_COUNTER_REVERSE = """
DROP FUNCTION IF EXISTS kpo_write_tombstone(text, bigint, text, bigint, bigint, text);
DROP FUNCTION IF EXISTS kpo_set_change_seq();
DROP FUNCTION IF EXISTS kpo_change_seq_watermark();
DROP FUNCTION IF EXISTS kpo_next_change_seq();
DROP SEQUENCE IF EXISTS kpo_change_seq;
"""


def _tombstone_args(table: str, reason: str) -> str:
    resource, client, vendor, _ = SYNCED_TABLES[table]
    return f"'{resource}', OLD.id, OLD.external_id, {client.format(row='OLD')}, {vendor.format(row='OLD')}, '{reason}'"


def postgres_backfill(table: str) -> str:
    return f"UPDATE {table} SET change_seq = kpo_next_change_seq()"


def postgres_table_triggers(table: str) -> str:  # one string: psycopg runs several statements
    """Numbering and tombstone triggers for one table."""
    sql = f"""
CREATE TRIGGER {table}_change_seq BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION kpo_set_change_seq();
CREATE OR REPLACE FUNCTION {table}_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM kpo_write_tombstone({_tombstone_args(table, "deleted")});
    ELSE
        PERFORM kpo_write_tombstone({_tombstone_args(table, "deactivated")});
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER {table}_tombstone_delete AFTER DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_tombstone();
"""
    if SYNCED_TABLES[table][3]:
        sql += f"""
CREATE TRIGGER {table}_tombstone_deactivate AFTER UPDATE OF is_active ON {table}
    FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION {table}_tombstone();
"""
    return sql


def postgres_table_triggers_reverse(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_tombstone_deactivate ON {table};
DROP TRIGGER IF EXISTS {table}_tombstone_delete ON {table};
DROP TRIGGER IF EXISTS {table}_change_seq ON {table};
DROP FUNCTION IF EXISTS {table}_tombstone();
"""


# -- SQLite ----------------------------------------------------------------------

# SQLite runs one statement per execute(): these builders return lists.
SQLITE_COUNTER = [
    "CREATE TABLE IF NOT EXISTS kpo_change_counter (id integer PRIMARY KEY CHECK (id = 1), value integer NOT NULL)",
    "INSERT OR IGNORE INTO kpo_change_counter (id, value) VALUES (1, 0)",
]

SQLITE_COUNTER_REVERSE = ["DROP TABLE IF EXISTS kpo_change_counter"]

_SQLITE_BUMP = "UPDATE kpo_change_counter SET value = value + 1 WHERE id = 1;"
_SQLITE_CURRENT = "(SELECT value FROM kpo_change_counter WHERE id = 1)"


def sqlite_backfill(table: str) -> list[str]:
    """Number the existing rows in id order (before the triggers exist)."""
    return [
        f"""UPDATE {table} SET change_seq = {_SQLITE_CURRENT} + ranked.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM {table}) AS ranked
 WHERE {table}.id = ranked.id""",
        f"UPDATE kpo_change_counter SET value = value + (SELECT count(*) FROM {table}) WHERE id = 1",
    ]


def _sqlite_tombstone(table: str, reason: str) -> str:
    resource, client, vendor, _ = SYNCED_TABLES[table]
    return f"""{_SQLITE_BUMP}
    INSERT INTO kpo_tombstone (resource, object_id, external_id, client_id, vendor_id, reason, change_seq, created_at)
    VALUES ('{resource}', OLD.id, OLD.external_id, {client.format(row="OLD")}, {vendor.format(row="OLD")},
            '{reason}', {_SQLITE_CURRENT}, strftime('%Y-%m-%d %H:%M:%f', 'now'));"""


def sqlite_table_triggers(table: str) -> list[str]:
    """Idempotent (IF NOT EXISTS): safe to re-run after a table rebuild."""
    statements = [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_change_seq_insert AFTER INSERT ON {table} BEGIN
    UPDATE {table} SET change_seq = change_seq WHERE id = NEW.id;
END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_change_seq_update AFTER UPDATE ON {table} BEGIN
    {_SQLITE_BUMP}
    UPDATE {table} SET change_seq = {_SQLITE_CURRENT} WHERE id = NEW.id;
END""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_tombstone_delete AFTER DELETE ON {table} BEGIN
    {_sqlite_tombstone(table, "deleted")}
END""",
    ]
    if SYNCED_TABLES[table][3]:
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {table}_tombstone_deactivate AFTER UPDATE OF is_active ON {table}
WHEN OLD.is_active AND NOT NEW.is_active BEGIN
    {_sqlite_tombstone(table, "deactivated")}
END"""
        )
    return statements


def sqlite_table_triggers_reverse(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_{name}"
        for name in ("change_seq_insert", "change_seq_update", "tombstone_delete", "tombstone_deactivate")
    ]


# -- parts of a synced row's document ---------------------------------------------
#
# A vendor's API document nests its languages, domains, skills, rates, centres and
# certifications, and names taxonomy by code. A change to any of those rows is a
# change of the vendor: triggers touch the parent row, so its change number (and,
# on PostgreSQL, `updated_at`) advances whatever wrote the part (a service, the
# admin, bulk_create, raw SQL). Delta sync then never misses a nested change, and
# (id, change_seq) names one version of the whole document, which lets API list
# pages cache documents by it (vendors/api/documents.py).

# part table -> (parent table, column naming the parent row)
DOCUMENT_PARTS = {
    "vendors_vendorlanguage": ("vendors_vendor", "vendor_id"),
    "vendors_vendor_domains": ("vendors_vendor", "vendor_id"),
    "vendors_vendorskill": ("vendors_vendor", "vendor_id"),
    "vendors_ratecard": ("vendors_vendor", "vendor_id"),
    "vendors_deliverycenter": ("vendors_vendor", "vendor_id"),
    "vendors_vendorcertification": ("vendors_vendor", "vendor_id"),
    "engagements_requirementskill": ("engagements_requirement", "requirement_id"),
    "engagements_requirement_required_certifications": ("engagements_requirement", "requirement_id"),
}
# referenced table (taxonomy, or a vendor an engagement names) -> (columns the referring
# documents show, links: (table, column holding the referenced id)). A link is a part
# table (its parent is touched) or a synced table itself.
DOCUMENT_REFERENCES = {
    "vendors_expertisearea": (
        ("code", "name"),  # the name orders a vendor's domains
        (("vendors_vendor_domains", "expertisearea_id"), ("engagements_requirement", "domain_id")),
    ),
    "vendors_skill": (
        ("code",),
        (("vendors_vendorskill", "skill_id"), ("engagements_requirementskill", "skill_id")),
    ),
    "vendors_certification": (
        ("code",),
        (
            ("vendors_vendorcertification", "certification_id"),
            ("engagements_requirement_required_certifications", "certification_id"),
        ),
    ),
    # An engagement shows its vendor as {id, slug, name}.
    "vendors_vendor": (("name", "slug"), (("engagements_engagement", "vendor_id"),)),
}


def _link_parent(link: str) -> str:
    return DOCUMENT_PARTS[link][0] if link in DOCUMENT_PARTS else link


def _touched_by_reference(link: str, column: str, referenced_id: str) -> tuple[str, str]:
    """(parent table, SQL selecting the ids of its rows that name the referenced row)."""
    if link in DOCUMENT_PARTS:
        parent, parent_column = DOCUMENT_PARTS[link]
        return parent, f"SELECT {parent_column} FROM {link} WHERE {column} = {referenced_id}"
    return link, f"SELECT id FROM {link} WHERE {column} = {referenced_id}"


def document_tables(parent: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    """The part tables of `parent`, and its (referenced, link, column) triggers."""
    parts = [part for part, (owner, _column) in DOCUMENT_PARTS.items() if owner == parent]
    links = [
        (referenced, link, column)
        for referenced, (_columns, pairs) in DOCUMENT_REFERENCES.items()
        for link, column in pairs
        if _link_parent(link) == parent
    ]
    return parts, links


DEFER_SETTING = "kpo.defer_document_touch"


@contextmanager
def document_touch_deferred(using: str = "default"):
    """Inside a transaction on PostgreSQL: writes of a document's parts leave the
    parent row alone, so a bulk writer does not rewrite each vendor once per part
    statement. The caller then writes every parent whose parts it changed AFTER
    the last of them (that write takes the final change number). A parent created
    in the same transaction needs nothing: no one sees it before the commit.
    Elsewhere (SQLite) the triggers touch as always."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("document_touch_deferred() needs a transaction (transaction.atomic).")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [DEFER_SETTING])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [DEFER_SETTING])


def postgres_part_triggers(table: str) -> str:
    """Statement-level triggers (transition tables): a bulk write of parts
    touches each parent once per statement, not once per row."""
    parent, column = DOCUMENT_PARTS[table]
    touch = f"UPDATE {parent} SET updated_at = {_POSTGRES_NOW} WHERE id IN"
    return f"""
CREATE OR REPLACE FUNCTION {table}_touch_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{DEFER_SETTING}', true) = 'on' THEN
        RETURN NULL;  -- a bulk writer touches each parent once, after its last part (document_touch_deferred)
    END IF;
    IF TG_OP = 'INSERT' THEN
        {touch} (SELECT {column} FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        {touch} (SELECT {column} FROM old_rows);
    ELSE
        {touch} (SELECT {column} FROM new_rows UNION SELECT {column} FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER {table}_touch_parent_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_touch_parent();
CREATE TRIGGER {table}_touch_parent_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_touch_parent();
CREATE TRIGGER {table}_touch_parent_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_touch_parent();
"""


def postgres_reference_trigger(referenced: str, link: str, column: str) -> str:
    """Row-level (PostgreSQL allows no transition tables with a column list);
    referenced rows change rarely."""
    columns, _links = DOCUMENT_REFERENCES[referenced]
    parent, ids = _touched_by_reference(link, column, "NEW.id")
    changed = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in columns)
    name = f"{referenced}_touch_{link}"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {parent} SET updated_at = {_POSTGRES_NOW} WHERE id IN ({ids});
    RETURN NULL;
END;
$$;
CREATE TRIGGER {name} AFTER UPDATE OF {", ".join(columns)} ON {referenced}
    FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {name}();
"""


def postgres_document_triggers(parent: str) -> list[str]:
    parts, links = document_tables(parent)
    return [*[postgres_part_triggers(part) for part in parts], *[postgres_reference_trigger(*link) for link in links]]


def postgres_document_triggers_reverse(parent: str) -> str:
    parts, links = document_tables(parent)
    statements = []
    for table in parts:
        statements += [f"DROP TRIGGER IF EXISTS {table}_touch_parent_{op} ON {table};" for op in _OPS]
        statements.append(f"DROP FUNCTION IF EXISTS {table}_touch_parent();")
    for referenced, link, _column in links:
        statements += [
            f"DROP TRIGGER IF EXISTS {referenced}_touch_{link} ON {referenced};",
            f"DROP FUNCTION IF EXISTS {referenced}_touch_{link}();",
        ]
    return "\n".join(statements)


_OPS = ("insert", "update", "delete")
# The wall-clock time of the part's change (not the transaction's start, which may be
# earlier than a time the application already wrote), never moving `updated_at` back.
_POSTGRES_NOW = "greatest(updated_at, clock_timestamp())"
# SQLite: Django's text format (UTC), as the tombstone triggers write it.
_SQLITE_NOW = "max(updated_at, strftime('%Y-%m-%d %H:%M:%f', 'now'))"


def sqlite_document_triggers(parent: str) -> list[str]:
    """Row-level, idempotent (IF NOT EXISTS). Touching the parent fires its own
    change-number trigger (a different trigger, so SQLite runs it)."""
    parts, links = document_tables(parent)
    statements = []
    for table in parts:
        _parent, column = DOCUMENT_PARTS[table]
        touch = f"UPDATE {parent} SET updated_at = {_SQLITE_NOW} WHERE id"
        rows = {"insert": f"= NEW.{column}", "update": f"IN (OLD.{column}, NEW.{column})", "delete": f"= OLD.{column}"}
        statements += [
            f"""CREATE TRIGGER IF NOT EXISTS {table}_touch_parent_{op} AFTER {op.upper()} ON {table} BEGIN
    {touch} {rows[op]};
END"""
            for op in _OPS
        ]
    for referenced, link, column in links:
        columns, _links = DOCUMENT_REFERENCES[referenced]
        _parent, ids = _touched_by_reference(link, column, "NEW.id")
        changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in columns)
        statements.append(
            f"""CREATE TRIGGER IF NOT EXISTS {referenced}_touch_{link} AFTER UPDATE OF {", ".join(columns)} ON {referenced}
WHEN {changed} BEGIN
    UPDATE {parent} SET updated_at = {_SQLITE_NOW} WHERE id IN ({ids});
END"""
        )
    return statements


def sqlite_document_triggers_reverse(parent: str) -> list[str]:
    parts, links = document_tables(parent)
    return [f"DROP TRIGGER IF EXISTS {table}_touch_parent_{op}" for table in parts for op in _OPS] + [
        f"DROP TRIGGER IF EXISTS {referenced}_touch_{link}" for referenced, link, _column in links
    ]


def change_seq_watermark(connection) -> int:
    """The highest change number at or below which every numbered write has
    finished (see the module docstring). On SQLite, where numbers commit in
    order, the counter's committed value."""
    sql = (
        "SELECT kpo_change_seq_watermark()"
        if connection.vendor == "postgresql"
        else "SELECT value FROM kpo_change_counter WHERE id = 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]
