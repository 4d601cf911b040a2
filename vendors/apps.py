from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The migration whose SQLite triggers keep vendors_vendorrate (the base-currency rates) current.
RATE_TRIGGERS_MIGRATION = "0011_vendor_rate"


def reinstall_sqlite_rate_triggers(using: str = "default", **kwargs) -> None:
    """On SQLite a migration that alters the vendor, rate card or exchange rate table rebuilds
    it and drops its triggers: after every migrate, put back (IF NOT EXISTS) the ones the
    rate migration installed, as it wrote them. Nothing on PostgreSQL, or before it ran."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if "django_migrations" not in connection.introspection.table_names(cursor):
            return
        cursor.execute("SELECT 1 FROM django_migrations WHERE app = 'vendors' AND name = %s", [RATE_TRIGGERS_MIGRATION])
        if cursor.fetchone() is None:
            return
        migration = import_module(f"vendors.migrations.{RATE_TRIGGERS_MIGRATION}")
        for statement in migration.SQLITE_TRIGGERS:
            cursor.execute(statement)


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = _("Vendors and taxonomy")

    def ready(self) -> None:
        post_migrate.connect(reinstall_sqlite_rate_triggers, sender=self, dispatch_uid="vendors-sqlite-rate-triggers")
