"""The demo's SQLite database keeps its change-number triggers: a migration that
rebuilds a synced table drops them, and every migrate puts them back."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def migrate(database: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "kpo.settings"}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def triggers(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_migrate_reinstalls_dropped_triggers(tmp_path):
    database = tmp_path / "demo.sqlite3"
    migrate(database)
    installed = triggers(database)
    assert "vendors_vendor_change_seq_update" in installed
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER vendors_vendor_change_seq_update")
    assert "vendors_vendor_change_seq_update" not in triggers(database)
    migrate(database)
    assert triggers(database) == installed
