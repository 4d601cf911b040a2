"""API shapes for requests for proposal, proposals and their evaluation.

Input serializers check shape and the caller's scope (a match run of the
caller's organization, vendors on that run's shortlist); the services in
`engagements.rfp.services` check state and write. Output serializers shape
rows the selectors fetched: they never query on their own (the views pin the
query counts)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.matching.serializers import VendorRefSerializer
from engagements.models import (
    InvitationStatus,
    MatchResult,
    MatchRun,
    Proposal,
    ProposalStatus,
    Rfp,
    RfpInvitation,
    RfpStatus,
)
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import services as rfp_services
from kpo.api.serializers import StrictFieldsMixin
from kpo.bounds import ID_MAX, LIST_MAX, LONG_TEXT_MAX, MONEY_DIGITS, validate_date_in_range
from vendors.money import convertible_currency

INSTRUCTIONS_MAX_LENGTH = LONG_TEXT_MAX
MAX_CRITERIA = 10
SCORE_COMMENT_MAX_LENGTH = 500


def _status_field(model_choices) -> serializers.CharField:
    # A plain string documented with its values: one ChoiceField named "status" per
    # state machine (RFP, invitation, proposal, requirement, run) across several
    # components makes drf-spectacular warn about enum names, and the deploy
    # check fails on schema warnings.
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(model_choices.values) + ".")


def _messages(exc: DjangoValidationError) -> list[str]:
    return list(exc.messages)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its UTC offset: a deadline read in whichever
    time zone the server happens to use would be a different moment."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-05-01T17:00:00+02:00.",
    }


# -- client side: input ----------------------------------------------------------------------


class CriterionInputSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.IntegerField(min_value=1, max_value=100)


class RfpCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """`match_run` must be a run of the caller's organization (the view passes
    the scoped queryset); `vendors` must be active vendors on its shortlist."""

    match_run = serializers.PrimaryKeyRelatedField(queryset=MatchRun.objects.none())
    vendors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX),
        min_length=1,
        max_length=rfp_services.MAX_INVITEES,
    )
    deadline = AwareDateTimeField(validators=[validate_date_in_range])
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    instructions = serializers.CharField(
        max_length=INSTRUCTIONS_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    questions = serializers.ListField(
        child=serializers.CharField(max_length=rfp_services.QUESTION_MAX_LENGTH),
        max_length=rfp_services.MAX_QUESTIONS,
        required=False,
        default=list,
    )
    # many=True hands max_length to the ListSerializer (DRF's LIST_SERIALIZER_KWARGS), but the
    # stubs' BaseSerializer.__init__ does not accept it.
    criteria = CriterionInputSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=MAX_CRITERIA,
        help_text="Weighted criteria the evaluators score 1-5; empty: the defaults "
        "(approach and expertise 40, team and delivery 30, cost 30).",
    )

    def __init__(self, *args, match_runs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if match_runs is not None:
            self.fields["match_run"].queryset = match_runs

    def validate_vendors(self, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("A vendor may appear only once.")
        return value

    def validate_deadline(self, value):
        try:
            rfp_services.check_deadline(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value

    def validate_criteria(self, value: list[dict]) -> list[dict]:
        names = [row["name"].strip().casefold() for row in value]
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Criterion names must be different.")
        return value

    def validate(self, attrs: dict) -> dict:
        run = attrs["match_run"]
        on_shortlist = set(
            MatchResult.objects.filter(run=run, vendor_id__in=attrs["vendors"], vendor__is_active=True).values_list(
                "vendor_id", flat=True
            )
        )
        unknown = [vendor_id for vendor_id in attrs["vendors"] if vendor_id not in on_shortlist]
        if unknown:
            raise serializers.ValidationError(
                {
                    "vendors": [
                        "Not active vendors on this shortlist: " + ", ".join(str(v) for v in unknown) + ".",
                    ]
                }
            )
        attrs["criteria"] = [
            rfp_services.CriterionInput(name=row["name"].strip(), weight=row["weight"])
            for row in attrs.get("criteria") or []
        ]
        return attrs


class RfpCancelSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=rfp_services.REASON_MAX_LENGTH)


class RfpAwardSerializer(StrictFieldsMixin, serializers.Serializer):
    proposal = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    note = serializers.CharField(
        max_length=rfp_services.REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class ProposalShortlistSerializer(StrictFieldsMixin, serializers.Serializer):
    shortlisted = serializers.BooleanField()


class ScoreInputSerializer(StrictFieldsMixin, serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=SCORE_COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="")


class ProposalScoresSerializer(StrictFieldsMixin, serializers.Serializer):
    """The caller's own scores of one proposal: one row per criterion of the RFP."""

    # min_length: what allow_empty=False enforces, stated in the schema (minItems).
    scores = ScoreInputSerializer(many=True, allow_empty=False, min_length=1, max_length=LIST_MAX)  # type: ignore[call-arg]

    def validate_scores(self, rows: list[dict]) -> list[dict]:
        criteria = [row["criterion"] for row in rows]
        if len(set(criteria)) != len(criteria):
            raise serializers.ValidationError("Score each criterion once.")
        return rows


