"""RFPs through the API, refused: objects scoped to the caller's organization, bad input that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from engagements.models import Engagement, Proposal, ProposalScore, Rfp, RfpInvitation
from engagements.rfp.serializers import RfpCreateSerializer
from tests.engagements.rfp.helpers import APPROACH_A, APPROACH_B, PDF, Bid, api, in_days
from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db


# -- isolation -------------------------------------------------------------------------------


def test_another_vendor_cannot_reach_a_vendors_invitation_proposal_or_attachment(bid, media):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("plan.pdf", PDF))
    other = api(bid.members[1])
    url = f"/api/v1/invitations/{bid.invitation(0)}"
    assert other.get(f"{url}/").status_code == 404
    assert other.get(f"{url}/proposal/").status_code == 404
    put = other.put(f"{url}/proposal/", {"approach": "hijack", "submit": False}, format="json")
    assert put.status_code == 404
    assert other.post(f"{url}/decline/", {"reason": "hijack"}).status_code == 404
    assert other.get(f"/api/v1/proposals/{submitted['id']}/attachment/").status_code == 404
    stranger = api(VendorMembershipFactory().user)  # a firm not invited at all
    assert stranger.get(f"{url}/").status_code == 404
    assert stranger.get("/api/v1/invitations/").json()["results"] == []
    proposal = bid.proposal(0)
    assert (proposal.approach, proposal.revision) == (APPROACH_A, 1)
    assert RfpInvitation.objects.get(pk=bid.invitation(0)).status == "submitted"


def test_a_vendor_cannot_use_the_client_endpoints(bid, media):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A)
    bid.open_bids()
    vendor = api(bid.members[0])
    assert vendor.get("/api/v1/rfps/").status_code == 403
    assert vendor.post("/api/v1/rfps/", bid.payload(), format="json").status_code == 403
    assert vendor.get(f"/api/v1/rfps/{bid.rfp_id}/").status_code == 404
    assert vendor.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").status_code == 404
    assert vendor.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": submitted["id"]}).status_code == 404
    assert vendor.post(f"/api/v1/rfps/{bid.rfp_id}/cancel/", {"reason": "x"}).status_code == 404
    scores = {"scores": [{"criterion": c, "score": 5} for c in bid.criteria]}
    assert vendor.put(f"/api/v1/proposals/{submitted['id']}/scores/", scores, format="json").status_code == 404
    assert vendor.post(f"/api/v1/proposals/{submitted['id']}/shortlist/", {"shortlisted": True}).status_code == 404
    assert Rfp.objects.get(pk=bid.rfp_id).status == "open"
    assert not ProposalScore.objects.exists()


def test_a_client_of_another_organization_gets_404(bid, outsider, media):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("plan.pdf", PDF))
    bid.open_bids()
    them = api(outsider)
    assert them.get("/api/v1/rfps/").json()["results"] == []
    assert them.get(f"/api/v1/rfps/{bid.rfp_id}/").status_code == 404
    assert them.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").status_code == 404
    assert them.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": submitted["id"]}).status_code == 404
    assert them.post(f"/api/v1/rfps/{bid.rfp_id}/cancel/", {"reason": "x"}).status_code == 404
    scores = {"scores": [{"criterion": c, "score": 5} for c in bid.criteria]}
    assert them.put(f"/api/v1/proposals/{submitted['id']}/scores/", scores, format="json").status_code == 404
    assert them.post(f"/api/v1/proposals/{submitted['id']}/shortlist/", {"shortlisted": True}).status_code == 404
    assert them.get(f"/api/v1/proposals/{submitted['id']}/attachment/").status_code == 404
    assert them.get(f"/api/v1/invitations/{bid.invitation(0)}/").status_code == 404
    assert them.get("/api/v1/invitations/").status_code == 403
    # Their own run cannot be used to invite our shortlist, and ours is invisible to them.
    created = them.post("/api/v1/rfps/", bid.payload(), format="json")
    assert created.status_code == 400
    assert "match_run" in created.json()
    assert Rfp.objects.count() == 1
    assert not ProposalScore.objects.exists()


def test_staff_read_but_do_not_act(bid, staff_user):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A)
    bid.open_bids()
    staff = api(staff_user)
    assert [row["id"] for row in staff.get("/api/v1/rfps/").json()["results"]] == [bid.rfp_id]
    assert staff.get(f"/api/v1/rfps/{bid.rfp_id}/").status_code == 200
    assert staff.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").status_code == 200
    assert staff.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": submitted["id"]}).status_code == 403
    assert staff.post(f"/api/v1/proposals/{submitted['id']}/shortlist/", {"shortlisted": True}).status_code == 403
    assert staff.post("/api/v1/rfps/", bid.payload(), format="json").status_code == 403
    assert Rfp.objects.get(pk=bid.rfp_id).status == "open"


def test_anonymous_callers_get_401(bid, media):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("plan.pdf", PDF))
    anonymous = api()
    calls = [
        ("get", "/api/v1/rfps/"),
        ("post", "/api/v1/rfps/"),
        ("get", f"/api/v1/rfps/{bid.rfp_id}/"),
        ("get", f"/api/v1/rfps/{bid.rfp_id}/proposals/"),
        ("post", f"/api/v1/rfps/{bid.rfp_id}/award/"),
        ("post", f"/api/v1/rfps/{bid.rfp_id}/cancel/"),
        ("put", f"/api/v1/proposals/{submitted['id']}/scores/"),
        ("post", f"/api/v1/proposals/{submitted['id']}/shortlist/"),
        ("get", f"/api/v1/proposals/{submitted['id']}/attachment/"),
        ("get", "/api/v1/invitations/"),
        ("get", f"/api/v1/invitations/{bid.invitation(0)}/"),
        ("get", f"/api/v1/invitations/{bid.invitation(0)}/proposal/"),
        ("put", f"/api/v1/invitations/{bid.invitation(0)}/proposal/"),
        ("post", f"/api/v1/invitations/{bid.invitation(0)}/decline/"),
    ]
    for method, url in calls:
        response = getattr(anonymous, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.has_header("WWW-Authenticate")


def test_a_user_without_an_organization_is_refused(bid):
    bid.create()
    nobody = api(UserFactory())
    assert nobody.get("/api/v1/rfps/").status_code == 403
    assert nobody.get("/api/v1/invitations/").status_code == 403
    assert nobody.get(f"/api/v1/rfps/{bid.rfp_id}/").status_code == 404
    assert nobody.get(f"/api/v1/invitations/{bid.invitation(0)}/").status_code == 404


# -- bad input changes nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vendors": "not on the shortlist"}, "vendors"),
        ({"vendors": []}, "vendors"),
        ({"vendors": "duplicate"}, "vendors"),
        ({"deadline": "past"}, "deadline"),
        ({"deadline": "in 10 minutes"}, "deadline"),
        ({"deadline": "2031-01-01T12:00:00"}, "deadline"),  # no UTC offset
        ({"deadline": "next friday"}, "deadline"),
        ({"match_run": 999999}, "match_run"),
        ({"criteria": [{"name": "Cost", "weight": 50}, {"name": "cost", "weight": 50}]}, "criteria"),
        ({"criteria": [{"name": "Cost", "weight": 0}]}, "criteria"),
        ({"questions": ["x" * 501]}, "questions"),
        ({"questions": [""]}, "questions"),
    ],
)
def test_bad_rfp_input_is_refused_with_a_field_error_and_changes_nothing(bid, overrides, field):
    if overrides.get("vendors") == "not on the shortlist":
        overrides["vendors"] = [bid.vendors[0].pk, VendorFactory().pk]
    elif overrides.get("vendors") == "duplicate":
        overrides["vendors"] = [bid.vendors[0].pk, bid.vendors[0].pk]
    if overrides.get("deadline") == "past":
        overrides["deadline"] = in_days(-1)
    elif overrides.get("deadline") == "in 10 minutes":
        overrides["deadline"] = (timezone.now() + timedelta(minutes=10)).isoformat()
    response = api(bid.owner).post("/api/v1/rfps/", bid.payload(**overrides), format="json")
    assert response.status_code == 400, response.data
    assert field in response.json()
    assert not Rfp.objects.exists()
    assert not RfpInvitation.objects.exists()


def test_a_mistake_only_the_service_catches_is_a_400_on_the_field(bid, monkeypatch):
    # The serializer's deadline check passed (e.g. moments before the hour ran
    # out); the service's ValidationError answers like a serializer error.
    monkeypatch.setattr(RfpCreateSerializer, "validate_deadline", lambda serializer, value: value)
    response = api(bid.owner).post(
        "/api/v1/rfps/", bid.payload(deadline=(timezone.now() + timedelta(minutes=10)).isoformat()), format="json"
    )
    assert response.status_code == 400, response.data
    assert response.json() == {"deadline": ["Set the deadline at least one hour from now."]}
    assert not Rfp.objects.exists()
    assert not RfpInvitation.objects.exists()


def test_an_rfp_for_a_closed_requirement_is_a_conflict(bid):
    bid.requirement.status = "closed"
    bid.requirement.save(update_fields=["status"])
    response = api(bid.owner).post("/api/v1/rfps/", bid.payload(), format="json")
    assert response.status_code == 409
    assert "not open" in response.json()["detail"]
    assert not Rfp.objects.exists()


def test_malformed_json_is_a_400_that_changes_nothing(bid):
    bid.create()
    client = api(bid.owner)
    response = client.post("/api/v1/rfps/", data='{"match_run": ', content_type="application/json")
    assert response.status_code == 400
    vendor = api(bid.members[0])
    response = vendor.put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert Rfp.objects.count() == 1
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "scores",
    [
        "score 6",
        "score 0",
        "one criterion missing",
        "unknown criterion",
        "repeated criterion",
        "empty",
    ],
)
def test_bad_scores_are_refused_and_change_nothing(bid, scores):
    bid.create()
    submitted = bid.submit(0, approach=APPROACH_A)
    bid.open_bids()
    first, second = bid.criteria
    rows = {
        "score 6": [{"criterion": first, "score": 6}, {"criterion": second, "score": 3}],
        "score 0": [{"criterion": first, "score": 0}, {"criterion": second, "score": 3}],
        "one criterion missing": [{"criterion": first, "score": 3}],
        "unknown criterion": [{"criterion": first, "score": 3}, {"criterion": second + 999, "score": 3}],
        "repeated criterion": [{"criterion": first, "score": 3}, {"criterion": first, "score": 4}],
        "empty": [],
    }[scores]
    response = api(bid.owner).put(f"/api/v1/proposals/{submitted['id']}/scores/", {"scores": rows}, format="json")
    assert response.status_code == 400, response.data
    assert not ProposalScore.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hourly_rate": "-5"}, "hourly_rate"),
        ({"hourly_rate": "abc"}, "hourly_rate"),
        ({"fte": "0"}, "fte"),
        ({"currency": "XYZ"}, "currency"),
        ({"start_date": "31/12/2026"}, "start_date"),
        ({"answers": ["a", "b", "c"]}, "answers"),  # two questions
        ({"approach": "x" * 20001}, "approach"),
    ],
)
def test_bad_proposal_input_is_refused_and_changes_nothing(bid, body, field):
    bid.create()
    response = api(bid.members[0]).put(f"/api/v1/invitations/{bid.invitation(0)}/proposal/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Proposal.objects.exists()


def test_a_decline_needs_a_reason(bid):
    bid.create()
    url = f"/api/v1/invitations/{bid.invitation(0)}/decline/"
    assert api(bid.members[0]).post(url, {"reason": ""}, format="json").status_code == 400
    assert RfpInvitation.objects.get(pk=bid.invitation(0)).status == "invited"


def test_award_needs_a_proposal_of_this_rfp(bid, owner):
    bid.create()
    bid.submit(0, approach=APPROACH_A)
    other = Bid(owner, vendors=1)
    other.create()
    foreign = other.submit(0, approach=APPROACH_B)
    bid.open_bids()
    response = api(owner).post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": foreign["id"]}, format="json")
    assert response.status_code == 400
    assert "proposal" in response.json()
    assert not Engagement.objects.exists()
