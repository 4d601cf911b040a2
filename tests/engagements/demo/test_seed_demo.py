from datetime import date
from decimal import Decimal
from statistics import median

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from engagements.demo import DEMO_PASSWORD, seed_demo
from engagements.models import ClientOrganization, Engagement, Membership, Requirement, RequirementStatus, Review
from vendors.models import DeliveryCenter, RateCard, Vendor, VendorCertification, VendorLanguage, VendorSkill

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def snapshot() -> dict:
    """Everything seeded, by natural keys (primary keys and timestamps left out)."""
    return {
        "vendors": sorted(
            Vendor.objects.values_list(
                "slug",
                "name",
                "description",
                "headquarters_country",
                "available_fte",
                "verified",
                "is_active",
                "rating",
                "review_count",
            )
        ),
        "domains": sorted(Vendor.domains.through.objects.values_list("vendor__slug", "expertisearea__code")),
        "languages": sorted(VendorLanguage.objects.values_list("vendor__slug", "code")),
        "skills": sorted(
            VendorSkill.objects.values_list("vendor__slug", "skill__code", "proficiency", "years_experience")
        ),
        "rates": sorted(RateCard.objects.values_list("vendor__slug", "seniority", "hourly_rate", "currency")),
        "centers": sorted(
            DeliveryCenter.objects.values_list("vendor__slug", "country", "city", "timezone", "headcount")
        ),
        "certifications": sorted(
            VendorCertification.objects.values_list("vendor__slug", "certification__code", "valid_until"), key=str
        ),
        "clients": sorted(ClientOrganization.objects.values_list("slug", "country", "currency", "timezone")),
        "requirements": sorted(
            Requirement.objects.values_list("client__slug", "title", "status", "budget_hourly_rate")
        ),
        "engagements": sorted(
            Engagement.objects.values_list("client__slug", "vendor__slug", "status", "agreed_rate", "start_date"),
            key=str,
        ),
        "reviews": sorted(Review.objects.values_list("vendor__slug", "rating", "comment")),
        "memberships": sorted(Membership.objects.values_list("user__username", "role"), key=str),
    }


def test_running_it_twice_changes_nothing():
    first = seed_demo(seed=7, vendors=60, today=TODAY)
    before = snapshot()
    second = seed_demo(seed=7, vendors=60, today=TODAY)
    assert first.vendors_created == 60
    assert second.vendors_created == 0
    assert second.vendors_existing == 60
    assert (second.clients_created, second.requirements_created, second.engagements_created, second.users_created) == (
        0,
        0,
        0,
        0,
    )
    assert snapshot() == before


def wipe_demo_data() -> None:
    for model in (Review, Engagement, Requirement, Membership, Vendor, ClientOrganization):
        model.objects.all().delete()


def test_the_same_seed_gives_the_same_data_and_another_seed_different_data():
    seed_demo(seed=7, vendors=40, today=TODAY)
    first = snapshot()
    wipe_demo_data()
    seed_demo(seed=7, vendors=40, today=TODAY)
    assert snapshot() == first

    wipe_demo_data()
    seed_demo(seed=8, vendors=40, today=TODAY)
    assert snapshot()["vendors"] != first["vendors"]


def test_more_vendors_extend_the_same_pool():
    seed_demo(seed=3, vendors=20, today=TODAY)
    small = set(Vendor.objects.values_list("slug", flat=True))
    report = seed_demo(seed=3, vendors=35, today=TODAY)
    assert report.vendors_created == 15
    assert small < set(Vendor.objects.values_list("slug", flat=True))


