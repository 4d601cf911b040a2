"""Engagements with their history, milestones and reviews."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from engagements.matching.models import MatchResult
from engagements.organizations.models import ClientOrganization
from engagements.requirements.models import Requirement
from kpo.bounds import TEXT_MAX, date_in_range, validate_date_in_range
from kpo.codes import (
    validate_currency,
)
from vendors.models import CURRENCY_SHAPE, Vendor


class EngagementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Engagement(models.Model):
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="engagements")
    # Denormalized from the requirement so every scoping query is one indexed filter.
    client = models.ForeignKey(ClientOrganization, on_delete=models.PROTECT, related_name="engagements")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engagements")
    match_result = models.ForeignKey(
        MatchResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="engagements"
    )
    # The awarded proposal this engagement came from (None when proposed from a shortlist).
    proposal = models.OneToOneField(
        "Proposal", on_delete=models.SET_NULL, null=True, blank=True, related_name="engagement"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.PROPOSED)
    agreed_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, validators=[validate_currency])
    fte = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    start_date = models.DateField(validators=[validate_date_in_range])
    end_date = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
    # The onshore benchmark when the engagement was awarded, per hour in `currency`
    # (matching.benchmark.benchmark_at_award): what its savings are measured against. Null: no
    # sound benchmark then (too few onshore rates), or an engagement awarded before it was recorded.
    benchmark_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True, editable=False)
    # Null (both) for an engagement awarded before the benchmark was recorded. Nullable without a
    # default or a check, so SQLite adds the columns in place (a table rebuild breaks the triggers
    # of other tables that touch this one).
    benchmark_basis = models.CharField(max_length=16, null=True, blank=True, editable=False)  # noqa: DJ001
    benchmark_size = models.IntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Delta sync: numbered by database triggers on every write (kpo/change_seq.py).
    change_seq = models.BigIntegerField(unique=True, editable=False, db_default=0)
    # The client's own id for this engagement (its ERP's), unique within the client.
    external_id = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"], name="engagement_client_status_idx"),
            models.Index(fields=["vendor", "status"], name="engagement_vendor_status_idx"),
            models.Index(fields=["updated_at", "id"], name="engagement_updated_idx"),
            models.Index(fields=["client", "change_seq"], name="engagement_client_seq_idx"),
            models.Index(fields=["vendor", "change_seq"], name="engagement_vendor_seq_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"],
                condition=~Q(external_id=""),
                name="engagement_external_id_unique_per_client",
            ),
            models.CheckConstraint(condition=Q(agreed_rate__gt=0), name="engagement_rate_positive"),
            models.CheckConstraint(condition=Q(fte__gt=0), name="engagement_fte_positive"),
            models.CheckConstraint(condition=date_in_range("start_date"), name="engagement_start_date_range"),
            models.CheckConstraint(condition=date_in_range("end_date"), name="engagement_end_date_range"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="engagement_dates_order"
            ),
            models.CheckConstraint(condition=Q(status__in=EngagementStatus.values), name="engagement_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="engagement_currency_shape"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor} for {self.requirement}"


class EngagementEvent(models.Model):
    """The engagement's timeline: status transitions and FTE changes, who and when."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        FTE = "fte", _("FTE change")
        DATES = "dates", _("Dates change")

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    from_value = models.CharField(max_length=40, blank=True)
    to_value = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["engagement", "created_at"], name="engagement_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_value} → {self.to_value}"

    def _value_label(self, value: str) -> str:
        """A stored value as the reader's language shows it: a status by its label,
        an FTE with the local decimal separator."""
        if self.kind == self.Kind.STATUS and value in EngagementStatus.values:
            return str(EngagementStatus(value).label)
        if self.kind == self.Kind.FTE:
            try:
                return formats.localize(Decimal(value))
            except ArithmeticError:
                return value
        return value

    @property
    def from_label(self) -> str:
        return self._value_label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._value_label(self.to_value)


class MilestoneStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    ACCEPTED = "accepted", _("Accepted")


class MilestoneParty(models.TextChoices):
    """Who declared a milestone delivered, or confirmed (accepted) it."""

    VENDOR = "vendor", _("the vendor")
    CLIENT = "client", _("the client")
    STAFF = "staff", _("KPO Match staff")


class Milestone(models.Model):
    """A deliverable of an engagement. It counts in the vendor's on-time record (matching's
    quality input) only once both parties agree it was delivered: one declares it delivered,
    the other confirms (docs/scoring.md, "Milestones"). Every change is recorded (`history`),
    so an edit after confirmation shows on the engagement's pages."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    due_date = models.DateField(validators=[validate_date_in_range])
    status = models.CharField(max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Null: not delivered (or accepted) yet, or before the side was recorded. Nullable without a
    # default, so SQLite adds the columns in place (a table rebuild drops the table's triggers).
    delivered_by = models.CharField(max_length=6, choices=MilestoneParty.choices, null=True, blank=True)  # noqa: DJ001
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=6, choices=MilestoneParty.choices, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MilestoneStatus.values), name="milestone_status_valid"),
            models.CheckConstraint(condition=date_in_range("due_date"), name="milestone_due_date_range"),
        ]

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    """The client's review of a completed engagement: one per engagement."""

    engagement = models.OneToOneField(Engagement, on_delete=models.CASCADE, related_name="review")
    # Denormalized from the engagement so a vendor's rating is one indexed aggregate.
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="review_vendor_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.vendor_id}"
