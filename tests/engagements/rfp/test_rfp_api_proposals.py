"""Proposals through the API: revisions before the deadline, attachments checked by type, size and content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from engagements.models import Proposal, RfpInvitation
from tests.engagements.rfp.helpers import APPROACH_A, PDF, api

pytestmark = pytest.mark.django_db


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


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
