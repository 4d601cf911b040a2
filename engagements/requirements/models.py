"""Requirements: a client's need, with the skills, budget, locations and weights matching scores against."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from engagements.organizations.models import ClientOrganization
from kpo.bounds import HOURS_MAX, RATE_MAX, TEXT_MAX, date_in_range, validate_date_in_range
from kpo.codes import (
    validate_country_list,
    validate_currency,
    validate_language_list,
)
from vendors.models import CURRENCY_SHAPE, Certification, ExpertiseArea, Seniority, Skill


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
    description = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX)])
    domain = models.ForeignKey(ExpertiseArea, on_delete=models.PROTECT, related_name="requirements")
    skills = models.ManyToManyField(Skill, through="RequirementSkill", related_name="requirements", blank=True)
    seniority = models.CharField(max_length=10, choices=Seniority.choices, default=Seniority.SENIOR)
    budget_hourly_rate = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(RATE_MAX)]
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    estimated_hours = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(HOURS_MAX)])
    fte_needed = models.DecimalField(max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.1"))])
    start_date = models.DateField(null=True, blank=True, validators=[validate_date_in_range])
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
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
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
            models.CheckConstraint(condition=Q(estimated_hours__lte=HOURS_MAX), name="requirement_hours_bounded"),
            models.CheckConstraint(condition=Q(budget_hourly_rate__lte=RATE_MAX), name="requirement_budget_bounded"),
            models.CheckConstraint(condition=date_in_range("start_date"), name="requirement_start_date_range"),
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
