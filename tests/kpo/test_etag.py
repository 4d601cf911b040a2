"""Lost-update protection on requirements: detail responses carry an ETag made
from the change number; PUT/PATCH with a stale If-Match answer 412 and change
nothing, compared on the locked row so two concurrent writers with one ETag
cannot both win (kpo/api/etag.py)."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from engagements.models import Requirement
from tests.factories import ClientMembershipFactory, RequirementFactory, RequirementSkillFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(requirement) -> str:
    return f"/api/v1/requirements/{requirement.pk}/"


@pytest.fixture
def requirement(owner):
    return RequirementSkillFactory(requirement=RequirementFactory(client=owner.membership.client)).requirement


def test_a_detail_response_carries_a_strong_etag_of_the_change_number(owner, requirement):
    response = api(owner).get(url(requirement))
    current = Requirement.objects.get(pk=requirement.pk).change_seq
    assert response.status_code == 200
    assert response["ETag"] == f'"requirement-{requirement.pk}-{current}"'
    assert response.json()["change_seq"] == current


def test_a_patch_with_the_current_etag_succeeds_and_returns_the_new_one(owner, requirement):
    client = api(owner)
    etag = client.get(url(requirement))["ETag"]

    response = client.patch(url(requirement), {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == client.get(url(requirement))["ETag"]


def test_a_patch_with_a_stale_etag_is_412_and_changes_nothing(owner, requirement):
    client = api(owner)
    etag = client.get(url(requirement))["ETag"]
    Requirement.objects.filter(pk=requirement.pk).update(title="Changed by a bulk job")  # moves the ETag too

    response = client.patch(url(requirement), {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert set(response.json()) == {"detail"}
    assert Requirement.objects.get(pk=requirement.pk).title == "Changed by a bulk job"


def test_a_put_with_a_stale_etag_is_412_before_validation(owner, requirement):
    response = api(owner).put(url(requirement), {}, format="json", HTTP_IF_MATCH='"requirement-0-0"')
    assert response.status_code == 412


def test_if_match_star_or_a_list_containing_the_etag_matches(owner, requirement):
    client = api(owner)
    assert client.patch(url(requirement), {"title": "A"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    etag = client.get(url(requirement))["ETag"]
    listed = f'"requirement-0-0", {etag}'
    assert client.patch(url(requirement), {"title": "B"}, format="json", HTTP_IF_MATCH=listed).status_code == 200


def test_a_weak_etag_never_matches_if_match(owner, requirement):
    client = api(owner)
    etag = client.get(url(requirement))["ETag"]
    response = client.patch(url(requirement), {"title": "A"}, format="json", HTTP_IF_MATCH=f"W/{etag}")
    assert response.status_code == 412


def test_a_write_without_if_match_goes_ahead(owner, requirement):
    response = api(owner).patch(url(requirement), {"title": "No precondition"}, format="json")
    assert response.status_code == 200
    assert response.has_header("ETag")


def test_if_none_match_with_the_current_etag_is_304(owner, requirement):
    client = api(owner)
    etag = client.get(url(requirement))["ETag"]
    unchanged = client.get(url(requirement), HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag
    Requirement.objects.filter(pk=requirement.pk).update(title="Moved on")
    assert client.get(url(requirement), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_outsider_gets_404_whatever_the_if_match(outsider, requirement):
    response = api(outsider).patch(url(requirement), {"title": "x"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 404


def test_a_create_returns_the_etag_of_the_new_requirement(owner):
    from decimal import Decimal

    from tests.engagements.requirements.test_requirement_api import valid_payload
    from vendors.models import ExchangeRate

    ExchangeRate.objects.get_or_create(currency="EUR", defaults={"rate_to_base": Decimal("1.1")})
    response = api(owner).post("/api/v1/requirements/", valid_payload(), format="json")
    assert response.status_code == 201, response.content
    current = Requirement.objects.get(pk=response.json()["id"]).change_seq
    assert response["ETag"] == f'"requirement-{response.json()["id"]}-{current}"'


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_patches_with_one_etag_one_wins_and_the_other_gets_412():
    """Two requests with the same If-Match start together while the row is
    locked here; once released, the first to lock it writes and the second
    sees the new change number and answers 412."""
    manager = ClientMembershipFactory().user
    requirement = RequirementFactory(client=manager.membership.client)
    etag = api(manager).get(url(requirement))["ETag"]
    statuses, titles = [], ["First", "Second"]
    ready = threading.Barrier(3, timeout=30)

    def patch(title):
        try:
            client = api(manager)
            ready.wait()
            response = client.patch(url(requirement), {"title": title}, format="json", HTTP_IF_MATCH=etag)
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=patch, args=(title,)) for title in titles]
    with transaction.atomic():
        Requirement.objects.select_for_update().get(pk=requirement.pk)
        for thread in threads:
            thread.start()
        ready.wait()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 412]
    assert Requirement.objects.get(pk=requirement.pk).title in titles
