"""Factories the vendor-page tests add to tests/factories.py."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from engagements.models import Engagement, EngagementStatus, Review
from tests.factories import ClientOrganizationFactory, RequirementFactory, VendorFactory
from vendors.models import Certification, VendorCertification, VendorLanguage


def certification(code: str = "iso_27001") -> Certification:
    return Certification.objects.get(code=code)


class VendorLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorLanguage

    vendor = factory.SubFactory(VendorFactory)
    code = "en"


class VendorCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorCertification

    vendor = factory.SubFactory(VendorFactory)
    certification = factory.LazyFunction(certification)
    valid_until = factory.LazyFunction(lambda: date.today() + timedelta(days=365))


class CompletedEngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientOrganizationFactory)
    requirement = factory.SubFactory(RequirementFactory, client=factory.SelfAttribute("..client"))
    vendor = factory.SubFactory(VendorFactory)
    status = EngagementStatus.COMPLETED
    agreed_rate = Decimal("40.00")
    currency = "EUR"
    fte = Decimal("2")
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=200))
    end_date = factory.LazyFunction(lambda: date.today() - timedelta(days=100))


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review of a completed engagement. Does not refresh the vendor's stored
    rating: tests that need it set `rating` / `review_count` themselves."""

    class Meta:
        model = Review

    vendor = factory.SubFactory(VendorFactory)
    engagement = factory.SubFactory(CompletedEngagementFactory, vendor=factory.SelfAttribute("..vendor"))
    rating = 4
    comment = "Good work."
