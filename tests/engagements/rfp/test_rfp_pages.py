"""Requests for proposal in the browser pages: a manager invites vendors from a
shortlist; each vendor answers only its own invitation; the proposals stay
sealed until the deadline or the last answer; the manager compares, scores and
awards; every invitee learns the outcome. Everyone else gets 404."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagements.models import (
    Engagement,
    EngagementStatus,
    InvitationOutcome,
    InvitationStatus,
    Proposal,
    ProposalScore,
    ProposalStatus,
    Rfp,
    RfpInvitation,
)
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import services as rfp_services
from engagements.rfp.forms import RfpCreateForm
from tests.engagements.helpers import requirement_for, succeeded_run
from tests.factories import ClientMembershipFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a tiny test document\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def vendors():
    return [VendorFactory(name=f"Firm {letter}") for letter in "ABCD"]


@pytest.fixture
def members(vendors):
    return [VendorMembershipFactory(vendor=v, role="editor").user for v in vendors]


@pytest.fixture
def run(owner, vendors):
    requirement = requirement_for(owner, title="Credit memos", estimated_hours=100, currency="EUR")
    return succeeded_run(requirement, vendors=vendors)


def create_url(run) -> str:
    return reverse("requirements:rfp_create", args=[run.requirement_id, run.pk])


def future(hours: int = 48) -> str:
    return (timezone.localtime(timezone=timezone.get_fixed_timezone(60)) + timedelta(hours=hours)).strftime(
        "%Y-%m-%dT%H:%M"
    )


def create_rfp(client, run, vendors, **overrides) -> Rfp:
    data = {
        "title": "Credit memo writing",
        "vendors": [str(v.pk) for v in vendors],
        "deadline": future(),
        "instructions": "Quote for the whole year.",
        "questions": "Who leads the team?\nWhich tools do you use?",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Approach",
        "criteria-0-weight": "60",
        "criteria-1-name": "Team",
        "criteria-1-weight": "40",
    }
    data.update(overrides)
    response = client.post(create_url(run), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Rfp.objects.latest("id")


def proposal_data(rate="42.50", **overrides) -> dict:
    data = {
        "hourly_rate": rate,
        "currency": "USD",
        "fte": "2.0",
        "start_date": (date.today() + timedelta(days=30)).isoformat(),
        "approach": "Two analysts, weekly review.",
        "answer_0": "Asha, our lead.",
        "answer_1": "Excel and Python.",
        "intent": "submit",
    }
    data.update(overrides)
    return data


def invitation_url(invitation) -> str:
    return reverse("vendor_portal:invitation_detail", args=[invitation.pk])


def test_manager_invites_the_chosen_vendors_with_questions_and_criteria(
    client, owner, run, vendors, members, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = client.get(create_url(run))
    assert page.status_code == 200
    assert "Firm A" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        rfp = create_rfp(client, run, vendors[:3])
    assert rfp.questions == ["Who leads the team?", "Which tools do you use?"]
    assert [(c.name, c.weight) for c in rfp.criteria.all()] == [("Approach", 60), ("Team", 40)]
    assert sorted(rfp.invitations.values_list("vendor_id", flat=True)) == sorted(v.pk for v in vendors[:3])
    # One email per invited firm, to its members, with its own link and no other invitee named.
    assert len(mailoutbox) == 3
    for message in mailoutbox:
        assert "Credit memo writing" in message.subject
        assert "/portal/invitations/" in message.body
        assert "Firm" not in message.body


def test_an_invalid_request_changes_nothing(client, owner, run, vendors):
    client.force_login(owner)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for bad in (
        {"deadline": past},
        {"vendors": []},
        {"vendors": ["999999"]},
        {"criteria-0-weight": "0"},
        {"criteria-1-name": "approach"},  # same name as the first, another case
    ):
        data = {
            "title": "x",
            "vendors": [str(vendors[0].pk)],
            "deadline": future(),
            "questions": "",
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Approach",
            "criteria-0-weight": "60",
            "criteria-1-name": "Team",
            "criteria-1-weight": "40",
        }
        data.update(bad)
        response = client.post(create_url(run), data)
        assert response.status_code == 400, bad
        assert 'class="field-errors"' in response.content.decode() or "form-error" in response.content.decode()
    assert not Rfp.objects.exists()
    assert not RfpInvitation.objects.exists()


def test_a_vendor_drafts_submits_and_revises_until_the_deadline(client, owner, run, vendors, members, media):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:2])
    invitation = rfp.invitations.get(vendor=vendors[0])
    client.force_login(members[0])
    page = client.get(invitation_url(invitation))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Who leads the team?" in body
    assert "Firm B" not in body  # never who else was invited
    assert str(run.requirement.budget_hourly_rate) not in body  # nor the client's budget

    draft = client.post(invitation_url(invitation), proposal_data(approach="", intent="draft"))
    assert draft.status_code == 302
    proposal = Proposal.objects.get(invitation=invitation)
    assert proposal.status == ProposalStatus.DRAFT
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED

    incomplete = client.post(invitation_url(invitation), proposal_data(approach=""))
    assert incomplete.status_code == 400
    assert "approach" in incomplete.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT

    attachment = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    submitted = client.post(invitation_url(invitation), {**proposal_data(), "attachment": attachment})
    assert submitted.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.revision, proposal.hourly_rate) == ("submitted", 1, Decimal("42.50"))
    assert proposal.attachment_name == "plan.pdf"

    revised = client.post(invitation_url(invitation), proposal_data(rate="40"))
    assert revised.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.revision, proposal.hourly_rate) == (2, Decimal("40.00"))
    assert proposal.attachment_name == "plan.pdf"  # kept when no new file comes

    download = client.get(reverse("vendor_portal:proposal_attachment", args=[invitation.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    late = client.post(invitation_url(invitation), proposal_data(rate="30"))
    assert late.status_code == 409
    proposal.refresh_from_db()
    assert proposal.hourly_rate == Decimal("40.00")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.exe", b"MZ...", "Attach a file of one of these types"),
        ("plan.pdf", b"not a pdf", "not a .pdf document"),
        ("notes.txt", b"\xff\xfe\x00binary", "UTF-8 text"),
    ],
)
def test_a_bad_attachment_is_refused_at_the_field_and_nothing_is_saved(
    client, owner, run, vendors, members, media, name, content, message
):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:1])
    invitation = rfp.invitations.get()
    client.force_login(members[0])
    response = client.post(
        invitation_url(invitation), {**proposal_data(), "attachment": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Proposal.objects.exists()
    assert not any(media.rglob("*.*"))


def test_an_attachment_over_the_size_limit_is_refused(client, owner, run, vendors, members, media, settings):
    settings.PROPOSAL_ATTACHMENT_MAX_MB = 1
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:1])
    client.force_login(members[0])
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024))
    response = client.post(invitation_url(rfp.invitations.get()), {**proposal_data(), "attachment": big})
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not Proposal.objects.exists()


def test_proposals_stay_sealed_until_every_invitee_answered(client, owner, run, vendors, members, media):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:2])
    first, second = rfp.invitations.get(vendor=vendors[0]), rfp.invitations.get(vendor=vendors[1])
    client.force_login(members[0])
    client.post(invitation_url(first), {**proposal_data(rate="77.77"), "attachment": SimpleUploadedFile("p.pdf", PDF)})
    proposal = Proposal.objects.get(invitation=first)

    client.force_login(owner)
    sealed = client.get(reverse("rfps:detail", args=[rfp.pk]))
    body = sealed.content.decode()
    assert "Proposals are sealed" in body
    assert "77.77" not in body and "Two analysts" not in body
    assert client.get(reverse("rfps:attachment", args=[rfp.pk, proposal.pk])).status_code == 404
    score = client.post(reverse("rfps:scores", args=[rfp.pk, proposal.pk]), {})
    assert score.status_code in (400, 409)
    award = client.post(reverse("rfps:award", args=[rfp.pk]), {"proposal": proposal.pk})
    assert award.status_code == 409
    assert not Engagement.objects.exists()

    client.force_login(members[1])
    declined = client.post(
        reverse("vendor_portal:invitation_decline", args=[second.pk]), {"reason": "No capacity in Q1."}
    )
    assert declined.status_code == 302

    client.force_login(owner)
    opened = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert "77.77" in opened
    assert "No capacity in Q1." in opened
    assert client.get(reverse("rfps:attachment", args=[rfp.pk, proposal.pk])).status_code == 200

    # The bids are final once open, even before the deadline.
    client.force_login(members[0])
    assert client.post(invitation_url(first), proposal_data(rate="10")).status_code == 409


def test_decline_needs_a_reason(client, owner, run, vendors, members):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:1])
    invitation = rfp.invitations.get()
    client.force_login(members[0])
    response = client.post(reverse("vendor_portal:invitation_decline", args=[invitation.pk]), {"reason": "  "})
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.INVITED


def open_bids(client, owner, run, vendors, members, rates=("50", "30", "45")) -> Rfp:
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:3])
    for vendor, member, rate in zip(vendors, members, rates, strict=False):
        client.force_login(member)
        response = client.post(
            invitation_url(rfp.invitations.get(vendor=vendor)), proposal_data(rate=rate, currency="EUR")
        )
        assert response.status_code == 302
    rfp.refresh_from_db()
    assert rfp.opened_at is not None
    return rfp


def test_the_comparison_shows_components_costs_in_one_currency_and_each_evaluator_scores_alone(
    client, owner, run, vendors, members
):
    rfp = open_bids(client, owner, run, vendors, members, rates=("50", "30", "45"))
    colleague = ClientMembershipFactory(client=owner.membership.client).user
    client.force_login(owner)
    page = client.get(reverse("rfps:detail", args=[rfp.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Proposals side by side" in body
    assert 'data-cost="3000"' in body  # 30 EUR/h x 100 h, the lowest
    assert body.count('class="best"') == 1
    assert body.count('class="component-row"') == 5

    cheapest = Proposal.objects.get(hourly_rate=Decimal("30"))
    criteria = list(rfp.criteria.all())
    scores = {f"p{cheapest.pk}-c{criteria[0].pk}": "5", f"p{cheapest.pk}-c{criteria[1].pk}": "3"}
    assert client.post(reverse("rfps:scores", args=[rfp.pk, cheapest.pk]), scores).status_code == 302
    # 5 x 60 + 3 x 40 = 4.2 of 5 -> 80.0 of 100
    assert 'data-my-score="80.0"' in client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()

    client.force_login(colleague)
    other = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert 'data-my-score="80.0"' not in other
    assert 'data-panel-score="80.0"' not in other  # hidden until the colleague has scored
    low = {f"p{cheapest.pk}-c{criteria[0].pk}": "1", f"p{cheapest.pk}-c{criteria[1].pk}": "1"}
    client.post(reverse("rfps:scores", args=[rfp.pk, cheapest.pk]), low)
    after = client.get(reverse("rfps:detail", args=[rfp.pk])).content.decode()
    assert 'data-my-score="0.0"' in after
    assert 'data-panel-score="40.0"' in after
    assert ProposalScore.objects.filter(evaluator=owner).count() == 2  # the colleague changed only their own


def test_an_incomplete_score_changes_nothing(client, owner, run, vendors, members):
    rfp = open_bids(client, owner, run, vendors, members)
    proposal = Proposal.objects.first()
    criterion = rfp.criteria.first()
    client.force_login(owner)
    response = client.post(reverse("rfps:scores", args=[rfp.pk, proposal.pk]), {f"p{proposal.pk}-c{criterion.pk}": "6"})
    assert response.status_code == 400
    assert not ProposalScore.objects.exists()


def test_award_starts_the_engagement_and_tells_every_invitee(
    client, owner, run, vendors, members, mailoutbox, django_capture_on_commit_callbacks
):
    rfp = open_bids(client, owner, run, vendors, members)
    winner = Proposal.objects.get(hourly_rate=Decimal("30"))
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rfps:award", args=[rfp.pk]), {"proposal": winner.pk})
    engagement = Engagement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:detail", args=[engagement.pk])
    assert winner.invitation.vendor.name in client.get(response["Location"]).content.decode()
    assert (engagement.vendor_id, engagement.status, engagement.agreed_rate, engagement.currency) == (
        winner.invitation.vendor_id,
        EngagementStatus.ACTIVE,
        Decimal("30.00"),
        "EUR",
    )
    assert engagement.proposal_id == winner.pk
    assert sorted(Proposal.objects.values_list("status", flat=True)) == ["awarded", "rejected", "rejected"]
    outcomes = dict(RfpInvitation.objects.values_list("vendor_id", "outcome"))
    assert outcomes[winner.invitation.vendor_id] == InvitationOutcome.AWARDED
    assert sorted(outcomes.values()).count(InvitationOutcome.NOT_AWARDED) == 2
    assert len(mailoutbox) == 3
    assert sum("You won" in m.subject for m in mailoutbox) == 1

    # The losers see the outcome on their invitation, never the winner.
    loser = RfpInvitation.objects.exclude(pk=winner.invitation_id).first()
    client.force_login(members[vendors.index(loser.vendor)])
    page = client.get(invitation_url(loser)).content.decode()
    assert "Not awarded" in page
    assert winner.invitation.vendor.name not in page

    # A second award is refused and changes nothing.
    client.force_login(owner)
    again = client.post(reverse("rfps:award", args=[rfp.pk]), {"proposal": loser.proposal.pk})
    assert again.status_code == 409
    assert Engagement.objects.count() == 1


def test_cancel_tells_the_vendors_and_closes_the_bids(client, owner, run, vendors, members):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:2])
    assert client.post(reverse("rfps:cancel", args=[rfp.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("rfps:cancel", args=[rfp.pk]), {"reason": "Budget frozen."}).status_code == 302
    rfp.refresh_from_db()
    assert rfp.status == "cancelled"
    invitation = rfp.invitations.first()
    client.force_login(members[vendors.index(invitation.vendor)])
    assert "cancelled" in client.get(invitation_url(invitation)).content.decode()
    assert client.post(invitation_url(invitation), proposal_data()).status_code == 409


# -- isolation ---------------------------------------------------------------------------------


def test_other_organizations_get_404_on_every_rfp_page(client, owner, outsider, run, vendors, members, media):
    rfp = open_bids(client, owner, run, vendors, members)
    proposal = Proposal.objects.first()
    outsider_vendor_member = members[3]  # Firm D: on the shortlist, not invited
    client_urls = [
        reverse("rfps:detail", args=[rfp.pk]),
        reverse("rfps:attachment", args=[rfp.pk, proposal.pk]),
    ]
    post_urls = [
        reverse("rfps:award", args=[rfp.pk]),
        reverse("rfps:cancel", args=[rfp.pk]),
        reverse("rfps:scores", args=[rfp.pk, proposal.pk]),
        reverse("rfps:shortlist", args=[rfp.pk, proposal.pk]),
        create_url(run),
    ]
    for user in (outsider, outsider_vendor_member, members[0]):
        client.force_login(user)
        for url in client_urls:
            assert client.get(url).status_code == 404, (user, url)
        for url in post_urls:
            assert client.post(url, {"proposal": proposal.pk, "reason": "x"}).status_code == 404, (user, url)
    assert rfp.__class__.objects.get(pk=rfp.pk).status == "open"
    assert not Engagement.objects.exists()
    client.force_login(outsider)
    assert "Credit memo" not in client.get(reverse("rfps:list")).content.decode()


def test_a_vendor_sees_only_its_own_invitations_and_proposal(client, owner, run, vendors, members, media):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:2])
    mine, theirs = rfp.invitations.get(vendor=vendors[0]), rfp.invitations.get(vendor=vendors[1])
    client.force_login(members[1])
    client.post(invitation_url(theirs), {**proposal_data(), "attachment": SimpleUploadedFile("p.pdf", PDF)})

    client.force_login(members[0])
    for url in (
        invitation_url(theirs),
        reverse("vendor_portal:invitation_decline", args=[theirs.pk]),
        reverse("vendor_portal:proposal_attachment", args=[theirs.pk]),
    ):
        if not url.endswith("/decline/"):
            assert client.get(url).status_code == 404
        else:
            assert client.post(url, proposal_data() | {"reason": "x"}).status_code == 404
    listing = client.get(reverse("vendor_portal:invitation_list")).content.decode()
    assert invitation_url(mine) in listing and invitation_url(theirs) not in listing
    # Not invited at all: no page for the request or the requirement.
    client.force_login(members[3])
    assert client.get(invitation_url(mine)).status_code == 404
    assert "Credit memo" not in client.get(reverse("vendor_portal:invitation_list")).content.decode()
    # A client manager is not a vendor member.
    client.force_login(owner)
    assert client.get(invitation_url(mine)).status_code == 404


def test_rfp_pages_keep_a_constant_number_of_queries(
    client, owner, run, vendors, members, django_assert_max_num_queries
):
    rfp = open_bids(client, owner, run, vendors, members)
    client.force_login(owner)
    client.get(reverse("rfps:detail", args=[rfp.pk]))  # warm caches (content types, rates)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("rfps:detail", args=[rfp.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("rfps:list")).status_code == 200
    client.force_login(members[0])
    with django_assert_max_num_queries(10):
        assert client.get(reverse("vendor_portal:invitation_list")).status_code == 200


def test_services_refuse_what_the_state_does_not_allow(owner, run, vendors):
    rfp = rfp_services.rfp_create(
        run=run, vendor_ids=[vendors[0].pk], deadline=timezone.now() + timedelta(days=2), created_by=owner
    )
    invitation = rfp.invitations.get()
    rfp_proposals.invitation_decline(invitation=invitation, reason="Busy.", actor=None)
    with pytest.raises(rfp_services.RfpError):
        rfp_proposals.proposal_save(
            invitation=invitation, data=rfp_proposals.ProposalInput(currency="EUR"), actor=None, submit=False
        )
    closed = succeeded_run(requirement_for(owner, status="closed"), vendors=vendors[:1])
    with pytest.raises(rfp_services.RfpError, match="not open"):
        rfp_services.rfp_create(
            run=closed, vendor_ids=[vendors[0].pk], deadline=timezone.now() + timedelta(days=2), created_by=owner
        )
    assert Rfp.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": timedelta(hours=-1)}, "deadline", "Set the deadline at least one hour from now."),
        ({"deadline": timedelta(minutes=30)}, "deadline", "Set the deadline at least one hour from now."),
        ({"deadline": timedelta(days=181)}, "deadline", "Set the deadline within 180 days."),
        ({"vendor_ids": []}, "vendors", "Choose at least one vendor to invite."),
        ({"vendor_ids": "not on the shortlist"}, "vendors", "Invite only active vendors on this shortlist."),
        ({"questions": ["x" * 501]}, "questions", "A question may be at most 500 characters."),
        (
            {"criteria": [rfp_services.CriterionInput("Cost", 50), rfp_services.CriterionInput("cost ", 50)]},
            "criteria",
            "Criterion names must be different.",
        ),
        ({"criteria": [rfp_services.CriterionInput("Cost", 0)]}, "criteria", "whole numbers from 1 to 100"),
    ],
)
def test_rfp_create_refuses_input_mistakes_with_a_validation_error_on_the_field(
    owner, run, vendors, overrides, field, message
):
    values = {"vendor_ids": [vendors[0].pk], "deadline": timedelta(days=2)}
    values.update(overrides)
    if values["vendor_ids"] == "not on the shortlist":
        values["vendor_ids"] = [vendors[0].pk, VendorFactory().pk]
    values["deadline"] = timezone.now() + values["deadline"]
    with pytest.raises(ValidationError) as error:
        rfp_services.rfp_create(run=run, created_by=owner, **values)
    assert list(error.value.message_dict) == [field]
    assert message in error.value.message_dict[field][0]
    assert not Rfp.objects.exists()
    assert not RfpInvitation.objects.exists()


def test_rfp_create_reports_every_input_mistake_at_once(owner, run):
    with pytest.raises(ValidationError) as error:
        rfp_services.rfp_create(run=run, vendor_ids=[], deadline=timezone.now(), created_by=owner)
    assert set(error.value.message_dict) == {"vendors", "deadline"}


def test_a_mistake_only_the_service_catches_shows_on_the_form_field(client, owner, run, vendors, monkeypatch):
    # The form's own deadline check passed (e.g. moments before the hour ran
    # out); the service's refusal lands on the same field.
    monkeypatch.setattr(RfpCreateForm, "clean_deadline", lambda form: form.cleaned_data["deadline"])
    client.force_login(owner)
    soon = (timezone.localtime() + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        create_url(run),
        {
            "title": "x",
            "vendors": [str(vendors[0].pk)],
            "deadline": soon,
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "0",
            "criteria-0-name": "Approach",
            "criteria-0-weight": "100",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"deadline": ["Set the deadline at least one hour from now."]}
    assert 'class="field-errors"><li>Set the deadline at least one hour from now.' in response.content.decode()
    assert not Rfp.objects.exists()


def test_the_vendor_dashboard_lists_open_invitations_and_proposals(client, owner, run, vendors, members):
    client.force_login(owner)
    rfp = create_rfp(client, run, vendors[:2])
    answered = rfp.invitations.get(vendor=vendors[0])
    client.force_login(members[0])
    client.post(invitation_url(answered), proposal_data(intent="draft"))
    home = client.get(reverse("home")).content.decode()
    assert "Open invitations to propose" in home
    assert invitation_url(answered) in home
    assert re.search(r"\d\xa0\w+ left<", home)  # the time left before the deadline
    assert 'class="badge badge-p-draft"' in home
    # Once the deadline passes the invitation leaves the open list; the proposal stays listed.
    Rfp.objects.filter(pk=rfp.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    later = client.get(reverse("home")).content.decode()
    assert "No open invitations." in later
    assert 'class="badge badge-p-draft"' in later
