"""API shapes of requirements (DESIGN.md, "REST API v1").
Serializers validate and shape; services write."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.validators import MaxLengthValidator
from rest_framework import serializers

from engagements.matching.scoring import COMPONENTS, resolve_weights
from engagements.models import (
    Confidentiality,
    LocationClass,
    Requirement,
    RequirementStatus,
    SelectionMethod,
)
from kpo.api.serializers import StrictFieldsMixin
from kpo.bounds import DATE_MAX, DATE_MIN, HOURS_MAX, LIST_MAX, RATE_MAX
from kpo.codes import validate_country, validate_language
from vendors.models import Certification, ExpertiseArea, Seniority, Skill
from vendors.money import convertible_currency

if TYPE_CHECKING:
    from engagements.models import ClientOrganization


class CodeListField(serializers.ListField):
    def __init__(self, *, validator, **kwargs):
        super().__init__(child=serializers.CharField(max_length=8), **kwargs)
        self.code_validator = validator

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(set(values)) != len(values):
            raise serializers.ValidationError("Codes must not repeat.")
        errors = []
        for value in values:
            try:
                self.code_validator(value)
            except Exception as exc:  # noqa: BLE001 - Django ValidationError -> field error
                errors.append(" ".join(getattr(exc, "messages", [str(exc)])))
        if errors:
            raise serializers.ValidationError(errors)
        return values


class RequirementSkillSerializer(StrictFieldsMixin, serializers.Serializer):
    skill = serializers.SlugRelatedField(slug_field="code", queryset=Skill.objects.filter(is_active=True))
    min_proficiency = serializers.IntegerField(min_value=1, max_value=5, default=3)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0.01"), default=Decimal("1"))
    must_have = serializers.BooleanField(default=False)


class WeightsSerializer(serializers.Serializer):
    """Explicit weights per component (0-100); each overrides the selection method's."""

    expertise = serializers.FloatField(min_value=0, max_value=100, required=False)
    cost = serializers.FloatField(min_value=0, max_value=100, required=False)
    location = serializers.FloatField(min_value=0, max_value=100, required=False)
    quality = serializers.FloatField(min_value=0, max_value=100, required=False)
    capacity = serializers.FloatField(min_value=0, max_value=100, required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(COMPONENTS))
            if unknown:
                raise serializers.ValidationError(f"Unknown weight(s): {', '.join(unknown)}.")
        return super().to_internal_value(data)


class RequirementSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    client: "serializers.PrimaryKeyRelatedField[ClientOrganization]" = serializers.PrimaryKeyRelatedField(
        read_only=True
    )
    domain = serializers.SlugRelatedField(slug_field="code", queryset=ExpertiseArea.objects.all())
    skills = RequirementSkillSerializer(many=True, source="requirement_skills", max_length=LIST_MAX)  # type: ignore[call-arg]
    seniority = serializers.ChoiceField(choices=Seniority.choices, default=Seniority.SENIOR)
    budget_hourly_rate = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), max_value=RATE_MAX
    )
    currency = serializers.CharField(min_length=3, max_length=3)
    estimated_hours = serializers.IntegerField(min_value=1, max_value=HOURS_MAX)
    fte_needed = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.1"))
    location_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=LocationClass.choices), min_length=1, max_length=3, required=False
    )
    preferred_location_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=LocationClass.choices), max_length=3, required=False
    )
    excluded_countries = CodeListField(validator=validate_country, required=False, max_length=LIST_MAX)
    languages = CodeListField(validator=validate_language, required=False, max_length=LIST_MAX)
    min_timezone_overlap_hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("24"), required=False
    )
    required_certifications = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="code", queryset=Certification.objects.all()),
        required=False,
        validators=[MaxLengthValidator(LIST_MAX)],
    )
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    selection_method = serializers.ChoiceField(choices=SelectionMethod.choices, required=False)
    weights = WeightsSerializer(required=False)
    status = serializers.ChoiceField(choices=RequirementStatus.choices, required=False)

    class Meta:
        model = Requirement
        fields = [
            "id",
            "client",
            "title",
            "description",
            "domain",
            "skills",
            "seniority",
            "budget_hourly_rate",
            "currency",
            "estimated_hours",
            "fte_needed",
            "start_date",
            "location_classes",
            "preferred_location_classes",
            "excluded_countries",
            "languages",
            "min_timezone_overlap_hours",
            "required_certifications",
            "confidentiality",
            "selection_method",
            "weights",
            "status",
            "external_id",
            "change_seq",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "client", "change_seq", "created_at", "updated_at"]
        extra_kwargs = {
            "external_id": {"help_text": "Your system's id for this requirement (unique within your organization)."},
            "change_seq": {"help_text": "Change number: grows on every write; sync with `?since=`."},
            "start_date": {"help_text": f"Between {DATE_MIN} and {DATE_MAX}."},
        }

    def validate_external_id(self, value: str) -> str:
        """Unique within the client (the view passes it in the context); the
        database constraint backs this up against a concurrent write."""
        value = value.strip()
        client = self.context.get("client")
        if value and client is not None:
            taken = Requirement.objects.filter(client=client, external_id=value)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError("Another requirement of your organization has this external id.")
        return value

    def validate_currency(self, value: str) -> str:
        return convertible_currency(value)

    def validate_skills(self, rows: list[dict]) -> list[dict]:
        if not rows:
            raise serializers.ValidationError("Add at least one required skill.")
        codes = [row["skill"].code for row in rows]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("A skill may appear only once.")
        return rows

    def validate(self, attrs: dict) -> dict:
        method = attrs.get("selection_method") or (self.instance.selection_method if self.instance else "balanced")
        weights = attrs.get("weights", self.instance.weights if self.instance else {})
        try:
            resolve_weights(method, weights or None)
        except ValueError as exc:
            raise serializers.ValidationError({"weights": [str(exc)]}) from None
        allowed = attrs.get(
            "location_classes", self.instance.location_classes if self.instance else list(LocationClass.values)
        )
        preferred = attrs.get("preferred_location_classes", [])
        if set(preferred) - set(allowed):
            raise serializers.ValidationError(
                {"preferred_location_classes": ["Preferred classes must be among the allowed location classes."]}
            )
        if "requirement_skills" in attrs:
            attrs["skills"] = attrs.pop("requirement_skills")
        return attrs
