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


# --- bulk writers touch each vendor once ------------------------------------------------------


def last_change_number() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM kpo_change_seq")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_profile_edit_of_many_parts_takes_one_change_number_and_shows_at_once(owner):
    from decimal import Decimal

    from rest_framework.test import APIClient

    from tests.factories import UserFactory
    from tests.vendors.helpers import full_vendor
    from vendors import services
    from vendors.models import RateCard, Vendor

    vendor = full_vendor(7)
    reader = APIClient()
    reader.force_authenticate(owner)
    reader.get("/api/v1/vendors/")  # cached at its current number
    rates = list(vendor.rates.all())
    for rate in rates:
        rate.hourly_rate += Decimal("5")
    new = RateCard(seniority="expert", hourly_rate=Decimal("90"), currency="USD")
    before = last_change_number()

    services.vendor_profile_update(
        vendor=vendor,
        data={"rates": {"save": [*rates, new]}, "languages": ["en", "fr"]},
        actor=UserFactory(),
    )

    assert Vendor.objects.get(pk=vendor.pk).change_seq == before + 1 == last_change_number()
    listed = {row["id"]: row for row in reader.get("/api/v1/vendors/").json()["results"]}[vendor.pk]
    assert {rate["seniority"] for rate in listed["rates"]} == {"junior", "senior", "expert"}
    assert listed["languages"] == ["en", "fr"]


@pytest.mark.django_db
def test_a_csv_import_writes_each_changed_vendor_once_after_its_parts(staff_user):
    import io

    from tests.vendors.helpers import full_vendor
    from vendors.csv_io import vendor_csv_export, vendor_csv_import
    from vendors.models import Vendor

    vendors = [full_vendor(index) for index in range(3)]
    stream = io.StringIO(newline="")
    vendor_csv_export(Vendor.objects.order_by("id"), stream)
    text = stream.getvalue().replace("senior:40.00:USD", "senior:44.00:USD")
    before = last_change_number()

    report = vendor_csv_import(io.StringIO(text, newline=""), dry_run=False, actor=staff_user)

    assert (report.updated, report.error_count) == (3, 0)
    numbers = sorted(Vendor.objects.filter(pk__in=[v.pk for v in vendors]).values_list("change_seq", flat=True))
    assert numbers == [before + 1, before + 2, before + 3] and last_change_number() == before + 3
