"""API shapes of match runs and their results (DESIGN.md, "REST API v1").
Serializers validate and shape; services write."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.matching.scoring import COMPONENTS
from engagements.models import (
    MatchResult,
    MatchRun,
)
from kpo.bounds import MONEY_DIGITS


class VendorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class MoneySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
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
