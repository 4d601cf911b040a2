"""Requests for proposal: writes. Each service is one transaction.

The life of an RFP:
- a client manager invites vendors from a shortlist (`rfp_create`), with a
  deadline, questions and weighted evaluation criteria;
- each invited vendor drafts, submits and revises its one proposal
  (`proposal_save`), or declines with a reason (`invitation_decline`), while
  the RFP is open for bids (those two are in engagements/rfp/proposals.py);
- the bids open (`Rfp.is_unsealed`) at the deadline, or as soon as every
  invitee has answered (`opened_at` is set by the last answer); from then on
  proposals are final and the client may read, shortlist and score them
  (`proposal_shortlist`, `proposal_scores_save`);
- the client awards one proposal (`rfp_award`): that creates the engagement,
  active at once on the proposal's terms, and tells every invitee its outcome;
  or cancels the RFP (`rfp_cancel`).

Rows are locked in one order (RFP, then invitation, then proposal), so two
submissions and an award cannot interleave: the last answer that opens the
bids and a revision racing it serialize on the RFP row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.delivery.services import OPEN_ENGAGEMENT_STATES, EngagementError
from engagements.integrations.webhooks import webhook_emit_engagement
from engagements.matching.benchmark import benchmark_at_award
from engagements.models import (
    Engagement,
    EngagementEvent,
    EngagementStatus,
    EvaluationCriterion,
    InvitationOutcome,
    InvitationStatus,
    MatchResult,
    MatchRun,
    MatchRunStatus,
    Membership,
    Proposal,
    ProposalScore,
    ProposalStatus,
    Requirement,
    RequirementStatus,
    Rfp,
    RfpInvitation,
    RfpStatus,
)
from engagements.organizations.timezones import vendor_zones
from kpo.bounds import LONG_TEXT_MAX
from kpo.models import User
from kpo.zones import zoned_text

MAX_INVITEES = 20
MAX_QUESTIONS = 20
QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 5000
APPROACH_MAX_LENGTH = LONG_TEXT_MAX
REASON_MAX_LENGTH = 1000
MIN_DEADLINE_AHEAD = timedelta(hours=1)
MAX_DEADLINE_AHEAD = timedelta(days=180)
DEFAULT_CRITERIA = (
    ("Approach and expertise", 40),
    ("Team and delivery", 30),
    ("Cost", 30),
)
SUBMITTED_STATES = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.SHORTLISTED})


class RfpError(EngagementError):
    """A write the RFP's state or the caller does not allow; the message is for
    the person who tried (the API answers 409 with it). Input mistakes raise
    Django's ValidationError instead (the API answers 400, pages show them on
    the form)."""


def _vendor_recipients(vendor_ids: list[int]) -> dict[int, list[str]]:
    recipients: dict[int, list[str]] = {}
    for vendor_id, email in (
        Membership.objects.filter(vendor_id__in=vendor_ids)
        .exclude(user__email="")
        .values_list("vendor_id", "user__email")
    ):
        recipients.setdefault(vendor_id, []).append(email)
    return recipients


def _notify_vendors_on_commit(messages_by_vendor: dict[int, tuple[str, str]]) -> None:
    """Email each vendor's members (subject, body) once the transaction commits."""
    recipients = _vendor_recipients(list(messages_by_vendor))
    datatuple = [
        (subject, body, None, recipients[vendor_id])
        for vendor_id, (subject, body) in messages_by_vendor.items()
        if recipients.get(vendor_id)
    ]
    if datatuple:
        transaction.on_commit(lambda: send_mass_mail(datatuple, fail_silently=True))


def _deadline_in_both_zones(deadline: datetime, *, vendor_zone: str, client_zone: str) -> str:
    """ "10 December 2026, 21:30 IST (17:00 CET for the client)": the vendor's zone first."""
    theirs, client = zoned_text(deadline, vendor_zone), zoned_text(deadline, client_zone)
    if client == theirs:
        return theirs
    return _("%(deadline)s (%(client_deadline)s for the client)") % {"deadline": theirs, "client_deadline": client}


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# -- create ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInput:
    name: str
    weight: int


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [q.strip() for q in questions if q and q.strip()]
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError(_("Ask at most %(count)s questions.") % {"count": MAX_QUESTIONS}, code="max_questions")
    if any(len(q) > QUESTION_MAX_LENGTH for q in cleaned):
        raise ValidationError(
            _("A question may be at most %(count)s characters.") % {"count": QUESTION_MAX_LENGTH},
            code="question_length",
        )
    return cleaned


