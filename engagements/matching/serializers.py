"""API shapes of match runs and their results (DESIGN.md, "REST API v1").
Serializers validate and shape; services write."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.matching.benchmark import benchmark_text
from engagements.matching.scoring import COMPONENTS, EXCLUSION_REASON_CODES
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


ComponentWeightsSchema = type(
    "MatchWeightsSerializer",
    (serializers.Serializer,),
    {name: serializers.FloatField(help_text="0-1; the five add up to 1") for name in COMPONENTS},
)


class MatchSiteSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    city = serializers.CharField()
    location_class = serializers.CharField(help_text="onshore, nearshore or offshore.")
    overlap_hours = serializers.FloatField(help_text="Working-hours overlap with the client, per day.")


class MatchExplanationSerializer(serializers.Serializer):
    """Why a vendor scored what it did (Scorer.explain): stored with each result, computed for the
    why-not answer of a vendor below the shortlist. Amounts are in the requirement's currency."""

    components = ComponentsSchema()
    weights = ComponentWeightsSchema()
    matched_skills = SkillMatchSerializer(many=True)
    missing_skills = SkillMatchSerializer(many=True)
    hourly_rate = serializers.FloatField(allow_null=True, help_text="null: the vendor publishes no rate.")
    rate_estimated = serializers.BooleanField(help_text="The rate of a nearby seniority, for want of this one.")
    estimated_cost = serializers.FloatField(allow_null=True)
    estimated_savings = serializers.FloatField(allow_null=True, help_text="Against the onshore benchmark.")
    benchmark_rate = serializers.FloatField(allow_null=True, help_text="The median onshore hourly rate.")
    savings_note = serializers.CharField(allow_null=True, help_text="Why no saving is estimated, if none is.")
    site = MatchSiteSerializer(allow_null=True, help_text="The best delivery centre for this requirement.")
    shared_languages = serializers.ListField(child=serializers.CharField(), help_text="ISO 639-1 codes.")
    bayesian_rating = serializers.FloatField()
    milestones_accepted = serializers.IntegerField()
    milestones_on_time = serializers.IntegerField()
    on_time_share = serializers.FloatField()
    domain_engagements = serializers.IntegerField()
    flags = MatchFlagSerializer(many=True)


WHY_NOT_STATUSES = ("ranked", "below_shortlist", "excluded", "unknown")


class MatchWhyNotSerializer(serializers.Serializer):
    """Why a vendor is where it is in a run: `vendor` and `status`, and by status: ranked (rank,
    score, explanation), below_shortlist (score, cutoff_score, explanation), excluded (reason) or
    unknown (message: the run has not started)."""

    # The schema's shape of runs.match_run_why_not's answer, which is served as the service returns it.

    vendor = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WHY_NOT_STATUSES)
    rank = serializers.IntegerField(required=False, min_value=1, help_text="ranked only.")
    score = serializers.FloatField(required=False, help_text="ranked and below_shortlist: 0-100.")
    cutoff_score = serializers.FloatField(
        required=False, allow_null=True, help_text="below_shortlist only: the last ranked vendor's score (null: none)."
    )
    explanation = MatchExplanationSerializer(required=False, help_text="ranked and below_shortlist.")
    reason = serializers.ChoiceField(choices=EXCLUSION_REASON_CODES, required=False, help_text="excluded only.")
    message = serializers.CharField(required=False, help_text="unknown only.")


class OnshoreBenchmarkSerializer(serializers.Serializer):
    hourly_rate = serializers.FloatField(
        allow_null=True, help_text="Median onshore rate (null: no sound sample, and no saving is estimated)."
    )
    sample_size = serializers.IntegerField(allow_null=True)
    basis = serializers.CharField(
        allow_null=True,
        help_text="domain_seniority (the onshore rates of the domain at the seniority), domain (of every "
        "seniority, scaled to the requested one), or none (fewer than min_sample rates either way); "
        "null for runs before 1.4.",
    )
    min_sample = serializers.IntegerField(
        allow_null=True, help_text="The rates a basis needs (MATCH_BENCHMARK_MIN_SAMPLE)."
    )
    exchange_rates_as_of = serializers.DateField(
        allow_null=True, help_text="When the exchange rates the rates were converted at were last set."
    )
    description = serializers.CharField(help_text="The benchmark and its basis in words, as the pages show it.")


class MatchParametersSerializer(serializers.Serializer):
    """What the run used, frozen at its start; empty ({}) until it starts. A value is null only
    for a run recorded before it was kept."""

    selection_method = serializers.CharField(required=False, allow_null=True)
    weights = ComponentWeightsSchema(required=False, allow_null=True)
    scoring_version = serializers.CharField(required=False, allow_null=True)
    currency = serializers.CharField(required=False, allow_null=True, help_text="ISO 4217: the amounts' currency.")
    exchange_rates = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text="Currency code to its rate against the base currency (decimal strings).",
    )
    onshore_benchmark = OnshoreBenchmarkSerializer(required=False)
    top_k = serializers.IntegerField(required=False, allow_null=True, help_text="How many vendors are ranked.")
    evaluated_on = serializers.DateField(required=False, allow_null=True, help_text="The date validity is checked on.")


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
    exclusions = _stored_json(
        {
            "type": "object",
            "description": "How many vendors each reason excluded (its first failing one): reason code to count. "
            "Codes: " + ", ".join(EXCLUSION_REASON_CODES) + ".",
            "additionalProperties": {"type": "integer", "minimum": 0},
        }
    )
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

    @extend_schema_field(MatchParametersSerializer)
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
            "onshore_benchmark": {
                "hourly_rate": p.get("benchmark_rate"),
                "sample_size": p.get("benchmark_size"),
                "basis": p.get("benchmark_basis"),
                "min_sample": p.get("benchmark_min_sample"),
                "exchange_rates_as_of": p.get("exchange_rates_as_of"),
                "description": benchmark_text(p, domain=run.requirement.domain.name),
            },
            "top_k": p.get("top_k"),
            "evaluated_on": p.get("on_date"),
        }
