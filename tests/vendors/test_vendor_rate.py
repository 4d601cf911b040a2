"""Each vendor's rate per seniority in the base currency (VendorRate, migration 0011) follows
every write it depends on in the same transaction: the vendor, its rate cards, the exchange
rates; on PostgreSQL and on the demo's SQLite. The directory's rate order and cap read it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import RateCardFactory, VendorFactory
from tests.vendors.helpers import make_vendor
from vendors.models import ExchangeRate, Vendor, VendorRate
from vendors.selectors import DirectoryFilters, Viewer, directory_rows, vendor_directory

ROOT = Path(__file__).resolve().parents[2]


def base_rates(vendor: Vendor) -> dict[str, Decimal | None]:
    return dict(VendorRate.objects.filter(vendor=vendor).values_list("seniority", "rate_base"))


def to_base(currency: str) -> Decimal:
    return ExchangeRate.objects.get(currency=currency).rate_to_base


@pytest.mark.django_db
def test_a_new_vendor_has_a_row_per_seniority_without_a_rate():
    assert base_rates(VendorFactory()) == {"junior": None, "mid": None, "senior": None, "expert": None}


@pytest.mark.django_db
def test_a_rate_card_sets_changes_and_clears_its_row():
    vendor = VendorFactory()
    card = RateCardFactory(vendor=vendor, seniority="senior", hourly_rate=Decimal("40.00"), currency="EUR")
    assert base_rates(vendor)["senior"] == Decimal("40.00") * to_base("EUR")

    card.hourly_rate, card.currency, card.seniority = Decimal("3000.00"), "INR", "mid"
    card.save()
    assert base_rates(vendor)["mid"] == Decimal("3000.00") * to_base("INR")
    assert base_rates(vendor)["senior"] is None

    card.delete()
    assert set(base_rates(vendor).values()) == {None}


@pytest.mark.django_db
def test_an_exchange_rate_change_rebases_every_card_in_its_currency_and_no_other():
    euro = RateCardFactory(seniority="senior", hourly_rate=Decimal("40.00"), currency="EUR")
    dollar = RateCardFactory(seniority="senior", hourly_rate=Decimal("40.00"), currency="USD")
    change_seq = Vendor.objects.get(pk=euro.vendor_id).change_seq

    ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=Decimal("1.5"))
    assert base_rates(euro.vendor)["senior"] == Decimal("60.00")
    assert base_rates(dollar.vendor)["senior"] == Decimal("40.00")

    ExchangeRate.objects.filter(currency="EUR").delete()
    assert base_rates(euro.vendor)["senior"] is None  # no rate: cannot be compared

    ExchangeRate.objects.create(currency="EUR", rate_to_base=Decimal("1.1"))
    assert base_rates(euro.vendor)["senior"] == Decimal("44.00")
    # The synced vendor document did not change: no new change number.
    assert Vendor.objects.get(pk=euro.vendor_id).change_seq == change_seq


@pytest.mark.django_db
def test_the_rate_order_and_cap_read_the_base_rates_in_the_viewers_currency(staff_user):
    make_vendor("Rupee Desk", rate="3000.00", currency="INR")  # about 36 USD
    make_vendor("Dollar Desk", rate="40.00", currency="USD")
    make_vendor("Euro Desk", rate="30.00", currency="EUR")  # about 32 USD
    make_vendor("No Rate Desk", rate=None)
    viewer = Viewer.for_staff()

    by_rate = vendor_directory(filters=DirectoryFilters(sort="rate"), viewer=viewer, display=False)
    capped = vendor_directory(filters=DirectoryFilters(max_rate=Decimal("38"), sort="rate"), viewer=viewer)

    assert [vendor.name for vendor in by_rate] == ["Euro Desk", "Rupee Desk", "Dollar Desk", "No Rate Desk"]
    assert [vendor.name for vendor in capped] == ["Euro Desk", "Rupee Desk"]
    rows = directory_rows(capped, viewer=viewer, on=viewer.today(), seniority="senior")
    assert [row.rate_converted for row in rows] == [
        (Decimal("30.00") * to_base("EUR") / to_base(viewer.currency)).quantize(Decimal("1e-8")),
        (Decimal("3000.00") * to_base("INR") / to_base(viewer.currency)).quantize(Decimal("1e-8")),
    ]


DEMO_WRITES = """
import json
from decimal import Decimal
from vendors.models import ExchangeRate, Vendor, VendorRate
vendor = Vendor.objects.create(name="Demo Desk", slug="demo-desk", headquarters_country="IN")
RateCard.objects.create(vendor=vendor, seniority="senior", hourly_rate=Decimal("40.00"), currency="EUR")
euro = ExchangeRate.objects.get(currency="EUR").rate_to_base
written = dict(VendorRate.objects.filter(vendor=vendor).values_list("seniority", "rate_base"))
ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=Decimal("2"))
rebased = VendorRate.objects.get(vendor=vendor, seniority="senior").rate_base
print(json.dumps({"euro": str(euro), "written": {k: None if v is None else str(v) for k, v in written.items()},
                  "rebased": str(rebased)}))
"""


def test_the_demo_database_keeps_its_base_rates_through_writes_and_migrations(tmp_path):
    """SQLite: the same triggers; a migrate puts them back if a table rebuild dropped them."""
    database = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "kpo.settings"}
    env.pop("CELERY_BROKER_URL", None)

    def manage(*args: str) -> str:
        command = [sys.executable, "manage.py", *args]
        return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout

    manage("migrate", "--noinput", "-v0")
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER vendors_ratecard_rate_base_insert")
    manage("migrate", "--noinput", "-v0")
    answer = json.loads(manage("shell", "-c", DEMO_WRITES).strip().splitlines()[-1])

    assert set(answer["written"]) == {"junior", "mid", "senior", "expert"}
    assert Decimal(answer["written"]["senior"]) == Decimal("40.00") * Decimal(answer["euro"])
    assert answer["written"]["junior"] is None
    assert Decimal(answer["rebased"]) == Decimal("80")
