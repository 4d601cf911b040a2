"""Client organizations and users through the API: staff create them (a user
always with one membership whose role fits the organization, or nothing at
all), members read only their own organization, everybody else gets 403 on
a collection and 404 on an object."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from engagements.models import ClientOrganization, Membership
from tests.factories import ClientMembershipFactory, ClientOrganizationFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a long and unusual passphrase 42"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.json()["results"]


def organization_payload(**overrides) -> dict:
    payload = {
        "name": "Banca Aurora",
        "country": "IT",
        "timezone": "Europe/Rome",
        "working_hours_start": "08:30",
        "working_hours_end": "17:30",
        "currency": "EUR",
    }
    payload.update(overrides)
    return payload


# -- client organizations ------------------------------------------------------------------------


def test_staff_create_an_organization_with_a_slug_from_its_name(staff_user):
    ClientOrganizationFactory(slug="banca-aurora")
    response = api(staff_user).post("/api/v1/clients/", organization_payload(), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["slug"] == "banca-aurora-2"
    assert {key: body[key] for key in ("name", "country", "timezone", "currency")} == {
        "name": "Banca Aurora",
        "country": "IT",
        "timezone": "Europe/Rome",
        "currency": "EUR",
    }
    assert (body["working_hours_start"], body["working_hours_end"]) == ("08:30", "17:30")
    assert ClientOrganization.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),
        ("timezone", "Mars/Olympus"),
        ("currency", "EURO"),
        ("working_hours_end", "08:00"),
        ("name", ""),
    ],
)
def test_an_organization_with_bad_values_is_a_400_that_creates_nothing(staff_user, field, value):
    response = api(staff_user).post("/api/v1/clients/", organization_payload(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ClientOrganization.objects.exists()


def test_a_taken_slug_is_a_400(staff_user):
    ClientOrganizationFactory(slug="aurora")
    response = api(staff_user).post("/api/v1/clients/", organization_payload(slug="aurora"), format="json")
    assert response.status_code == 400
    assert response.json() == {"slug": ["An organization with this slug exists."]}


def test_only_staff_create_or_change_organizations(owner, vendor_member):
    for user in (owner, vendor_member, UserFactory()):
        assert api(user).post("/api/v1/clients/", organization_payload(), format="json").status_code == 403
    own = owner.membership.client
    response = api(owner).patch(f"/api/v1/clients/{own.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.name != "Renamed"
    assert ClientOrganization.objects.count() == 1


def test_staff_change_an_organization(staff_user, owner):
    own = owner.membership.client
    response = api(staff_user).patch(
        f"/api/v1/clients/{own.pk}/", {"timezone": "Europe/London", "working_hours_start": "10:00"}, format="json"
    )
    assert response.status_code == 200, response.data
    own.refresh_from_db()
    assert own.timezone == "Europe/London"
    ends_first = api(staff_user).patch(f"/api/v1/clients/{own.pk}/", {"working_hours_end": "09:00"}, format="json")
    assert ends_first.status_code == 400


def test_a_member_reads_only_its_own_organization(owner, outsider):
    own, other = owner.membership.client, outsider.membership.client
    listed = api(owner).get("/api/v1/clients/")
    assert listed.status_code == 200
    assert [row["id"] for row in rows(listed)] == [own.pk]
    assert api(owner).get(f"/api/v1/clients/{own.pk}/").json()["name"] == own.name
    assert api(owner).get(f"/api/v1/clients/{other.pk}/").status_code == 404


def test_vendor_members_and_users_without_an_organization_read_no_organization(owner, vendor_member):
    own = owner.membership.client
    for user in (vendor_member, UserFactory()):
        assert api(user).get("/api/v1/clients/").status_code == 403
        assert api(user).get(f"/api/v1/clients/{own.pk}/").status_code == 404
    assert api().get("/api/v1/clients/").status_code == 401


@pytest.mark.parametrize("count", [2, 6])
def test_staff_list_every_organization_in_a_constant_number_of_queries(staff_user, django_assert_num_queries, count):
    ClientOrganizationFactory.create_batch(count)
    with django_assert_num_queries(1):
        response = api(staff_user).get("/api/v1/clients/")
    assert len(rows(response)) == count


def test_the_organization_list_pages_with_a_cursor(staff_user):
    organizations = ClientOrganizationFactory.create_batch(5)
    seen, link = [], "/api/v1/clients/?page_size=2"
    while link:
        body = api(staff_user).get(link).json()
        seen += [row["id"] for row in body["results"]]
        link = body["next"]
    assert seen == sorted((organization.pk for organization in organizations), reverse=True)
    assert api(staff_user).get("/api/v1/clients/?page_size=500").status_code == 400
    assert len(rows(api(staff_user).get("/api/v1/clients/?since=0"))) == 5  # no change numbers: plain browsing


def test_a_members_list_takes_two_queries(owner, django_assert_num_queries):
    ClientOrganizationFactory.create_batch(3)
    with django_assert_num_queries(2):
        assert len(rows(api(owner).get("/api/v1/clients/"))) == 1


# -- users ---------------------------------------------------------------------------------------


def user_payload(**overrides) -> dict:
    payload = {"username": "giulia", "email": "giulia@aurora.example", "password": PASSWORD, "role": "manager"}
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def test_staff_create_a_client_manager_who_can_sign_in(staff_user):
    organization = ClientOrganizationFactory()
    response = api(staff_user).post("/api/v1/users/", user_payload(client=organization.pk), format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    assert "password" not in body
    assert (body["username"], body["client"], body["vendor"], body["role"]) == (
        "giulia",
        organization.pk,
        None,
        "manager",
    )
    user = User.objects.get(username="giulia")
    assert user.check_password(PASSWORD)
    assert user.membership.client == organization
    assert not user.is_staff


def test_staff_create_a_vendor_editor(staff_user):
    vendor = VendorFactory()
    response = api(staff_user).post(
        "/api/v1/users/", user_payload(vendor=vendor.pk, role="editor", username="ravi"), format="json"
    )
    assert response.status_code == 201, response.data
    assert Membership.objects.get(user__username="ravi").vendor == vendor


@pytest.mark.parametrize(
    ("organization", "role", "field"),
    [
        ("client", "admin", "role"),
        ("client", "editor", "role"),
        ("vendor", "manager", "role"),
        ("both", "manager", "non_field_errors"),
        ("none", "manager", "non_field_errors"),
        ("client", "owner", "role"),
    ],
)
def test_a_role_that_does_not_fit_the_organization_is_a_400_that_creates_nothing(staff_user, organization, role, field):
    client, vendor = ClientOrganizationFactory(), VendorFactory()
    target = {
        "client": {"client": client.pk},
        "vendor": {"vendor": vendor.pk},
        "both": {"client": client.pk, "vendor": vendor.pk},
        "none": {},
    }[organization]
    response = api(staff_user).post("/api/v1/users/", user_payload(role=role, **target), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="giulia").exists()
    assert Membership.objects.count() == 0


@pytest.mark.parametrize("password", ["short", "12345678901234", "giulia@aurora.example", "password123"])
def test_a_weak_password_is_a_400_that_creates_nothing(staff_user, password):
    organization = ClientOrganizationFactory()
    response = api(staff_user).post(
        "/api/v1/users/", user_payload(client=organization.pk, password=password), format="json"
    )
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(username="giulia").exists()


def test_a_taken_username_or_an_unknown_organization_is_a_400(staff_user):
    UserFactory(username="Giulia")
    organization = ClientOrganizationFactory()
    taken = api(staff_user).post("/api/v1/users/", user_payload(client=organization.pk), format="json")
    assert taken.status_code == 400
    assert taken.json() == {"username": ["A user with this username exists."]}
    unknown = api(staff_user).post("/api/v1/users/", user_payload(username="new", client=99999), format="json")
    assert unknown.status_code == 400
    assert "client" in unknown.json()
    assert Membership.objects.count() == 0


def test_an_unknown_field_is_a_400_that_creates_nothing(staff_user):
    organization = ClientOrganizationFactory()
    response = api(staff_user).post(
        "/api/v1/users/", user_payload(client=organization.pk, is_staff=True), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"is_staff": ["Unknown field."]}
    assert not User.objects.filter(username="giulia").exists()


def test_only_staff_manage_users(owner, vendor_member):
    organization = owner.membership.client
    for user in (owner, vendor_member, UserFactory()):
        assert api(user).post("/api/v1/users/", user_payload(client=organization.pk), format="json").status_code == 403
        assert api(user).get("/api/v1/users/").status_code == 403
    assert api().get("/api/v1/users/").status_code == 401
    assert not User.objects.filter(username="giulia").exists()


@pytest.mark.parametrize("count", [2, 6])
def test_staff_list_users_with_their_membership_in_a_constant_number_of_queries(
    staff_user, django_assert_num_queries, count
):
    ClientMembershipFactory.create_batch(count)
    with django_assert_num_queries(1):
        response = api(staff_user).get("/api/v1/users/")
    listed = rows(response)
    assert len(listed) == count + 1  # and the staff member
    assert sum(1 for row in listed if row["role"] == "manager") == count