def test_demo_data_is_realistic():
    seed_demo(seed=42, vendors=300, today=TODAY)

    italy = ClientOrganization.objects.get(country="IT")
    assert italy.currency == "EUR"
    assert ClientOrganization.objects.count() >= 3
    assert Requirement.objects.filter(status=RequirementStatus.OPEN).count() >= 5
    assert Review.objects.count() > 50
    assert Engagement.objects.filter(status="completed").count() == Review.objects.count()

    hq_countries = set(Vendor.objects.values_list("headquarters_country", flat=True))
    assert {"IT", "DE", "GB", "US"} & hq_countries  # onshore for the clients
    assert {"PL", "RO", "PT", "MX"} & hq_countries  # nearshore
    assert {"IN", "PH", "VN"} & hq_countries  # offshore

    # Rates rise with seniority for every vendor quoting in one currency.
    order = ["junior", "mid", "senior", "expert"]
    by_vendor: dict[int, dict[str, Decimal]] = {}
    for vendor_id, seniority, rate in RateCard.objects.values_list("vendor_id", "seniority", "hourly_rate"):
        by_vendor.setdefault(vendor_id, {})[seniority] = rate
    for rates in by_vendor.values():
        levels = [rates[level] for level in order if level in rates]
        assert levels == sorted(levels)

    # Offshore senior rates are well below onshore ones once converted to USD.
    from vendors.models import ExchangeRate

    to_usd = dict(ExchangeRate.objects.values_list("currency", "rate_to_base"))

    def senior_usd(countries):
        rows = RateCard.objects.filter(seniority="senior", vendor__headquarters_country__in=countries)
        return median(float(r.hourly_rate * to_usd[r.currency]) for r in rows)

    assert senior_usd(["IN", "PH", "VN", "PK", "BD"]) * 2 < senior_usd(["US", "GB", "DE", "CH"])

    # Delivery centres carry real IANA zones; some certifications have expired.
    import zoneinfo

    zones = set(DeliveryCenter.objects.values_list("timezone", flat=True))
    assert zones <= zoneinfo.available_timezones()
    assert VendorCertification.objects.filter(valid_until__lt=TODAY).exists()
    assert VendorCertification.objects.filter(valid_until__gt=TODAY).exists()

    # Ratings are derived from the reviews.
    rated = Vendor.objects.filter(review_count__gt=0).first()
    ratings = list(Review.objects.filter(vendor=rated).values_list("rating", flat=True))
    assert rated.review_count == len(ratings)
    assert rated.rating == (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"))


def test_printed_demo_logins_work(capsys):
    call_command("seed_demo", "--vendors", "5", "--no-progress", "--today", "2026-11-27")
    out = capsys.readouterr().out
    for username in ("manager", "vendor", "staff"):
        assert f"username: {username}" in out
        assert (
            authenticate(RequestFactory().post("/accounts/login/"), username=username, password=DEMO_PASSWORD)
            is not None
        )
    assert DEMO_PASSWORD in out
    assert "Finished in" in out
    assert Membership.objects.get(user__username="manager").client.country == "IT"
    assert Membership.objects.get(user__username="vendor").vendor.slug == "lumen-insight-partners"


def test_a_negative_vendor_count_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--vendors", "-1", "--no-progress")
    assert not Vendor.objects.exists()


def test_every_seeded_vendor_is_found_by_its_skills_and_italian_words():
    """The seed creates vendors before their parts (the parts' touches deferred): their search
    documents are written again after the parts, not left with the name and description only."""
    from django.db import connection

    from vendors.search import write_documents

    seed_demo(seed=5, vendors=40, today=TODAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT vendor_id, document::text FROM vendors_vendorsearchdocument ORDER BY vendor_id")
        seeded = cursor.fetchall()
        write_documents(list(Vendor.objects.values_list("pk", flat=True)))
        cursor.execute("SELECT vendor_id, document::text FROM vendors_vendorsearchdocument ORDER BY vendor_id")
        assert cursor.fetchall() == seeded
        cursor.execute(
            "SELECT count(*) FROM vendors_vendorsearchdocument d WHERE EXISTS ("
            " SELECT 1 FROM unnest(d.document) u WHERE 'C' = ANY(u.weights))"
        )
        assert cursor.fetchone()[0] == Vendor.objects.count() == len(seeded)


def test_past_work_is_dated_when_it_happened():
    """A programme completed in 2024 was proposed, completed and reviewed in 2024, not the day
    the demo was seeded; the active engagement was proposed before it started."""
    seed_demo(seed=11, vendors=40, today=TODAY)
    completed = list(
        Engagement.objects.filter(status="completed").select_related("review", "requirement").prefetch_related("events")
    )
    assert completed
    for engagement in completed:
        assert engagement.created_at.date() < engagement.start_date
        (event,) = engagement.events.all()
        assert event.created_at.date() == engagement.end_date
        assert engagement.review.created_at.date() > engagement.end_date
        assert engagement.requirement.created_at < engagement.created_at
    active = Engagement.objects.get(status="active", vendor__slug="lumen-insight-partners")
    proposed, started = active.events.order_by("created_at")
    assert proposed.created_at == active.created_at and proposed.created_at.date() < active.start_date
    assert started.created_at.date() == active.start_date
