"""Profile editing by the vendor's own members (issue 5): one page, its own firm
only, every change in the history with its author, an invalid edit changes nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from engagements.models import Role
from tests.factories import (
    DeliveryCenterFactory,
    RateCardFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
    VendorSkillFactory,
    skill,
)
from tests.vendors.factories_extra import VendorCertificationFactory, VendorLanguageFactory, certification
from vendors.forms import VendorProfileForms
from vendors.models import DeliveryCenter, ExchangeRate, RateCard, Vendor, VendorCertification, VendorSkill

pytestmark = pytest.mark.django_db

URL = "/vendors/profile/"


@pytest.fixture
def firm():
    vendor = VendorFactory(name="Lumen Insight", description="Old description.")
    VendorSkillFactory(vendor=vendor, skill=skill("financial-reporting"), proficiency=3, years_experience=4)
    VendorSkillFactory(vendor=vendor, skill=skill("sql"), proficiency=4, years_experience=6)
    RateCardFactory(vendor=vendor, seniority="senior", hourly_rate=Decimal("40.00"), currency="USD")
    RateCardFactory(vendor=vendor, seniority="junior", hourly_rate=Decimal("20.00"), currency="USD")
    DeliveryCenterFactory(vendor=vendor, country="IN", city="Pune", timezone="Asia/Kolkata")
    VendorCertificationFactory(vendor=vendor, certification=certification("iso_27001"))
    VendorLanguageFactory(vendor=vendor, code="en")
    return vendor


@pytest.fixture
def rival():
    vendor = VendorFactory(name="Rival Analytics", description="Rival description.")
    VendorSkillFactory(vendor=vendor, skill=skill("sql"), proficiency=2)
    RateCardFactory(vendor=vendor, seniority="senior", hourly_rate=Decimal("90.00"), currency="EUR")
    return vendor


@pytest.fixture(params=[Role.ADMIN, Role.EDITOR])
def member(request, client, firm):
    user = VendorMembershipFactory(vendor=firm, role=request.param, user=UserFactory(username="priya")).user
    client.force_login(user)
    return user


def page_data(vendor: Vendor) -> dict:
    """The POST data of the page as it is rendered: every field at its current value."""
    forms = VendorProfileForms(vendor=vendor)
    data: dict = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(getattr(item, "pk", item)) for item in value]
            elif value is True:
                data[key] = "on"
            else:
                data[key] = str(getattr(value, "pk", value))

    add(forms.profile)
    for formset in forms.formsets:
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        for form in formset:
            add(form)
    return data


def row_index(data: dict, prefix: str, field: str, value) -> int:
    for key, item in data.items():
        if key.startswith(f"{prefix}-") and key.endswith(f"-{field}") and item == str(value):
            return int(key.split("-")[1])
    raise AssertionError(f"no {prefix} row with {field}={value}")


def add_row(data: dict, prefix: str, **fields) -> int:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return index


def snapshot(vendor: Vendor) -> tuple:
    vendor = Vendor.objects.get(pk=vendor.pk)
    return (
        (vendor.description, vendor.website, vendor.headquarters_country, vendor.available_fte),
        sorted(vendor.languages.values_list("code", flat=True)),
        sorted(vendor.domains.values_list("code", flat=True)),
        sorted(VendorSkill.objects.filter(vendor=vendor).values_list("skill_id", "proficiency", "years_experience")),
        sorted(RateCard.objects.filter(vendor=vendor).values_list("seniority", "hourly_rate", "currency")),
        sorted(DeliveryCenter.objects.filter(vendor=vendor).values_list("country", "city", "timezone")),
        sorted(VendorCertification.objects.filter(vendor=vendor).values_list("certification_id", "valid_until")),
    )


def history_count(vendor: Vendor) -> int:
    return (
        Vendor.history.filter(id=vendor.pk).count()
        + VendorSkill.history.filter(vendor_id=vendor.pk).count()
        + RateCard.history.filter(vendor_id=vendor.pk).count()
        + DeliveryCenter.history.filter(vendor_id=vendor.pk).count()
        + VendorCertification.history.filter(vendor_id=vendor.pk).count()
    )


# --- editing ---------------------------------------------------------------------------


def test_the_url_is_named_and_not_taken_for_a_vendor_slug():
    assert reverse("vendors:profile-edit") == URL


def test_a_member_edits_description_skill_and_rate(client, member, firm):
    data = page_data(firm)
    data["profile-description"] = "We close books in five days."
    sql = row_index(data, "skills", "skill", skill("sql").pk)
    data[f"skills-{sql}-proficiency"] = "5"
    senior = row_index(data, "rates", "seniority", "senior")
    data[f"rates-{senior}-hourly_rate"] = "45.00"

    response = client.post(URL, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    firm.refresh_from_db()
    assert firm.description == "We close books in five days."
    assert VendorSkill.objects.get(vendor=firm, skill=skill("sql")).proficiency == 5
    assert RateCard.objects.get(vendor=firm, seniority="senior").hourly_rate == Decimal("45.00")


def test_the_change_shows_in_history_with_the_user(client, member, firm):
    data = page_data(firm)
    senior = row_index(data, "rates", "seniority", "senior")
    data[f"rates-{senior}-hourly_rate"] = "45.00"
    client.post(URL, data)

    record = RateCard.history.filter(vendor_id=firm.pk).latest("history_date")
    assert record.history_user == member
    assert record.history_type == "~"
    page = client.get(URL).content.decode()
    assert "Senior rate changed from 40.00 to 45.00 USD" in page
    assert "<strong>priya</strong>" in page


def test_added_and_removed_rows_leave_history(client, member, firm):
    data = page_data(firm)
    junior = row_index(data, "rates", "seniority", "junior")
    data[f"rates-{junior}-DELETE"] = "on"
    add_row(data, "rates", seniority="expert", hourly_rate="80.00", currency="GBP")
    add_row(data, "centres", country="PL", city="Kraków", timezone="Europe/Warsaw", headcount="12")

    response = client.post(URL, data)

    assert response.status_code == 302
    rates = RateCard.history.filter(vendor_id=firm.pk)
    assert rates.get(seniority="junior", history_type="-").history_user == member
    assert rates.get(seniority="expert", history_type="+").history_user == member
    assert DeliveryCenter.history.get(vendor_id=firm.pk, city="Kraków").history_user == member
    assert Vendor.history.filter(id=firm.pk).latest("history_date").history_user == member


def test_languages_and_domains_are_saved(client, member, firm):
    data = page_data(firm)
    data["profile-languages"] = ["en", "hi"]
    data["profile-domains"] = [str(pk) for pk in firm.domains.values_list("pk", flat=True)] + [
        str(skill("sql").domain_id)
    ]
    assert client.post(URL, data).status_code == 302
    assert sorted(firm.languages.values_list("code", flat=True)) == ["en", "hi"]
    assert skill("sql").domain in firm.domains.all()


def test_an_expired_certificate_is_allowed_but_flagged(client, member, firm):
    data = page_data(firm)
    index = row_index(data, "certifications", "certification", certification("iso_27001").pk)
    data[f"certifications-{index}-valid_until"] = (date.today() - timedelta(days=3)).isoformat()

    assert client.post(URL, data).status_code == 302

    assert VendorCertification.objects.get(vendor=firm).valid_until < date.today()
    assert "Expired — no longer counts in matching" in client.get(URL).content.decode()


def test_a_certificate_expiring_soon_is_warned_about(client, member, firm):
    VendorCertification.objects.filter(vendor=firm).update(valid_until=date.today() + timedelta(days=10))
    assert "Expires within 30 days" in client.get(URL).content.decode()


def test_an_unchanged_submission_writes_no_history(client, member, firm):
    before = history_count(firm)
    assert client.post(URL, page_data(firm)).status_code == 302
    assert history_count(firm) == before


# --- invalid input changes nothing -----------------------------------------------------


def _break_currency(data, firm):
    data[f"rates-{row_index(data, 'rates', 'seniority', 'senior')}-currency"] = "XYZ"
    return "rates", "currency"


def _unconvertible_currency(data, firm):
    # A real ISO 4217 code (for tests) without an exchange rate: matching could never price it.
    data[f"rates-{row_index(data, 'rates', 'seniority', 'senior')}-currency"] = "XTS"
    return "rates", "currency"


def _duplicate_seniority(data, firm):
    add_row(data, "rates", seniority="senior", hourly_rate="50.00", currency="USD")
    return "rates", None


def _proficiency_six(data, firm):
    data[f"skills-{row_index(data, 'skills', 'skill', skill('sql').pk)}-proficiency"] = "6"
    return "skills", "proficiency"


def _zone_of_another_country(data, firm):
    data[f"centres-{row_index(data, 'centres', 'city', 'Pune')}-timezone"] = "Europe/Rome"
    return "centres", "timezone"


def _zero_rate(data, firm):
    data[f"rates-{row_index(data, 'rates', 'seniority', 'junior')}-hourly_rate"] = "0"
    return "rates", "hourly_rate"


@pytest.mark.parametrize(
    "breaker",
    [
        _break_currency,
        _unconvertible_currency,
        _duplicate_seniority,
        _proficiency_six,
        _zone_of_another_country,
        _zero_rate,
    ],
)
def test_invalid_input_changes_nothing(client, member, firm, breaker):
    data = page_data(firm)
    # Valid changes alongside the invalid one: none of them may be saved.
    data["profile-description"] = "Should not be saved."
    data[f"skills-{row_index(data, 'skills', 'skill', skill('financial-reporting').pk)}-DELETE"] = "on"
    add_row(data, "centres", country="PL", city="Kraków", timezone="Europe/Warsaw", headcount="3")
    before, history_before = snapshot(firm), history_count(firm)
    prefix, field = breaker(data, firm)

    response = client.post(URL, data)

    assert response.status_code == 400
    assert snapshot(firm) == before
    assert history_count(firm) == history_before
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "row-invalid" in page
    if field:
        assert f'id="id_{prefix}-' in page and f"-{field}_errors" in page


def test_a_rate_is_offered_only_in_currencies_the_platform_converts(client, member, firm):
    page = client.get(URL).content.decode()
    assert '<option value="USD">USD – US Dollar</option>' in page
    assert 'value="XTS"' not in page and 'value="XXX"' not in page  # test and "no currency" codes
    converted = set(ExchangeRate.objects.values_list("currency", flat=True))
    offered = set(
        re.findall(r'<option value="([A-Z]{3})"', page.split('id="id_rates-0-currency"', 1)[1].split("</select>", 1)[0])
    )
    assert offered == converted


def test_a_rate_saved_elsewhere_in_another_currency_stays_as_it_is(client, member, firm):
    RateCard.objects.filter(vendor=firm, seniority="junior").update(currency="XTS")  # through the API or a CSV
    data = page_data(firm)
    data["profile-description"] = "New description."
    assert client.post(URL, data).status_code == 302
    assert RateCard.objects.get(vendor=firm, seniority="junior").currency == "XTS"
    firm.refresh_from_db()
    assert firm.description == "New description."


def test_currency_names_are_in_the_readers_language(client, member, firm):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "USD – Dollaro USA" in page and "INR – Rupia indiana" in page


def test_a_zone_of_the_country_is_accepted(client, member, firm):
    data = page_data(firm)
    add_row(data, "centres", country="US", city="Austin", timezone="America/Chicago", headcount="4")
    assert client.post(URL, data).status_code == 302
    assert DeliveryCenter.objects.get(vendor=firm, city="Austin").timezone == "America/Chicago"


# --- isolation between firms -----------------------------------------------------------


def test_the_page_shows_only_the_members_own_firm(client, member, firm, rival):
    page = client.get(URL).content.decode()
    assert "Lumen Insight" in page
    assert "Rival Analytics" not in page
    assert "90.00" not in page


def test_a_vendor_id_in_the_request_is_ignored(client, member, firm, rival):
    data = page_data(firm)
    data["vendor"] = str(rival.pk)
    data["profile-description"] = "Ours."
    assert client.post(f"{URL}?vendor={rival.pk}", data).status_code == 302
    assert Vendor.objects.get(pk=firm.pk).description == "Ours."
    assert Vendor.objects.get(pk=rival.pk).description == "Rival description."


def test_another_vendors_row_ids_are_rejected(client, member, firm, rival):
    rival_rate = RateCard.objects.get(vendor=rival)
    rival_skill = VendorSkill.objects.get(vendor=rival)
    before = snapshot(rival), history_count(rival)
    data = page_data(firm)
    senior = row_index(data, "rates", "seniority", "senior")
    data[f"rates-{senior}-id"] = str(rival_rate.pk)
    data[f"rates-{senior}-hourly_rate"] = "1.00"
    sql = row_index(data, "skills", "skill", skill("sql").pk)
    data[f"skills-{sql}-id"] = str(rival_skill.pk)
    data[f"skills-{sql}-DELETE"] = "on"

    response = client.post(URL, data)

    assert response.status_code == 400
    assert (snapshot(rival), history_count(rival)) == before
    assert "does not belong to your profile" in response.content.decode()


def test_forged_management_data_cannot_add_rows_to_another_vendor(client, member, firm, rival):
    data = page_data(firm)
    index = add_row(data, "rates", seniority="expert", hourly_rate="70.00", currency="USD")
    data[f"rates-{index}-vendor"] = str(rival.pk)
    response = client.post(URL, data)
    assert response.status_code == 400
    assert not RateCard.objects.filter(vendor=rival, seniority="expert").exists()


# --- who may open the page --------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_client_manager_gets_404(client, owner):
    client.force_login(owner)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {}).status_code == 404


def test_staff_without_vendor_membership_gets_404(client, staff_user):
    client.force_login(staff_user)
    assert client.get(URL).status_code == 404


def test_vendor_home_links_to_the_edit_page(client, member):
    assert URL in client.get(reverse("home")).content.decode()


# --- query count -------------------------------------------------------------------------


def test_get_runs_a_fixed_number_of_queries(client, member, firm, django_assert_num_queries):
    for code in ("fpa", "machine-learning", "bi-dashboards"):
        VendorSkillFactory(vendor=firm, skill=skill(code))
    RateCardFactory(vendor=firm, seniority="expert", hourly_rate=Decimal("70.00"), currency="USD")
    DeliveryCenterFactory(vendor=firm, country="PL", city="Kraków", timezone="Europe/Warsaw")
    VendorCertificationFactory(vendor=firm, certification=certification("soc2_type2"))
    client.get(URL)  # warm caches (country names, zones)
    with django_assert_num_queries(QUERIES):
        response = client.get(URL)
    assert response.status_code == 200


QUERIES = 21  # session, user, membership with its firm, choices (currencies too), rows and history: one per table, not per row
