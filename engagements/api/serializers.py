"""API shapes for requirements and match runs (DESIGN.md, "REST API v1").
Serializers validate and shape; services write."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.matching.scoring import COMPONENTS, resolve_weights
from engagements.models import (
    Confidentiality,
    LocationClass,
    MatchResult,
    MatchRun,
    Requirement,
    RequirementStatus,
    SelectionMethod,
)
from kpo.api.serializers import StrictFieldsMixin
from kpo.codes import validate_country, validate_currency, validate_language
from vendors.models import Certification, ExchangeRate, ExpertiseArea, Seniority, Skill


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
    client = serializers.PrimaryKeyRelatedField(read_only=True)
    domain = serializers.SlugRelatedField(slug_field="code", queryset=ExpertiseArea.objects.all())
    skills = RequirementSkillSerializer(many=True, source="requirement_skills")
    seniority = serializers.ChoiceField(choices=Seniority.choices, default=Seniority.SENIOR)
    budget_hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.CharField(min_length=3, max_length=3)
    estimated_hours = serializers.IntegerField(min_value=1)
    fte_needed = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.1"))
    location_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=LocationClass.choices), min_length=1, required=False
    )
    preferred_location_classes = serializers.ListField(
        child=serializers.ChoiceField(choices=LocationClass.choices), required=False
    )
    excluded_countries = CodeListField(validator=validate_country, required=False)
    languages = CodeListField(validator=validate_language, required=False)
    min_timezone_overlap_hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("24"), required=False
    )
    required_certifications = serializers.SlugRelatedField(
        slug_field="code", queryset=Certification.objects.all(), many=True, required=False
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
        value = value.upper()
        try:
            validate_currency(value)
        except Exception as exc:  # noqa: BLE001
            raise serializers.ValidationError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        if not ExchangeRate.objects.filter(currency=value).exists():
            raise serializers.ValidationError(f"No exchange rate for {value}: matching could not convert rates.")
        return value

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


class VendorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()


# The shapes of a result's stored JSON (engagements/matching/scoring.py, Scorer.explain),
# for the schema only: the values are served as stored.
ComponentsSchema = type(
    "MatchComponentsSerializer",
    (serializers.Serializer,),
    {name: serializers.FloatField(help_text="0-100") for name in COMPONENTS},
)


class SkillMatchSerializer(serializers.Serializer):
    skill = serializers.CharField(help_text="Skill code.")
    proficiency = serializers.IntegerField(help_text="The vendor's, 0 when it lacks the skill.")
    years_experience = serializers.IntegerField()
    min_proficiency = serializers.IntegerField()
    must_have = serializers.BooleanField()


MATCH_FLAG_CODES = ("ip_security", "communication", "quality")
MATCH_FLAG_CAUSES = ("overlap", "language")


class MatchFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=MATCH_FLAG_CODES)
    message = serializers.CharField()
    cause = serializers.ChoiceField(choices=MATCH_FLAG_CAUSES, required=False, help_text="communication only")
    overlap_hours = serializers.FloatField(required=False, help_text="communication (overlap) only")
    review_count = serializers.IntegerField(required=False, help_text="quality only")
    verified = serializers.BooleanField(required=False, help_text="quality only")


def _stored_json(schema) -> serializers.JSONField:
    """A stored JSON value served as it is, documented in the schema as `schema`
    (on a subclass of its own: the schema override is set on the class)."""
    field_class = type("StoredJSONField", (serializers.JSONField,), {})
    return extend_schema_field(schema)(field_class)(read_only=True)


class MatchResultSerializer(serializers.ModelSerializer):
    vendor = VendorRefSerializer()
    score = serializers.FloatField()
    components = _stored_json(ComponentsSchema)
    estimated_cost = serializers.SerializerMethodField()
    estimated_savings = serializers.SerializerMethodField()
    matched_skills = _stored_json(SkillMatchSerializer(many=True))
    missing_skills = _stored_json(SkillMatchSerializer(many=True))
    flags = _stored_json(MatchFlagSerializer(many=True))

    class Meta:
        model = MatchResult
        fields = [
            "rank",
            "vendor",
            "score",
            "components",
            "estimated_cost",
            "estimated_savings",
            "matched_skills",
            "missing_skills",
            "flags",
        ]

    def _money(self, amount, currency):
        return None if amount is None else {"amount": str(amount), "currency": currency}

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_estimated_cost(self, result) -> dict | None:
        return self._money(result.estimated_cost, result.currency)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_estimated_savings(self, result) -> dict | None:
        return self._money(result.estimated_savings, result.currency)


class MatchRunSerializer(serializers.ModelSerializer):
    """The DESIGN.md shape, plus `summary` (one sentence on the outcome) and
    `parameters` (what the run used: method, weights, scoring version, exchange
    rates, onshore benchmark)."""

    results = MatchResultSerializer(many=True, read_only=True)
    parameters = serializers.SerializerMethodField()

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "requirement",
            "status",
            "progress",
            "candidates_total",
            "candidates_eligible",
            "exclusions",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "results",
            "summary",
            "parameters",
            "stale_since",
        ]
        read_only_fields = ["summary", "stale_since"]

    def get_parameters(self, run) -> dict:
        p = run.parameters or {}
        if not p:
            return {}
        return {
            "selection_method": p.get("method"),
            "weights": p.get("weights"),
            "scoring_version": p.get("scoring_version"),
            "currency": p.get("currency"),
            "exchange_rates": p.get("exchange_rates"),
            "onshore_benchmark": {"hourly_rate": p.get("benchmark_rate"), "sample_size": p.get("benchmark_size")},
            "top_k": p.get("top_k"),
            "evaluated_on": p.get("on_date"),
        }
