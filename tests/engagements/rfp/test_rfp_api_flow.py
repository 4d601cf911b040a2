"""RFPs through the API: the whole flow from invitation to award, the vendor's view, constant query counts.

Requests for proposal through the API: the whole flow from invitation to
award, sealed proposals that leak nothing before the bids open, attachments
checked by type, size and content, and every object scoped to the caller's
organization (404 outside it, 403 for a role that may not act, 401 without
credentials)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.models import Engagement, EngagementStatus, ProposalScore, RfpInvitation
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.engagements.rfp.helpers import APPROACH_A, APPROACH_B, PDF, Bid, api, in_days, keys_of
from tests.factories import ClientMembershipFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db


# -- the whole flow --------------------------------------------------------------------------


def test_the_flow_from_invitation_to_award(bid, media):
    owner = bid.owner
    colleague = ClientMembershipFactory(client=owner.membership.client).user
    created = bid.create()
    assert created["status"] == "open"
    assert created["sealed"] is True
    assert created["questions"] == ["How do you staff the team?", "Which ERP do you know?"]
    assert [(c["name"], c["weight"]) for c in created["criteria"]] == [("Approach", 60), ("Cost", 40)]
    assert [row["status"] for row in created["invitations"]] == ["invited"] * 3
    assert set(created) >= {"id", "requirement", "match_run", "deadline", "opened_at", "awarded_at", "updated_at"}

    # Vendor A drafts, then submits with a PDF attachment.
    vendor_a = api(bid.members[0])
    draft = vendor_a.put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/",
        {"hourly_rate": "41.00", "currency": "usd", "approach": "first thoughts", "answers": ["Two seniors."]},
        format="json",
    )
    assert draft.status_code == 200, draft.data
    assert draft.json()["status"] == "draft"
    assert draft.json()["answers"] == ["Two seniors.", ""]
    assert draft.json()["currency"] == "USD"
    submitted = bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("plan.pdf", PDF))
    assert submitted["status"] == "submitted"
    assert submitted["revision"] == 1
    assert submitted["attachment"]["name"] == "plan.pdf"
    assert submitted["attachment"]["size"] == len(PDF)
    attachment_url = submitted["attachment"]["url"]
    assert attachment_url.endswith(f"/api/v1/proposals/{submitted['id']}/attachment/")
    proposal_a = submitted["id"]
    own_file = vendor_a.get(f"/api/v1/proposals/{proposal_a}/attachment/")
    assert own_file.status_code == 200
    assert b"".join(own_file.streaming_content) == PDF
    assert 'attachment; filename="plan.pdf"' in own_file["Content-Disposition"]

    # Vendor B submits too. While C has not answered, the client sees who
    # answered, never what.
    bid.submit(1, approach=APPROACH_B, rate="35.00")
    client = api(owner)
    detail = client.get(f"/api/v1/rfps/{bid.rfp_id}/")
    assert detail.json()["sealed"] is True
    assert [row["status"] for row in detail.json()["invitations"]] == ["submitted", "submitted", "invited"]
    sealed = client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/")
    assert sealed.status_code == 409
    assert "sealed" in sealed.json()["detail"]
    for response in (detail, sealed, client.get("/api/v1/rfps/")):
        text = response.content.decode()
        assert "Alpha approach" not in text and "Bravo approach" not in text
        # Quoted, as DRF renders decimals: a bare 41.00 also matches a
        # timestamp's seconds (…:03:41.003012Z).
        assert '"41.00"' not in text and '"35.00"' not in text
        assert not {"hourly_rate", "approach", "answers"} & keys_of(response.json())
    assert client.get(f"/api/v1/proposals/{proposal_a}/attachment/").status_code == 404
    scores = [{"criterion": c, "score": 4} for c in bid.criteria]
    assert client.put(f"/api/v1/proposals/{proposal_a}/scores/", {"scores": scores}, format="json").status_code == 409
    assert client.post(f"/api/v1/proposals/{proposal_a}/shortlist/", {"shortlisted": True}).status_code == 409
    assert client.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": proposal_a}).status_code == 409
    assert not ProposalScore.objects.exists()

    # The last vendor declines: nobody is left to wait for, the bids open.
    declined = api(bid.members[2]).post(
        f"/api/v1/invitations/{bid.invitation(2)}/decline/", {"reason": "No capacity in March."}, format="json"
    )
    assert declined.status_code == 200, declined.data
    assert declined.json()["status"] == "declined"
    assert declined.json()["open_for_bids"] is False
    detail = client.get(f"/api/v1/rfps/{bid.rfp_id}/").json()
    assert detail["sealed"] is False
    assert detail["opened_at"] is not None
    assert detail["invitations"][2]["decline_reason"] == "No capacity in March."

    # Proposals are final once the bids are open.
    late = vendor_a.put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/",
        {"hourly_rate": "10.00", "fte": "1", "start_date": "2027-01-04", "approach": "x", "submit": True},
        format="json",
    )
    assert late.status_code == 409
    assert "closed" in late.json()["detail"]
    assert bid.proposal(0).hourly_rate == 40

    proposals = client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/")
    assert proposals.status_code == 200
    rows = {row["vendor"]["name"]: row for row in proposals.json()}
    assert set(rows) == {"Firm A", "Firm B"}
    row_a = rows["Firm A"]
    assert row_a["approach"] == APPROACH_A
    assert row_a["hourly_rate"] == "40.00"
    assert row_a["currency"] == "USD"
    assert row_a["answers"] == ["Two seniors and a lead.", "SAP and Oracle."]
    assert row_a["attachment"]["url"] == attachment_url
    assert row_a["match"]["score"] is not None
    assert set(row_a["match"]["components"]) == {"expertise", "cost", "location", "quality", "capacity"}
    assert row_a["cost_in_requirement_currency"]["currency"] == "EUR"
    assert row_a["my_scores"] == []
    assert row_a["my_weighted_score"] is None
    assert row_a["panel_weighted_score"] is None
    assert row_a["panel_size"] == 0
    client_file = client.get(f"/api/v1/proposals/{proposal_a}/attachment/")
    assert client_file.status_code == 200
    assert b"".join(client_file.streaming_content) == PDF

    # Two evaluators score alone: the panel shows to each once they have scored.
    mine = client.put(
        f"/api/v1/proposals/{proposal_a}/scores/",
        {
            "scores": [
                {"criterion": bid.criteria[0], "score": 5, "comment": "Clear plan"},
                {"criterion": bid.criteria[1], "score": 3},
            ]
        },
        format="json",
    )
    assert mine.status_code == 200, mine.data
    assert mine.json()["my_weighted_score"] == "80.0"  # (5*60 + 3*40)/100 = 4.2 on 1-5 -> 80 on 0-100
    assert mine.json()["panel_weighted_score"] == "80.0"
    assert mine.json()["my_scores"][0] == {"criterion": bid.criteria[0], "score": 5, "comment": "Clear plan"}
    theirs = api(colleague).get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").json()
    row = next(r for r in theirs if r["id"] == proposal_a)
    assert row["panel_weighted_score"] is None  # hidden until the colleague has scored
    assert row["panel_size"] == 1
    assert row["my_scores"] == []
    scored = api(colleague).put(
        f"/api/v1/proposals/{proposal_a}/scores/",
        {"scores": [{"criterion": c, "score": 1} for c in bid.criteria]},
        format="json",
    )
    assert scored.json()["my_weighted_score"] == "0.0"
    assert scored.json()["panel_weighted_score"] == "40.0"
    assert scored.json()["panel_size"] == 2
    assert ProposalScore.objects.filter(evaluator=owner).count() == 2  # the colleague changed none of mine

    shortlisted = client.post(f"/api/v1/proposals/{proposal_a}/shortlist/", {"shortlisted": True}, format="json")
    assert shortlisted.status_code == 200
    assert shortlisted.json()["status"] == "shortlisted"

    awarded = client.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": proposal_a, "note": "Best plan."})
    assert awarded.status_code == 200, awarded.data
    body = awarded.json()
    assert body["proposal_status"] == "awarded"
    assert body["rfp_status"] == "awarded"
    engagement = Engagement.objects.get(pk=body["engagement"])
    assert engagement.status == EngagementStatus.ACTIVE
    assert engagement.vendor == bid.vendors[0]
    assert str(engagement.agreed_rate) == "40.00" and engagement.currency == "USD"
    outcomes = dict(RfpInvitation.objects.filter(rfp_id=bid.rfp_id).values_list("vendor_id", "outcome"))
    assert outcomes == {
        bid.vendors[0].pk: "awarded",
        bid.vendors[1].pk: "not_awarded",
        bid.vendors[2].pk: "not_awarded",
    }
    assert bid.proposal(1).status == "rejected"
    loser = api(bid.members[1]).get(f"/api/v1/invitations/{bid.invitation(1)}/").json()
    assert loser["outcome"] == "not_awarded"
    assert loser["rfp"]["status"] == "awarded"
    again = client.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": proposal_a})
    assert again.status_code == 409
    assert Engagement.objects.filter(requirement=bid.requirement).count() == 1


def test_the_client_reads_the_proposals_once_the_deadline_passes(bid):
    bid.create()
    bid.submit(0, approach=APPROACH_A)
    client = api(bid.owner)
    assert client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").status_code == 409
    bid.open_bids()
    proposals = client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/")
    assert proposals.status_code == 200
    assert [row["approach"] for row in proposals.json()] == [APPROACH_A]


def test_a_draft_stays_the_vendors_own_after_the_bids_open(bid):
    bid.create()
    api(bid.members[0]).put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/", {"approach": "secret draft"}, format="json"
    )
    bid.open_bids()
    client = api(bid.owner)
    assert client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").json() == []
    draft = bid.proposal(0)
    assert client.post(f"/api/v1/proposals/{draft.pk}/shortlist/", {"shortlisted": True}).status_code == 404
    assert client.post(f"/api/v1/rfps/{bid.rfp_id}/award/", {"proposal": draft.pk}).status_code == 400


# -- the vendor's view -----------------------------------------------------------------------


def test_the_vendor_sees_its_invitation_without_budget_other_invitees_or_scores(bid):
    bid.create()
    response = api(bid.members[0]).get(f"/api/v1/invitations/{bid.invitation(0)}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"id", "rfp", "requirement", "status", "outcome", "open_for_bids", "proposal"}
    assert body["rfp"]["client"] == {"name": bid.requirement.client.name}
    assert body["rfp"]["questions"] == ["How do you staff the team?", "Which ERP do you know?"]
    assert body["requirement"]["title"] == "Month-end close"
    assert body["requirement"]["skills"][0]["skill"] == "financial-reporting"
    assert body["open_for_bids"] is True
    assert body["proposal"] is None
    text = response.content.decode()
    for secret in ("budget", "60.00", "Firm B", "Firm C", "criteria", "score", "match"):
        assert secret not in text
    listing = api(bid.members[0]).get("/api/v1/invitations/").json()["results"]
    assert [row["id"] for row in listing] == [bid.invitation(0)]
    assert api(bid.members[0]).get(f"/api/v1/invitations/{bid.invitation(0)}/proposal/").status_code == 404


def test_a_cancelled_rfp_tells_the_vendors_and_takes_no_more_bids(bid):
    bid.create()
    client = api(bid.owner)
    assert client.post(f"/api/v1/rfps/{bid.rfp_id}/cancel/", {"reason": " "}, format="json").status_code == 400
    cancelled = client.post(f"/api/v1/rfps/{bid.rfp_id}/cancel/", {"reason": "Budget frozen"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert {row["outcome"] for row in cancelled.json()["invitations"]} == {"cancelled"}
    invitation = api(bid.members[0]).get(f"/api/v1/invitations/{bid.invitation(0)}/").json()
    assert invitation["outcome"] == "cancelled"
    assert "Budget frozen" in invitation["rfp"]["instructions"]
    refused = api(bid.members[0]).put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/", {"approach": "x"}, format="json"
    )
    assert refused.status_code == 409
    assert "cancelled" in refused.json()["detail"]
    assert client.post(f"/api/v1/rfps/{bid.rfp_id}/cancel/", {"reason": "Again"}).status_code == 409


# -- query counts ----------------------------------------------------------------------------


def test_the_rfp_list_query_count_does_not_grow_with_rows(owner, django_assert_num_queries):
    client = api(owner)
    bid = Bid(owner)
    bid.create()
    with django_assert_num_queries(2):  # membership, RFPs with their counts
        assert len(client.get("/api/v1/rfps/").json()["results"]) == 1
    for _ in range(4):
        Bid(owner).create()
    with django_assert_num_queries(2):
        body = client.get("/api/v1/rfps/").json()["results"]
    assert len(body) == 5
    assert body[0]["invited_count"] == 3 and body[0]["answered_count"] == 0


def test_the_rfp_detail_query_count_does_not_grow_with_invitees(owner, django_assert_num_queries):
    bid = Bid(owner, vendors=6)
    bid.create()
    with django_assert_num_queries(4):  # membership, RFP, criteria, invitations with vendors
        body = api(owner).get(f"/api/v1/rfps/{bid.rfp_id}/").json()
    assert len(body["invitations"]) == 6


def test_the_proposal_list_query_count_does_not_grow_with_proposals(owner, media, django_assert_num_queries):
    bid = Bid(owner, vendors=5)
    bid.create()
    for index in range(5):
        bid.submit(index, approach=f"Plan {index}", attachment=SimpleUploadedFile("plan.pdf", PDF))
    scores = [{"criterion": c, "score": 4} for c in bid.criteria]
    client = api(owner)
    for index in range(5):
        client.put(f"/api/v1/proposals/{bid.proposal(index).pk}/scores/", {"scores": scores}, format="json")
    # membership, RFP, criteria, invitations with vendors/results/runs/proposals, exchange rates,
    # the vendors' rate cards (shown beside the bids), their zones (the deadline as each reads it), scores
    with django_assert_num_queries(8):
        body = client.get(f"/api/v1/rfps/{bid.rfp_id}/proposals/").json()
    assert len(body) == 5
    assert all(row["my_weighted_score"] == "75.0" for row in body)


def test_the_invitation_list_query_count_does_not_grow_with_rows(owner, django_assert_num_queries):
    firm = VendorFactory()
    member = VendorMembershipFactory(vendor=firm).user
    for _ in range(5):
        requirement = requirement_for(owner)
        run = succeeded_run(requirement, vendors=[firm, VendorFactory()])
        api(owner).post(
            "/api/v1/rfps/",
            {"match_run": run.pk, "vendors": [firm.pk], "deadline": in_days(5)},
            format="json",
        )
    invitation = RfpInvitation.objects.filter(vendor=firm).first()
    api(member).put(f"/api/v1/invitations/{invitation.pk}/proposal/", {"approach": "draft"}, format="json")
    with django_assert_num_queries(2):  # membership, invitations with RFP, client and proposal
        body = api(member).get("/api/v1/invitations/").json()["results"]
    assert len(body) == 5
    assert sum(1 for row in body if row["proposal"]) == 1
    assert json.dumps(body).count('"open_for_bids": true') == 5
