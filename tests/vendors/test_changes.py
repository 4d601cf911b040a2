"""vendors/changes.py: the one typed change set of a profile edit, and the row diff the API
builds it with."""

from decimal import Decimal

import pytest

from tests.factories import RateCardFactory, VendorFactory
from vendors.changes import ProfileChanges, row_changes, rows_of
from vendors.models import RateCard, Seniority
from vendors.services import vendor_profile_update

pytestmark = pytest.mark.django_db


def _rate_diff(current, wanted):
    return row_changes(
        current,
        wanted,
        key=lambda row: row.seniority,
        wanted_key=lambda row: row["seniority"],
        build=lambda row: RateCard(**row),
        values=lambda row: {"hourly_rate": row["hourly_rate"], "currency": row["currency"]},
    )


def test_the_diff_builds_new_rows_updates_changed_ones_deletes_dropped_ones_and_skips_the_rest():
    vendor = VendorFactory()
    same = RateCardFactory(vendor=vendor, seniority=Seniority.SENIOR, hourly_rate=Decimal("40.00"), currency="USD")
    changed = RateCardFactory(vendor=vendor, seniority=Seniority.MID, hourly_rate=Decimal("30.00"), currency="USD")
    dropped = RateCardFactory(vendor=vendor, seniority=Seniority.JUNIOR, hourly_rate=Decimal("20.00"), currency="USD")

    diff = _rate_diff(
        [same, changed, dropped],
        [
            {"seniority": Seniority.SENIOR, "hourly_rate": Decimal("40.00"), "currency": "USD"},
            {"seniority": Seniority.MID, "hourly_rate": Decimal("32.00"), "currency": "USD"},
            {"seniority": Seniority.EXPERT, "hourly_rate": Decimal("55.00"), "currency": "USD"},
        ],
    )

    assert [row.seniority for row in diff["save"]] == [Seniority.MID, Seniority.EXPERT]
    assert diff["save"][0] is changed and changed.hourly_rate == Decimal("32.00")
    assert diff["save"][1].pk is None
    assert diff["delete"] == [dropped]
    # Building a change set writes nothing.
    assert RateCard.objects.get(pk=changed.pk).hourly_rate == Decimal("30.00")
    assert RateCard.objects.filter(vendor=vendor).count() == 3


def test_an_unchanged_list_gives_an_empty_diff_so_the_service_reports_no_change():
    vendor = VendorFactory()
    rate = RateCardFactory(vendor=vendor)
    diff = _rate_diff([rate], [{"seniority": rate.seniority, "hourly_rate": rate.hourly_rate, "currency": "USD"}])
    assert diff == {"save": [], "delete": []}
    assert vendor_profile_update(vendor=vendor, data={"rates": diff}, actor=None) is False


def test_the_rows_of_a_change_set_come_table_by_table_and_absent_tables_are_unchanged():
    vendor = VendorFactory()
    rate = RateCardFactory(vendor=vendor)
    new_rate = RateCard(seniority=Seniority.EXPERT, hourly_rate=Decimal("60.00"), currency="USD")
    changes: ProfileChanges = {"rates": {"save": [new_rate], "delete": [rate]}, "fields": {}}

    assert rows_of(changes, "save") == [new_rate]
    assert rows_of(changes, "delete") == [rate]
    assert rows_of({}, "save") == []

    assert vendor_profile_update(vendor=vendor, data=changes, actor=None) is True
    assert list(vendor.rates.values_list("seniority", flat=True)) == [Seniority.EXPERT]
