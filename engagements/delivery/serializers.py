"""API shapes for engagements, their milestones and their review (DESIGN.md,
"REST API v1").

Input serializers check shape and the caller's scope (a shortlist entry or a
requirement of the caller's organization: the view passes the scoped
querysets); the services in `engagements.services` check state and write.
Output serializers shape rows the view fetched with everything they need: they
never query on their own (the tests pin the query counts)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.delivery.selectors import milestone_changes_after_acceptance
from engagements.delivery.services import ENGAGEMENT_TRANSITIONS
from engagements.matching.serializers import VendorRefSerializer
from engagements.models import (
    Engagement,
    EngagementEvent,
    EngagementStatus,
    MatchResult,
    Milestone,
    MilestoneStatus,
    Requirement,
    Review,
)
from kpo.api.serializers import StrictFieldsMixin
from kpo.bounds import validate_date_in_range
from vendors.models import Vendor
from vendors.money import convertible_currency

if TYPE_CHECKING:
    from engagements.models import ClientOrganization, Proposal
    from kpo.models import User

NOTE_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 5000
EXTERNAL_ID_MAX_LENGTH = 100


def _status_field(model_choices) -> serializers.CharField:
    # A plain string documented with its values (as rfp_serializers does): several
    # "status" enums across components make drf-spectacular warn about enum names.
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(model_choices.values) + ".")


def _check_dates(start, end) -> None:
    if start is not None and end is not None and end < start:
        raise serializers.ValidationError({"end_date": ["The end date must not be before the start date."]})


# -- input -------------------------------------------------------------------------------------


class EngagementCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Propose an engagement to a vendor of one of the caller's shortlists:
    either `match_result` (a shortlist entry), or `requirement` + `vendor`
    (the vendor's entry on the newest succeeded run of that requirement)."""

    match_result = serializers.PrimaryKeyRelatedField(
        queryset=MatchResult.objects.none(), required=False, help_text="A shortlist entry (match run result) id."
    )
    requirement = serializers.PrimaryKeyRelatedField(queryset=Requirement.objects.none(), required=False)
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), required=False)
    agreed_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.CharField(min_length=3, max_length=3, help_text="ISO 4217, with an exchange rate.")
    fte = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.1"))
    start_date = serializers.DateField(validators=[validate_date_in_range])
    end_date = serializers.DateField(required=False, allow_null=True, default=None, validators=[validate_date_in_range])
    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX_LENGTH, required=False, allow_blank=True, default="", help_text="The ERP's own id."
    )

    def __init__(self, *args, match_results=None, requirements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if match_results is not None:
            self.fields["match_result"].queryset = match_results
        if requirements is not None:
            self.fields["requirement"].queryset = requirements

    def validate_currency(self, value: str) -> str:
        return convertible_currency(value)

    def validate(self, attrs: dict) -> dict:
        result, requirement, vendor = attrs.get("match_result"), attrs.get("requirement"), attrs.get("vendor")
        if result is not None and (requirement is not None or vendor is not None):
            raise serializers.ValidationError("Give either match_result, or requirement and vendor, not both.")
        if result is None:
            if requirement is None or vendor is None:
                raise serializers.ValidationError("Give match_result, or requirement and vendor.")
            result = (
                MatchResult.objects.filter(run__requirement=requirement, run__status="succeeded", vendor=vendor)
                .select_related("run__requirement")
                .order_by("-run__created_at", "-run_id")
                .first()
            )
            if result is None:
                raise serializers.ValidationError(
                    {"vendor": ["This vendor is on no shortlist of this requirement: run matching first."]}
                )
            attrs["match_result"] = result
        _check_dates(attrs["start_date"], attrs.get("end_date"))
        _check_external_id(attrs.get("external_id", ""), client_id=result.run.requirement.client_id)
        return attrs


def _check_external_id(value: str, *, client_id: int, engagement: Engagement | None = None) -> None:
    if not value:
        return
    taken = Engagement.objects.filter(client_id=client_id, external_id=value)
    if engagement is not None:
        taken = taken.exclude(pk=engagement.pk)
    if taken.exists():
        raise serializers.ValidationError(
            {"external_id": ["Another engagement of this organization has this external id."]}
        )


class EngagementUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PATCH: scale the team (fte, with a reason), move the dates, set the ERP's id.
    An fte equal to the current one changes nothing (an ERP may send the whole object);
    an empty object is a 400 (give at least one field)."""

    fte = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.1"), required=False)
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Why the FTE changes (required with fte).",
    )
    start_date = serializers.DateField(required=False, validators=[validate_date_in_range])
    end_date = serializers.DateField(required=False, allow_null=True, validators=[validate_date_in_range])
    external_id = serializers.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, required=False, allow_blank=True)

    def validate(self, attrs: dict) -> dict:
        assert self.instance is not None  # an update: the view passes the engagement
        engagement: Engagement = self.instance
        if not attrs:
            raise serializers.ValidationError("Nothing to change: give fte, start_date, end_date or external_id.")
        if "fte" in attrs and attrs["fte"] != engagement.fte and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": ["Say why the FTE changes."]})
        _check_dates(attrs.get("start_date", engagement.start_date), attrs.get("end_date", engagement.end_date))
        if "external_id" in attrs:
            _check_external_id(attrs["external_id"], client_id=engagement.client_id, engagement=engagement)
        return attrs


class EngagementTransitionSerializer(StrictFieldsMixin, serializers.Serializer):
    action = serializers.ChoiceField(
        choices=list(ENGAGEMENT_TRANSITIONS),
        help_text="accept | decline (the vendor), complete | cancel (the client).",
    )
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class MilestoneCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(validators=[validate_date_in_range])


class ReviewCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True, default="")


# -- output ------------------------------------------------------------------------------------


class EngagementEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="One of: " + ", ".join(EngagementEvent.Kind.values) + ".")
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = EngagementEvent
        fields = ["id", "kind", "from_value", "to_value", "note", "actor", "created_at"]


class EngagementSerializer(serializers.ModelSerializer):
    """An engagement in a list: the vendor as {id, slug, name}, the rest as ids."""

    requirement: serializers.PrimaryKeyRelatedField[Requirement] = serializers.PrimaryKeyRelatedField(read_only=True)
    client: serializers.PrimaryKeyRelatedField[ClientOrganization] = serializers.PrimaryKeyRelatedField(read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    status = _status_field(EngagementStatus)
    match_result: serializers.PrimaryKeyRelatedField[MatchResult] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    proposal: serializers.PrimaryKeyRelatedField[Proposal] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    change_seq = serializers.IntegerField(
        read_only=True, help_text="Change number: grows on every write; `since` in delta sync."
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "requirement",
            "client",
            "vendor",
            "status",
            "agreed_rate",
            "currency",
            "fte",
            "start_date",
            "end_date",
            "match_result",
            "proposal",
            "external_id",
            "change_seq",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EngagementDetailSerializer(EngagementSerializer):
    events = EngagementEventSerializer(many=True, read_only=True)

    class Meta(EngagementSerializer.Meta):
        fields = [*EngagementSerializer.Meta.fields, "events"]
        read_only_fields = fields


class MilestoneChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="title, description, due_date, delivered_at or status.")
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    by = serializers.CharField(help_text="The side that made it: vendor, client, staff or system.")


class MilestoneSerializer(serializers.ModelSerializer):
    status = _status_field(MilestoneStatus)
    delivered_by = serializers.CharField(
        allow_null=True,
        help_text="The side that declared it delivered: vendor, client or staff (null: not delivered, "
        "or delivered before the side was recorded). The other side confirms it (accept); only "
        "confirmed milestones count in the vendor's on-time record.",
    )
    accepted_by = serializers.CharField(allow_null=True, help_text="The side that confirmed the delivery.")
    changes_after_acceptance = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "engagement",
            "title",
            "description",
            "due_date",
            "status",
            "delivered_at",
            "delivered_by",
            "accepted_at",
            "accepted_by",
            "changes_after_acceptance",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["delivered_by"] = data["delivered_by"] or None
        data["accepted_by"] = data["accepted_by"] or None
        return data

    @extend_schema_field(MilestoneChangeSerializer(many=True))
    def get_changes_after_acceptance(self, milestone) -> list:
        """Changes made after the delivery was confirmed (recorded and shown to both sides)."""
        changes = getattr(milestone, "changes_after_acceptance", None)
        if changes is None:
            changes = milestone_changes_after_acceptance([milestone]).get(milestone.pk, [])
        return [
            {
                "field": c.field,
                "old": None if c.old is None else str(c.old),
                "new": None if c.new is None else str(c.new),
                "at": serializers.DateTimeField().to_representation(c.at),
                "by": c.by,
            }
            for c in changes
        ]


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = ["id", "engagement", "vendor", "rating", "comment", "created_at"]
        read_only_fields = fields
