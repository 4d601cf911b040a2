"""A change to any part of a vendor's API document (languages, domains, skills,
rates, centres, certifications, the taxonomy codes they name) advances the
vendor's change number, whoever writes it: delta sync never misses a nested
change, and (id, change_seq) names exactly one version of the document."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.vendors.document_parts_probe import probe

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_on_postgresql_every_part_write_advances_the_vendor_and_no_other():
    results = probe()
    assert results and all(results.values()), {name: ok for name, ok in results.items() if not ok}


SQLITE_PROBE = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.vendors.document_parts_probe import probe
print(json.dumps(probe()))
"""


@pytest.mark.django_db(databases=[])
def test_on_sqlite_every_part_write_advances_the_vendor_and_no_other(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    environment.update(DATABASE_URL=f"sqlite:///{tmp_path / 'parts.sqlite3'}", DJANGO_SETTINGS_MODULE="kpo.settings")
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert results and all(results.values()), {name: ok for name, ok in results.items() if not ok}
