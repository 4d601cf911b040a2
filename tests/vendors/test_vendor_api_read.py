"""Reading vendors through the API: the document, who may read which vendor, and the directory's filters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import RateCardFactory, UserFactory
from tests.vendors.api_helpers import LIST, api, detail, names
from tests.vendors.factories_extra import VendorCertificationFactory, certification
from tests.vendors.helpers import make_vendor
from vendors.models import ExchangeRate, Vendor

pytestmark = pytest.mark.django_db


DOCUMENT_FIELDS = {
    "id",
    "slug",
    "name",
    "description",
    "website",
    "headquarters_country",
    "languages",
    "domains",
    "skills",
    "rates",
    "delivery_centers",
    "certifications",
    "available_fte",
    "verified",
    "is_active",
    "rating",
    "review_count",
    "created_at",
    "updated_at",
    "change_seq",
    "external_id",
}


# --- reading: the document --------------------------------------------------------------


def test_a_client_member_reads_a_vendor_document_with_the_design_fields(owner, firm):
    response = api(owner).get(detail(firm))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == DOCUMENT_FIELDS
    assert body["slug"] == firm.slug
    assert body["headquarters_country"] == "IN"
    assert body["languages"] == ["en", "hi"]
    assert body["domains"] == ["finance"]
    assert body["skills"] == [
        {"skill": "financial-reporting", "proficiency": 4, "years_experience": 5},
        {"skill": "fpa", "proficiency": 4, "years_experience": 5},
    ]
    assert body["rates"] == [{"seniority": "senior", "hourly_rate": "40.00", "currency": "USD"}]
    assert body["delivery_centers"] == [
        {"country": "IN", "city": "Lumen Insight City", "timezone": "Asia/Kolkata", "headcount": 50}
    ]
    assert body["certifications"] == [{"code": "iso_27001", "valid_until": "2030-01-31"}]
    assert body["available_fte"] == "5.0"
    assert body["change_seq"] > 0


def test_rates_come_in_seniority_order(owner, firm):
    RateCardFactory(vendor=firm, seniority="expert", hourly_rate=Decimal("70"))
    RateCardFactory(vendor=firm, seniority="junior", hourly_rate=Decimal("15"))
    RateCardFactory(vendor=firm, seniority="mid", hourly_rate=Decimal("25"))

    body = api(owner).get(detail(firm)).json()

    assert [rate["seniority"] for rate in body["rates"]] == ["junior", "mid", "senior", "expert"]


# --- who may read -------------------------------------------------------------------------


def test_anonymous_callers_are_refused(firm):
    assert api().get(LIST).status_code in (401, 403)
    assert api().get(detail(firm)).status_code in (401, 403)
    assert api().patch(detail(firm), {"description": "x"}, format="json").status_code in (401, 403)


def test_client_members_and_staff_list_vendors(owner, staff_user, firm, rival):
    # Newest first unless asked otherwise.
    assert names(api(owner).get(LIST)) == ["Rival Analytics", "Lumen Insight"]
    assert names(api(staff_user).get(LIST, {"ordering": "name"})) == ["Lumen Insight", "Rival Analytics"]


def test_the_browsable_api_shows_the_same_page_as_json(client, owner, firm, rival):
    """The list's JSON is spliced from cached bytes; a person asking for the
    browsable API (a browser, or ?format=api) gets the same page rendered as HTML."""
    as_json = api(owner).get(LIST, {"page_size": 1}).json()
    client.force_login(owner)
    page = client.get(LIST, {"page_size": 1, "format": "api"})
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    shown = dict(page.context["response"].data)
    # The next link keeps ?format=api, so a reader pages on in the browser.
    assert parse_qs(urlsplit(shown.pop("next")).query) == {
        **parse_qs(urlsplit(as_json.pop("next")).query),
        "format": ["api"],
    }
    assert shown == as_json
    body = page.content.decode()
    assert "Rival Analytics" in body and "Lumen Insight" not in body  # one row: the newest
    in_browser = client.get(LIST, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert in_browser["Content-Type"].startswith("text/html")
    assert client.get(LIST, HTTP_ACCEPT="application/json").json() == api(owner).get(LIST).json()


def test_a_vendor_member_may_not_list_competitors(member):
    response = api(member).get(LIST)

    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_user_of_no_organization_may_not_list_or_read_vendors(firm):
    loner = UserFactory()

    assert api(loner).get(LIST).status_code == 403
    assert api(loner).get(detail(firm)).status_code == 404


def test_a_vendor_member_reads_its_own_firm(member, firm):
    response = api(member).get(detail(firm))

    assert response.status_code == 200
    assert response.json()["name"] == "Lumen Insight"


def test_a_vendor_member_gets_404_for_another_firm(member, rival):
    response = api(member).get(detail(rival))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_inactive_vendor_is_hidden_from_clients_but_not_from_staff_or_its_members(owner, staff_user, member, firm):
    Vendor.objects.filter(pk=firm.pk).update(is_active=False)

    assert api(owner).get(detail(firm)).status_code == 404
    assert firm.name not in names(api(owner).get(LIST))
    assert api(staff_user).get(detail(firm)).status_code == 200
    assert api(member).get(detail(firm)).status_code == 200


def test_an_unknown_vendor_is_404(owner):
    assert api(owner).get(f"{LIST}999999/").status_code == 404


# --- filters --------------------------------------------------------------------------------


@pytest.fixture
def directory():
    """Three vendors that differ in every filtered respect."""
    ledger = make_vendor(
        "Ledger Lane",
        country="IN",
        rate="30.00",
        currency="USD",
        domains=("finance",),
        skills=("financial-reporting",),
        languages=("en",),
        description="Month-end close and reconciliations.",
        rating=Decimal("4.80"),
        review_count=12,
        verified=True,
    )
    VendorCertificationFactory(vendor=ledger, certification=certification("iso_27001"))
    lexis = make_vendor(
        "Lexis Partners",
        country="PL",
        tz="Europe/Warsaw",
        rate="60.00",
        currency="EUR",
        domains=("legal",),
        skills=("contract-review",),
        languages=("pl", "en"),
        description="Contract review for banks.",
        rating=Decimal("4.10"),
        review_count=3,
    )
    VendorCertificationFactory(
        vendor=lexis, certification=certification("iso_27001"), valid_until=date.today() - timedelta(days=1)
    )
    quanta = make_vendor(
        "Quanta Data",
        country="PH",
        tz="Asia/Manila",
        rate="2000.00",
        currency="INR",
        domains=("data_analytics",),
        skills=("sql",),
        languages=("tl",),
        description="Dashboards and data pipelines.",
    )
    return {"ledger": ledger, "lexis": lexis, "quanta": quanta}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Ledger Lane", "Lexis Partners", "Quanta Data"]),
        ({"q": "contract"}, ["Lexis Partners"]),
        ({"q": "dashboards"}, ["Quanta Data"]),
        ({"q": "quan"}, ["Quanta Data"]),  # part of a name
        ({"domain": "legal"}, ["Lexis Partners"]),
        ({"skill": "sql"}, ["Quanta Data"]),
        ({"country": "PL"}, ["Lexis Partners"]),
        ({"language": "en"}, ["Ledger Lane", "Lexis Partners"]),
        ({"certification": "iso_27001"}, ["Ledger Lane"]),  # Lexis's has expired
        ({"min_rating": "4.5"}, ["Ledger Lane"]),
        ({"verified": "true"}, ["Ledger Lane"]),
        ({"verified": "false"}, ["Lexis Partners", "Quanta Data"]),
        ({"ordering": "rating"}, ["Ledger Lane", "Lexis Partners", "Quanta Data"]),
        ({"ordering": "reviews"}, ["Ledger Lane", "Lexis Partners", "Quanta Data"]),
        ({"q": "contract review", "ordering": "relevance"}, ["Lexis Partners"]),
        ({"ordering": "-id"}, ["Quanta Data", "Lexis Partners", "Ledger Lane"]),
        ({"ordering": "change_seq"}, ["Ledger Lane", "Lexis Partners", "Quanta Data"]),
        ({"domain": "finance", "language": "hi"}, []),
    ],
)
def test_each_filter_narrows_the_list(owner, directory, params, expected):
    assert names(api(owner).get(LIST, {"ordering": "name", **params})) == expected


def test_max_rate_is_compared_in_the_currency_asked_for(owner, directory):
    # USD 1, EUR 1.08, INR 0.012 (demo rates): Ledger 30 USD, Lexis 64.80 USD, Quanta 24 USD.
    ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=Decimal("1.08"))
    ExchangeRate.objects.filter(currency="INR").update(rate_to_base=Decimal("0.012"))

    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "30", "currency": "USD"})) == [
        "Ledger Lane",
        "Quanta Data",
    ]
    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "25", "currency": "USD"})) == ["Quanta Data"]
    # 60 EUR = 64.80 USD: Lexis exactly; everyone else is cheaper.
    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "60", "currency": "EUR"})) == [
        "Ledger Lane",
        "Lexis Partners",
        "Quanta Data",
    ]
    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "10", "currency": "EUR"})) == []


def test_max_rate_defaults_to_the_clients_currency_and_the_senior_rate(owner, directory):
    ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=Decimal("1.08"))
    ExchangeRate.objects.filter(currency="INR").update(rate_to_base=Decimal("0.012"))
    # The owner's organization pays in EUR: 28 EUR = 30.24 USD.
    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "28"})) == ["Ledger Lane", "Quanta Data"]
    # No junior rates at all.
    assert names(api(owner).get(LIST, {"ordering": "name", "max_rate": "1000", "seniority": "junior"})) == []


def test_ordering_by_rate_converts_every_currency(owner, directory):
    ExchangeRate.objects.filter(currency="EUR").update(rate_to_base=Decimal("1.08"))
    ExchangeRate.objects.filter(currency="INR").update(rate_to_base=Decimal("0.012"))

    assert names(api(owner).get(LIST, {"ordering": "rate", "currency": "USD"})) == [
        "Quanta Data",
        "Ledger Lane",
        "Lexis Partners",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"domain": "astrology"}, "domain"),
        ({"skill": "no-such-skill"}, "skill"),
        ({"certification": "iso_0"}, "certification"),
        ({"country": "XX"}, "country"),
        ({"language": "xx"}, "language"),
        ({"max_rate": "cheap"}, "max_rate"),
        ({"max_rate": "0"}, "max_rate"),
        ({"max_rate": "10", "currency": "XYZ"}, "currency"),
        ({"max_rate": "10", "currency": "CHF"}, "currency"),  # a real currency without an exchange rate
        ({"min_rating": "6"}, "min_rating"),
        ({"verified": "perhaps"}, "verified"),
        ({"ordering": "price"}, "ordering"),
        ({"seniority": "intern"}, "seniority"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(owner, params, field):
    ExchangeRate.objects.filter(currency="CHF").delete()

    response = api(owner).get(LIST, params)

    assert response.status_code == 400
    assert field in response.json()
