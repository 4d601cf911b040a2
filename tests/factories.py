from datetime import time
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from engagements.models import ClientOrganization, Membership, Requirement, RequirementSkill, Role
from vendors.models import DeliveryCenter, ExpertiseArea, RateCard, Seniority, Skill, Vendor, VendorSkill


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class ClientOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientOrganization

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")
    country = "IT"
    timezone = "Europe/Rome"
    currency = "EUR"
    working_hours_start = time(9)
    working_hours_end = time(18)


class ClientMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientOrganizationFactory)
    role = Role.MANAGER


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    headquarters_country = "IN"
    description = "A knowledge-process vendor."
    available_fte = Decimal("5")


class VendorMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    vendor = factory.SubFactory(VendorFactory)
    role = Role.ADMIN


def domain(code: str = "finance") -> ExpertiseArea:
    return ExpertiseArea.objects.get(code=code)


def skill(code: str = "financial-reporting") -> Skill:
    return Skill.objects.get(code=code)


class VendorSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorSkill

    vendor = factory.SubFactory(VendorFactory)
    skill = factory.LazyFunction(skill)
    proficiency = 4
    years_experience = 5


class RateCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCard

    vendor = factory.SubFactory(VendorFactory)
    seniority = Seniority.SENIOR
    hourly_rate = Decimal("40.00")
    currency = "USD"


class DeliveryCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryCenter

    vendor = factory.SubFactory(VendorFactory)
    country = "IN"
    city = factory.Sequence(lambda n: f"City {n}")
    timezone = "Asia/Kolkata"
    headcount = 50


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    client = factory.SubFactory(ClientOrganizationFactory)
    title = factory.Sequence(lambda n: f"Requirement {n}")
    domain = factory.LazyFunction(domain)
    budget_hourly_rate = Decimal("60.00")
    currency = "EUR"
    estimated_hours = 400
    fte_needed = Decimal("2")


class RequirementSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequirementSkill

    requirement = factory.SubFactory(RequirementFactory)
    skill = factory.LazyFunction(skill)
    min_proficiency = 3
    weight = Decimal("1")