# -- client side: output ---------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField()


class ClientInvitationSerializer(serializers.ModelSerializer):
    """An invitee as the client sees it: who answered, never what (until unsealed,
    and then through /rfps/{id}/proposals/)."""

    status = _status_field(InvitationStatus)
    vendor = VendorRefSerializer()

    class Meta:
        model = RfpInvitation
        fields = ["id", "vendor", "status", "decline_reason", "responded_at", "outcome"]


class RfpListSerializer(serializers.ModelSerializer):
    status = _status_field(RfpStatus)
    sealed = serializers.SerializerMethodField()
    invited_count = serializers.IntegerField()
    answered_count = serializers.IntegerField()

    class Meta:
        model = Rfp
        fields = [
            "id",
            "requirement",
            "match_run",
            "title",
            "deadline",
            "status",
            "sealed",
            "opened_at",
            "awarded_at",
            "invited_count",
            "answered_count",
            "created_at",
            "updated_at",
        ]

    def get_sealed(self, rfp: Rfp) -> bool:
        return not rfp.is_unsealed()


class RfpSerializer(serializers.ModelSerializer):
    status = _status_field(RfpStatus)
    sealed = serializers.SerializerMethodField()
    questions = serializers.ListField(child=serializers.CharField())
    criteria = CriterionSerializer(many=True)
    invitations = ClientInvitationSerializer(many=True)

    class Meta:
        model = Rfp
        fields = [
            "id",
            "requirement",
            "match_run",
            "title",
            "instructions",
            "questions",
            "deadline",
            "status",
            "sealed",
            "opened_at",
            "awarded_at",
            "criteria",
            "invitations",
            "created_at",
            "updated_at",
        ]

    def get_sealed(self, rfp: Rfp) -> bool:
        return not rfp.is_unsealed()


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.URLField()


def attachment_data(proposal: Proposal, request) -> dict | None:
    if not proposal.attachment:
        return None
    path = reverse("api-proposal-attachment", args=[proposal.pk])
    return {
        "name": proposal.attachment_name,
        "size": proposal.attachment_size,
        "url": request.build_absolute_uri(path) if request is not None else path,
    }


class MatchSummarySerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    components = serializers.DictField(child=serializers.FloatField())


class ConvertedCostSerializer(serializers.Serializer):
    hourly_rate = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    total = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=0, allow_null=True)
    currency = serializers.CharField()


