"""Working languages and domains are in the profile's change history: who changed
them, when, and from what to what, on the vendor's own edit page and on the
vendor page, like skills and rates."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory, domain
from tests.vendors.factories_extra import VendorLanguageFactory
from tests.vendors.test_profile_edit import page_data
from vendors import history as vendors_history
from vendors import services
from vendors.models import Vendor, VendorLanguage

pytestmark = pytest.mark.django_db

URL = "/vendors/profile/"


@pytest.fixture
def firm():
    vendor = VendorFactory(name="Lumen Insight")
    vendor.domains.set([domain("finance"), domain("legal")])
    VendorLanguageFactory(vendor=vendor, code="en")
    VendorLanguageFactory(vendor=vendor, code="fr")
    return vendor


@pytest.fixture
def member(client, firm):
    user = VendorMembershipFactory(vendor=firm, user=UserFactory(username="priya")).user
    client.force_login(user)
    return user


def edit(client, firm, *, languages: list[str] | None = None, domains: list[str] | None = None):
    data = page_data(firm)
    if languages is not None:
        data["profile-languages"] = languages
    if domains is not None:
        data["profile-domains"] = [str(domain(code).pk) for code in domains]
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]


def history_texts(vendor: Vendor) -> list[str]:
    return [entry.text for entry in vendors_history.vendor_change_history(vendor)]


# --- the records -----------------------------------------------------------------------


def test_a_language_edit_leaves_history_rows_with_the_member(client, member, firm):
    edit(client, firm, languages=["en", "de"])

    records = VendorLanguage.history.filter(vendor_id=firm.pk)
    assert records.get(code="fr", history_type="-").history_user == member
    assert records.get(code="de", history_type="+").history_user == member


def test_a_domain_edit_leaves_one_vendor_record_with_the_new_domains(client, member, firm):
    before = Vendor.history.filter(id=firm.pk).count()

    edit(client, firm, domains=["finance", "medical"])

    records = Vendor.history.filter(id=firm.pk)
    assert records.count() == before + 1  # not one record per removed and added domain
    latest = records.latest()
    assert latest.history_user == member
    assert sorted(row.expertisearea.code for row in latest.domains.all()) == ["finance", "medical"]


def test_an_edit_without_domain_changes_records_no_domain_change(client, member, firm):
    def domain_changes() -> list[str]:
        return [text for text in history_texts(firm) if text.startswith("Domains changed")]

    before = domain_changes()  # the fixture's own: from none to finance and legal
    edit(client, firm, languages=["en"])

    assert domain_changes() == before


# --- the history page ----------------------------------------------------------------------


def test_the_edit_page_shows_who_changed_languages_and_domains_from_what_to_what(client, member, firm):
    edit(client, firm, languages=["en", "de"], domains=["finance", "medical"])

    page = client.get(URL).content.decode()
    history = page[page.index("Change history") :]
    assert "Working language German added" in history
    assert "Working language French removed" in history
    assert (
        "Domains changed from Finance &amp; accounting, Legal services to Finance &amp; accounting, Medical &amp; healthcare"
        in history
    )
    assert history.count("<strong>priya</strong>") >= 3


def test_the_vendor_page_shows_the_changes_without_naming_the_member(client, owner, member, firm):
    edit(client, firm, languages=["en", "de"], domains=["legal"])
    client.force_login(owner)

    page = client.get(reverse("vendors:detail", args=[firm.slug])).content.decode()
    history = page[page.index("Profile changes") :]
    assert "Working language German added" in history
    assert "Domains changed from Finance &amp; accounting, Legal services to Legal services" in history
    assert "the vendor" in history
    assert "priya" not in history


def test_staff_changes_through_the_admin_are_attributed_to_staff(client, staff_user, firm):
    client.force_login(staff_user)
    language = VendorLanguage.objects.get(vendor=firm, code="fr")
    language._history_user = staff_user
    language.code = "it"
    language.save()

    entries = vendors_history.vendor_change_history(firm)
    changed = next(entry for entry in entries if entry.text == "Working language changed from French to Italian")
    assert changed.by == "KPO Match staff"


def test_removing_every_domain_reads_as_a_dash(client, member, firm):
    edit(client, firm, domains=[])

    assert "Domains changed from Finance & accounting, Legal services to –" in history_texts(firm)


def test_the_service_records_the_actor_without_a_request(firm):
    actor = UserFactory(username="api-user")

    services.vendor_profile_update(vendor=firm, data={"languages": ["en"], "domains": [domain("finance")]}, actor=actor)

    assert VendorLanguage.history.get(vendor_id=firm.pk, code="fr", history_type="-").history_user == actor
    assert Vendor.history.filter(id=firm.pk).latest().history_user == actor
    assert "Domains changed from Finance & accounting, Legal services to Finance & accounting" in history_texts(firm)


def test_the_migration_gives_older_records_the_current_domains_so_no_false_change_shows(firm):
    """Records written before domains were tracked have no snapshot; the migration
    gives them the vendor's current domains (one INSERT ... SELECT)."""
    migration = importlib.import_module("vendors.migrations.0005_history_languages_domains_milestone_counters")
    snapshots = Vendor.history.model.domains.model.objects
    snapshots.all().delete()  # as before the migration

    with connection.schema_editor() as editor:
        migration.snapshot_current_domains(apps, editor)

    for record in Vendor.history.filter(id=firm.pk):
        assert sorted(row.expertisearea.code for row in record.domains.all()) == ["finance", "legal"]
    firm.description = "Changed."
    firm.save()
    assert not [text for text in history_texts(firm) if text.startswith("Domains changed")]


def test_a_record_written_without_a_snapshot_never_reads_as_no_domains(firm):
    """Bulk history (the demo's creation records) has no domain snapshot: the first
    edit after it must not claim the domains went from none to the current ones."""
    snapshots = Vendor.history.model.domains.model.objects
    snapshots.all().delete()
    Vendor.history.filter(id=firm.pk).delete()
    Vendor.history.bulk_history_create([firm], default_change_reason="demo data")

    services.vendor_profile_update(vendor=firm, data={"fields": {"description": "Edited."}}, actor=UserFactory())

    assert not [text for text in history_texts(firm) if text.startswith("Domains changed")]

    services.vendor_profile_update(vendor=firm, data={"domains": []}, actor=UserFactory())
    assert "Domains changed from Finance & accounting, Legal services to –" in history_texts(firm)