def _clean_criteria(criteria: list[CriterionInput]) -> list[CriterionInput]:
    if not criteria:
        return [CriterionInput(name=str(name), weight=weight) for name, weight in DEFAULT_CRITERIA]
    names = [c.name.strip() for c in criteria]
    if any(not name for name in names):
        raise ValidationError(_("Every criterion needs a name."), code="criterion_name")
    if len({name.casefold() for name in names}) != len(names):
        raise ValidationError(_("Criterion names must be different."), code="criterion_names_unique")
    if any(not (1 <= c.weight <= 100) for c in criteria):
        raise ValidationError(_("Criterion weights are whole numbers from 1 to 100."), code="criterion_weight")
    if len(criteria) > 10:
        raise ValidationError(_("Use at most 10 criteria."), code="max_criteria")
    return [CriterionInput(name=name, weight=c.weight) for name, c in zip(names, criteria, strict=True)]


def check_deadline(deadline: datetime, *, now: datetime | None = None) -> None:
    """A deadline from one hour to 180 days ahead. Raises ValidationError."""
    now = now or timezone.now()
    if timezone.is_naive(deadline):
        raise ValidationError(_("The deadline needs a time zone."), code="naive")
    if deadline < now + MIN_DEADLINE_AHEAD:
        raise ValidationError(_("Set the deadline at least one hour from now."), code="too_soon")
    if deadline > now + MAX_DEADLINE_AHEAD:
        raise ValidationError(_("Set the deadline within 180 days."), code="too_late")


def _invitees(*, run: MatchRun, vendor_ids: list[int]) -> tuple[list[int], dict[int, MatchResult]]:
    """The vendors to invite, each once in the order given, with their shortlist
    entries. Raises ValidationError."""
    unique_ids = list(dict.fromkeys(vendor_ids))
    if not unique_ids:
        raise ValidationError(_("Choose at least one vendor to invite."), code="required")
    if len(unique_ids) > MAX_INVITEES:
        raise ValidationError(_("Invite at most %(count)s vendors.") % {"count": MAX_INVITEES}, code="max_invitees")
    results = {
        r.vendor_id: r
        for r in MatchResult.objects.filter(run=run, vendor_id__in=unique_ids, vendor__is_active=True).select_related(
            "vendor"
        )
    }
    if len(results) != len(unique_ids):
        raise ValidationError(_("Invite only active vendors on this shortlist."), code="not_on_shortlist")
    return unique_ids, results


