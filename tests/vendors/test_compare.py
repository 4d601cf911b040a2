"""Comparing 2 to 4 vendors side by side."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import RateCardFactory, VendorSkillFactory, skill
from tests.vendors.factories_extra import VendorCertificationFactory, certification
from tests.vendors.helpers import full_vendor, make_vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, owner):
    client.force_login(owner)
    return owner


@pytest.fixture
def pair(db):
    roma = make_vendor(
        "Roma Analisi",
        country="IT",
        tz="Europe/Rome",
        rate="45.00",
        currency="EUR",
        skills=("contract-review", "fpa"),
        domains=("legal",),
    )
    pune = make_vendor(
        "Pune Ledger", country="IN", tz="Asia/Kolkata", rate="3000.00", currency="INR", skills=("fpa", "sql")
    )
    RateCardFactory(vendor=pune, seniority="junior", hourly_rate=Decimal("1500.00"), currency="INR")
    VendorCertificationFactory(vendor=roma, certification=certification("gdpr"), valid_until=None)
    return roma, pune


def compare(client, *slugs):
    return client.get(reverse("vendors:compare"), {"v": list(slugs)})


def test_anonymous_visitors_are_sent_to_sign_in(client, pair):
    response = compare(client, *(v.slug for v in pair))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_vendor_members_get_404(client, vendor_member, pair):
    client.force_login(vendor_member)
    assert compare(client, *(v.slug for v in pair)).status_code == 404


def test_two_vendors_side_by_side_in_the_order_chosen(client, manager, pair):
    roma, pune = pair
    response = compare(client, pune.slug, roma.slug)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(">Pune Ledger</a>") < html.index(">Roma Analisi</a>")
    assert html.count('<th scope="col" class="vendor-col">') == 2


def test_rates_are_in_the_clients_currency(client, manager, pair):
    html = compare(client, *(v.slug for v in pair)).content.decode()
    assert "Rates per hour (EUR)" in html
    assert "<strong>45.00</strong>" in html
    assert "<strong>33.33</strong>" in html  # 3000 INR
    assert "3,000.00 INR" in html
    junior = html[html.index('<th scope="row">Junior') :].split("</tr>")[0]
    assert "<strong>16.67</strong>" in junior  # Pune's 1500 INR
    assert "–" in junior  # Roma quotes no junior rate


def test_skills_and_certifications_are_compared_row_by_row(client, manager, pair):
    roma, pune = pair
    VendorSkillFactory(vendor=pune, skill=skill("machine-learning"), proficiency=2, years_experience=1)
    html = compare(client, roma.slug, pune.slug).content.decode()
    fpa_row = html[html.index("Financial planning &amp; analysis") :].split("</tr>")[0]
    assert fpa_row.count('class="proficiency"') == 2  # both offer it: shared skills come first
    assert html.index("Financial planning &amp; analysis") < html.index("Machine learning")
    ml_row = html[html.index("Machine learning") :].split("</tr>")[0]
    assert 'aria-label="Proficiency 2 of 5"' in ml_row
    assert "Not offered" in ml_row
    gdpr_row = html[html.index("GDPR compliance") :].split("</tr>")[0]
    assert "no expiry" in gdpr_row


def test_location_classes_and_overlap_are_relative_to_the_client(client, manager, pair):
    html = compare(client, *(v.slug for v in pair)).content.decode()
    classes = html[html.index('<th scope="row">Location classes') :].split("</tr>")[0]
    assert "Onshore" in classes and "Offshore" in classes
    assert "Best overlap today" in html
    assert "9 h" in html  # Rome with Rome


def test_four_vendors_are_allowed(client, manager, pair):
    others = [full_vendor(i) for i in range(2)]
    response = compare(client, *(v.slug for v in [*pair, *others]))
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="col" class="vendor-col">') == 4


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "Choose at least two vendors to compare."),
        (1, "Choose at least two vendors to compare."),
        (5, "You can compare at most 4 vendors at a time; you chose 5."),
    ],
)
def test_fewer_than_two_or_more_than_four_is_explained(client, manager, count, message):
    vendors = [full_vendor(i) for i in range(count)]
    response = compare(client, *(v.slug for v in vendors))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert reverse("vendors:list") in html


def test_the_same_vendor_twice_counts_once(client, manager, pair):
    response = compare(client, pair[0].slug, pair[0].slug)
    assert response.status_code == 400
    assert "Choose at least two vendors" in response.content.decode()


def test_unknown_and_inactive_vendors_are_named(client, manager, pair):
    roma, pune = pair
    pune.is_active = False
    pune.save()
    response = compare(client, roma.slug, pune.slug, "<b>ghost</b>")
    html = response.content.decode()
    assert response.status_code == 400
    assert f"No vendor found for: {pune.slug}, &lt;b&gt;ghost&lt;/b&gt;." in html


def test_staff_can_compare_inactive_vendors_in_the_base_currency(client, staff_user, pair):
    roma, pune = pair
    pune.is_active = False
    pune.save()
    client.force_login(staff_user)
    response = compare(client, roma.slug, pune.slug)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rates per hour (USD)" in html
    assert "Location classes" not in html


def test_the_page_is_printable(client, manager, pair):
    from pathlib import Path

    from django.conf import settings

    html = compare(client, *(v.slug for v in pair)).content.decode()
    assert "css/vendors.css" in html
    assert '<button type="button" class="btn btn-ghost" data-print>' in html  # static/js/print.js prints
    assert "js/print.js" in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "vendors.css").read_text()
    assert "@media print" in css


def test_the_query_count_does_not_grow_with_the_number_of_vendors(client, manager, django_assert_num_queries):
    vendors = [full_vendor(i) for i in range(4)]
    compare(client, *(v.slug for v in vendors[:2]))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        compare(client, *(v.slug for v in vendors[:2]))
    with django_assert_num_queries(len(two.captured_queries)):
        assert compare(client, *(v.slug for v in vendors)).status_code == 200
