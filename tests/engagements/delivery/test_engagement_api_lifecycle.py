"""Engagements through the API: proposal to review, conflicts (409), wrong parties (403), changes of FTE and dates.

Engagements through the API: the whole life from proposal to review, the
transitions a state does not allow (409), the wrong party (403), anything of
another organization or another vendor firm (404), and lists with a constant
query count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from engagements.models import Engagement, EngagementEvent, Milestone, Review, WebhookDelivery, WebhookEndpoint
from tests.engagements.delivery.helpers import api, rows, url
from tests.engagements.helpers import succeeded_run
from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db


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
