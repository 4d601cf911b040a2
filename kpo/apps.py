from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def reinstall_sqlite_change_triggers(using: str = "default", **kwargs) -> None:
    """On SQLite a migration that alters a synced table rebuilds it and drops its
    triggers; put them back after every migrate (they are IF NOT EXISTS). Does
    nothing on PostgreSQL (ALTER TABLE keeps triggers) or before the change
    numbers exist."""
    from django.db import connections

    from kpo.change_seq import (
        SQLITE_COUNTER,
        SYNCED_TABLES,
        document_tables,
        sqlite_document_triggers,
        sqlite_table_triggers,
    )

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if "kpo_change_counter" not in tables:
            return
        for table in SYNCED_TABLES:
            if table not in tables:
                continue
            columns = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            if "change_seq" not in columns:
                continue
            for statement in [*SQLITE_COUNTER, *sqlite_table_triggers(table)]:
                cursor.execute(statement)
        for parent, (app, migration) in DOCUMENT_TRIGGER_MIGRATIONS.items():
            parts, links = document_tables(parent)
            needed = {parent, *parts, *(name for referenced, link, _column in links for name in (referenced, link))}
            if needed <= tables and _applied(cursor, app, migration):
                for statement in sqlite_document_triggers(parent):
                    cursor.execute(statement)


# The migration that installs each parent's document triggers (reinstalled only once it ran).
DOCUMENT_TRIGGER_MIGRATIONS = {
    "vendors_vendor": ("vendors", "0007_document_part_triggers"),
    "engagements_requirement": ("engagements", "0007_requirement_document_triggers"),
    "engagements_engagement": ("engagements", "0008_engagement_document_triggers"),
}


def _applied(cursor, app: str, name: str) -> bool:
    cursor.execute("SELECT 1 FROM django_migrations WHERE app = %s AND name = %s", [app, name])
    return cursor.fetchone() is not None


class KpoConfig(AppConfig):
    name = "kpo"
    verbose_name = _("Accounts and platform")

    def ready(self) -> None:
        post_migrate.connect(reinstall_sqlite_change_triggers, sender=self, dispatch_uid="kpo-sqlite-change-triggers")
