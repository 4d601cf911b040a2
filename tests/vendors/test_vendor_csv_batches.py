"""The background export's batches (vendors/csv_io/export.py, vendor_csv_batches) read plain
value rows, not model instances: they must give exactly the cells the one-vendor formatter
gives from the prefetched instances, whatever the vendor holds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.factories import DeliveryCenterFactory, RateCardFactory, VendorFactory, VendorSkillFactory, domain, skill
from vendors.csv_io.export import export_queryset, vendor_csv_batches, vendor_csv_row
from vendors.models import Certification, VendorCertification, VendorLanguage

pytestmark = pytest.mark.django_db


def full_vendor(index: int):
    vendor = VendorFactory(
        name=f"=Formula {index}",
        description="Line one\nline two; with: separators | and \\ backslash",
        external_id=f"+ERP-{index}",
        founded_year=1999 + index,
        available_fte=Decimal("12.5"),
        verified=index % 2 == 0,
        is_active=index != 2,
        website="https://example.com/v",
    )
    vendor.domains.set([domain("legal"), domain("finance")])
    VendorSkillFactory(vendor=vendor, skill=skill("fpa"), proficiency=2, years_experience=1)
    VendorSkillFactory(vendor=vendor, skill=skill("audit-support"), proficiency=5, years_experience=60)
    for seniority, rate in (("expert", "99.99"), ("junior", "0.01"), ("mid", "45.50")):
        RateCardFactory(vendor=vendor, seniority=seniority, hourly_rate=Decimal(rate), currency="EUR")
    DeliveryCenterFactory(vendor=vendor, country="IN", city="Pune; East|Wing:2", timezone="Asia/Kolkata")
    DeliveryCenterFactory(vendor=vendor, country="GB", city="Leeds", timezone="Europe/London", headcount=1)
    for code in ("it", "en"):
        VendorLanguage.objects.create(vendor=vendor, code=code)
    for certification, until in zip(
        Certification.objects.order_by("-code")[:2], (date(2027, 6, 30), None), strict=True
    ):
        VendorCertification.objects.create(vendor=vendor, certification=certification, valid_until=until)
    return vendor


def test_the_batches_give_the_same_cells_as_the_formatter_of_one_vendor():
    for index in range(5):
        full_vendor(index)
    VendorFactory(name="Bare", description="", founded_year=None)  # every list empty

    batches = list(vendor_csv_batches(batch=2))

    assert [len(batch) for batch in batches] == [2, 2, 2]
    from_values = [row for batch in batches for row in batch]
    from_instances = [vendor_csv_row(vendor) for vendor in export_queryset().order_by("id")]
    assert from_values == from_instances
    assert any("'=Formula" in cell for cell in from_values[0])  # not vacuous: lists and escapes are there
    assert any("Pune\\; East\\|Wing\\:2" in cell for cell in from_values[0])
