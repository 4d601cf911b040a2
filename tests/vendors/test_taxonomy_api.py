"""The taxonomy and exchange rates through the API: readable by every signed-in
user, written by staff only; matching converts with the rates current when a
run executes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.engagements.helpers import executed_run, requirement_for
from tests.factories import UserFactory
from tests.vendors.helpers import make_vendor
from vendors.models import Certification, ExchangeRate, ExpertiseArea, Skill

pytestmark = pytest.mark.django_db

DOMAINS = "/api/v1/taxonomy/domains/"
SKILLS = "/api/v1/taxonomy/skills/"
CERTIFICATIONS = "/api/v1/taxonomy/certifications/"
RATES = "/api/v1/exchange-rates/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def signed_in_users(owner, vendor_member, staff_user):
    """A client manager, a vendor member, staff and a user of no organization."""
    return [owner, vendor_member, staff_user, UserFactory()]


# --- reading ----------------------------------------------------------------------------------


def test_every_signed_in_user_reads_the_taxonomy_and_the_rates(signed_in_users):
    for user in signed_in_users:
        client = api(user)
        domains = client.get(DOMAINS)
        skills = client.get(SKILLS, {"page_size": 200})
        certifications = client.get(CERTIFICATIONS)
        rates = client.get(RATES, {"page_size": 200})
        assert {r.status_code for r in (domains, skills, certifications, rates)} == {200}, user
    assert {row["code"] for row in domains.json()["results"]} == set(
        ExpertiseArea.objects.values_list("code", flat=True)
    )
    assert len(skills.json()["results"]) == Skill.objects.count()
    assert any(row["code"] == "iso_27001" and row["is_security"] for row in certifications.json()["results"])
    usd = next(row for row in rates.json()["results"] if row["currency"] == "USD")
    assert usd["rate_to_base"] == "1.00000000"
    assert usd["base_currency"] == "USD"


def test_a_skill_names_its_domain_by_code(owner):
    skill = api(owner).get(f"{SKILLS}financial-reporting/").json()

    assert skill["domain"] == "finance"
    assert set(skill) == {"code", "name", "domain", "description", "is_active"}


def test_anonymous_callers_are_refused():
    for url in (DOMAINS, SKILLS, CERTIFICATIONS, RATES, f"{RATES}EUR/"):
        assert api().get(url).status_code in (401, 403), url


@pytest.mark.parametrize(("url", "queries"), [(DOMAINS, 1), (SKILLS, 1), (CERTIFICATIONS, 1), (RATES, 1)])
def test_each_list_is_one_query(owner, url, queries, django_assert_num_queries):
    client = api(owner)
    client.get(url)

    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(("url", "model", "field"), [(SKILLS, Skill, "code"), (RATES, ExchangeRate, "currency")])
def test_lists_page_with_a_cursor_in_a_stable_order_like_every_list(owner, url, model, field):
    client, seen = api(owner), []
    response = client.get(url, {"page_size": 10})
    while True:
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"next", "previous", "results"}
        assert len(body["results"]) <= 10
        seen += [row[field] for row in body["results"]]
        if not body["next"]:
            break
        response = client.get(body["next"])
    assert seen == list(model.objects.order_by(field).values_list(field, flat=True))
    assert client.get(url, {"page_size": 201}).status_code == 400
    assert client.get(url, {"cursor": "garbage"}).status_code == 400
    assert client.get(url, {"cursor": "cD1hJTAwYg=="}).status_code == 400  # p=a%00b: NUL, never a 500


def test_an_unknown_code_is_404(owner):
    assert api(owner).get(f"{SKILLS}astrology/").status_code == 404
    assert api(owner).get(f"{RATES}XYZ/").status_code == 404


# --- taxonomy writes -----------------------------------------------------------------------------


def test_staff_add_and_retire_a_skill(staff_user):
    client = api(staff_user)

    created = client.post(SKILLS, {"code": "ifrs-17", "name": "IFRS 17 reporting", "domain": "finance"}, format="json")
    retired = client.patch(f"{SKILLS}ifrs-17/", {"is_active": False}, format="json")

    assert created.status_code == 201, created.content
    assert retired.status_code == 200
    assert Skill.objects.get(code="ifrs-17").is_active is False


def test_staff_add_a_certification(staff_user):
    response = api(staff_user).post(
        CERTIFICATIONS, {"code": "tisax", "name": "TISAX", "issuer": "ENX", "is_security": True}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Certification.objects.get(code="tisax").is_security


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "financial-reporting", "name": "Dup", "domain": "finance"}, "code"),
        ({"code": "new-skill", "name": "New", "domain": "astrology"}, "domain"),
        ({"code": "New Skill!", "name": "New", "domain": "finance"}, "code"),
        ({"code": "new-skill", "name": "New", "domain": "finance", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_skill_is_a_400(staff_user, payload, field):
    count = Skill.objects.count()

    response = api(staff_user).post(SKILLS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Skill.objects.count() == count


def test_only_staff_change_the_taxonomy(owner, vendor_member):
    for user in (owner, vendor_member):
        client = api(user)
        assert client.post(SKILLS, {"code": "x", "name": "X", "domain": "finance"}, format="json").status_code == 403
        assert client.patch(f"{SKILLS}sql/", {"name": "Renamed"}, format="json").status_code == 403
        assert client.post(CERTIFICATIONS, {"code": "x", "name": "X"}, format="json").status_code == 403
        assert client.patch(f"{CERTIFICATIONS}hipaa/", {"name": "Renamed"}, format="json").status_code == 403
    assert Skill.objects.get(code="sql").name != "Renamed"
    assert not Skill.objects.filter(code="x").exists()


# --- exchange rates --------------------------------------------------------------------------------


def test_staff_create_update_and_delete_a_rate_with_history(staff_user):
    ExchangeRate.objects.filter(currency="NZD").delete()
    client = api(staff_user)

    created = client.post(RATES, {"currency": "NZD", "rate_to_base": "0.60", "source": "ECB"}, format="json")
    updated = client.patch(f"{RATES}NZD/", {"rate_to_base": "0.61"}, format="json")
    put = client.put(f"{RATES}NZD/", {"currency": "NZD", "rate_to_base": "0.62", "source": "ECB"}, format="json")

    assert created.status_code == 201, created.content
    assert created["Location"].endswith(f"{RATES}NZD/")
    assert updated.status_code == 200
    assert put.json()["rate_to_base"] == "0.62000000"
    rate = ExchangeRate.objects.get(currency="NZD")
    assert rate.history.count() == 3
    assert {record.history_user for record in rate.history.all()} == {staff_user}

    assert client.delete(f"{RATES}NZD/").status_code == 204
    assert not ExchangeRate.objects.filter(currency="NZD").exists()


@pytest.mark.parametrize(
    ("method", "url", "payload", "field"),
    [
        ("post", RATES, {"currency": "XYZ", "rate_to_base": "1"}, "currency"),
        ("post", RATES, {"currency": "EUR", "rate_to_base": "1.1"}, "currency"),  # exists already
        ("post", RATES, {"currency": "NZD", "rate_to_base": "0"}, "rate_to_base"),
        ("post", RATES, {"currency": "NZD", "rate_to_base": "-1"}, "rate_to_base"),
        ("post", RATES, {"currency": "NZD", "rate_to_base": "lots"}, "rate_to_base"),
        ("patch", f"{RATES}USD/", {"rate_to_base": "1.1"}, "rate_to_base"),  # the base currency stays 1
        ("patch", f"{RATES}EUR/", {"currency": "GBP"}, "currency"),
        ("patch", f"{RATES}EUR/", {"rate": "1.1"}, "rate"),
    ],
)
def test_a_bad_rate_is_a_400_and_changes_nothing(staff_user, method, url, payload, field):
    ExchangeRate.objects.filter(currency="NZD").delete()
    before = sorted(ExchangeRate.objects.values_list("currency", "rate_to_base"))

    response = getattr(api(staff_user), method)(url, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert sorted(ExchangeRate.objects.values_list("currency", "rate_to_base")) == before


def test_the_base_currency_cannot_be_deleted(staff_user):
    response = api(staff_user).delete(f"{RATES}USD/")

    assert response.status_code == 409
    assert ExchangeRate.objects.filter(currency="USD").exists()


def test_only_staff_write_rates(owner, vendor_member):
    for user in (owner, vendor_member):
        client = api(user)
        assert client.post(RATES, {"currency": "NZD", "rate_to_base": "0.6"}, format="json").status_code == 403
        assert client.patch(f"{RATES}EUR/", {"rate_to_base": "9"}, format="json").status_code == 403
        assert client.put(f"{RATES}EUR/", {"currency": "EUR", "rate_to_base": "9"}, format="json").status_code == 403
        assert client.delete(f"{RATES}EUR/").status_code == 403
    assert ExchangeRate.objects.get(currency="EUR").rate_to_base != Decimal("9")


def test_the_next_match_run_converts_with_the_rate_changed_through_the_api(owner, staff_user):
    """A vendor quoting 40 USD against a EUR budget: the run reads the rates when
    it executes, so the rate staff set through the API decides the cost."""
    vendor = make_vendor("Dollar Analytics", rate="40.00", currency="USD")
    requirement = requirement_for(owner)
    client = api(staff_user)
    assert client.patch(f"{RATES}EUR/", {"rate_to_base": "1.00"}, format="json").status_code == 200

    before = executed_run(requirement).results.get(vendor=vendor)
    assert client.patch(f"{RATES}EUR/", {"rate_to_base": "2.00"}, format="json").status_code == 200
    after = executed_run(requirement).results.get(vendor=vendor)

    # 40 USD is 40 EUR at 1:1 and 20 EUR when a euro buys two dollars.
    assert before.explanation["hourly_rate"] == pytest.approx(40.0)
    assert after.explanation["hourly_rate"] == pytest.approx(20.0)
    assert after.estimated_cost == before.estimated_cost / 2
    assert after.components["cost"] >= before.components["cost"]
