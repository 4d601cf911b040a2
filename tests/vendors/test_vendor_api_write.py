"""Writing vendors through the API: staff create, members' nested writes, history and stale shortlists.

Vendors through the API: the directory's filters, who may read and write
which vendor, nested writes that replace lists all at once or not at all,
history and stale shortlists like the web edit page, constant query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from engagements.models import MatchRun
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import VendorMembershipFactory
from tests.vendors.api_helpers import LIST, api, detail
from vendors.models import DeliveryCenter, RateCard, Skill, Vendor, VendorCertification, VendorLanguage, VendorSkill

pytestmark = pytest.mark.django_db


@pytest.fixture
def rival_member(rival):
    return VendorMembershipFactory(vendor=rival).user


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
