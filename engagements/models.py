"""Demand side: client organizations, memberships and team invitations,
requirements, matching, requests for proposal with sealed proposals and their
evaluation, engagements with their history, milestones and reviews, webhooks."""

import uuid
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kpo.codes import (
    validate_country,
    validate_country_list,
    validate_currency,
    validate_language_list,
    validate_timezone,
)
from vendors.models import COUNTRY_SHAPE, CURRENCY_SHAPE, Certification, ExpertiseArea, Seniority, Skill, Vendor


class ClientOrganization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    country = models.CharField(max_length=2, validators=[validate_country])
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    working_hours_start = models.TimeField(default=time(9, 0))
    working_hours_end = models.TimeField(default=time(17, 0))
    currency = models.CharField(max_length=3, validators=[validate_currency])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(working_hours_end__gt=F("working_hours_start")), name="client_working_hours_order"
            ),
            models.CheckConstraint(condition=Q(country__regex=COUNTRY_SHAPE), name="client_country_shape"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="client_currency_shape"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    MANAGER = "manager", _("Procurement manager")
    ADMIN = "admin", _("Vendor admin")
    EDITOR = "editor", _("Vendor editor")


CLIENT_ROLES = [Role.MANAGER]
VENDOR_ROLES = [Role.ADMIN, Role.EDITOR]


class Membership(models.Model):
    """A user belongs to exactly one organization: a client (as manager) or a
    vendor firm (as admin or editor). The database enforces the pairing."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    client = models.ForeignKey(
        ClientOrganization, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(client__isnull=False, vendor__isnull=True, role__in=CLIENT_ROLES)
                    | Q(client__isnull=True, vendor__isnull=False, role__in=VENDOR_ROLES)
                ),
                name="membership_one_organization_with_matching_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.client or self.vendor}"

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @property
    def is_vendor(self) -> bool:
        return self.vendor_id is not None


class LocationClass(models.TextChoices):
    ONSHORE = "onshore", _("Onshore")
    NEARSHORE = "nearshore", _("Nearshore")
    OFFSHORE = "offshore", _("Offshore")


class Confidentiality(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class SelectionMethod(models.TextChoices):
    BALANCED = "balanced", _("Balanced")
    QUALITY_COST_80_20 = "quality_cost_80_20", _("Quality and cost 80/20")
    QUALITY_ONLY = "quality_only", _("Quality only")
    FIXED_BUDGET = "fixed_budget", _("Best quality within a fixed budget")
    LEAST_COST = "least_cost", _("Least cost above a minimum expertise")


class RequirementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


WEIGHT_KEYS = ("expertise", "cost", "location", "quality", "capacity")


def all_location_classes() -> list[str]:
    return list(LocationClass.values)


class Requirement(models.Model):
    """A client need: what expertise, at what seniority and budget, from where."""

    client = models.ForeignKey(ClientOrganization, on_delete=models.CASCADE, related_name="requirements")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    domain = models.ForeignKey(ExpertiseArea, on_delete=models.PROTECT, related_name="requirements")
    skills = models.ManyToManyField(Skill, through="RequirementSkill", related_name="requirements", blank=True)
    seniority = models.CharField(max_length=10, choices=Seniority.choices, default=Seniority.SENIOR)
    budget_hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    estimated_hours = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    fte_needed = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    start_date = models.DateField(null=True, blank=True)
    location_classes = models.JSONField(default=all_location_classes)
    # Allowed classes that score best (empty: no preference among the allowed ones).
    preferred_location_classes = models.JSONField(default=list, blank=True)
    excluded_countries = models.JSONField(default=list, blank=True, validators=[validate_country_list])
    languages = models.JSONField(default=list, blank=True, validators=[validate_language_list])
    min_timezone_overlap_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    required_certifications = models.ManyToManyField(Certification, related_name="requirements", blank=True)
    confidentiality = models.CharField(max_length=10, choices=Confidentiality.choices, default=Confidentiality.MEDIUM)
    selection_method = models.CharField(
        max_length=24, choices=SelectionMethod.choices, default=SelectionMethod.BALANCED
    )
    # Explicit weights {expertise, cost, location, quality, capacity}; empty means the method's defaults.
    weights = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RequirementStatus.choices, default=RequirementStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Delta sync: numbered by database triggers on every write (kpo/change_seq.py).
    change_seq = models.BigIntegerField(unique=True, editable=False, db_default=0)
    # The client's own id for this requirement (its ERP's), unique within the client.
    external_id = models.CharField(max_length=100, blank=True, db_index=True)

    history = HistoricalRecords(excluded_fields=["change_seq"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status"], name="requirement_client_status_idx"),
            models.Index(fields=["updated_at", "id"], name="requirement_updated_idx"),
            models.Index(fields=["client", "change_seq"], name="requirement_client_seq_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"],
                condition=~Q(external_id=""),
                name="requirement_external_id_unique_per_client",
            ),
            models.CheckConstraint(condition=Q(budget_hourly_rate__gt=0), name="requirement_budget_positive"),
            models.CheckConstraint(condition=Q(estimated_hours__gt=0), name="requirement_hours_positive"),
            models.CheckConstraint(condition=Q(fte_needed__gt=0), name="requirement_fte_positive"),
            models.CheckConstraint(
                condition=Q(min_timezone_overlap_hours__gte=0, min_timezone_overlap_hours__lte=24),
                name="requirement_overlap_range",
            ),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="requirement_currency_shape"),
            models.CheckConstraint(condition=Q(status__in=RequirementStatus.values), name="requirement_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title


class RequirementSkill(models.Model):
    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="requirement_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="requirement_skills")
    min_proficiency = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    must_have = models.BooleanField(default=False)

    class Meta:
        ordering = ["-must_have", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "skill"], name="requirement_skill_unique"),
            models.CheckConstraint(
                condition=Q(min_proficiency__gte=1, min_proficiency__lte=5), name="requirement_skill_proficiency_range"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="requirement_skill_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.skill} ≥ {self.min_proficiency}"


class MatchRunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class MatchRun(models.Model):
    """One scoring of the vendor pool against a requirement. The row is also the
    outbox of its Celery task: a run still pending after the broker was down is
    dispatched again by the sweeper."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="match_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MatchRunStatus.choices, default=MatchRunStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id holding the run, and until when: a redelivery of the same
    # message may take it over (its worker died); another message may not.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    chunk_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    candidates_total = models.PositiveIntegerField(default=0)
    candidates_eligible = models.PositiveIntegerField(default=0)
    exclusions = models.JSONField(default=dict, blank=True)
    # Everything the run used (weights, method, scoring version, exchange rates,
    # onshore benchmark), so a past ranking can be explained after profiles change.
    parameters = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    # One sentence on the outcome, e.g. why a run has no results.
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a vendor on this shortlist changed its profile after the run
    # (vendors.signals.vendor_changed): the page prompts a re-run.
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="match_run_status_idx"),
            models.Index(fields=["requirement", "-created_at"], name="match_run_requirement_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="match_run_progress_range"),
            models.CheckConstraint(condition=Q(status__in=MatchRunStatus.values), name="match_run_status_valid"),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.requirement_id} ({self.status})"

    def describe(self) -> str:
        """One sentence on a finished run's outcome, in the active language (the
        stored `summary` is this sentence in English, for the API)."""
        from django.utils.translation import gettext, ngettext

        total, eligible = self.candidates_total, self.candidates_eligible
        if total == 0:
            return gettext("The pool has no active vendors, so there is nothing to rank.")
        if eligible == 0:
            reason, count = (
                max(self.exclusions.items(), key=lambda item: (item[1], item[0])) if self.exclusions else ("", 0)
            )
            return ngettext(
                "All %(total)d active vendor was excluded; the most common reason: %(reason)s (%(count)d).",
                "All %(total)d active vendors were excluded; the most common reason: %(reason)s (%(count)d).",
                total,
            ) % {"total": total, "reason": reason, "count": count}
        shown = min(eligible, (self.parameters or {}).get("top_k") or eligible)
        return ngettext(
            "%(eligible)d of %(total)d active vendors qualified; the best %(shown)d is ranked.",
            "%(eligible)d of %(total)d active vendors qualified; the best %(shown)d are ranked.",
            shown,
        ) % {"eligible": eligible, "total": total, "shown": shown}


