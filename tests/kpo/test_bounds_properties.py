"""Whatever the API accepts, matching can score (kpo/bounds.py), as properties: any
requirement drawn from the whole documented range of every field (Hypothesis) is accepted
and its match run succeeds against vendors that quote the extreme rates in the extreme
currencies; the same body with one field pushed past its bound is a 400 JSON naming that
field and writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from engagements.models import Confidentiality, LocationClass, MatchResult, Requirement, SelectionMethod
from kpo.bounds import DATE_MAX, DATE_MIN, EXCHANGE_RATE_MAX, EXCHANGE_RATE_MIN, HOURS_MAX, LIST_MAX, RATE_MAX
from tests.engagements.helpers import executed_run
from tests.factories import (
    ClientMembershipFactory,
    DeliveryCenterFactory,
    RateCardFactory,
    VendorFactory,
    VendorSkillFactory,
    domain,
)
from vendors.models import ExchangeRate, Seniority, Skill, VendorLanguage

pytestmark = pytest.mark.django_db

REQUIREMENTS = "/api/v1/requirements/"
PROPERTY = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
WEAK, STRONG = "EUR", "GBP"  # given the extreme exchange rates below
LANGUAGES = ["en", "it", "de", "fr", "hi"]


@pytest.fixture
def extreme_market():
    """Exchange rates at both bounds, and finance vendors quoting the largest and smallest
    rates in the strongest and weakest currencies, with every finance skill at 5."""
    ExchangeRate.objects.filter(currency=WEAK).update(rate_to_base=EXCHANGE_RATE_MIN)
    ExchangeRate.objects.filter(currency=STRONG).update(rate_to_base=EXCHANGE_RATE_MAX)
    finance_skills = list(Skill.objects.filter(domain__code="finance", is_active=True))
    for rate, currency, country, zone in [
        (RATE_MAX, STRONG, "GB", "Europe/London"),
        (Decimal("0.01"), WEAK, "IN", "Asia/Kolkata"),
        (RATE_MAX, WEAK, "US", "America/New_York"),
    ]:
        vendor = VendorFactory(available_fte=Decimal("99999.9"), headquarters_country=country)
        vendor.domains.add(domain("finance"))
        for found in finance_skills:
            VendorSkillFactory(vendor=vendor, skill=found, proficiency=5, years_experience=60)
        for seniority in Seniority.values:
            RateCardFactory(vendor=vendor, seniority=seniority, hourly_rate=rate, currency=currency)
        DeliveryCenterFactory(vendor=vendor, country=country, timezone=zone)
        for code in LANGUAGES:
            VendorLanguage.objects.create(vendor=vendor, code=code)
    return finance_skills


def decimals(low: str, high: Decimal | str, places: int) -> st.SearchStrategy[str]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places).map(str)


@st.composite
def requirement_bodies(draw, skills: list[Skill]) -> dict:
    chosen = draw(st.lists(st.sampled_from(skills), min_size=1, max_size=min(len(skills), 5), unique_by=lambda s: s.pk))
    allowed = draw(st.lists(st.sampled_from(LocationClass.values), min_size=1, max_size=3, unique=True))
    body = {
        "title": draw(st.text(min_size=1, max_size=200).filter(lambda t: t.strip() and "\x00" not in t)),
        "domain": "finance",
        "skills": [
            {
                "skill": found.code,
                "min_proficiency": draw(st.integers(1, 5)),
                "weight": draw(decimals("0.01", "999.99", 2)),
                "must_have": draw(st.booleans()),
            }
            for found in chosen
        ],
        "seniority": draw(st.sampled_from(Seniority.values)),
        "budget_hourly_rate": draw(decimals("0.01", RATE_MAX, 2)),
        "currency": draw(st.sampled_from([WEAK, STRONG, "USD", "INR"])),
        "estimated_hours": draw(st.integers(1, HOURS_MAX)),
        "fte_needed": draw(decimals("0.1", "99999.9", 1)),
        "start_date": draw(st.none() | st.dates(DATE_MIN, DATE_MAX).map(str)),
        "location_classes": allowed,
        "preferred_location_classes": draw(st.lists(st.sampled_from(allowed), max_size=len(allowed), unique=True)),
        "languages": draw(st.lists(st.sampled_from(LANGUAGES), max_size=5, unique=True)),
        "excluded_countries": draw(st.lists(st.sampled_from(["RU", "KP", "IR"]), max_size=3, unique=True)),
        "min_timezone_overlap_hours": draw(decimals("0", "24", 1)),
        "confidentiality": draw(st.sampled_from(Confidentiality.values)),
        "selection_method": draw(st.sampled_from(SelectionMethod.values)),
    }
    if draw(st.booleans()):
        weights = draw(st.dictionaries(st.sampled_from(["expertise", "cost", "location", "quality", "capacity"]),
                                       st.floats(0, 100), min_size=1))  # fmt: skip
        if any(value > 0 for value in weights.values()):
            body["weights"] = weights
    return body


# One field pushed past its documented bound, and the field the 400 must name.
PAST_A_BOUND = [
    ("estimated_hours", HOURS_MAX + 1),
    ("estimated_hours", 0),
    ("budget_hourly_rate", "100000000.00"),
    ("budget_hourly_rate", "0.00"),
    ("fte_needed", "100000.0"),
    ("start_date", "2101-01-01"),
    ("start_date", "1999-12-31"),
    ("min_timezone_overlap_hours", "24.1"),
    ("languages", ["en"] * (LIST_MAX + 1)),
    ("title", "x" * 201),
]


@PROPERTY
@given(data=st.data())
def test_any_requirement_within_the_bounds_is_accepted_and_its_match_run_succeeds(extreme_market, data):
    manager = ClientMembershipFactory().user
    client = APIClient()
    client.force_authenticate(manager)
    body = data.draw(requirement_bodies(extreme_market))

    response = client.post(REQUIREMENTS, body, format="json")
    assert response.status_code == 201, response.json()

    run = executed_run(Requirement.objects.get(pk=response.json()["id"]))
    assert run.status == "succeeded", run.error
    results = list(MatchResult.objects.filter(run=run))
    for result in results:
        assert 0 <= result.score <= 100
    event(f"vendors ranked: {len(results)}")
    assert client.get(f"/api/v1/match-runs/{run.pk}/").status_code == 200


@PROPERTY
@given(data=st.data())
def test_a_requirement_with_one_field_past_its_bound_is_refused_and_writes_nothing(extreme_market, data):
    manager = ClientMembershipFactory().user
    client = APIClient()
    client.force_authenticate(manager)
    body = data.draw(requirement_bodies(extreme_market))
    field, value = data.draw(st.sampled_from(PAST_A_BOUND))
    body[field] = value
    before = Requirement.objects.count()

    response = client.post(REQUIREMENTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Requirement.objects.count() == before
