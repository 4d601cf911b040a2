"""Engagement lists through the API (scoping, filters, paging, delta sync, the ERP's id), and ETag and If-Match."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engagements.models import Engagement, EngagementEvent
from tests.engagements.delivery.helpers import api, rows, url
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db


# -- lists ---------------------------------------------------------------------------------------


def test_each_caller_lists_only_its_own_engagements(deal, outsider, staff_user):
    first, second = deal.engagement(), deal.engagement(1, status="active")
    foreign = engagement_for(succeeded_run(requirement_for(outsider), vendors=[deal.vendors[0]]).results.get())

    def listed(user, query: str = "") -> set[int]:
        response = api(user).get(f"/api/v1/engagements/{query}")
        assert response.status_code == 200, response.data
        return {row["id"] for row in rows(response)}

    assert listed(deal.owner) == {first.pk, second.pk}
    assert listed(outsider) == {foreign.pk}
    assert listed(deal.members[0]) == {first.pk, foreign.pk}
    assert listed(deal.members[1]) == {second.pk}
    assert listed(staff_user) == {first.pk, second.pk, foreign.pk}
    assert api(UserFactory()).get("/api/v1/engagements/").status_code == 403


def test_the_list_filters_by_status_vendor_and_requirement(deal):
    first, second = deal.engagement(), deal.engagement(1, status="active")
    other_requirement = requirement_for(deal.owner)
    third = engagement_for(succeeded_run(other_requirement, vendors=[deal.vendors[0]]).results.get(), status="active")

    def listed(query: str) -> set[int]:
        response = api(deal.owner).get(f"/api/v1/engagements/?{query}")
        assert response.status_code == 200, response.data
        return {row["id"] for row in rows(response)}

    assert listed("status=active") == {second.pk, third.pk}
    assert listed("status=active&status=proposed") == {first.pk, second.pk, third.pk}
    assert listed(f"vendor={deal.vendors[0].pk}") == {first.pk, third.pk}
    assert listed(f"requirement={deal.requirement.pk}&status=active") == {second.pk}
    assert api(deal.owner).get("/api/v1/engagements/?status=paused").status_code == 400


def _many_engagements(owner, count: int) -> list:
    vendors = [VendorFactory() for _ in range(count)]
    run = succeeded_run(requirement_for(owner), vendors=vendors)
    engagements = [engagement_for(result, status="active") for result in run.results.order_by("rank")]
    for engagement, vendor in zip(engagements, vendors, strict=True):
        VendorMembershipFactory(vendor=vendor)
        EngagementEvent.objects.create(engagement=engagement, kind="status", from_value="proposed", to_value="active")
    return engagements


@pytest.mark.parametrize("count", [2, 6])
def test_the_client_list_takes_the_same_queries_for_any_number_of_rows(owner, django_assert_num_queries, count):
    _many_engagements(owner, count)
    client = api(owner)
    # The caller's membership, the page of rows with their vendors.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/engagements/")
    assert len(rows(response)) == count


@pytest.mark.parametrize("count", [2, 6])
def test_the_vendor_and_staff_lists_take_the_same_queries_for_any_number_of_rows(
    owner, staff_user, django_assert_num_queries, count
):
    engagements = _many_engagements(owner, count)
    member = engagements[0].vendor.memberships.get().user
    with django_assert_num_queries(2):
        assert len(rows(api(member).get("/api/v1/engagements/"))) == 1
    with django_assert_num_queries(1):
        assert len(rows(api(staff_user).get("/api/v1/engagements/"))) == count


def test_the_list_pages_with_a_cursor_newest_first_without_repeats(owner):
    engagements = _many_engagements(owner, 5)
    client = api(owner)
    seen, link = [], "/api/v1/engagements/?page_size=2"
    while link:
        body = client.get(link).json()
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        link = body["next"]
    assert seen == sorted((engagement.pk for engagement in engagements), reverse=True)
    for bad in ("0", "201", "ten"):
        response = client.get(f"/api/v1/engagements/?page_size={bad}")
        assert response.status_code == 400
        assert "page_size" in response.json()


def test_a_sync_returns_changed_engagements_and_tombstones_of_deleted_ones(deal, outsider):
    first, second = deal.engagement(), deal.engagement(1)
    foreign = engagement_for(succeeded_run(requirement_for(outsider), vendors=[deal.vendors[0]]).results.get())
    body = api(deal.owner).get("/api/v1/engagements/?since=0").json()
    assert [row["id"] for row in body["results"]] == [first.pk, second.pk]
    assert body["deleted"] == [] and body["next"] is None
    last = body["last_change_seq"]
    assert last >= max(row["change_seq"] for row in body["results"])

    assert api(deal.owner).patch(url(first), {"external_id": "PO-7"}, format="json").status_code == 200
    Engagement.objects.filter(pk=second.pk).delete()
    Engagement.objects.filter(pk=foreign.pk).update(fte=Decimal("9"))
    body = api(deal.owner).get(f"/api/v1/engagements/?since={last}").json()
    assert [(row["id"], row["external_id"]) for row in body["results"]] == [(first.pk, "PO-7")]
    assert [(row["resource"], row["id"], row["reason"]) for row in body["deleted"]] == [
        ("engagement", second.pk, "deleted")
    ]
    vendor_sync = api(deal.members[1]).get(f"/api/v1/engagements/?since={last}").json()
    assert vendor_sync["results"] == [] and [row["id"] for row in vendor_sync["deleted"]] == [second.pk]
    assert api(outsider).get(f"/api/v1/engagements/?since={last}").json()["deleted"] == []
    assert api(deal.owner).get("/api/v1/engagements/?since=-1").status_code == 400


def test_the_list_filters_by_external_id_and_updated_since(deal):
    first, second = deal.engagement(external_id="PO-1"), deal.engagement(1, external_id="PO-2")
    assert [row["id"] for row in rows(api(deal.owner).get("/api/v1/engagements/?external_id=PO-2"))] == [second.pk]
    later = "2999-01-01T00:00:00Z"
    assert rows(api(deal.owner).get(f"/api/v1/engagements/?updated_since={later}")) == []
    since = first.updated_at.isoformat().replace("+00:00", "Z")
    assert {row["id"] for row in rows(api(deal.owner).get(f"/api/v1/engagements/?updated_since={since}"))} == {
        first.pk,
        second.pk,
    }
    assert api(deal.owner).get("/api/v1/engagements/?updated_since=yesterday").status_code == 400


def test_a_sync_page_takes_the_same_queries_for_any_number_of_rows(owner, django_assert_num_queries):
    _many_engagements(owner, 6)
    # The membership, the watermark, the rows with their vendors, the tombstones.
    with django_assert_num_queries(4):
        assert len(rows(api(owner).get("/api/v1/engagements/?since=0"))) == 6


def test_the_erp_sets_its_own_id_once_per_organization(deal):
    created = deal.propose(external_id="ERP-100")
    assert created["external_id"] == "ERP-100"
    other = deal.payload(match_result=deal.results[1].pk, external_id="ERP-100")
    duplicate = api(deal.owner).post("/api/v1/engagements/", other, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"external_id": ["Another engagement of this organization has this external id."]}
    second = deal.propose(match_result=deal.results[1].pk)
    clash = api(deal.owner).patch(url(second), {"external_id": "ERP-100"}, format="json")
    assert clash.status_code == 400
    assert api(deal.owner).patch(url(second), {"external_id": "ERP-101"}, format="json").json()["external_id"] == (
        "ERP-101"
    )


def test_an_erp_id_taken_by_a_concurrent_writer_is_a_400_on_the_field(deal, monkeypatch):
    # The serializer's check passed, then another writer took the id: the
    # service's ValidationError answers like the serializer would.
    first = deal.engagement(status="active", external_id="ERP-100")
    second = deal.engagement(1, status="active")
    monkeypatch.setattr("engagements.delivery.serializers._check_external_id", lambda *args, **kwargs: None)
    clash = api(deal.owner).patch(url(second), {"fte": "3", "reason": "Peak", "external_id": "ERP-100"}, format="json")
    assert clash.status_code == 400
    assert clash.json() == {"external_id": ["Another engagement of this organization has this external id."]}
    second.refresh_from_db()
    assert (second.fte, second.external_id) == (Decimal("2.0"), "")
    assert first.events.count() == second.events.count() == 1


# -- lost-update protection -----------------------------------------------------------------------


def test_the_detail_carries_an_etag_that_changes_with_the_engagement(deal):
    engagement = deal.engagement(status="active")
    client = api(deal.owner)
    first = client.get(url(engagement))
    etag = first["ETag"]
    assert etag == f'"engagement-{engagement.pk}-{first.json()["change_seq"]}"'
    assert client.get(url(engagement), HTTP_IF_NONE_MATCH=etag).status_code == 304
    Engagement.objects.filter(pk=engagement.pk).update(fte=Decimal("3"))  # a bulk write moves it too
    assert client.get(url(engagement))["ETag"] != etag


def test_a_patch_with_a_stale_if_match_is_a_412_that_changes_nothing(deal):
    engagement = deal.engagement(status="active")
    browser, erp = api(deal.owner), api(deal.owner)
    etag = erp.get(url(engagement))["ETag"]
    moved = browser.patch(url(engagement), {"end_date": "2027-06-30"}, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200, moved.data
    assert moved["ETag"] != etag
    stale = erp.patch(url(engagement), {"fte": "4", "reason": "Peak"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "changed" in stale.json()["detail"]
    engagement.refresh_from_db()
    assert (engagement.fte, engagement.end_date) == (Decimal("2.0"), date(2027, 6, 30))
    fresh = erp.patch(url(engagement), {"fte": "4", "reason": "Peak"}, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert fresh.status_code == 200, fresh.data
    assert fresh.json()["fte"] == "4.0"


def test_the_detail_takes_the_same_queries_for_a_long_timeline(deal, django_assert_num_queries):
    engagement = deal.engagement(status="active")
    for fte in ("3.0", "4.0", "5.0"):
        EngagementEvent.objects.create(engagement=engagement, kind="fte", from_value="2.0", to_value=fte)
    # Membership, the engagement with its vendor, its events with their actors.
    with django_assert_num_queries(3):
        response = api(deal.owner).get(url(engagement))
    assert len(response.json()["events"]) == 4
