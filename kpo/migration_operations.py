"""Migration operations of the project's own. Migrations import only from here: never SQL
builders, so a migration runs the same SQL forever (its SQL is written out in the migration)."""

from django.db import migrations, router


class RunSQLForVendor(migrations.RunSQL):
    """RunSQL with one script per database vendor ("postgresql", "sqlite"),
    each given as a list of statements, with their reverses."""

    def __init__(self, *, forwards: dict[str, list[str]], backwards: dict[str, list[str]]):
        self.forwards_by_vendor = forwards
        self.backwards_by_vendor = backwards
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=migrations.RunSQL.noop)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.forwards_by_vendor[schema_editor.connection.vendor])

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints):
            self._run_sql(schema_editor, self.backwards_by_vendor[schema_editor.connection.vendor])

    def describe(self):
        return "Raw SQL per database vendor"
