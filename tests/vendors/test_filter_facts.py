"""The directory's filter facts (vendors.models.VendorFilterFacts, migration 0016): on
PostgreSQL the filters on a vendor's parts read one row of arrays per vendor under one GIN
index. They select exactly the vendors the parts' own tables select (the SQLite path), and
they are current in the transaction of any change to the parts."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from functools import reduce
from operator import and_

import pytest
from django.db import connection, transaction

from tests.factories import DeliveryCenterFactory, VendorSkillFactory, domain, skill
from tests.vendors.factories_extra import VendorCertificationFactory, VendorLanguageFactory, certification
from tests.vendors.helpers import make_vendor
from vendors.models import DeliveryCenter, Vendor, VendorFilterFacts, VendorLanguage
from vendors.selectors import DirectoryFilters, Viewer, _apply_filters, _facts_conditions, vendor_directory

pytestmark = pytest.mark.django_db

TODAY = date.today()
ROME = Viewer(currency="EUR", client_id=1, country="IT", timezone="Europe/Rome", hours=(time(9), time(18)))

# Each filter with values that select some vendors of `planted`, and one that selects none.
VALUES = {
    "domain": ["finance", "legal", "investment"],
    "skill": ["financial-reporting", "contract-review", "sql"],
    "certification": ["iso_27001", "soc2_type2", "cmmi_5"],
    "country": ["IN", "RU", "ES", "BR"],
    "region": ["south_asia", "eastern_europe", "southern_europe", "latin_america_caribbean"],
    "location": ["onshore", "nearshore", "offshore"],
    "language": ["en", "pl", "es", "ja"],
}


@pytest.fixture
def planted():
    pune = make_vendor("Pune Ledger", country="IN", tz="Asia/Kolkata", skills=("financial-reporting",))
    VendorCertificationFactory(vendor=pune, certification=certification("iso_27001"), valid_until=None)
    warsaw = make_vendor(
        "Warsaw Counsel",
        country="PL",
        tz="Europe/Warsaw",
        domains=("legal",),
        skills=("contract-review", "sql"),
        languages=("pl", "en"),
    )
    DeliveryCenterFactory(vendor=warsaw, country="IN", timezone="Asia/Kolkata", city="Pune annex")
    # Expired: held, but not valid today.
    VendorCertificationFactory(
        vendor=warsaw, certification=certification("iso_27001"), valid_until=TODAY - timedelta(days=1)
    )
    make_vendor("Moscow Desk", country="RU", tz="Europe/Moscow", domains=("investment",), languages=("ru",))
    make_vendor("Vladivostok Desk", country="RU", tz="Asia/Vladivostok", skills=("sql",), languages=("ru", "en"))
    madrid = make_vendor(
        "Madrid Numeros", country="ES", tz="Europe/Madrid", domains=("finance", "legal"), languages=("es",)
    )
    VendorCertificationFactory(vendor=madrid, certification=certification("soc2_type2"), valid_until=TODAY)
    make_vendor("Roma Analisi", country="IT", tz="Europe/Rome", domains=("finance",), skills=(), languages=("it",))


def selected(filters: DirectoryFilters, *, facts: bool) -> list[str]:
    vendors = _apply_filters(
        Vendor.objects.filter(is_active=True), filters=filters, viewer=ROME, today=TODAY, factors={}, facts=facts
    )
    return sorted(vendors.values_list("name", flat=True))


def combinations():
    singles = [{name: value} for name, values in VALUES.items() for value in values]
    pairs = [
        {first: a, second: b}
        for first, second in itertools.combinations(VALUES, 2)
        for a in VALUES[first]
        for b in VALUES[second]
    ]
    return singles + pairs


def test_the_facts_select_the_vendors_the_parts_tables_select(planted):
    seen_some = 0
    for chosen in combinations():
        filters = DirectoryFilters(**chosen)
        from_facts = selected(filters, facts=True)
        assert from_facts == selected(filters, facts=False), chosen
        seen_some += bool(from_facts)
    assert seen_some > 100  # not a comparison of empty lists


def test_an_expired_certification_is_held_but_does_not_pass_the_filter(planted):
    facts = VendorFilterFacts.objects.get(vendor__name="Warsaw Counsel")
    assert certification("iso_27001").pk in facts.certifications
    assert selected(DirectoryFilters(certification="iso_27001"), facts=True) == ["Pune Ledger"]


def test_a_country_split_between_classes_is_matched_by_zone(planted):
    # Russia from Rome: Moscow is 2 hours ahead (nearshore), Vladivostok 9 (offshore).
    nearshore = selected(DirectoryFilters(location="nearshore"), facts=True)
    offshore = selected(DirectoryFilters(location="offshore"), facts=True)
    assert "Moscow Desk" in nearshore and "Vladivostok Desk" not in nearshore
    assert "Vladivostok Desk" in offshore and "Moscow Desk" not in offshore


def test_the_facts_follow_every_part_in_the_same_transaction():
    vendor = make_vendor("Lisbon Models", country="PT", tz="Europe/Lisbon", domains=("finance",), skills=())

    def names(**chosen) -> list[str]:
        return selected(DirectoryFilters(**chosen), facts=True)

    with transaction.atomic():
        DeliveryCenterFactory(vendor=vendor, country="BR", timezone="America/Sao_Paulo", city="Sao Paulo")
        assert names(country="BR") == ["Lisbon Models"]
        DeliveryCenter.objects.filter(vendor=vendor, country="BR").delete()
        assert names(country="BR") == []
        VendorSkillFactory(vendor=vendor, skill=skill("valuation"))
        assert names(skill="valuation") == ["Lisbon Models"]
        vendor.domains.add(domain("investment"))
        assert names(domain="investment") == ["Lisbon Models"]
        vendor.domains.remove(domain("finance"))
        assert names(domain="finance") == []
        VendorLanguageFactory(vendor=vendor, code="pt")
        assert names(language="pt") == ["Lisbon Models"]
        VendorLanguage.objects.filter(vendor=vendor, code="pt").delete()
        assert names(language="pt") == []
        VendorCertificationFactory(vendor=vendor, certification=certification("cmmi_5"), valid_until=None)
        assert names(certification="cmmi_5") == ["Lisbon Models"]
    vendor.delete()
    assert not VendorFilterFacts.objects.filter(vendor_id=vendor.pk).exists()


def test_filters_combined_are_one_scan_of_the_facts_index(planted):
    filters = DirectoryFilters(domain="finance", skill="sql", country="IN", region="south_asia", language="en")
    # The directory reads the facts, never the parts' tables.
    sql = str(vendor_directory(filters=filters, viewer=ROME, today=TODAY).query)
    assert "vendors_vendorfilterfacts" in sql
    for part_table in (
        "vendors_vendor_domains",
        "vendors_vendorskill",
        "vendors_deliverycenter",
        "vendors_vendorlanguage",
    ):
        assert part_table not in sql, sql
    # And the index serves every condition in one scan. (Six vendors: left to itself the planner
    # reads the table or probes it by primary key, so those ways are closed here.)
    facts = VendorFilterFacts.objects.filter(reduce(and_, _facts_conditions(filters, viewer=ROME, today=TODAY)))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        shown = facts.explain()
        transaction.set_rollback(True)
    assert shown.count("Bitmap Index Scan on vendor_filter_facts_gin") == 1, shown
    index_condition = next(line for line in shown.splitlines() if "Index Cond" in line)
    for column in ("domains", "skills", "countries", "languages"):
        assert column in index_condition, shown
