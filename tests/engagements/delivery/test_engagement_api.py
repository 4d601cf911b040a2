"""Engagements through the API: the whole life from proposal to review, the
transitions a state does not allow (409), the wrong party (403), anything of
another organization or another vendor firm (404), and lists with a constant
query count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from engagements.models import Engagement, EngagementEvent, Milestone, Review, WebhookDelivery, WebhookEndpoint
from tests.engagements.helpers import engagement_for, requirement_for, succeeded_run
from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.json()["results"]


class Deal:
    """A requirement of the owner's organization, a shortlist of two vendors and
    an admin of each vendor firm."""

    def __init__(self, owner):
        self.owner = owner
        self.requirement = requirement_for(owner, title="Month-end close")
        self.vendors = [VendorFactory(name="Alpha Analytics"), VendorFactory(name="Bravo Research")]
        self.run = succeeded_run(self.requirement, vendors=self.vendors)
        self.results = list(self.run.results.order_by("rank"))
        self.members = [VendorMembershipFactory(vendor=vendor).user for vendor in self.vendors]

    def payload(self, **overrides) -> dict:
        payload = {
            "match_result": self.results[0].pk,
            "agreed_rate": "32.50",
            "currency": "EUR",
            "fte": "2.0",
            "start_date": "2026-10-01",
        }
        payload.update(overrides)
        return {key: value for key, value in payload.items() if value is not None}

    def propose(self, **overrides) -> dict:
        response = api(self.owner).post("/api/v1/engagements/", self.payload(**overrides), format="json")
        assert response.status_code == 201, response.data
        return response.json()

    def engagement(self, index: int = 0, **kwargs) -> Engagement:
        return engagement_for(self.results[index], **kwargs)


@pytest.fixture
def deal(owner) -> Deal:
    return Deal(owner)


def url(engagement, suffix: str = "") -> str:
    pk = engagement["id"] if isinstance(engagement, dict) else engagement.pk
    return f"/api/v1/engagements/{pk}/{suffix}"


# -- the whole life ----------------------------------------------------------------------------


def test_an_engagement_goes_from_proposal_to_review_through_the_api(deal):
    owner, vendor_admin = deal.owner, deal.members[0]
    created = deal.propose(end_date="2027-03-31")
    assert created["status"] == "proposed"
    assert created["vendor"] == {"id": deal.vendors[0].pk, "slug": deal.vendors[0].slug, "name": "Alpha Analytics"}
    assert created["requirement"] == deal.requirement.pk
    assert created["client"] == owner.membership.client_id
    assert created["match_result"] == deal.results[0].pk
    assert created["proposal"] is None
    assert (created["agreed_rate"], created["currency"], created["fte"]) == ("32.50", "EUR", "2.0")
    assert (created["start_date"], created["end_date"]) == ("2026-10-01", "2027-03-31")
    assert [event["to_value"] for event in created["events"]] == ["proposed"]

    accepted = api(vendor_admin).post(url(created, "transition/"), {"action": "accept", "note": "Team ready."})
    assert accepted.status_code == 200, accepted.data
    assert accepted.json()["status"] == "active"
    assert accepted.json()["events"][-1] | {"id": None, "created_at": None} == {
        "id": None,
        "kind": "status",
        "from_value": "proposed",
        "to_value": "active",
        "note": "Team ready.",
        "actor": vendor_admin.username,
        "created_at": None,
    }

    milestones = []
    for title, due in (("Trial close", "2026-10-31"), ("First quarter", "2026-12-31")):
        response = api(owner).post(url(created, "milestones/"), {"title": title, "due_date": due}, format="json")
        assert response.status_code == 201, response.data
        milestones.append(response.json())
    assert milestones[0]["status"] == "pending"

    for milestone in milestones:
        delivered = api(vendor_admin).post(url(created, f"milestones/{milestone['id']}/deliver/"))
        assert delivered.status_code == 200, delivered.data
        assert delivered.json()["status"] == "delivered"
        accepted_milestone = api(owner).post(url(created, f"milestones/{milestone['id']}/accept/"))
        assert accepted_milestone.status_code == 200, accepted_milestone.data
        assert accepted_milestone.json()["status"] == "accepted"
    listed = api(vendor_admin).get(url(created, "milestones/"))
    assert [(row["title"], row["status"]) for row in listed.json()] == [
        ("Trial close", "accepted"),
        ("First quarter", "accepted"),
    ]

    completed = api(owner).post(url(created, "transition/"), {"action": "complete"})
    assert completed.status_code == 200, completed.data
    assert completed.json()["status"] == "completed"

    review = api(owner).post(url(created, "review/"), {"rating": 4, "comment": "Solid close."}, format="json")
    assert review.status_code == 201, review.data
    assert review.json()["rating"] == 4
    again = api(owner).post(url(created, "review/"), {"rating": 5}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "This engagement has already been reviewed."}
    assert Review.objects.filter(engagement_id=created["id"]).count() == 1
    deal.vendors[0].refresh_from_db()
    assert (deal.vendors[0].rating, deal.vendors[0].review_count) == (Decimal("4.00"), 1)
    assert api(vendor_admin).get(url(created, "review/")).json()["comment"] == "Solid close."


def test_a_manager_proposes_by_requirement_and_vendor_from_the_newest_shortlist(deal):
    newer = succeeded_run(deal.requirement, vendors=list(reversed(deal.vendors)))
    created = deal.propose(match_result=None, requirement=deal.requirement.pk, vendor=deal.vendors[0].pk)
    assert created["match_result"] == newer.results.get(vendor=deal.vendors[0]).pk


def test_proposing_a_vendor_on_no_shortlist_of_the_requirement_is_a_400(deal):
    stranger = VendorFactory()
    response = api(deal.owner).post(
        "/api/v1/engagements/",
        deal.payload(match_result=None, requirement=deal.requirement.pk, vendor=stranger.pk),
        format="json",
    )
    assert response.status_code == 400
    assert "vendor" in response.json()
    assert not Engagement.objects.exists()


def test_proposing_needs_a_shortlist_entry_or_a_requirement_and_a_vendor(deal):
    response = api(deal.owner).post("/api/v1/engagements/", deal.payload(match_result=None), format="json")
    assert response.status_code == 400
    both = deal.payload(requirement=deal.requirement.pk, vendor=deal.vendors[0].pk)
    assert api(deal.owner).post("/api/v1/engagements/", both, format="json").status_code == 400


def test_another_organizations_shortlist_entry_reads_as_unknown(deal, outsider):
    response = api(outsider).post("/api/v1/engagements/", deal.payload(), format="json")
    assert response.status_code == 400
    assert response.json()["match_result"] == [f'Invalid pk "{deal.results[0].pk}" - object does not exist.']
    requirement = api(outsider).post(
        "/api/v1/engagements/",
        deal.payload(match_result=None, requirement=deal.requirement.pk, vendor=deal.vendors[0].pk),
        format="json",
    )
    assert requirement.status_code == 400
    assert not Engagement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("end_date", "2026-09-30"),
        ("agreed_rate", "0"),
        ("fte", "-1"),
        ("currency", "XYZ"),
        ("start_date", "next week"),
    ],
)
def test_bad_proposals_are_a_400_that_creates_nothing(deal, field, value):
    response = api(deal.owner).post("/api/v1/engagements/", deal.payload(**{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Engagement.objects.exists()


def test_a_second_open_engagement_with_the_same_vendor_is_a_409(deal):
    deal.propose()
    response = api(deal.owner).post("/api/v1/engagements/", deal.payload(), format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "This vendor already has an open engagement for this requirement."}
    assert Engagement.objects.count() == 1


def test_only_procurement_managers_propose(deal, staff_user):
    for user in (deal.members[0], staff_user, UserFactory()):
        response = api(user).post("/api/v1/engagements/", deal.payload(), format="json")
        assert response.status_code == 403, user
    assert not Engagement.objects.exists()


def test_without_credentials_every_endpoint_is_a_401(deal):
    engagement = deal.engagement()
    for method, path in (
        ("get", "/api/v1/engagements/"),
        ("post", "/api/v1/engagements/"),
        ("get", url(engagement)),
        ("patch", url(engagement)),
        ("post", url(engagement, "transition/")),
        ("get", url(engagement, "milestones/")),
        ("post", url(engagement, "review/")),
    ):
        assert getattr(api(), method)(path).status_code == 401, path


def test_an_erp_with_a_token_proposes_and_reads_back_by_its_own_id(deal):
    from kpo.api.tokens import api_token_create

    key = api_token_create(user=deal.owner, name="ERP").key
    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = erp.post("/api/v1/engagements/", deal.payload(external_id="SAP-4711"), format="json")
    assert response.status_code == 201, response.data
    assert response["ETag"] == f'"engagement-{response.json()["id"]}-{response.json()["change_seq"]}"'
    found = rows(erp.get("/api/v1/engagements/?external_id=SAP-4711"))
    assert [row["id"] for row in found] == [response.json()["id"]]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.get("/api/v1/engagements/").status_code == 401


def test_a_retried_proposal_with_its_idempotency_key_creates_one_engagement(deal):
    from kpo.api.tokens import api_token_create

    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=deal.owner).key}")
    first = erp.post("/api/v1/engagements/", deal.payload(), format="json", HTTP_IDEMPOTENCY_KEY="po-881")
    retry = erp.post("/api/v1/engagements/", deal.payload(), format="json", HTTP_IDEMPOTENCY_KEY="po-881")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Engagement.objects.count() == 1


def test_unknown_fields_are_a_400_that_names_them(deal):
    engagement = deal.engagement(status="active")
    response = api(deal.owner).patch(url(engagement), {"ftee": "3"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"ftee": ["Unknown field."]}
    proposal = api(deal.owner).post("/api/v1/engagements/", deal.payload(rate="30"), format="json")
    assert proposal.status_code == 400
    assert proposal.json() == {"rate": ["Unknown field."]}
    assert Engagement.objects.count() == 1


# -- state conflicts and parties ---------------------------------------------------------------


def test_transitions_the_state_does_not_allow_are_a_409(deal):
    engagement = deal.engagement()
    response = api(deal.owner).post(url(engagement, "transition/"), {"action": "complete"})
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Cannot complete: this engagement is proposed")
    assert api(deal.members[0]).post(url(engagement, "transition/"), {"action": "decline"}).status_code == 200
    assert api(deal.members[0]).post(url(engagement, "transition/"), {"action": "accept"}).status_code == 409
    assert api(deal.owner).post(url(engagement, "transition/"), {"action": "cancel"}).status_code == 409
    engagement.refresh_from_db()
    assert engagement.status == "declined"


def test_an_unknown_action_is_a_400(deal):
    response = api(deal.owner).post(url(deal.engagement(), "transition/"), {"action": "pause"})
    assert response.status_code == 400
    assert "action" in response.json()


def test_the_wrong_party_gets_a_403_and_changes_nothing(deal):
    owner, vendor_admin = deal.owner, deal.members[0]
    proposed = deal.engagement()
    assert api(owner).post(url(proposed, "transition/"), {"action": "accept"}).status_code == 403
    assert api(vendor_admin).post(url(proposed, "transition/"), {"action": "cancel"}).status_code == 403
    active = deal.engagement(1, status="active")
    vendor_of_active = deal.members[1]
    milestone = Milestone.objects.create(engagement=active, title="M1", due_date=date(2026, 11, 1))
    checks = [
        api(vendor_of_active).post(url(active, "transition/"), {"action": "complete"}),
        api(vendor_of_active).patch(url(active), {"fte": "3", "reason": "More work"}, format="json"),
        api(vendor_of_active).post(url(active, "milestones/"), {"title": "M2", "due_date": "2026-12-01"}),
        api(vendor_of_active).post(url(active, f"milestones/{milestone.pk}/deliver/")),
        api(vendor_of_active).post(url(active, f"milestones/{milestone.pk}/accept/")),
        api(vendor_of_active).post(url(active, "review/"), {"rating": 5}),
    ]
    assert [response.status_code for response in checks] == [403, 403, 403, 200, 403, 403]  # the vendor delivers
    assert "Only the client" in checks[0].json()["detail"]
    proposed.refresh_from_db()
    active.refresh_from_db()
    assert (proposed.status, active.status, active.fte) == ("proposed", "active", Decimal("2.0"))
    assert Milestone.objects.filter(engagement=active).count() == 1


def test_other_organizations_and_other_vendor_firms_get_a_404(deal, outsider):
    engagement = deal.engagement(status="active")
    milestone = Milestone.objects.create(engagement=engagement, title="M1", due_date=date(2026, 11, 1))
    other_firm = VendorMembershipFactory(vendor=VendorFactory()).user
    unattached = UserFactory()
    for user in (outsider, other_firm, unattached):
        for response in (
            api(user).get(url(engagement)),
            api(user).patch(url(engagement), {"external_id": "X"}, format="json"),
            api(user).post(url(engagement, "transition/"), {"action": "complete"}),
            api(user).post(url(engagement, "transition/"), {"action": "accept"}),
            api(user).get(url(engagement, "milestones/")),
            api(user).post(url(engagement, "milestones/"), {"title": "M2", "due_date": "2026-12-01"}),
            api(user).post(url(engagement, f"milestones/{milestone.pk}/deliver/")),
            api(user).post(url(engagement, "review/"), {"rating": 5}),
            api(user).get(url(engagement, "review/")),
        ):
            assert response.status_code == 404, (user, response.request["PATH_INFO"])
    engagement.refresh_from_db()
    assert engagement.status == "active"


def test_a_milestone_of_another_engagement_is_a_404(deal):
    first = deal.engagement(status="active")
    second = deal.engagement(1, status="active")
    milestone = Milestone.objects.create(engagement=second, title="M1", due_date=date(2026, 11, 1))
    response = api(deal.owner).post(url(first, f"milestones/{milestone.pk}/deliver/"))
    assert response.status_code == 404
    milestone.refresh_from_db()
    assert milestone.status == "pending"


def test_milestones_of_a_closed_engagement_are_a_409(deal):
    engagement = deal.engagement(status="completed")
    response = api(deal.owner).post(url(engagement, "milestones/"), {"title": "Late", "due_date": "2026-12-01"})
    assert response.status_code == 409
    milestone = Milestone.objects.create(
        engagement=deal.engagement(1, status="active"), title="M", due_date=date.today()
    )
    accepted_too_early = api(deal.owner).post(url(milestone.engagement, f"milestones/{milestone.pk}/accept/"))
    assert accepted_too_early.status_code == 409


def test_a_review_before_completion_is_a_409_and_a_rating_outside_1_to_5_a_400(deal):
    active = deal.engagement(status="active")
    assert api(deal.owner).post(url(active, "review/"), {"rating": 4}).status_code == 409
    completed = deal.engagement(1, status="completed")
    for rating in (0, 6, "great"):
        response = api(deal.owner).post(url(completed, "review/"), {"rating": rating}, format="json")
        assert response.status_code == 400
        assert "rating" in response.json()
    assert not Review.objects.exists()
    assert api(deal.owner).get(url(completed, "review/")).status_code == 404


# -- changes -----------------------------------------------------------------------------------


def test_a_manager_scales_the_team_with_a_reason_on_the_timeline(deal):
    engagement = deal.engagement(status="active")
    response = api(deal.owner).patch(url(engagement), {"fte": "3.5", "reason": "Year-end peak"}, format="json")
    assert response.status_code == 200, response.data
    body = response.json()
    assert body["fte"] == "3.5"
    assert body["events"][-1]["kind"] == "fte"
    assert (body["events"][-1]["from_value"], body["events"][-1]["to_value"]) == ("2.0", "3.5")
    assert body["events"][-1]["note"] == "Year-end peak"


def test_an_fte_change_without_a_reason_is_a_400_and_the_same_fte_changes_nothing(deal):
    engagement = deal.engagement(status="active")
    response = api(deal.owner).patch(url(engagement), {"fte": "3"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the FTE changes."]}
    same = api(deal.owner).patch(url(engagement), {"fte": "2.0", "end_date": "2027-01-31"}, format="json")
    assert same.status_code == 200, same.data
    assert [event.kind for event in EngagementEvent.objects.filter(engagement=engagement)] == ["status", "dates"]


def test_new_dates_are_recorded_and_must_stay_in_order(deal):
    engagement = deal.engagement(status="active")
    response = api(deal.owner).patch(url(engagement), {"start_date": "2026-10-15"}, format="json")
    assert response.status_code == 200, response.data
    event = response.json()["events"][-1]
    assert (event["kind"], event["from_value"], event["to_value"]) == ("dates", "2026-10-01/..", "2026-10-15/..")
    backwards = api(deal.owner).patch(url(engagement), {"end_date": "2026-10-01"}, format="json")
    assert backwards.status_code == 400
    assert backwards.json() == {"end_date": ["The end date must not be before the start date."]}
    assert api(deal.owner).patch(url(engagement), {}, format="json").status_code == 400


def test_new_dates_notify_the_clients_webhooks_like_other_changes(deal):
    engagement = deal.engagement(status="active")
    WebhookEndpoint.objects.create(
        client=engagement.client, url="https://erp.example/hooks", events=["engagement.updated"], secret="s" * 32
    )
    response = api(deal.owner).patch(url(engagement), {"end_date": "2027-03-31"}, format="json")
    assert response.status_code == 200, response.data
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "engagement.updated"
    assert delivery.payload["data"]["change"] == {
        "kind": "dates",
        "from": "2026-10-01/..",
        "to": "2026-10-01/2027-03-31",
    }


def test_a_closed_engagement_keeps_its_fte_and_dates(deal):
    engagement = deal.engagement(status="cancelled")
    assert api(deal.owner).patch(url(engagement), {"fte": "1", "reason": "x"}, format="json").status_code == 409
    assert api(deal.owner).patch(url(engagement), {"end_date": "2027-01-01"}, format="json").status_code == 409
    engagement.refresh_from_db()
    assert (engagement.fte, engagement.end_date) == (Decimal("2.0"), None)


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