class BidScoreSerializer(serializers.Serializer):
    exchange_rate = serializers.DecimalField(
        max_digits=24,
        decimal_places=12,
        allow_null=True,
        help_text="What one unit of the proposal's currency is worth in the requirement's, as used "
        "for `cost_in_requirement_currency`: recorded when the proposal was submitted "
        "(`rates_recorded`), else today's. Null: no rate for the currency.",
    )
    exchange_rates_as_of = serializers.DateTimeField(allow_null=True, help_text="When those rates were last set.")
    rates_recorded = serializers.BooleanField()
    cost_fit = serializers.FloatField(
        allow_null=True, help_text="The cost component (0-100) computed from the bid, not from the rate card."
    )
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        allow_null=True,
        help_text="The match's total with the bid's cost fit (the run's weights); null without a match result.",
    )
    over_budget = serializers.BooleanField(help_text="The bid's hourly rate is above the requirement's budget.")


class RateCardReferenceSerializer(serializers.Serializer):
    hourly_rate = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    currency = serializers.CharField()
    hourly_rate_in_requirement_currency = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, allow_null=True, help_text="At today's rates."
    )


class MyScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    score = serializers.IntegerField()
    comment = serializers.CharField()


class EvaluatedProposalSerializer(serializers.Serializer):
    """One submitted proposal in the side-by-side evaluation, fed by one
    `rfp_evaluation` column (instance) with the requirement's currency in the
    context. The panel's average shows only once the caller has scored the
    proposal on every criterion: each evaluator scores alone."""

    id = serializers.IntegerField(source="proposal.pk")
    invitation = serializers.IntegerField(source="invitation.pk")
    vendor = VendorRefSerializer(source="invitation.vendor")
    status = serializers.CharField(
        source="proposal.status", help_text="One of: " + ", ".join(ProposalStatus.values) + "."
    )
    hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, source="proposal.hourly_rate")
    currency = serializers.CharField(source="proposal.currency")
    fte = serializers.DecimalField(max_digits=6, decimal_places=1, source="proposal.fte")
    start_date = serializers.DateField(source="proposal.start_date")
    approach = serializers.CharField(source="proposal.approach")
    answers = serializers.ListField(child=serializers.CharField(allow_blank=True), source="proposal.answers")
    attachment = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(source="proposal.submitted_at")
    revision = serializers.IntegerField(source="proposal.revision")
    match = serializers.SerializerMethodField()
    cost_in_requirement_currency = serializers.SerializerMethodField()
    bid = serializers.SerializerMethodField()
    rate_card = serializers.SerializerMethodField()
    my_scores = serializers.SerializerMethodField()
    my_weighted_score = serializers.DecimalField(max_digits=5, decimal_places=1, source="my_weighted", allow_null=True)
    panel_weighted_score = serializers.SerializerMethodField()
    panel_size = serializers.IntegerField()

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, column) -> dict | None:
        return attachment_data(column.proposal, self.context.get("request"))

    @extend_schema_field(MatchSummarySerializer)
    def get_match(self, column) -> dict:
        return {
            "score": None if column.match_score is None else str(column.match_score),
            "components": column.components or {},
        }

    @extend_schema_field(ConvertedCostSerializer(allow_null=True))
    def get_cost_in_requirement_currency(self, column) -> dict | None:
        if column.rate_converted is None:
            return None
        return {
            "hourly_rate": str(column.rate_converted),
            "total": None if column.cost_converted is None else str(column.cost_converted),
            "currency": self.context["currency"],
        }

    @extend_schema_field(BidScoreSerializer)
    def get_bid(self, column) -> dict:
        """The proposal scored on its price: the `match` components are the run's, from the rate card."""
        return {
            "exchange_rate": None if column.exchange_rate is None else str(column.exchange_rate),
            "exchange_rates_as_of": (
                None
                if column.rates_as_of is None
                else serializers.DateTimeField().to_representation(column.rates_as_of)
            ),
            "rates_recorded": column.rates_recorded,
            "cost_fit": column.cost_fit,
            "score": None if column.bid_score is None else str(column.bid_score),
            "over_budget": column.over_budget,
        }

    @extend_schema_field(RateCardReferenceSerializer(allow_null=True))
    def get_rate_card(self, column) -> dict | None:
        """The vendor's rate card for the requirement's seniority, for reference beside the bid."""
        if column.card_rate is None:
            return None
        return {
            "hourly_rate": str(column.card_rate),
            "currency": column.card_currency,
            "hourly_rate_in_requirement_currency": (
                None if column.card_rate_converted is None else str(column.card_rate_converted)
            ),
        }

    @extend_schema_field(MyScoreSerializer(many=True))
    def get_my_scores(self, column) -> list:
        rows = sorted(column.my_scores.values(), key=lambda row: row.criterion_id)
        # many=True builds a ListSerializer (its data a ReturnList); the stubs type the call as MyScoreSerializer.
        return MyScoreSerializer(rows, many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True))
    def get_panel_weighted_score(self, column) -> str | None:
        if not column.can_see_panel or column.panel_weighted is None:
            return None
        return str(column.panel_weighted)


class AwardResultSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    proposal_status = serializers.CharField()
    rfp_status = serializers.CharField()
    engagement = serializers.IntegerField()


# -- vendor side -----------------------------------------------------------------------------


class OwnProposalSerializer(serializers.ModelSerializer):
    """The vendor's own proposal (draft or submitted)."""

    status = _status_field(ProposalStatus)
    answers = serializers.ListField(child=serializers.CharField(allow_blank=True))
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = [
            "id",
            "status",
            "hourly_rate",
            "currency",
            "fte",
            "start_date",
            "approach",
            "answers",
            "attachment",
            "revision",
            "submitted_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, proposal: Proposal) -> dict | None:
        return attachment_data(proposal, self.context.get("request"))


class ProposalSummarySerializer(serializers.ModelSerializer):
    status = _status_field(ProposalStatus)

    class Meta:
        model = Proposal
        fields = ["id", "status", "revision", "submitted_at", "updated_at"]


class ClientNameSerializer(serializers.Serializer):
    name = serializers.CharField()


class VendorRfpSerializer(serializers.ModelSerializer):
    """The RFP as an invitee sees it: no budget, no other invitee, no score."""

    status = _status_field(RfpStatus)
    client = ClientNameSerializer()
    questions = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Rfp
        fields = ["id", "title", "instructions", "questions", "deadline", "status", "client"]


class VendorRfpSummarySerializer(serializers.ModelSerializer):
    status = _status_field(RfpStatus)
    client = ClientNameSerializer()

    class Meta:
        model = Rfp
        fields = ["id", "title", "deadline", "status", "client"]


class VendorRequirementSkillSerializer(serializers.Serializer):
    skill = serializers.CharField(source="skill.code")
    name = serializers.CharField(source="skill.name")
    min_proficiency = serializers.IntegerField()
    must_have = serializers.BooleanField()


class VendorRequirementSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField()
    domain = serializers.CharField(source="domain.code")
    seniority = serializers.CharField()
    fte_needed = serializers.DecimalField(max_digits=6, decimal_places=1)
    start_date = serializers.DateField(allow_null=True)
    estimated_hours = serializers.IntegerField()
    skills = VendorRequirementSkillSerializer(many=True, source="requirement_skills.all")


def _open_for_bids(invitation: RfpInvitation) -> bool:
    return invitation.status != InvitationStatus.DECLINED and invitation.rfp.is_open_for_bids()


class VendorInvitationListSerializer(serializers.ModelSerializer):
    status = _status_field(InvitationStatus)
    rfp = VendorRfpSummarySerializer()
    open_for_bids = serializers.SerializerMethodField()
    proposal = serializers.SerializerMethodField()

    class Meta:
        model = RfpInvitation
        fields = ["id", "rfp", "status", "outcome", "open_for_bids", "proposal", "created_at"]

    def get_open_for_bids(self, invitation: RfpInvitation) -> bool:
        return _open_for_bids(invitation)

    @extend_schema_field(ProposalSummarySerializer(allow_null=True))
    def get_proposal(self, invitation: RfpInvitation) -> dict | None:
        proposal = getattr(invitation, "proposal", None)
        return None if proposal is None else ProposalSummarySerializer(proposal).data


class VendorInvitationSerializer(serializers.ModelSerializer):
    status = _status_field(InvitationStatus)
    rfp = VendorRfpSerializer()
    requirement = VendorRequirementSerializer(source="rfp.requirement")
    open_for_bids = serializers.SerializerMethodField()
    proposal = serializers.SerializerMethodField()

    class Meta:
        model = RfpInvitation
        fields = [
            "id",
            "rfp",
            "requirement",
            "status",
            "decline_reason",
            "responded_at",
            "outcome",
            "open_for_bids",
            "proposal",
        ]

    def get_open_for_bids(self, invitation: RfpInvitation) -> bool:
        return _open_for_bids(invitation)

    @extend_schema_field(OwnProposalSerializer(allow_null=True))
    def get_proposal(self, invitation: RfpInvitation) -> dict | None:
        proposal = getattr(invitation, "proposal", None)
        return None if proposal is None else OwnProposalSerializer(proposal, context=self.context).data


class ProposalInputSerializer(StrictFieldsMixin, serializers.Serializer):
    """The whole proposal (PUT replaces every field; a field left out is cleared).
    `submit: true` submits it, or submits a revision of a submitted one; a
    submitted proposal cannot go back to draft. JSON, or multipart with an
    `attachment` file (.pdf, .docx, .xlsx, .pptx or UTF-8 .txt)."""

    hourly_rate = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True, default=None
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, required=False, allow_blank=True, default="",
        help_text="ISO 4217; empty: the requirement's currency.",
    )  # fmt: skip
    fte = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=Decimal("0.1"), required=False, allow_null=True, default=None
    )
    start_date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_date_in_range]
    )
    approach = serializers.CharField(
        max_length=rfp_services.APPROACH_MAX_LENGTH, required=False, allow_blank=True, default="", trim_whitespace=True
    )
    answers = serializers.ListField(
        child=serializers.CharField(max_length=rfp_services.ANSWER_MAX_LENGTH, allow_blank=True),
        required=False,
        default=list,
        max_length=rfp_services.MAX_QUESTIONS,
        help_text="One answer per question of the RFP, in order.",
    )
    submit = serializers.BooleanField(required=False, default=False)
    remove_attachment = serializers.BooleanField(required=False, default=False)
    attachment = serializers.FileField(required=False, allow_empty_file=True, max_length=200)

    def __init__(self, *args, question_count: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.question_count = question_count

    def validate_currency(self, value: str) -> str:
        if not value:
            return value
        return convertible_currency(value)

    def validate_answers(self, value: list[str]) -> list[str]:
        if self.question_count is not None and len(value) > self.question_count:
            raise serializers.ValidationError(
                f"The request asks {self.question_count} question(s): give at most one answer to each."
            )
        return value

    def validate_attachment(self, value):
        try:
            rfp_proposals.validate_attachment(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_messages(exc)) from None
        return value

    def validate(self, attrs: dict) -> dict:
        if attrs.get("attachment") is not None and attrs.get("remove_attachment"):
            raise serializers.ValidationError(
                {"remove_attachment": ["Send a new attachment or remove the current one, not both."]}
            )
        return attrs

    def proposal_input(self) -> rfp_proposals.ProposalInput:
        data = self.validated_data
        return rfp_proposals.ProposalInput(
            hourly_rate=data["hourly_rate"],
            currency=data["currency"],
            fte=data["fte"],
            start_date=data["start_date"],
            approach=data["approach"],
            answers=list(data["answers"]),
        )


class ProposalJsonInputSerializer(ProposalInputSerializer):
    """The whole proposal as JSON (PUT replaces every field; a field left out is cleared);
    `submit: true` submits it. The file travels only in the multipart form of this request."""

    attachment = None  # type: ignore[assignment]


class InvitationDeclineSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=rfp_services.REASON_MAX_LENGTH)