@transaction.atomic
def rfp_create(
    *,
    run: MatchRun,
    vendor_ids: list[int],
    deadline: datetime,
    created_by: User | None,
    title: str = "",
    instructions: str = "",
    questions: list[str] | None = None,
    criteria: list[CriterionInput] | None = None,
) -> Rfp:
    """Invite vendors of a succeeded run's shortlist to propose. Each invitation
    keeps its shortlist entry, so the evaluation shows the match components.

    Input mistakes raise one ValidationError keyed by the field names the page
    and the API share (vendors, deadline, questions, criteria); a run or a
    requirement whose state does not allow it raises RfpError."""
    requirement: Requirement = Requirement.objects.select_for_update().get(pk=run.requirement_id)
    if run.status != MatchRunStatus.SUCCEEDED:
        raise RfpError(_("Invite vendors from a finished shortlist."))
    if requirement.status != RequirementStatus.OPEN:
        raise RfpError(_("The requirement is not open: reopen it before asking for proposals."))
    errors: dict[str, list[ValidationError]] = {}
    unique_ids: list[int] = []
    results: dict[int, MatchResult] = {}
    cleaned_questions: list[str] = []
    cleaned_criteria: list[CriterionInput] = []
    try:
        unique_ids, results = _invitees(run=run, vendor_ids=vendor_ids)
    except ValidationError as exc:
        errors["vendors"] = exc.error_list
    try:
        check_deadline(deadline)
    except ValidationError as exc:
        errors["deadline"] = exc.error_list
    try:
        cleaned_questions = _clean_questions(questions or [])
    except ValidationError as exc:
        errors["questions"] = exc.error_list
    try:
        cleaned_criteria = _clean_criteria(criteria or [])
    except ValidationError as exc:
        errors["criteria"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    rfp = Rfp.objects.create(
        requirement=requirement,
        client_id=requirement.client_id,
        match_run=run,
        created_by=created_by,
        title=(title.strip() or requirement.title)[:200],
        instructions=instructions.strip(),
        questions=cleaned_questions,
        deadline=deadline,
    )
    EvaluationCriterion.objects.bulk_create(
        EvaluationCriterion(rfp=rfp, name=c.name, weight=c.weight, position=i) for i, c in enumerate(cleaned_criteria)
    )
    RfpInvitation.objects.bulk_create(
        RfpInvitation(rfp=rfp, vendor_id=vendor_id, match_result=results[vendor_id]) for vendor_id in unique_ids
    )
    invitations = {i.vendor_id: i.pk for i in RfpInvitation.objects.filter(rfp=rfp)}
    client_name = requirement.client.name
    zones = vendor_zones(unique_ids)
    _notify_vendors_on_commit(
        {
            vendor_id: (
                _("Request for proposal: %(title)s") % {"title": rfp.title},
                _(
                    "%(client)s invites you to propose for “%(title)s” before %(deadline)s.\n\n"
                    "Read the request and answer here: %(link)s\n"
                )
                % {
                    "client": client_name,
                    "title": rfp.title,
                    "deadline": _deadline_in_both_zones(
                        deadline,
                        vendor_zone=zones.get(vendor_id, settings.TIME_ZONE),
                        client_zone=requirement.client.timezone,
                    ),
                    "link": _absolute(reverse("vendor_portal:invitation_detail", args=[invitations[vendor_id]])),
                },
            )
            for vendor_id in unique_ids
        }
    )
    return rfp


# -- the vendor's side -----------------------------------------------------------------------


def _lock_for_evaluation(proposal: Proposal) -> tuple[Rfp, Proposal]:
    rfp = Rfp.objects.select_for_update().get(pk=proposal.invitation.rfp_id)
    locked = Proposal.objects.select_for_update().select_related("invitation").get(pk=proposal.pk)
    if not rfp.is_unsealed():
        raise RfpError(_("The proposals are sealed until the deadline or until every vendor has answered."))
    if rfp.status != RfpStatus.OPEN:
        raise RfpError(_("This request for proposal is %(status)s.") % {"status": rfp.get_status_display().lower()})
    if locked.status not in SUBMITTED_STATES:
        raise RfpError(_("Only submitted proposals can be evaluated."))
    return rfp, locked


@transaction.atomic
def proposal_shortlist(*, proposal: Proposal, shortlisted: bool, actor: User) -> Proposal:
    _rfp, locked = _lock_for_evaluation(proposal)
    locked.status = ProposalStatus.SHORTLISTED if shortlisted else ProposalStatus.SUBMITTED
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def proposal_scores_save(
    *, proposal: Proposal, evaluator: User, scores: dict[int, int], comments: dict[int, str] | None = None
) -> list[ProposalScore]:
    """Record one evaluator's scores (1-5) of one proposal, one per criterion of
    the RFP; every criterion must be scored. Replaces the evaluator's earlier
    scores of this proposal, never anyone else's."""
    rfp, locked = _lock_for_evaluation(proposal)
    comments = comments or {}
    criteria = {c.pk: c for c in rfp.criteria.all()}
    if set(scores) != set(criteria):
        raise ValidationError(_("Score every criterion, from 1 to 5."), code="incomplete")
    if any(not isinstance(value, int) or not 1 <= value <= 5 for value in scores.values()):
        raise ValidationError(_("Scores are whole numbers from 1 to 5."), code="range")
    saved = []
    for criterion_id, value in scores.items():
        row, _created = ProposalScore.objects.update_or_create(
            proposal=locked,
            criterion_id=criterion_id,
            evaluator=evaluator,
            defaults={"score": value, "comment": (comments.get(criterion_id) or "").strip()[:500]},
        )
        saved.append(row)
    return saved


@transaction.atomic
def rfp_award(*, proposal: Proposal, actor: User, note: str = "") -> Proposal:
    """Award one submitted proposal: the engagement starts at once on the
    proposal's terms (rate, currency, FTE, start date): the vendor's submitted
    proposal is its offer and the award accepts it. Every other proposal is
    rejected and every invitee is told its outcome."""
    rfp, locked = _lock_for_evaluation(proposal)
    invitation = locked.invitation
    if Engagement.objects.filter(
        requirement_id=rfp.requirement_id, vendor_id=invitation.vendor_id, status__in=OPEN_ENGAGEMENT_STATES
    ).exists():
        raise RfpError(_("This vendor already has an open engagement for this requirement."))
    # A submitted proposal has its terms (the database's check constraint on Proposal).
    assert locked.hourly_rate is not None and locked.fte is not None and locked.start_date is not None
    now = timezone.now()
    benchmark_rate, benchmark_basis, benchmark_size = benchmark_at_award(rfp.requirement, locked.currency)
    engagement = Engagement.objects.create(
        benchmark_rate=benchmark_rate,
        benchmark_basis=benchmark_basis,
        benchmark_size=benchmark_size,
        requirement_id=rfp.requirement_id,
        client_id=rfp.client_id,
        vendor_id=invitation.vendor_id,
        match_result_id=invitation.match_result_id,
        proposal=locked,
        proposed_by=actor,
        status=EngagementStatus.ACTIVE,
        agreed_rate=locked.hourly_rate,
        currency=locked.currency,
        fte=locked.fte,
        start_date=max(locked.start_date, timezone.localdate()),
    )
    EngagementEvent.objects.create(
        engagement=engagement,
        kind=EngagementEvent.Kind.STATUS,
        to_value=EngagementStatus.ACTIVE,
        note=(f"Awarded from the request for proposal “{rfp.title}”. {note}").strip(),
        actor=actor,
    )
    webhook_emit_engagement(engagement=engagement, change={"kind": "created", "to": EngagementStatus.ACTIVE})
    locked.status = ProposalStatus.AWARDED
    locked.save(update_fields=["status", "updated_at"])
    Proposal.objects.filter(invitation__rfp=rfp).exclude(pk=locked.pk).filter(status__in=SUBMITTED_STATES).update(
        status=ProposalStatus.REJECTED, updated_at=now
    )
    RfpInvitation.objects.filter(pk=invitation.pk).update(outcome=InvitationOutcome.AWARDED, outcome_at=now)
    RfpInvitation.objects.filter(rfp=rfp).exclude(pk=invitation.pk).update(
        outcome=InvitationOutcome.NOT_AWARDED, outcome_at=now
    )
    rfp.status = RfpStatus.AWARDED
    rfp.awarded_at = now
    rfp.save(update_fields=["status", "awarded_at", "updated_at"])
    _notify_outcomes(rfp)
    return locked


@transaction.atomic
def rfp_cancel(*, rfp: Rfp, actor: User, reason: str) -> Rfp:
    locked = Rfp.objects.select_for_update().get(pk=rfp.pk)
    if locked.status != RfpStatus.OPEN:
        raise RfpError(_("This request for proposal is %(status)s.") % {"status": locked.get_status_display().lower()})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you cancel: the invited vendors read it.")})
    now = timezone.now()
    locked.status = RfpStatus.CANCELLED
    locked.instructions = (
        locked.instructions + "\n\n" + _("Cancelled: %(reason)s") % {"reason": reason[:REASON_MAX_LENGTH]}
    ).strip()
    locked.save(update_fields=["status", "instructions", "updated_at"])
    RfpInvitation.objects.filter(rfp=locked).update(outcome=InvitationOutcome.CANCELLED, outcome_at=now)
    Proposal.objects.filter(invitation__rfp=locked, status__in=SUBMITTED_STATES).update(
        status=ProposalStatus.REJECTED, updated_at=now
    )
    _notify_outcomes(locked)
    return locked


def _notify_outcomes(rfp: Rfp) -> None:
    subjects = {
        InvitationOutcome.AWARDED: _("You won: %(title)s"),
        InvitationOutcome.NOT_AWARDED: _("Outcome of the request for proposal: %(title)s"),
        InvitationOutcome.CANCELLED: _("Request for proposal cancelled: %(title)s"),
    }
    bodies = {
        InvitationOutcome.AWARDED: _("%(client)s awarded your proposal. The engagement is active: %(link)s\n"),
        InvitationOutcome.NOT_AWARDED: _(
            "%(client)s awarded this request for proposal to another vendor. Thank you for your answer: %(link)s\n"
        ),
        "not_awarded_unanswered": _("%(client)s awarded this request for proposal to another vendor: %(link)s\n"),
        InvitationOutcome.CANCELLED: _("%(client)s cancelled this request for proposal: %(link)s\n"),
    }
    client_name = rfp.client.name
    messages = {}
    for invitation in RfpInvitation.objects.filter(rfp=rfp):
        outcome = InvitationOutcome(invitation.outcome)
        link = _absolute(reverse("vendor_portal:invitation_detail", args=[invitation.pk]))
        body = bodies[outcome]
        if outcome == InvitationOutcome.NOT_AWARDED and invitation.status != InvitationStatus.SUBMITTED:
            body = bodies["not_awarded_unanswered"]
        messages[invitation.vendor_id] = (
            subjects[outcome] % {"title": rfp.title},
            body % {"client": client_name, "link": link},
        )
    _notify_vendors_on_commit(messages)
