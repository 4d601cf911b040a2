"""Requests for proposal: criteria, invitations, sealed proposals and evaluators' scores."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagements.matching.models import MatchResult, MatchRun
from engagements.organizations.models import ClientOrganization
from engagements.requirements.models import Requirement
from kpo.bounds import LONG_TEXT_MAX, TEXT_MAX, date_in_range, datetime_in_range, validate_date_in_range
from kpo.codes import (
    validate_currency,
)
from vendors.models import CURRENCY_SHAPE, Vendor


class RfpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class Rfp(models.Model):
    """A request for proposal: a client invites vendors from a shortlist to
    propose before a deadline. Proposals stay sealed from the client until the
    deadline or until every invitee has answered (`opened_at`), whichever is
    first; from then on they are final."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="rfps")
    client = models.ForeignKey(ClientOrganization, on_delete=models.CASCADE, related_name="rfps")
    match_run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="rfps")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, validators=[MaxLengthValidator(LONG_TEXT_MAX)])
    questions = models.JSONField(default=list, blank=True)
    deadline = models.DateTimeField(validators=[validate_date_in_range])
    status = models.CharField(max_length=10, choices=RfpStatus.choices, default=RfpStatus.OPEN)
    opened_at = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="rfp_client_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RfpStatus.values), name="rfp_status_valid"),
            models.CheckConstraint(condition=datetime_in_range("deadline"), name="rfp_deadline_range"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_for_bids(self, now=None) -> bool:
        """Vendors may submit, revise or decline."""
        now = now or timezone.now()
        return self.status == RfpStatus.OPEN and self.opened_at is None and now < self.deadline

    def is_unsealed(self, now=None) -> bool:
        """The client may read the proposals."""
        now = now or timezone.now()
        return self.opened_at is not None or now >= self.deadline or self.status != RfpStatus.OPEN


class EvaluationCriterion(models.Model):
    """A weighted criterion the client's evaluators score each proposal on (1-5)."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "name"], name="evaluation_criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="evaluation_criterion_weight"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    SUBMITTED = "submitted", _("Proposal submitted")
    DECLINED = "declined", _("Declined")


class InvitationOutcome(models.TextChoices):
    PENDING = "", _("Pending")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")
    CANCELLED = "cancelled", _("Cancelled")


class RfpInvitation(models.Model):
    """One vendor invited to one RFP. The vendor sees only its own invitation."""

    rfp = models.ForeignKey(Rfp, on_delete=models.CASCADE, related_name="invitations")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="rfp_invitations")
    match_result = models.ForeignKey(
        MatchResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="rfp_invitations"
    )
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.INVITED)
    decline_reason = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    responded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=InvitationOutcome.choices, default="", blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="rfp_invitation_vendor_idx")]
        constraints = [
            models.UniqueConstraint(fields=["rfp", "vendor"], name="rfp_invitation_unique_vendor"),
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="rfp_invitation_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=InvitationStatus.DECLINED) | ~Q(decline_reason=""),
                name="rfp_invitation_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_id} invited to {self.rfp_id}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    AWARDED = "awarded", _("Awarded")
    REJECTED = "rejected", _("Not awarded")


def proposal_attachment_path(instance: "Proposal", filename: str) -> str:
    # A random name: the vendor's file name is kept in `attachment_name` for display only.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"proposals/{instance.invitation.rfp_id}/{uuid.uuid4().hex}.{suffix}"


class Proposal(models.Model):
    """The one proposal of an invited vendor: a draft until submitted; revisable
    until the RFP closes for bids. The vendor's offer: an hourly rate in its
    currency, the FTE, a start date, its approach and answers to the questions."""

    invitation = models.OneToOneField(RfpInvitation, on_delete=models.CASCADE, related_name="proposal")
    status = models.CharField(max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    fte = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(Decimal("0.1"))]
    )
    start_date = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    approach = models.TextField(blank=True, validators=[MaxLengthValidator(LONG_TEXT_MAX)])
    answers = models.JSONField(default=list, blank=True)
    attachment = models.FileField(upload_to=proposal_attachment_path, blank=True, max_length=200)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Recorded at each submission: what one unit of `currency` was worth in the requirement's
    # currency, and when those rates were last set. The bid is compared and scored at this
    # rate, whatever the rates do afterwards (null: no rate for the currency then, or a
    # proposal submitted before the rate was recorded).
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True, editable=False)
    exchange_rates_as_of = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="proposal_currency_shape"),
            models.CheckConstraint(condition=date_in_range("start_date"), name="proposal_start_date_range"),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.DRAFT)
                | Q(hourly_rate__isnull=False, fte__isnull=False, start_date__isnull=False, submitted_at__isnull=False),
                name="proposal_submitted_is_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.pk} ({self.status})"


class ProposalScore(models.Model):
    """One evaluator's score of one proposal on one criterion. Each evaluator
    scores alone: nobody sees another's scores until they have scored too."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_scores")
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "criterion", "evaluator"], name="proposal_score_one_per_evaluator"
            ),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="proposal_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.score} on {self.criterion_id} by {self.evaluator_id}"
