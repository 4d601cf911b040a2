"""A vendor's page: profile, skills by domain, rates in the viewer's currency,
delivery centres with local time and overlap, certifications, reviews with the
weighted rating, and the profile's change history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kpo import geo
from tests.factories import DeliveryCenterFactory, RateCardFactory, UserFactory, VendorSkillFactory, skill
from tests.vendors.factories_extra import ReviewFactory, VendorCertificationFactory, certification
from tests.vendors.helpers import make_vendor
from vendors import history as vendors_history
from vendors import rating as vendors_rating
from vendors import selectors as vendors_selectors
from vendors.models import RateCard, Vendor
from vendors.selectors import Viewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, owner):
    client.force_login(owner)
    return owner


@pytest.fixture
def lumen(db):
    vendor = make_vendor(
        "Lumen Insight",
        country="IN",
        tz="Asia/Kolkata",
        city="Pune",
        rate="40.00",
        currency="USD",
        domains=("finance", "data_analytics"),
        skills=(),
        languages=("en", "hi"),
        description="Month-end close and FP&A.\nBased in Pune.",
        founded_year=2009,
        website="https://lumen.example.com",
    )
    VendorSkillFactory(vendor=vendor, skill=skill("financial-reporting"), proficiency=5, years_experience=12)
    VendorSkillFactory(vendor=vendor, skill=skill("fpa"), proficiency=3, years_experience=4)
    VendorSkillFactory(vendor=vendor, skill=skill("sql"), proficiency=4, years_experience=8)
    RateCardFactory(vendor=vendor, seniority="junior", hourly_rate=Decimal("1500.00"), currency="INR")
    DeliveryCenterFactory(vendor=vendor, country="PL", city="Kraków", timezone="Europe/Warsaw", headcount=80)
    return vendor


def page(client, vendor):
    return client.get(reverse("vendors:detail", args=[vendor.slug]))


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, lumen):
    response = page(client, lumen)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_vendor_members_get_404_even_for_their_own_firm(client, lumen):
    from tests.factories import VendorMembershipFactory

    member = VendorMembershipFactory(vendor=lumen).user
    client.force_login(member)
    assert page(client, lumen).status_code == 404


def test_an_unknown_vendor_is_404(client, manager):
    assert client.get(reverse("vendors:detail", args=["nobody"])).status_code == 404


def test_an_inactive_vendor_is_404_for_clients_and_shown_to_staff(client, manager, lumen, staff_user):
    lumen.is_active = False
    lumen.save()
    assert page(client, lumen).status_code == 404
    client.force_login(staff_user)
    response = page(client, lumen)
    assert response.status_code == 200
    assert "Inactive" in response.content.decode()


# --- profile --------------------------------------------------------------------------------


def test_it_shows_the_profile(client, manager, lumen):
    html = page(client, lumen).content.decode()
    assert "<h1>Lumen Insight" in html
    assert "Headquartered in India" in html
    assert "founded 2009" in html
    assert 'href="https://lumen.example.com" rel="nofollow noopener noreferrer"' in html
    assert "Month-end close and FP&amp;A.<br>Based in Pune." in html
    assert "English, Hindi" in html


def test_a_website_that_is_not_http_is_not_linked(client, manager, lumen):
    Vendor.objects.filter(pk=lumen.pk).update(website="javascript:alert(1)")
    html = page(client, lumen).content.decode()
    assert "javascript:alert(1)" not in html


def test_skills_are_grouped_by_domain_with_proficiency_and_years(client, manager, lumen):
    html = page(client, lumen).content.decode()
    finance = html.index("<h3>Finance &amp; accounting</h3>")
    analytics = html.index("<h3>Data analytics</h3>")
    assert analytics < finance  # domains in name order
    finance_block = html[finance:]
    assert finance_block.index("Financial reporting (IFRS / US GAAP)") < finance_block.index(
        "Financial planning &amp; analysis"
    )  # most proficient first
    assert 'aria-label="Proficiency 5 of 5"' in html
    assert 'aria-label="Proficiency 3 of 5"' in html
    assert html.count('class="dot on"') == 5 + 3 + 4
    assert '<td class="num">12</td>' in html


def test_rates_are_converted_into_the_clients_currency_with_the_original_shown(client, manager, lumen):
    html = page(client, lumen).content.decode()
    assert "Per hour (EUR)" in html
    assert "<strong>37.04</strong>" in html  # 40 USD x 1 / 1.08
    assert "40.00 USD" in html
    assert "<strong>16.67</strong>" in html  # 1500 INR x 0.012 / 1.08
    assert "1,500.00 INR" in html
    assert html.index('<th scope="row">Junior') < html.index('<th scope="row">Senior')


def test_staff_see_rates_in_the_base_currency(client, staff_user, lumen):
    client.force_login(staff_user)
    html = page(client, lumen).content.decode()
    assert "Per hour (USD)" in html
    assert "<strong>18.00</strong>" in html  # 1500 INR x 0.012
    assert "Overlap today" not in html  # no organization to overlap with


def test_delivery_centres_show_class_local_time_and_overlap(client, manager, lumen):
    today = datetime.now(ZoneInfo("Europe/Rome")).date()  # read before the page reads it
    html = page(client, lumen).content.decode()
    pune_overlap = geo.overlap_hours(
        client_tz="Europe/Rome", client_start=time(9), client_end=time(18), tz="Asia/Kolkata", on=today
    )
    assert "Pune, India" in html
    assert "Kraków, Poland" in html
    assert 'badge-offshore">Offshore' in html
    assert 'badge-nearshore">Nearshore' in html
    assert f"{pune_overlap:g} h" in html
    assert "9 h" in html  # Kraków and Rome share the whole 09:00-18:00 day
    assert "Local time now" in html


def test_centre_facts_use_each_centres_own_clock(owner):
    client_org = owner.membership.client
    viewer = Viewer.for_client(client_org)
    centre = DeliveryCenterFactory(country="IN", city="Pune", timezone="Asia/Kolkata")
    now = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Rome"))
    [facts] = vendors_selectors.centre_facts([centre], viewer=viewer, now=now)
    assert facts.local_time.strftime("%H:%M") == "13:30"  # Rome is UTC+2 in July, Pune UTC+5:30
    assert facts.location_class == geo.OFFSHORE
    assert facts.overlap_hours == 5.5  # 09:00-18:00 Pune ends at 14:30 Rome


def test_the_centre_local_time_is_shown_in_the_centres_zone(client, manager, lumen):
    # The page reads the clock between these two readings: a minute may turn in between.
    before = datetime.now(ZoneInfo("Asia/Kolkata"))
    html = page(client, lumen).content.decode()
    after = datetime.now(ZoneInfo("Asia/Kolkata"))
    candidates = {before.strftime("%H:%M"), after.strftime("%H:%M")}
    row = html[html.index("Pune, India") :].split("</tr>")[0]
    assert any(f">{hhmm}</time>" in row for hhmm in candidates)


def test_certifications_show_validity_expired_and_expiring(client, manager, lumen):
    today = date.today()
    VendorCertificationFactory(
        vendor=lumen, certification=certification("iso_27001"), valid_until=today + timedelta(days=400)
    )
    VendorCertificationFactory(
        vendor=lumen, certification=certification("soc2_type2"), valid_until=today + timedelta(days=12)
    )
    VendorCertificationFactory(
        vendor=lumen, certification=certification("iso_9001"), valid_until=today - timedelta(days=3)
    )
    VendorCertificationFactory(vendor=lumen, certification=certification("gdpr"), valid_until=None)
    html = page(client, lumen).content.decode()
    rows = {
        name: html[html.index(name) :].split("</tr>")[0]
        for name in ["ISO/IEC 27001", "SOC 2 Type II", "ISO 9001", "GDPR compliance"]
    }
    assert "badge-valid" in rows["ISO/IEC 27001"]
    assert "Expires within 30 days" in rows["SOC 2 Type II"]
    assert "badge-expired" in rows["ISO 9001"]
    assert "No expiry" in rows["GDPR compliance"]
    assert 'class="cert-expired"' in html


def test_certification_status_boundaries():
    today = date(2026, 3, 1)
    assert vendors_selectors.certification_status(None, today=today) == "permanent"
    assert vendors_selectors.certification_status(today - timedelta(days=1), today=today) == "expired"
    assert vendors_selectors.certification_status(today, today=today) == "expiring"
    assert vendors_selectors.certification_status(today + timedelta(days=30), today=today) == "expiring"
    assert vendors_selectors.certification_status(today + timedelta(days=31), today=today) == "valid"


# --- reviews ---------------------------------------------------------------------------------


def test_reviews_show_ratings_comments_and_the_weighted_rating(client, manager, owner, lumen):
    ReviewFactory(vendor=lumen, rating=5, comment="Excellent close support.")
    ReviewFactory(vendor=lumen, rating=4, comment="Solid work.", engagement__client=owner.membership.client)
    lumen.rating, lumen.review_count = Decimal("4.50"), 2
    lumen.save()
    html = page(client, lumen).content.decode()
    assert "Excellent close support." in html
    assert "Solid work." in html
    assert "<strong>5/5</strong>" in html
    assert "Average 4.50 from 2 reviews" in html
    assert "weighted rating 3.79" in html  # (5 x 3.5 + 2 x 4.5) / 7
    assert html.count("by your organization") == 1


def test_the_weighted_rating_matches_the_scoring_formula():
    from engagements.matching import scoring

    for count, mean in [(0, None), (1, 5.0), (50, 4.8), (3, 2.0)]:
        assert vendors_rating.bayesian_rating(count, mean) == pytest.approx(scoring.bayesian_rating(count, mean))


def test_a_vendor_without_reviews_says_so(client, manager, lumen):
    html = page(client, lumen).content.decode()
    assert "No reviews yet." in html
    assert "3.50" in html  # the prior


# --- history ---------------------------------------------------------------------------------


def test_the_change_history_describes_rate_and_profile_changes(client, manager, lumen, staff_user):
    rate = RateCard.objects.get(vendor=lumen, seniority="senior")
    rate.hourly_rate = Decimal("45.00")
    rate._history_user = UserFactory()
    rate.save()
    lumen.verified = True
    lumen._history_user = staff_user
    lumen.save()
    skill_row = lumen.vendor_skills.get(skill__code="fpa")
    skill_row.proficiency = 4
    skill_row.save()
    centre = lumen.delivery_centers.get(city="Kraków")
    centre.delete()

    html = page(client, lumen).content.decode()
    assert "Senior rate changed from 40.00 to 45.00 USD" in html
    assert "Verified by KPO Match" in html
    assert "KPO Match staff" in html
    assert "Financial planning &amp; analysis proficiency changed from 3 to 4" in html
    assert "Delivery centre Kraków, Poland closed" in html
    assert "Profile created" in html
    history = html[html.index("Profile changes") :]
    assert history.index("Delivery centre Kraków, Poland closed") < history.index("Profile created")


def test_the_history_reads_a_constant_number_of_queries(lumen, django_assert_max_num_queries):
    for amount in range(41, 60):
        rate = RateCard.objects.get(vendor=lumen, seniority="senior")
        rate.hourly_rate = Decimal(amount)
        rate.save()
    with django_assert_max_num_queries(7):
        entries = vendors_history.vendor_change_history(lumen, limit=10)
    assert len(entries) == 10
    assert entries[0].text == "Senior rate changed from 58.00 to 59.00 USD"


def test_the_page_reads_a_bounded_number_of_queries(client, manager, lumen, django_assert_max_num_queries):
    for _ in range(5):
        ReviewFactory(vendor=lumen)
    page(client, lumen)
    with django_assert_max_num_queries(22):
        assert page(client, lumen).status_code == 200