class MatchRunChunk(models.Model):
    """One primary-key range of the vendor pool, scored by its own task when a
    run fans out. Completion is counted on the run row (no Redis chord)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    lo_id = models.BigIntegerField()
    hi_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The chunk's partial outcome: its top-K scored vendors, exclusion counts, totals.
    outcome = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="match_run_chunk_unique_index"),
            models.CheckConstraint(condition=Q(hi_id__gte=F("lo_id")), name="match_run_chunk_range_order"),
        ]
        indexes = [models.Index(fields=["status", "claimed_until"], name="match_run_chunk_status_idx")]

    def __str__(self) -> str:
        return f"Chunk {self.index} of run {self.run_id} ({self.status})"


class MatchResult(models.Model):
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="results")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="match_results")
    rank = models.PositiveIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    components = models.JSONField(default=dict)
    matched_skills = models.JSONField(default=list)
    missing_skills = models.JSONField(default=list)
    flags = models.JSONField(default=list)
    currency = models.CharField(max_length=3, validators=[validate_currency])
    estimated_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    estimated_savings = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "rank"], name="match_result_unique_rank"),
            models.UniqueConstraint(fields=["run", "vendor"], name="match_result_unique_vendor"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="match_result_score_range"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="match_result_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.vendor_id} ({self.score})"


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
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Delta sync: numbered by database triggers on every write (kpo/change_seq.py).
    change_seq = models.BigIntegerField(unique=True, editable=False, db_default=0)
    # The client's own id for this engagement (its ERP's), unique within the client.
    external_id = models.CharField(max_length=100, blank=True, db_index=True)

    class Meta:
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


class Milestone(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=MilestoneStatus.choices, default=MilestoneStatus.PENDING)
    delivered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MilestoneStatus.values), name="milestone_status_valid"),
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
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["vendor", "-created_at"], name="review_vendor_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.vendor_id}"


class WebhookEvent(models.TextChoices):
    MATCH_RUN_SUCCEEDED = "match_run.succeeded", "match_run.succeeded"
    MATCH_RUN_FAILED = "match_run.failed", "match_run.failed"
    ENGAGEMENT_UPDATED = "engagement.updated", "engagement.updated"
    PROPOSAL_SUBMITTED = "proposal.submitted", "proposal.submitted"
    VENDOR_UPDATED = "vendor.updated", "vendor.updated"


class WebhookEndpoint(models.Model):
    client = models.ForeignKey(ClientOrganization, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=128)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """An outbox row: written in the transaction of the change it reports,
    delivered (and retried with backoff) by a Celery task."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


# -- vendor team invitations -----------------------------------------------------------


class TeamInvitation(models.Model):
    """A vendor admin invites a colleague by email. The link carries a random
    token; only its SHA-256 is stored, so the table cannot be used to join. One
    use, until `expires_at`."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="team_invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=[(r.value, r.label) for r in VENDOR_ROLES])
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=VENDOR_ROLES), name="team_invitation_vendor_role"),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.vendor_id} ({self.role})"


# -- requests for proposal --------------------------------------------------------------


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
    instructions = models.TextField(blank=True)
    questions = models.JSONField(default=list, blank=True)
    deadline = models.DateTimeField()
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
    decline_reason = models.TextField(blank=True)
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
    start_date = models.DateField(null=True, blank=True)
    approach = models.TextField(blank=True)
    answers = models.JSONField(default=list, blank=True)
    attachment = models.FileField(upload_to=proposal_attachment_path, blank=True, max_length=200)
    attachment_name = models.CharField(max_length=200, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProposalStatus.values), name="proposal_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_SHAPE), name="proposal_currency_shape"),
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
