"""Requests for proposal through the API: the whole flow from invitation to
award, sealed proposals that leak nothing before the bids open, attachments
checked by type, size and content, and every object scoped to the caller's
organization (404 outside it, 403 for a role that may not act, 401 without
credentials)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.models import (
    Engagement,
    EngagementStatus,
    Proposal,
    ProposalScore,
    Rfp,
    RfpInvitation,
)
from engagements.rfp.serializers import RfpCreateSerializer
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import ClientMembershipFactory, UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
APPROACH_A = "Alpha approach: a dedicated close team in Pune"
APPROACH_B = "Bravo approach: follow-the-sun analysts"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


class Bid:
    """One requirement, its shortlist of three vendors (A, B, C) and a member of each."""

    def __init__(self, owner, *, vendors: int = 3):
        self.owner = owner
        self.requirement = requirement_for(owner, title="Month-end close")
        self.vendors = [VendorFactory(name=f"Firm {chr(65 + i)}") for i in range(vendors)]
        self.run = succeeded_run(self.requirement, vendors=self.vendors)
        self.members = [VendorMembershipFactory(vendor=vendor).user for vendor in self.vendors]

    def payload(self, **overrides) -> dict:
        payload = {
            "match_run": self.run.pk,
            "vendors": [vendor.pk for vendor in self.vendors],
            "deadline": in_days(7),
            "title": "Close support 2026",
            "instructions": "Quote a blended senior rate.",
            "questions": ["How do you staff the team?", "Which ERP do you know?"],
            "criteria": [{"name": "Approach", "weight": 60}, {"name": "Cost", "weight": 40}],
        }
        payload.update(overrides)
        return payload

    def create(self, **overrides) -> dict:
        response = api(self.owner).post("/api/v1/rfps/", self.payload(**overrides), format="json")
        assert response.status_code == 201, response.data
        body = response.json()
        self.rfp_id = body["id"]
        self.invitations = {row["vendor"]["id"]: row["id"] for row in body["invitations"]}
        self.criteria = [row["id"] for row in body["criteria"]]
        return body

    def invitation(self, index: int) -> int:
        return self.invitations[self.vendors[index].pk]

    def submit(self, index: int, *, approach: str, rate: str = "40.00", **extra) -> dict:
        body = {
            "hourly_rate": rate,
            "currency": "USD",
            "fte": "2.0",
            "start_date": str(timezone.localdate() + timedelta(days=30)),
            "approach": approach,
            "answers": ["Two seniors and a lead.", "SAP and Oracle."],
            "submit": True,
            **extra,
        }
        fmt = "multipart" if "attachment" in extra else "json"
        response = api(self.members[index]).put(
            f"/api/v1/invitations/{self.invitation(index)}/proposal/", body, format=fmt
        )
        assert response.status_code == 200, response.data
        return response.json()

    def proposal(self, index: int) -> Proposal:
        return Proposal.objects.get(invitation_id=self.invitation(index))

    def open_bids(self) -> None:
        Rfp.objects.filter(pk=self.rfp_id).update(deadline=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def bid(owner):
    return Bid(owner)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def keys_of(document) -> set:
    """Every key anywhere in a decoded JSON document."""
    if isinstance(document, dict):
        return set(document).union(*(keys_of(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(keys_of(value) for value in document))
    return set()


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


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


# -- revisions -------------------------------------------------------------------------------


def test_a_vendor_revises_before_the_deadline_and_not_after(bid):
    bid.create()
    assert bid.submit(0, approach=APPROACH_A)["revision"] == 1
    revised = bid.submit(0, approach=APPROACH_A + " (revised)", rate="38.50")
    assert revised["revision"] == 2
    assert revised["hourly_rate"] == "38.50"
    vendor = api(bid.members[0])
    url = f"/api/v1/invitations/{bid.invitation(0)}/proposal/"
    back_to_draft = vendor.put(url, {"approach": "draft again"}, format="json")
    assert back_to_draft.status_code == 409
    assert "revision" in back_to_draft.json()["detail"]
    bid.open_bids()
    late = vendor.put(
        url,
        {"hourly_rate": "1.00", "fte": "1", "start_date": "2027-01-04", "approach": "late", "submit": True},
        format="json",
    )
    assert late.status_code == 409
    proposal = bid.proposal(0)
    assert (proposal.revision, str(proposal.hourly_rate)) == (2, "38.50")
    assert vendor.get(url).json()["approach"] == APPROACH_A + " (revised)"
    assert (
        api(bid.members[1])
        .post(f"/api/v1/invitations/{bid.invitation(1)}/decline/", {"reason": "Too late"})
        .status_code
        == 409
    )


def test_an_incomplete_submission_is_refused_with_what_is_missing(bid):
    bid.create()
    response = api(bid.members[0]).put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/",
        {"hourly_rate": "40.00", "approach": "Plan", "answers": ["Yes"], "submit": True},
        format="json",
    )
    assert response.status_code == 400
    message = " ".join(response.json()["non_field_errors"])
    assert "FTE" in message and "start date" in message and "question 2" in message
    assert not Proposal.objects.exists()
    assert RfpInvitation.objects.get(pk=bid.invitation(0)).status == "invited"


def test_a_vendor_replaces_and_removes_its_attachment(bid, media):
    bid.create()
    bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("v1.pdf", PDF))
    bid.submit(0, approach=APPROACH_A, attachment=SimpleUploadedFile("v2.txt", "Notes: café".encode()))
    assert bid.proposal(0).attachment_name == "v2.txt"
    removed = bid.submit(0, approach=APPROACH_A, remove_attachment=True)
    assert removed["attachment"] is None
    assert api(bid.members[0]).get(f"/api/v1/proposals/{removed['id']}/attachment/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "max_mb", "message"),
    [
        ("plan.exe", b"MZ\x90\x00", 10, "types"),
        ("plan.pdf", b"<html>not a pdf</html>", 10, "not a .pdf"),
        ("plan.docx", PDF, 10, "not a .docx"),
        ("notes.txt", b"\xff\xfe\x00\x00binary", 10, "UTF-8"),
        ("plan.pdf", b"", 10, "empty"),
        ("plan.pdf", PDF + b"x" * 2048, 0, "limit"),
    ],
)
def test_a_bad_attachment_is_refused_and_nothing_is_saved(bid, media, settings, name, content, max_mb, message):
    settings.PROPOSAL_ATTACHMENT_MAX_MB = max_mb
    bid.create()
    response = api(bid.members[0]).put(
        f"/api/v1/invitations/{bid.invitation(0)}/proposal/",
        {"approach": "Plan", "attachment": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in " ".join(response.json()["attachment"])
    assert not Proposal.objects.exists()
    assert stored_files(media) == []


def test_the_sweep_deletes_files_a_rolled_back_save_left_and_keeps_the_rest(bid, media):
    import os

    from django.db import transaction

    from engagements.models import RfpInvitation
    from engagements.rfp import proposals as rfp_proposals

    bid.create()
    bid.submit(0, approach="Kept", attachment=SimpleUploadedFile("kept.pdf", PDF))
    invitation = RfpInvitation.objects.get(pk=bid.invitation(1))
    with pytest.raises(RuntimeError), transaction.atomic():
        rfp_proposals.proposal_save(
            invitation=invitation,
            data=rfp_proposals.ProposalInput(approach="Lost"),
            actor=bid.members[1],
            submit=False,
            attachment=SimpleUploadedFile("lost.pdf", PDF),
        )
        raise RuntimeError("the request failed after the file was written")
    kept = media / Proposal.objects.get().attachment.name
    (orphan,) = [path for path in stored_files(media) if path != kept]

    assert rfp_proposals.proposal_attachments_sweep() == 0  # too young: it may still be committing
    an_hour_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    for path in (kept, orphan):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert rfp_proposals.proposal_attachments_sweep() == 1
    assert stored_files(media) == [kept]


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
    # membership, RFP, criteria, invitations with vendors/results/proposals, exchange rates, scores
    with django_assert_num_queries(6):
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
