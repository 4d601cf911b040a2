"""The database itself rejects bad values, whatever code path writes them."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from engagements.models import ClientOrganization, Engagement, MatchResult, MatchRun, Membership, Review, Role
from tests.factories import (
    ClientOrganizationFactory,
    DeliveryCenterFactory,
    RateCardFactory,
    RequirementFactory,
    RequirementSkillFactory,
    UserFactory,
    VendorFactory,
    VendorSkillFactory,
    skill,
)
from vendors.models import ExchangeRate, Vendor, VendorLanguage

pytestmark = pytest.mark.django_db


def rejected(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_vendor_skill_proficiency_must_be_between_1_and_5():
    vendor = VendorFactory()
    rejected(lambda: VendorSkillFactory(vendor=vendor, proficiency=6))
    rejected(lambda: VendorSkillFactory(vendor=vendor, proficiency=0))
    assert VendorSkillFactory(vendor=vendor, proficiency=5).proficiency == 5


def test_a_vendor_lists_a_skill_once():
    vendor = VendorFactory()
    VendorSkillFactory(vendor=vendor, skill=skill("sql"))
    rejected(lambda: VendorSkillFactory(vendor=vendor, skill=skill("sql")))


def test_hourly_rates_are_positive_and_one_per_seniority():
    vendor = VendorFactory()
    rejected(lambda: RateCardFactory(vendor=vendor, hourly_rate=Decimal("-1")))
    rejected(lambda: RateCardFactory(vendor=vendor, hourly_rate=Decimal("0")))
    RateCardFactory(vendor=vendor, seniority="senior")
    rejected(lambda: RateCardFactory(vendor=vendor, seniority="senior"))
    rejected(lambda: RateCardFactory(vendor=vendor, seniority="principal"))


def test_codes_have_the_iso_shape_in_the_database():
    rejected(lambda: VendorFactory(headquarters_country="in"))
    rejected(lambda: RateCardFactory(currency="usd"))
    rejected(lambda: VendorLanguage.objects.create(vendor=VendorFactory(), code="EN"))
    rejected(lambda: DeliveryCenterFactory(country="in"))


def test_vendor_rating_and_capacity_ranges():
    rejected(lambda: VendorFactory(rating=Decimal("5.5")))
    rejected(lambda: VendorFactory(available_fte=Decimal("-1")))
    assert VendorFactory(rating=None).rating is None


def test_exchange_rates_are_positive():
    rejected(lambda: ExchangeRate.objects.create(currency="SEK", rate_to_base=Decimal("0")))


def test_a_membership_belongs_to_exactly_one_organization_with_a_matching_role():
    client = ClientOrganizationFactory()
    vendor = VendorFactory()
    rejected(lambda: Membership.objects.create(user=UserFactory(), client=client, vendor=vendor, role=Role.MANAGER))
    rejected(lambda: Membership.objects.create(user=UserFactory(), role=Role.MANAGER))
    rejected(lambda: Membership.objects.create(user=UserFactory(), client=client, role=Role.ADMIN))
    rejected(lambda: Membership.objects.create(user=UserFactory(), vendor=vendor, role=Role.MANAGER))
    user = UserFactory()
    Membership.objects.create(user=user, vendor=vendor, role=Role.EDITOR)
    rejected(lambda: Membership.objects.create(user=user, client=client, role=Role.MANAGER))


def test_client_working_hours_end_after_they_start():
    rejected(
        lambda: ClientOrganization.objects.create(
            name="Night owls",
            slug="night-owls",
            country="IT",
            timezone="Europe/Rome",
            currency="EUR",
            working_hours_start=time(18),
            working_hours_end=time(9),
        )
    )


def test_requirement_ranges():
    rejected(lambda: RequirementFactory(budget_hourly_rate=Decimal("0")))
    rejected(lambda: RequirementFactory(estimated_hours=0))
    rejected(lambda: RequirementFactory(fte_needed=Decimal("0")))
    rejected(lambda: RequirementFactory(min_timezone_overlap_hours=Decimal("25")))
    rejected(lambda: RequirementFactory(status="maybe"))
    rejected(lambda: RequirementSkillFactory(min_proficiency=6))
    rejected(lambda: RequirementSkillFactory(weight=Decimal("0")))


def test_engagement_dates_and_amounts():
    requirement = RequirementFactory()
    vendor = VendorFactory()

    def engagement(**overrides):
        values = {
            "requirement": requirement,
            "client": requirement.client,
            "vendor": vendor,
            "agreed_rate": Decimal("40"),
            "currency": "EUR",
            "fte": Decimal("1"),
            "start_date": date(2026, 1, 10),
        }
        values.update(overrides)
        return Engagement.objects.create(**values)

    rejected(lambda: engagement(end_date=date(2026, 1, 1)))
    rejected(lambda: engagement(agreed_rate=Decimal("0")))
    rejected(lambda: engagement(fte=Decimal("0")))
    rejected(lambda: engagement(status="paused"))
    done = engagement(status="completed", end_date=date(2026, 3, 1))
    rejected(lambda: Review.objects.create(engagement=done, vendor=vendor, rating=0))
    rejected(lambda: Review.objects.create(engagement=done, vendor=vendor, rating=6))
    Review.objects.create(engagement=done, vendor=vendor, rating=5)
    rejected(lambda: Review.objects.create(engagement=done, vendor=vendor, rating=4))


def test_match_results_have_scores_in_range_and_unique_ranks():
    run = MatchRun.objects.create(requirement=RequirementFactory())
    vendor, other = VendorFactory(), VendorFactory()
    rejected(lambda: MatchResult.objects.create(run=run, vendor=vendor, rank=1, score=Decimal("100.5"), currency="EUR"))
    rejected(lambda: MatchResult.objects.create(run=run, vendor=vendor, rank=0, score=Decimal("50"), currency="EUR"))
    MatchResult.objects.create(run=run, vendor=vendor, rank=1, score=Decimal("90"), currency="EUR")
    rejected(lambda: MatchResult.objects.create(run=run, vendor=other, rank=1, score=Decimal("80"), currency="EUR"))
    rejected(lambda: MatchResult.objects.create(run=run, vendor=vendor, rank=2, score=Decimal("80"), currency="EUR"))
    rejected(lambda: MatchRun.objects.create(requirement=run.requirement, progress=101))


@pytest.mark.parametrize(
    ("field", "value"),
    [("headquarters_country", "XX"), ("headquarters_country", "ZZ")],
)
def test_unknown_country_codes_fail_validation(field, value):
    vendor = Vendor(name="Acme", slug="acme", **{field: value})
    with pytest.raises(ValidationError) as excinfo:
        vendor.full_clean()
    assert field in excinfo.value.message_dict


def test_unknown_currency_language_and_time_zone_fail_validation():
    center = DeliveryCenterFactory.build(vendor=VendorFactory(), timezone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as excinfo:
        center.full_clean()
    assert "timezone" in excinfo.value.message_dict

    rate = RateCardFactory.build(vendor=VendorFactory(), currency="ABC")
    with pytest.raises(ValidationError) as excinfo:
        rate.full_clean()
    assert "currency" in excinfo.value.message_dict

    language = VendorLanguage(vendor=VendorFactory(), code="zz")
    with pytest.raises(ValidationError) as excinfo:
        language.full_clean()
    assert "code" in excinfo.value.message_dict

    requirement = RequirementFactory.build(
        client=ClientOrganizationFactory(), excluded_countries=["IN", "XX"], languages=["en", "en"]
    )
    with pytest.raises(ValidationError) as excinfo:
        requirement.full_clean()
    assert {"excluded_countries", "languages"} <= set(excinfo.value.message_dict)


def test_valid_codes_pass_validation():
    vendor = VendorFactory()
    DeliveryCenterFactory.build(vendor=vendor, country="PH", timezone="Asia/Manila", city="Manila").full_clean()
    RateCardFactory.build(vendor=vendor, currency="PHP").full_clean()
    VendorLanguage(vendor=vendor, code="tl").full_clean()


@pytest.mark.parametrize("slug", ["compare", "profile"])
def test_a_vendor_slug_may_not_shadow_a_directory_page(slug):
    with pytest.raises(ValidationError) as excinfo:
        Vendor(name="Acme", slug=slug, headquarters_country="IN").full_clean()
    assert "slug" in excinfo.value.message_dict
