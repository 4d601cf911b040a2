"""Services send tasks by name (kpo.dispatch): a process that never imported a tasks module
(a web process) still finds them, and a broker outage answers False instead of raising."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys, django
django.setup()
from kpo.dispatch import task_send
assert "engagements.tasks" not in sys.modules
print(task_send("engagements.tasks.match_runs_sweep"), "engagements.tasks" in sys.modules)
"""


@pytest.mark.django_db(databases=[])
def test_a_process_that_never_imported_the_tasks_sends_one_by_name():
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    environment.update(DATABASE_URL="sqlite://:memory:", DJANGO_SETTINGS_MODULE="kpo.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


def test_a_broker_that_cannot_be_reached_answers_false_instead_of_raising():
    from kpo.celery import app
    from kpo.dispatch import task_send

    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app._pool = None
    app.amqp._producer_pool = None
    try:
        assert task_send("engagements.tasks.match_runs_sweep") is False
    finally:
        app.conf.broker_write_url = None
        app._pool = None
        app.amqp._producer_pool = None
