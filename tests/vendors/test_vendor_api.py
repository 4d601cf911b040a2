"""Vendors through the API: the directory's filters, who may read and write
which vendor, nested writes that replace lists all at once or not at all,
history and stale shortlists like the web edit page, constant query counts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import MatchRun
from kpo.api.tokens import api_token_create
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import RateCardFactory, UserFactory, VendorMembershipFactory
from tests.vendors.factories_extra import VendorCertificationFactory, certification
from tests.vendors.helpers import full_vendor, make_vendor
from vendors import services
from vendors.api.documents import DOCUMENT_CACHE
from vendors.models import (
    DeliveryCenter,
    ExchangeRate,
    RateCard,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/vendors/"
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


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def detail(vendor: Vendor) -> str:
    return f"{LIST}{vendor.pk}/"


def results(response) -> list[dict]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in results(response)]


@pytest.fixture
def firm():
    """The vendor whose own member edits it."""
    vendor = make_vendor("Lumen Insight", skills=("financial-reporting", "fpa"), languages=("en", "hi"))
    VendorCertificationFactory(vendor=vendor, valid_until=date(2030, 1, 31))
    return vendor


@pytest.fixture
def member(firm):
    return VendorMembershipFactory(vendor=firm, role="editor").user


@pytest.fixture
def rival():
    return make_vendor("Rival Analytics")


@pytest.fixture
def rival_member(rival):
    return VendorMembershipFactory(vendor=rival).user


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


# --- staff create ---------------------------------------------------------------------------


def new_vendor_payload(**overrides) -> dict:
    payload = {
        "name": "Northwind Research",
        "headquarters_country": "GB",
        "description": "Equity research.",
        "website": "https://northwind.example",
        "languages": ["en", "fr"],
        "domains": ["investment", "research_development"],
        "skills": [{"skill": "equity-research", "proficiency": 5, "years_experience": 12}],
        "rates": [{"seniority": "senior", "hourly_rate": "85.00", "currency": "GBP"}],
        "delivery_centers": [{"country": "GB", "city": "Leeds", "timezone": "Europe/London", "headcount": 40}],
        "certifications": [{"code": "iso_27001", "valid_until": "2031-06-30"}],
        "available_fte": "4.5",
        "verified": True,
        "external_id": "ERP-0042",
    }
    payload.update(overrides)
    return payload


def test_staff_create_a_vendor_with_its_rows(staff_user):
    response = api(staff_user).post(LIST, new_vendor_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"{LIST}{body['id']}/")
    vendor = Vendor.objects.get(pk=body["id"])
    assert vendor.slug == "northwind-research"
    assert vendor.verified and vendor.verified_at is not None
    assert vendor.external_id == "ERP-0042"
    assert body["skills"] == [{"skill": "equity-research", "proficiency": 5, "years_experience": 12}]
    assert body["languages"] == ["en", "fr"]
    assert sorted(body["domains"]) == ["investment", "research_development"]
    assert vendor.delivery_centers.get().city == "Leeds"
    assert vendor.history.first().history_user == staff_user


def test_a_vendor_needs_a_name_and_a_headquarters_country(staff_user):
    response = api(staff_user).post(LIST, {"description": "?"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name", "headquarters_country"}


def test_a_taken_slug_is_refused_and_nothing_is_created(staff_user, firm):
    response = api(staff_user).post(LIST, new_vendor_payload(slug=firm.slug), format="json")

    assert response.status_code == 400
    assert "slug" in response.json()
    assert not Vendor.objects.filter(name="Northwind Research").exists()


def test_only_staff_create_vendors(owner, member):
    assert api(owner).post(LIST, new_vendor_payload(), format="json").status_code == 403
    assert api(member).post(LIST, new_vendor_payload(), format="json").status_code == 403
    assert not Vendor.objects.filter(name="Northwind Research").exists()


# --- writes by the vendor's members -------------------------------------------------------


def test_a_member_patches_the_description_and_history_names_them(member, firm):
    response = api(member).patch(detail(firm), {"description": "Now with FP&A."}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Now with FP&A."
    firm.refresh_from_db()
    assert firm.description == "Now with FP&A."
    assert firm.history.first().history_user == member
    # A PATCH leaves what it does not name alone.
    assert sorted(firm.languages.values_list("code", flat=True)) == ["en", "hi"]
    assert firm.vendor_skills.count() == 2


def test_a_patch_of_a_list_replaces_the_vendors_rows(member, firm):
    payload = {
        "skills": [
            {"skill": "fpa", "proficiency": 5, "years_experience": 9},  # changed
            {"skill": "sql", "proficiency": 3},  # added; financial-reporting removed
        ],
        "rates": [
            {"seniority": "senior", "hourly_rate": "45.00", "currency": "USD"},
            {"seniority": "junior", "hourly_rate": "18.50", "currency": "USD"},
        ],
        "delivery_centers": [{"country": "PL", "city": "Kraków", "timezone": "Europe/Warsaw", "headcount": 12}],
        "certifications": [{"code": "soc2_type2"}],
        "languages": ["en"],
        "domains": ["finance", "data_analytics"],
    }

    response = api(member).patch(detail(firm), payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["skills"] == [
        {"skill": "fpa", "proficiency": 5, "years_experience": 9},
        {"skill": "sql", "proficiency": 3, "years_experience": 0},
    ]
    assert body["rates"] == [
        {"seniority": "junior", "hourly_rate": "18.50", "currency": "USD"},
        {"seniority": "senior", "hourly_rate": "45.00", "currency": "USD"},
    ]
    assert body["delivery_centers"] == [
        {"country": "PL", "city": "Kraków", "timezone": "Europe/Warsaw", "headcount": 12}
    ]
    assert body["certifications"] == [{"code": "soc2_type2", "valid_until": None}]
    assert body["languages"] == ["en"]
    assert sorted(body["domains"]) == ["data_analytics", "finance"]
    # Each change is a history record by the API user; the rate kept its row.
    assert RateCard.history.filter(vendor_id=firm.pk, seniority="senior", history_type="~").get().history_user == member
    assert VendorSkill.history.filter(vendor_id=firm.pk, history_type="-").get().skill.code == "financial-reporting"
    assert DeliveryCenter.objects.filter(vendor=firm).count() == 1


def test_an_unchanged_patch_writes_no_history(member, firm):
    body = api(member).get(detail(firm)).json()
    records = (firm.history.count(), VendorSkill.history.filter(vendor_id=firm.pk).count())

    response = api(member).patch(
        detail(firm), {name: body[name] for name in ("skills", "rates", "languages", "description")}, format="json"
    )

    assert response.status_code == 200
    assert (firm.history.count(), VendorSkill.history.filter(vendor_id=firm.pk).count()) == records


def snapshot(vendor: Vendor) -> tuple:
    vendor.refresh_from_db()
    return (
        vendor.description,
        vendor.available_fte,
        sorted(VendorSkill.objects.filter(vendor=vendor).values_list("skill__code", "proficiency")),
        sorted(RateCard.objects.filter(vendor=vendor).values_list("seniority", "hourly_rate", "currency")),
        sorted(DeliveryCenter.objects.filter(vendor=vendor).values_list("country", "city", "timezone")),
        sorted(VendorCertification.objects.filter(vendor=vendor).values_list("certification__code", "valid_until")),
        sorted(VendorLanguage.objects.filter(vendor=vendor).values_list("code", flat=True)),
        sorted(vendor.domains.values_list("code", flat=True)),
        vendor.history.count(),
    )


@pytest.mark.parametrize(
    ("payload", "error_path"),
    [
        ({"skills": [{"skill": "sql", "proficiency": 6}]}, ("skills", "0", "proficiency")),
        ({"skills": [{"skill": "astrology", "proficiency": 3}]}, ("skills", "0", "skill")),
        ({"skills": [{"skill": "sql", "proficiency": 3}, {"skill": "sql", "proficiency": 2}]}, ("skills",)),
        ({"skills": [{"skill": "sql", "proficiency": 3, "years_experience": 61}]}, ("skills", "0", "years_experience")),
        ({"rates": [{"seniority": "senior", "hourly_rate": "0", "currency": "USD"}]}, ("rates", "0", "hourly_rate")),
        ({"rates": [{"seniority": "senior", "hourly_rate": "10", "currency": "usd"}]}, ("rates", "0", "currency")),
        ({"rates": [{"seniority": "intern", "hourly_rate": "10", "currency": "USD"}]}, ("rates", "0", "seniority")),
        (
            {
                "rates": [
                    {"seniority": "senior", "hourly_rate": "10", "currency": "USD"},
                    {"seniority": "senior", "hourly_rate": "12", "currency": "USD"},
                ]
            },
            ("rates",),
        ),
        (
            {"delivery_centers": [{"country": "IN", "city": "Pune", "timezone": "Europe/Rome", "headcount": 3}]},
            ("delivery_centers", "0", "timezone"),
        ),
        (
            {"delivery_centers": [{"country": "ZZ", "city": "Pune", "timezone": "Asia/Kolkata"}]},
            ("delivery_centers", "0", "country"),
        ),
        (
            {"delivery_centers": [{"country": "IN", "city": "", "timezone": "Asia/Kolkata"}]},
            ("delivery_centers", "0", "city"),
        ),
        ({"certifications": [{"code": "iso_0"}]}, ("certifications", "0", "code")),
        ({"certifications": [{"code": "hipaa", "valid_until": "soon"}]}, ("certifications", "0", "valid_until")),
        ({"languages": ["en", "xx"]}, ("languages",)),
        ({"languages": ["en", "en"]}, ("languages",)),
        ({"domains": ["astrology"]}, ("domains",)),
        ({"headquarters_country": "India"}, ("headquarters_country",)),
        ({"website": "not a url"}, ("website",)),
        ({"available_fte": "-1"}, ("available_fte",)),
        ({"skills": "sql"}, ("skills",)),
        ({"skils": []}, ("skils",)),  # an unknown field
        ({"skills": [{"skill": "sql", "proficiency": 3, "level": "high"}]}, ("skills", "0", "level")),
    ],
)
def test_invalid_input_is_a_400_with_field_errors_and_changes_nothing(member, firm, payload, error_path):
    # A valid part beside the invalid one: it must not be written either.
    payload = {"description": "Should not be saved.", **payload}
    before = snapshot(firm)

    response = api(member).patch(detail(firm), payload, format="json")

    assert response.status_code == 400, response.content
    errors = response.json()
    for step in error_path:
        errors = errors[step]
    assert errors
    assert snapshot(firm) == before


def test_an_invalid_row_in_the_middle_of_a_list_names_its_index_and_saves_nothing(member, firm):
    before = snapshot(firm)
    payload = {
        "skills": [{"skill": "sql", "proficiency": 3}],
        "delivery_centers": [
            {"country": "IN", "city": "Pune", "timezone": "Asia/Kolkata"},
            {"country": "IN", "city": "Chennai", "timezone": "America/New_York"},
        ],
    }

    response = api(member).patch(detail(firm), payload, format="json")

    assert response.status_code == 400
    assert response.json()["delivery_centers"] == {"1": {"timezone": ["America/New_York is not a time zone of IN."]}}
    assert snapshot(firm) == before


def test_a_retired_skill_stays_but_cannot_be_added(member, firm):
    Skill.objects.filter(code__in=["fpa", "sql"]).update(is_active=False)

    kept = api(member).patch(detail(firm), {"skills": [{"skill": "fpa", "proficiency": 2}]}, format="json")
    added = api(member).patch(detail(firm), {"skills": [{"skill": "sql", "proficiency": 2}]}, format="json")

    assert kept.status_code == 200
    assert added.status_code == 400
    assert "sql" in added.json()["skills"][0]


def test_put_needs_the_whole_profile(member, firm):
    response = api(member).put(detail(firm), {"description": "Only this."}, format="json")

    assert response.status_code == 400
    assert {"skills", "rates", "delivery_centers", "certifications", "languages", "domains"} <= set(response.json())


def test_put_of_a_fetched_document_round_trips(member, firm):
    body = api(member).get(detail(firm)).json()
    body["description"] = "Put back with one change."
    body["rates"].append({"seniority": "expert", "hourly_rate": "99.00", "currency": "USD"})

    response = api(member).put(detail(firm), body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Put back with one change."
    assert [rate["seniority"] for rate in response.json()["rates"]] == ["senior", "expert"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("verified", True), ("is_active", False), ("name", "Lumen Prime"), ("slug", "lumen-prime")],
)
def test_staff_only_fields_are_read_only_for_members(member, firm, field, value):
    before = snapshot(firm)

    response = api(member).patch(detail(firm), {field: value, "description": "x"}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["This field is read-only: only KPO Match staff can change it."]}
    assert snapshot(firm) == before


@pytest.mark.parametrize("who", ["member", "staff_user"])
def test_nobody_sets_the_rating_it_comes_from_reviews(request, who, firm):
    Vendor.objects.filter(pk=firm.pk).update(rating=Decimal("4.20"), review_count=3)
    client = api(request.getfixturevalue(who))
    before = snapshot(firm)

    for value in ("5.00", None):
        response = client.patch(detail(firm), {"rating": value, "description": "x"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"rating": ["This field is derived from the vendor's reviews: it cannot be set."]}
    assert snapshot(firm) == before
    created = api(request.getfixturevalue("staff_user")).post(
        LIST, {"name": "Rated Firm", "headquarters_country": "IN", "rating": "4.00"}, format="json"
    )
    assert created.status_code == 400 and "rating" in created.json()
    assert not Vendor.objects.filter(name="Rated Firm").exists()
    # Sent back unchanged (a fetched document), it is accepted.
    response = client.patch(detail(firm), {"rating": "4.20", "description": "Same rating."}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["rating"], response.json()["description"]) == ("4.20", "Same rating.")


def test_a_member_may_send_staff_fields_back_unchanged(member, firm):
    body = api(member).get(detail(firm)).json()

    response = api(member).patch(
        detail(firm),
        {"verified": body["verified"], "is_active": True, "name": body["name"], "description": "Same flags."},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["description"] == "Same flags."


def test_staff_verify_and_rename_a_vendor(staff_user, firm):
    response = api(staff_user).patch(detail(firm), {"verified": True, "name": "Lumen Insight Ltd"}, format="json")

    assert response.status_code == 200, response.content
    firm.refresh_from_db()
    assert (firm.verified, firm.name) == (True, "Lumen Insight Ltd")
    assert firm.verified_at is not None
    assert firm.history.first().history_user == staff_user


def test_a_client_member_may_read_but_not_write_a_vendor(owner, firm):
    before = snapshot(firm)

    response = api(owner).patch(detail(firm), {"description": "Client wrote this."}, format="json")

    assert response.status_code == 403
    assert api(owner).put(detail(firm), {"description": "x"}, format="json").status_code == 403
    assert snapshot(firm) == before


def test_another_firms_member_gets_404_on_write(rival_member, firm):
    before = snapshot(firm)

    response = api(rival_member).patch(detail(firm), {"description": "Sabotage."}, format="json")

    assert response.status_code == 404
    assert snapshot(firm) == before


def test_an_api_edit_marks_the_shortlists_that_include_the_vendor_stale(owner, member, firm, rival):
    with_firm = succeeded_run(requirement_for(owner), vendors=[firm, rival])
    without_firm = succeeded_run(requirement_for(owner), vendors=[rival])
    before = timezone.now()

    response = api(member).patch(
        detail(firm), {"rates": [{"seniority": "senior", "hourly_rate": "55.00", "currency": "USD"}]}, format="json"
    )

    assert response.status_code == 200
    assert MatchRun.objects.get(pk=with_firm.pk).stale_since >= before
    assert MatchRun.objects.get(pk=without_firm.pk).stale_since is None


def test_a_rejected_edit_marks_nothing_stale(owner, member, firm):
    run = succeeded_run(requirement_for(owner), vendors=[firm])

    api(member).patch(detail(firm), {"rates": [{"seniority": "boss", "hourly_rate": "1", "currency": "USD"}]})

    assert MatchRun.objects.get(pk=run.pk).stale_since is None


def test_an_edit_advances_the_change_number(member, firm):
    seq = api(member).get(detail(firm)).json()["change_seq"]

    body = api(member).patch(detail(firm), {"available_fte": "7.5"}, format="json").json()

    assert body["change_seq"] > seq
    assert body["available_fte"] == "7.5"


# --- query counts -------------------------------------------------------------------------


@pytest.fixture
def cold_documents():
    """An empty document cache (vendors/api/documents.py) for the test, and after it."""
    documents = caches[DOCUMENT_CACHE]
    documents.clear()
    yield documents
    documents.clear()


def test_the_list_runs_a_constant_number_of_queries(owner, django_assert_num_queries, cold_documents):
    for index in range(10):
        full_vendor(index)
    client = api(owner)
    client.get(LIST, {"page_size": 1})  # warm caches that are not per request (content types, ...)
    query = {"language": "en", "max_rate": "100"}

    with django_assert_num_queries(QUERIES_PER_COLD_PAGE):
        response = client.get(LIST, query)
    assert len(results(response)) == 10
    assert all(len(row["skills"]) == 4 and len(row["delivery_centers"]) == 2 for row in results(response))

    with django_assert_num_queries(QUERIES_PER_WARM_PAGE):
        again = client.get(LIST, query)
    assert again.json() == response.json()


# Documents not cached yet: exchange rates (max_rate), the page's keys, the documents
# (one query on PostgreSQL) and the check that none changed meanwhile. Cached: the first two.
QUERIES_PER_COLD_PAGE = 4
QUERIES_PER_WARM_PAGE = 2


def test_the_list_query_count_does_not_grow_with_the_page(owner, django_assert_num_queries, cold_documents):
    for index in range(3):
        full_vendor(index)
    client = api(owner)
    client.get(LIST, {"page_size": 1})
    cold_documents.clear()

    with django_assert_num_queries(QUERIES_PER_COLD_PAGE):
        client.get(LIST, {"language": "en", "max_rate": "100"})


def test_the_detail_runs_a_constant_number_of_queries(owner, django_assert_num_queries):
    vendor = full_vendor(1)
    client = api(owner)
    client.get(detail(vendor))

    # the vendor, then one query per relation
    with django_assert_num_queries(7):
        response = client.get(detail(vendor))

    assert len(response.json()["skills"]) == 4


# --- pagination -----------------------------------------------------------------------------


def walk(client, url: str, params: dict) -> list[str]:
    """Every name, following `next` links to the end."""
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [row["name"] for row in body["results"]]
        if not body["next"]:
            return seen
        response = client.get(body["next"])


@pytest.mark.parametrize(
    ("ordering", "position"),
    [
        ("name", ["a\u0000", 1]),
        ("rate", ["NaN", "a", 1]),
        ("rate", ["Infinity", "a", 1]),
        ("reviews", [1, "1e999999", "a", 1]),
        ("rating", [1e308 * 10, 1, "a", 1]),
        ("rating", [4.5, 2**70, "a", 1]),
        ("name", ["a", "1"]),
        ("name", ["a"]),
        ("name", {"before": ["a\u0000", 1]}),
        ("name", {"before": ["a", 1], "after": ["a", 1]}),
        ("name", {"after": ["a", 1]}),
        ("rate", {"before": ["NaN", "a", 1]}),
        ("name", {"before": "a"}),
    ],
)
def test_a_forged_keyset_cursor_is_a_400_never_a_500(owner, ordering, position):
    import base64
    import json

    make_vendor("Somebody")
    cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
    response = api(owner).get(LIST, {"ordering": ordering, "cursor": cursor})
    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


@pytest.fixture
def ties():
    """Seven vendors share a rating, a review count and a rate; two have no rate at all."""
    for index in range(7):
        make_vendor(f"Tied {index}", rating=Decimal("4.00"), review_count=5)
    make_vendor("Unpriced A", rate=None)
    make_vendor("Unpriced B", rate=None, rating=Decimal("4.90"), review_count=40)


@pytest.mark.parametrize("ordering", ["rating", "reviews", "rate", "name", "-id", "change_seq"])
def test_paging_through_ties_never_repeats_or_skips_a_vendor(owner, ties, ordering):
    client = api(owner)

    everything = names(client.get(LIST, {"ordering": ordering, "page_size": 200}))
    paged = walk(client, LIST, {"ordering": ordering, "page_size": 2})

    assert paged == everything
    assert sorted(paged) == sorted(Vendor.objects.values_list("name", flat=True))


def pages(client, url: str, params: dict | None, link: str) -> list[list[str]]:
    """The names page by page, following `link` (next or previous) to its end."""
    seen, response = [], client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        seen.append([row["name"] for row in body["results"]])
        if not body[link]:
            return seen
        response = client.get(body[link])


@pytest.mark.parametrize("ordering", ["rating", "reviews", "rate", "name", "relevance"])
def test_previous_pages_back_through_ties_to_the_first_page(owner, ties, ordering):
    client = api(owner)
    params = {"ordering": ordering, "page_size": 2, **({"q": "tied"} if ordering == "relevance" else {})}

    forward = pages(client, LIST, params, "next")
    first = client.get(LIST, params).json()
    assert first["previous"] is None
    last = client.get(LIST, params)
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    backward = pages(client, last.json()["previous"], None, "previous")

    assert len(forward) >= 4
    assert backward == forward[-2::-1]  # the same pages, met in reverse, down to the first
    everything = [name for page in forward for name in page]
    assert len(everything) == len(set(everything))
    # A page reached backwards links forward again to the page after it.
    second = client.get(client.get(forward_link(client, params, 2)).json()["previous"]).json()
    assert [row["name"] for row in second["results"]] == forward[1]
    assert [row["name"] for row in client.get(second["next"]).json()["results"]] == forward[2]


def test_a_previous_link_whose_rows_all_went_serves_the_first_page(owner):
    for index in range(6):
        make_vendor(f"Firm {index}")
    client = api(owner)
    params = {"ordering": "name", "page_size": 2}
    third = client.get(forward_link(client, params, 2)).json()
    # Everything before the third page is switched off meanwhile.
    Vendor.objects.filter(name__in=["Firm 0", "Firm 1", "Firm 2", "Firm 3"]).update(is_active=False)

    body = client.get(third["previous"]).json()

    assert [row["name"] for row in body["results"]] == ["Firm 4", "Firm 5"]
    assert body["previous"] is None and body["next"] is None


def forward_link(client, params: dict, pages_ahead: int) -> str:
    """The `next` link after `pages_ahead` pages."""
    body = client.get(LIST, params).json()
    for _ in range(pages_ahead - 1):
        body = client.get(body["next"]).json()
    return body["next"]


def test_vendors_without_the_rate_come_last_when_ordered_by_rate(owner):
    make_vendor("Unpriced", rate=None)
    make_vendor("Dear", rate="90.00")
    make_vendor("Cheap", rate="20.00")

    assert walk(api(owner), LIST, {"ordering": "rate", "page_size": 1}) == ["Cheap", "Dear", "Unpriced"]


def test_search_results_page_by_relevance(owner):
    make_vendor("Audit Alpha", description="Audit support.")
    make_vendor("Beta Partners", description="Audit support and audit analytics for audit teams.")
    make_vendor("Gamma", description="Payroll.")

    paged = walk(api(owner), LIST, {"q": "audit", "page_size": 1})

    assert sorted(paged) == ["Audit Alpha", "Beta Partners"]
    assert paged[0] == "Audit Alpha"  # a name hit weighs most


@pytest.mark.parametrize("page_size", ["0", "201", "ten"])
def test_page_size_is_1_to_200(owner, page_size):
    response = api(owner).get(LIST, {"page_size": page_size})

    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_forged_directory_cursor_is_a_400(owner, firm):
    response = api(owner).get(LIST, {"ordering": "rating", "cursor": "bm90IGpzb24="})

    assert response.status_code == 400
    assert "cursor" in response.json()


# --- delta sync -----------------------------------------------------------------------------


def sync(client, since: int, **params) -> tuple[list[dict], list[dict], int]:
    """Every changed vendor and tombstone since `since`, following `next`."""
    rows, deleted = [], []
    response = client.get(LIST, {"since": since, **params})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        deleted += body["deleted"]
        if not body["next"]:
            return rows, deleted, body["last_change_seq"]
        response = client.get(body["next"])


def test_a_sync_returns_what_changed_and_tombstones_of_deactivated_vendors(owner, staff_user, member, firm, rival):
    quiet = make_vendor("Quiet Vendor")
    client = api(owner)
    rows, deleted, mark = sync(client, 0, page_size=1)
    assert [row["name"] for row in rows] == ["Lumen Insight", "Rival Analytics", "Quiet Vendor"]
    assert deleted == []
    assert [row["change_seq"] for row in rows] == sorted(row["change_seq"] for row in rows)

    api(member).patch(detail(firm), {"description": "Edited after the first sync."}, format="json")
    api(staff_user).patch(detail(rival), {"is_active": False}, format="json")

    rows, deleted, next_mark = sync(client, mark, page_size=1)
    assert [row["name"] for row in rows] == ["Lumen Insight"]
    assert [(item["resource"], item["id"], item["reason"]) for item in deleted] == [("vendor", rival.pk, "deactivated")]
    assert next_mark > mark
    assert sync(client, next_mark) == ([], [], next_mark)
    assert quiet.pk not in [row["id"] for row in rows]


def test_a_sync_sees_bulk_updates_that_keep_updated_at(owner, firm, rival):
    client = api(owner)
    _, _, mark = sync(client, 0)

    Vendor.objects.filter(pk=rival.pk).update(available_fte=Decimal("9"))  # no auto_now, no signal

    rows, _, _ = sync(client, mark)
    assert [(row["name"], row["available_fte"]) for row in rows] == [("Rival Analytics", "9.0")]


def test_updated_since_lists_vendors_changed_at_or_after_the_instant(owner, firm, rival):
    Vendor.objects.filter(pk=firm.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api(owner).get(LIST, {"updated_since": since})

    assert [row["name"] for row in response.json()["results"]] == ["Rival Analytics"]
    assert api(owner).get(LIST, {"updated_since": "yesterday"}).status_code == 400


def test_external_id_finds_the_erps_vendor(owner, staff_user, firm, rival):
    api(staff_user).patch(detail(firm), {"external_id": "SAP-1001"}, format="json")

    assert names(api(owner).get(LIST, {"external_id": "SAP-1001"})) == ["Lumen Insight"]
    assert names(api(owner).get(LIST, {"external_id": "SAP-9999"})) == []


def test_only_staff_set_the_external_id(member, firm):
    response = api(member).patch(detail(firm), {"external_id": "MINE"}, format="json")

    assert response.status_code == 400
    assert "external_id" in response.json()


# --- ETag and If-Match ------------------------------------------------------------------------


def test_a_document_carries_an_etag_that_moves_with_every_change(owner, member, firm):
    first = api(owner).get(detail(firm))
    assert first["ETag"] == f'"vendor-{firm.pk}-{first.json()["change_seq"]}"'
    assert api(owner).get(detail(firm), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    patched = api(member).patch(detail(firm), {"available_fte": "8"}, format="json", HTTP_IF_MATCH=first["ETag"])

    assert patched.status_code == 200
    assert patched["ETag"] != first["ETag"]
    assert api(owner).get(detail(firm))["ETag"] == patched["ETag"]


def test_an_erp_patch_with_an_old_etag_loses_to_the_vendors_browser_edit(staff_user, member, firm):
    """The vendor saves its profile on the web edit page (its service) after the
    ERP read the document: the ERP's write is refused, the browser's edit stays."""
    erp = api(staff_user)
    etag = erp.get(detail(firm))["ETag"]

    firm.refresh_from_db()
    assert services.vendor_profile_update(
        vendor=firm, data={"fields": {"description": "Typed in the browser."}}, actor=member
    )

    response = erp.patch(detail(firm), {"description": "Sent by the ERP."}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert "detail" in response.json()
    firm.refresh_from_db()
    assert firm.description == "Typed in the browser."
    fresh = erp.get(detail(firm))["ETag"]
    retried = erp.patch(detail(firm), {"description": "Sent by the ERP."}, format="json", HTTP_IF_MATCH=fresh)
    assert retried.status_code == 200


def test_put_honours_if_match_too_and_star_matches_any_version(member, firm):
    body = api(member).get(detail(firm)).json()

    stale = api(member).put(detail(firm), body, format="json", HTTP_IF_MATCH='"vendor-1-1"')
    star = api(member).put(detail(firm), body, format="json", HTTP_IF_MATCH="*")

    assert stale.status_code == 412
    assert star.status_code == 200


def test_an_erp_with_a_token_syncs_in_a_constant_number_of_queries(owner, django_assert_num_queries, cold_documents):
    for index in range(6):
        full_vendor(index)
    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner, name='SAP').key}")
    assert erp.get(LIST, {"since": 0, "page_size": 1}).status_code == 200
    cold_documents.clear()

    # the token with its user, membership and organization (one join), then the list
    # page: watermark, the page's keys, tombstones, the documents and the check (as above)
    with django_assert_num_queries(TOKEN_SYNC_QUERIES):
        response = erp.get(LIST, {"since": 0, "page_size": 200})

    assert len(response.json()["results"]) == 6


TOKEN_SYNC_QUERIES = 6
