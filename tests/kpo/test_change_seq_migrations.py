"""The triggers and functions that the migrations install (migrated from zero, as the test
database is) are exactly the ones kpo/change_seq.py describes today. The migrations carry
their SQL written out, so a change to a builder without a new migration fails here."""

from __future__ import annotations

import pytest
from django.db import connection

from kpo import change_seq

pytestmark = pytest.mark.django_db

PARENTS = ("vendors_vendor", "engagements_requirement", "engagements_engagement")


# Name patterns of the triggers and functions that are not the change numbers'.
OTHER_OBJECTS = ["%search%", "%rate_base%", "%rate_rows%"]


def installed() -> dict[str, object]:
    """Every user trigger and function of the public schema, as PostgreSQL prints them, but the
    extensions' and those of the derived tables, each tested on its own: the search document
    (vendors 0010, tests/vendors/test_search_document.py) and the base-currency rates (vendors
    0011, tests/vendors/test_vendor_rate.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT t.tgname, pg_get_triggerdef(t.oid)
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE NOT t.tgisinternal AND n.nspname = 'public' AND NOT t.tgname LIKE ANY (%s) ORDER BY 1""",
            [OTHER_OBJECTS],
        )
        triggers = cursor.fetchall()
        cursor.execute(
            """SELECT p.proname, pg_get_functiondef(p.oid)
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND NOT p.proname LIKE ANY (%s)
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
                ORDER BY 1""",
            [OTHER_OBJECTS],
        )
        functions = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname = 'kpo_change_seq'")
        (sequences,) = cursor.fetchone()
    return {"triggers": triggers, "functions": functions, "sequence": sequences}


def run(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def test_the_migrated_triggers_and_functions_are_the_ones_the_code_describes():
    migrated = installed()
    assert migrated["sequence"] == 1
    assert len(migrated["triggers"]) > 20 and len(migrated["functions"]) > 10

    # Take everything away with the builders' reverses: nothing may be left over...
    run([change_seq.postgres_document_triggers_reverse(parent) for parent in reversed(PARENTS)])
    run([change_seq.postgres_table_triggers_reverse(table) for table in change_seq.SYNCED_TABLES])
    run([change_seq.POSTGRES_COUNTER_REVERSE])
    assert installed() == {"triggers": [], "functions": [], "sequence": 0}

    # ...then install what the builders write today: the same objects, to the letter.
    run([change_seq.POSTGRES_COUNTER])
    run([change_seq.postgres_table_triggers(table) for table in change_seq.SYNCED_TABLES])
    for parent in PARENTS:
        run(change_seq.postgres_document_triggers(parent))
    assert installed() == migrated


def test_no_migration_builds_its_sql_from_live_code():
    """Migrations import their operations, never SQL builders (kpo.change_seq or others)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("kpo", "vendors", "engagements")
        for path in (root / app / "migrations").glob("*.py")
        if "change_seq import" in path.read_text() or "import change_seq" in path.read_text()
    ]
    assert offenders == []
