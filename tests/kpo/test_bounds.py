"""Input at the edge of its type (kpo/bounds.py, kpo/request_guards.py, kpo/api/parsers.py):
a requirement at every extreme the API accepts is matched, and its cost stored; a value
past a bound is a 400 JSON naming the field that writes nothing; NUL in an address, JSON
nested without end and a chunked body are clear 4xx, never a 500."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from engagements.models import MatchResult, Requirement
from kpo.bounds import DATE_MAX, EXCHANGE_RATE_MAX, EXCHANGE_RATE_MIN, HOURS_MAX, RATE_MAX, whole_number
from tests.engagements.helpers import executed_run
from tests.factories import (
    DeliveryCenterFactory,
    RateCardFactory,
    VendorFactory,
    VendorSkillFactory,
    domain,
    skill,
)
from vendors.models import ExchangeRate

pytestmark = pytest.mark.django_db

REQUIREMENTS = "/api/v1/requirements/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(**overrides) -> dict:
    body = {
        "title": "Edge of every bound",
        "domain": "finance",
        "skills": [{"skill": "financial-reporting", "min_proficiency": 1}],
        "seniority": "senior",
        "budget_hourly_rate": "0.01",
        "currency": "EUR",
        "estimated_hours": 800,
        "fte_needed": "1.0",
        "selection_method": "balanced",
    }
    body.update(overrides)
    return body


def test_a_requirement_at_every_extreme_the_api_accepts_is_matched_and_its_cost_stored(owner):
    # The widest conversion the bounds allow: a vendor quoting the largest rate in the
    # strongest currency, for a requirement in the weakest one.
    ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=EXCHANGE_RATE_MIN)
    ExchangeRate.objects.filter(currency="GBP").update(rate_to_base=EXCHANGE_RATE_MAX)
    vendor = VendorFactory(available_fte=Decimal("99999.9"))
    vendor.domains.add(domain("finance"))
    VendorSkillFactory(vendor=vendor, skill=skill("financial-reporting"), proficiency=5)
    RateCardFactory(vendor=vendor, seniority="senior", hourly_rate=RATE_MAX, currency="GBP")
    DeliveryCenterFactory(vendor=vendor)

    response = api(owner).post(
        REQUIREMENTS,
        payload(estimated_hours=HOURS_MAX, start_date=DATE_MAX.isoformat(), fte_needed="99999.9"),
        format="json",
    )
    assert response.status_code == 201, response.json()

    run = executed_run(Requirement.objects.get(pk=response.json()["id"]))
    assert run.status == "succeeded"
    result = MatchResult.objects.get(run=run, vendor=vendor)
    expected = RATE_MAX * (EXCHANGE_RATE_MAX / EXCHANGE_RATE_MIN) * HOURS_MAX
    assert result.estimated_cost == pytest.approx(expected, rel=Decimal("1e-9"))
    shortlist = api(owner).get(f"/api/v1/match-runs/{run.pk}/")
    assert shortlist.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"estimated_hours": HOURS_MAX + 1}, "estimated_hours"),
        ({"estimated_hours": 2**31}, "estimated_hours"),
        ({"estimated_hours": 10**30}, "estimated_hours"),
        ({"budget_hourly_rate": "100000000.00"}, "budget_hourly_rate"),
        ({"start_date": "9999-12-31"}, "start_date"),
        ({"start_date": "1999-12-31"}, "start_date"),
        ({"fte_needed": "100000.0"}, "fte_needed"),
        ({"languages": ["en"] * 201}, "languages"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_a_value_past_its_bound_is_a_400_naming_the_field_and_writes_nothing(owner, overrides, field):
    response = api(owner).post(REQUIREMENTS, payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Requirement.objects.exists()


def test_a_patch_past_a_bound_is_refused_and_changes_nothing(owner):
    created = api(owner).post(REQUIREMENTS, payload(), format="json").json()
    response = api(owner).patch(f"{REQUIREMENTS}{created['id']}/", {"estimated_hours": 2**40}, format="json")
    assert response.status_code == 400
    assert "estimated_hours" in response.json()
    assert Requirement.objects.get(pk=created["id"]).estimated_hours == 800


@pytest.mark.parametrize("rate", ["0.000009", "100000.00000001", "0"])
def test_an_exchange_rate_outside_its_bounds_is_refused(staff_user, rate):
    response = api(staff_user).post("/api/v1/exchange-rates/", {"currency": "XAF", "rate_to_base": rate}, format="json")
    assert response.status_code == 400
    assert "rate_to_base" in response.json()
    assert not ExchangeRate.objects.filter(currency="XAF").exists()


def test_a_date_at_the_calendars_end_is_refused_on_every_dated_form_of_the_api(owner):
    created = api(owner).post(REQUIREMENTS, payload(), format="json").json()
    assert created["start_date"] is None
    response = api(owner).patch(f"{REQUIREMENTS}{created['id']}/", {"start_date": date.max.isoformat()}, format="json")
    assert response.status_code == 400
    assert "start_date" in response.json()


def test_json_nested_without_end_is_a_400_not_a_recursion_error(owner):
    body = "[" * 100_000 + "]" * 100_000
    response = api(owner).generic("POST", REQUIREMENTS, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_json_nested_a_little_is_still_read(owner):
    body = payload(title='Brackets [ in { a "string" ]')
    response = api(owner).post(REQUIREMENTS, body, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/vendors/?q=a%00b",
        "/api/v1/requirements/?external_id=%00",
        "/api/v1/vendors/a%00b/",
    ],
)
def test_a_null_character_in_an_api_address_is_a_400_json(owner, path):
    response = api(owner).get(path)
    assert response.status_code == 400
    assert "null character" in response.json()["detail"]


def test_a_null_character_in_a_page_address_is_a_400(client, owner):
    client.force_login(owner)
    response = client.get(reverse("vendors:list") + "?q=audit%00")
    assert response.status_code == 400
    response = client.get("/vendors/some%00slug/")
    assert response.status_code == 400


def test_a_chunked_body_without_length_is_a_411_not_an_empty_form(owner):
    response = api(owner).generic(
        "POST",
        REQUIREMENTS,
        b"",
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    assert not Requirement.objects.exists()


@pytest.mark.parametrize("raw", ["²", "١٢", "99999999999999999999999", " 7", "-1", "1.0", ""])
def test_a_whole_number_is_ascii_digits_within_its_bound(raw):
    expected = {" 7": 7}.get(raw)
    assert whole_number(raw) == expected
    assert whole_number("9223372036854775807") == 2**63 - 1
    assert whole_number("50", high=49) is None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/vendors/?page_size=²", 400),  # str.isdigit() says yes, int() says no
        ("/api/v1/requirements/?since=²", 400),
        ("/api/v1/requirements/?since=99999999999999999999999", 400),
    ],
)
def test_digits_that_are_not_ascii_are_a_400_not_a_500(owner, path, status):
    response = api(owner).get(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")


def test_why_not_with_a_superscript_digit_is_looked_up_as_a_slug(owner):
    created = api(owner).post(REQUIREMENTS, payload(), format="json")
    run = executed_run(Requirement.objects.get(pk=created.json()["id"]))
    known = VendorFactory()
    assert api(owner).get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": known.slug}).status_code == 200
    response = api(owner).get(f"/api/v1/match-runs/{run.pk}/why-not/", {"vendor": "²"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
