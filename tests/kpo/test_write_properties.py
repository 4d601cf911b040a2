"""What the schema allows, the server accepts, and matching can score (issue: robust input).

Bodies come from the OpenAPI schema itself (tests/openapi_strategies.py): every value in
the range it documents. A vendor written by staff (POST) or by its own member (PATCH), and an
exchange rate, are then scored by a real match run. The requirement side has its own
properties in test_bounds_properties.py; the engagement, RFP, webhook and taxonomy writes in
test_write_properties_workflows.py."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from engagements.models import Requirement
from kpo.codes import country_timezones, language_names
from tests.engagements.helpers import executed_run
from tests.factories import VendorFactory, VendorMembershipFactory
from tests.openapi_strategies import body
from vendors.changes import STAFF_FIELDS
from vendors.models import Certification, ExchangeRate, ExpertiseArea, Skill, Vendor

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
ZONED = sorted(code for code, zones in country_timezones().items() if zones)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def vendor_references() -> dict:
    """Values that live in the database or in a standard the schema only names."""
    currencies = sorted(ExchangeRate.objects.values_list("currency", flat=True))
    centre = st.sampled_from(ZONED).flatmap(
        lambda country: st.fixed_dictionaries(
            {
                "country": st.just(country),
                "city": st.text(
                    st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=120
                ).filter(str.strip),
                "timezone": st.sampled_from(country_timezones()[country]),
            },
            optional={"headcount": st.integers(0, 2_147_483_647)},
        )
    )
    return {
        "slug": st.uuids().map(lambda found: f"v-{found.hex}"),
        "external_id": st.uuids().map(str),
        "headquarters_country": st.sampled_from(sorted(country_timezones())),
        "languages[]": st.sampled_from(sorted(language_names())),
        "domains[]": st.sampled_from(sorted(ExpertiseArea.objects.values_list("code", flat=True))),
        "skills[].skill": st.sampled_from(sorted(Skill.objects.filter(is_active=True).values_list("code", flat=True))),
        "rates[].currency": st.sampled_from(currencies),
        "delivery_centers[]": centre,
        "certifications[].code": st.sampled_from(sorted(Certification.objects.values_list("code", flat=True))),
    }


UNIQUE = {
    "skills": lambda row: row["skill"],
    "rates": lambda row: row["seniority"],
    "delivery_centers": lambda row: (row["country"], row["city"].strip()),
    "certifications": lambda row: row["code"],
}


def assert_matchable(manager, vendor: Vendor) -> None:
    """A requirement in the vendor's domain, for a skill it has there if any, is scored by a
    match run that succeeds and accounts for the vendor: ranked, below the shortlist or
    excluded with a reason."""
    area = vendor.domains.order_by("code").first()
    if area is None:  # a vendor in no domain is never a candidate; matching must still run
        area = ExpertiseArea.objects.order_by("code").first()
    held = vendor.skills.filter(domain=area, is_active=True).order_by("code").first()
    wanted = held or Skill.objects.filter(domain=area, is_active=True).order_by("code").first()
    rate = vendor.rates.order_by("seniority").first()
    requirement = {
        "title": f"Match {vendor.slug}",
        "domain": area.code,
        "skills": [{"skill": wanted.code, "min_proficiency": 1}],
        "seniority": rate.seniority if rate else "senior",
        "budget_hourly_rate": "100.00",
        "currency": rate.currency if rate else "EUR",
        "estimated_hours": 1000,
        "fte_needed": "1.0",
    }
    created = api(manager).post("/api/v1/requirements/", requirement, format="json")
    assert created.status_code == 201, created.json()
    run = executed_run(Requirement.objects.get(pk=created.json()["id"]))
    assert run.status == "succeeded", run.error
    answer = api(manager).get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": vendor.pk})
    if not vendor.is_active:
        assert answer.status_code == 404  # a deactivated vendor is hidden from buyers
        return
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] in {"ranked", "below_shortlist", "excluded"}


@PROPERTY
@given(data=st.data())
def test_any_vendor_the_schema_allows_is_created_by_staff_and_matched(staff_user, owner, data):
    document = data.draw(body("Vendor", overrides=vendor_references(), unique=UNIQUE, omit=frozenset({"rating"})))

    response = api(staff_user).post("/api/v1/vendors/", document, format="json")

    assert response.status_code == 201, (document, response.json())
    vendor = Vendor.objects.get(pk=response.json()["id"])
    assert_matchable(owner, vendor)


@PROPERTY
@given(data=st.data())
def test_any_profile_change_the_schema_allows_is_saved_by_the_vendors_member_and_matched(owner, data):
    membership = VendorMembershipFactory(vendor=VendorFactory())
    omitted = frozenset({"rating", *STAFF_FIELDS})
    change = data.draw(body("PatchedVendor", overrides=vendor_references(), unique=UNIQUE, omit=omitted, partial=True))

    response = api(membership.user).patch(f"/api/v1/vendors/{membership.vendor_id}/", change, format="json")

    assert response.status_code == 200, (change, response.json())
    assert_matchable(owner, Vendor.objects.get(pk=membership.vendor_id))


@PROPERTY
@given(data=st.data())
def test_any_exchange_rate_the_schema_allows_is_saved_and_matched(staff_user, owner, data):
    # The base currency's rate is always 1 (documented on rate_to_base): every other one moves.
    others = ExchangeRate.objects.exclude(currency=django_settings.BASE_CURRENCY).values_list("currency", flat=True)
    currency = data.draw(st.sampled_from(sorted(others)))
    change = data.draw(body("PatchedExchangeRate", overrides={"currency": st.just(currency)}, partial=True))

    response = api(staff_user).patch(f"/api/v1/exchange-rates/{currency}/", change, format="json")

    assert response.status_code == 200, (change, response.json())
    vendor = VendorFactory()
    vendor.domains.add(ExpertiseArea.objects.get(code="finance"))
    vendor.rates.create(seniority="senior", hourly_rate="99999999.99", currency=currency)
    assert_matchable(owner, vendor)
