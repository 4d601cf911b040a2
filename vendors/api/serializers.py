"""API shapes for vendors, the taxonomy and exchange rates (DESIGN.md, "REST API v1").

Serializers validate and shape; they write nothing. A vendor write is turned
into the same typed change set the web edit page builds
(vendors.changes.ProfileChanges, by `api_profile_changes`) and written by
vendors.services.vendor_profile_update, so history and stale shortlists follow.
The validation rules are the web form's: ISO codes, a delivery centre's time
zone within its country, proficiency 1-5, one row per skill / seniority / city /
certification, active skills only (or one the vendor already holds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kpo.api.serializers import StrictFieldsMixin
from kpo.bounds import EXCHANGE_RATE_MAX, EXCHANGE_RATE_MIN, LIST_MAX, TEXT_MAX, validate_date_in_range
from kpo.codes import (
    country_timezones,
    validate_country,
    validate_currency,
    validate_language,
    validate_timezone,
)
from kpo.slugs import free_slug
from vendors.changes import PROFILE_FIELDS, STAFF_FIELDS
from vendors.models import (
    RESERVED_VENDOR_SLUGS,
    Certification,
    ExchangeRate,
    ExpertiseArea,
    Seniority,
    Skill,
    Vendor,
    validate_vendor_slug,
)

if TYPE_CHECKING:
    pass

# Same limits as the web edit page's formsets (vendors/forms.py).
MAX_SKILLS, MAX_CENTRES, MAX_CERTIFICATIONS = 200, 50, 50
PROFILE_LISTS = ("languages", "domains", "skills", "rates", "delivery_centers", "certifications")
READ_ONLY_MESSAGE = "This field is read-only: only KPO Match staff can change it."
# Derived from the vendor's reviews (engagements.delivery.services.review_create): nobody sets
# them, but a fetched document sent back with them unchanged is accepted (PUT round trips).
DERIVED_FIELDS = ("rating",)
DERIVED_MESSAGE = "This field is derived from the vendor's reviews: it cannot be set."


def _django_messages(exc: DjangoValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


def code_validator(validate):
    """A kpo.codes validator as a DRF field validator."""

    def run(value: str) -> None:
        try:
            validate(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_messages(exc)) from None

    return run


# --- nested rows ----------------------------------------------------------------------


class VendorSkillSerializer(StrictFieldsMixin, serializers.Serializer):
    skill = serializers.SlugRelatedField(slug_field="code", queryset=Skill.objects.all())
    proficiency = serializers.IntegerField(min_value=1, max_value=5)
    years_experience = serializers.IntegerField(min_value=0, max_value=60, default=0)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("years_experience", 0)  # DRF skips defaults inside a PATCH
        return attrs


class RateSerializer(StrictFieldsMixin, serializers.Serializer):
    seniority = serializers.ChoiceField(choices=Seniority.choices)
    hourly_rate = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.CharField(max_length=3, validators=[code_validator(validate_currency)])


class DeliveryCenterSerializer(StrictFieldsMixin, serializers.Serializer):
    country = serializers.CharField(max_length=2, validators=[code_validator(validate_country)])
    city = serializers.CharField(max_length=120)
    timezone = serializers.CharField(max_length=64, validators=[code_validator(validate_timezone)])
    headcount = serializers.IntegerField(min_value=0, max_value=2_147_483_647, default=0)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("headcount", 0)  # DRF skips defaults inside a PATCH
        country, zone = attrs["country"], attrs["timezone"]
        if zone not in country_timezones().get(country, ()):
            raise serializers.ValidationError({"timezone": [f"{zone} is not a time zone of {country}."]})
        return attrs


class VendorCertificationSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.SlugRelatedField(slug_field="code", source="certification", queryset=Certification.objects.all())
    valid_until = serializers.DateField(
        allow_null=True, required=False, default=None, validators=[validate_date_in_range]
    )

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("valid_until", None)  # no date: it does not expire
        return attrs


class CodeListField(serializers.ListField):
    """A list of ISO codes, validated one by one, each at most once."""

    def __init__(self, *, validate, max_length: int, max_items: int = LIST_MAX, **kwargs):
        super().__init__(
            child=serializers.CharField(max_length=max_length, validators=[code_validator(validate)]),
            max_length=max_items,
            **kwargs,
        )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if len(set(values)) != len(values):
            raise serializers.ValidationError("Codes must not repeat.")
        return values


@extend_schema_field(
    {
        "type": "array",
        "maxItems": LIST_MAX,
        "items": {"type": "string", "maxLength": 2, "description": "ISO 639-1 code"},
    }
)
class LanguageListField(CodeListField):
    def to_representation(self, value):
        # `value` is the vendor's prefetched `languages` manager.
        return sorted(language.code for language in value.all())


# --- the vendor -----------------------------------------------------------------------


class VendorSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """The vendor document. Context: `request` (who writes: staff or a member)."""

    slug = serializers.SlugField(max_length=220, required=False, validators=[validate_vendor_slug])
    website = serializers.URLField(max_length=200, allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False, max_length=TEXT_MAX)
    headquarters_country = serializers.CharField(max_length=2, validators=[code_validator(validate_country)])
    languages = LanguageListField(validate=validate_language, max_length=2, required=False)
    domains = serializers.ManyRelatedField(
        child_relation=serializers.SlugRelatedField(slug_field="code", queryset=ExpertiseArea.objects.all()),
        required=False,
        validators=[MaxLengthValidator(LIST_MAX)],
    )
    # many=True hands max_length to the ListSerializer (DRF's LIST_SERIALIZER_KWARGS), but the
    # stubs' BaseSerializer.__init__ does not accept it: hence the call-arg ignores.
    skills = VendorSkillSerializer(many=True, required=False, source="api_skills", max_length=MAX_SKILLS)  # type: ignore[call-arg]
    rates = RateSerializer(many=True, required=False, source="api_rates", max_length=len(Seniority.values))  # type: ignore[call-arg]
    delivery_centers = DeliveryCenterSerializer(many=True, required=False, source="api_centres", max_length=MAX_CENTRES)  # type: ignore[call-arg]
    certifications = VendorCertificationSerializer(  # type: ignore[call-arg]
        many=True, required=False, source="api_certifications", max_length=MAX_CERTIFICATIONS
    )
    available_fte = serializers.DecimalField(max_digits=7, decimal_places=1, min_value=Decimal("0"), required=False)
    rating = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("1"),
        max_value=Decimal("5"),
        allow_null=True,
        required=False,
        help_text="Mean of the vendor's reviews (null before the first). Derived: a new value is refused (400); "
        "the current one sent back is accepted.",
    )

    class Meta:
        model = Vendor
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "website",
            "headquarters_country",
            "languages",
            "domains",
            "skills",
            "rates",
            "delivery_centers",
            "certifications",
            "available_fte",
            "verified",
            "is_active",
            "rating",
            "review_count",
            "created_at",
            "updated_at",
            "change_seq",
            "external_id",
        ]
        read_only_fields = ["id", "review_count", "created_at", "updated_at", "change_seq"]
        extra_kwargs = {
            "verified": {"required": False},
            "is_active": {"required": False},
            "external_id": {"required": False},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = self.instance is None
        if self.instance is not None and not self.partial:
            # PUT replaces the profile: every field its members edit must be given.
            for name in (*PROFILE_FIELDS, *PROFILE_LISTS):
                self.fields[name].required = True

    # Django's unique validator on slug would run a query per field; checked once in validate().
    def get_validators(self):
        return []

    @property
    def _is_staff(self) -> bool:
        request = self.context.get("request")
        return bool(request and request.user.is_staff)

    def validate_skills(self, rows: list[dict]) -> list[dict]:
        codes = [row["skill"].code for row in rows]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("A skill may appear only once.")
        held = set()
        if self.instance is not None:
            held = {vs.skill_id for vs in self.instance.api_skills}
        retired = sorted(
            row["skill"].code for row in rows if not row["skill"].is_active and row["skill"].pk not in held
        )
        if retired:
            raise serializers.ValidationError(f"Retired skill(s) cannot be added: {', '.join(retired)}.")
        return rows

    def validate_rates(self, rows: list[dict]) -> list[dict]:
        levels = [row["seniority"] for row in rows]
        if len(set(levels)) != len(levels):
            raise serializers.ValidationError("One rate per seniority.")
        return rows

    def validate_delivery_centers(self, rows: list[dict]) -> list[dict]:
        places = [(row["country"], row["city"]) for row in rows]
        if len(set(places)) != len(places):
            raise serializers.ValidationError("One delivery centre per city and country.")
        return rows

    def validate_certifications(self, rows: list[dict]) -> list[dict]:
        codes = [row["certification"].code for row in rows]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("A certification may appear only once.")
        return rows

    def validate_domains(self, domains: list) -> list:
        if len({domain.pk for domain in domains}) != len(domains):
            raise serializers.ValidationError("A domain may appear only once.")
        return domains

    def validate(self, attrs: dict) -> dict:
        for source, name in (
            ("api_skills", "skills"),
            ("api_rates", "rates"),
            ("api_centres", "delivery_centers"),
            ("api_certifications", "certifications"),
        ):
            if source in attrs:
                attrs[name] = attrs.pop(source)
        derived = {
            name: [DERIVED_MESSAGE]
            for name in DERIVED_FIELDS
            if name in attrs and attrs[name] != (getattr(self.instance, name) if self.instance is not None else None)
        }
        if derived:
            raise serializers.ValidationError(derived)
        for name in DERIVED_FIELDS:
            attrs.pop(name, None)
        if not self._is_staff:
            errors = {
                name: [READ_ONLY_MESSAGE]
                for name in STAFF_FIELDS
                if name in attrs and (self.instance is None or attrs[name] != getattr(self.instance, name))
            }
            if errors:
                raise serializers.ValidationError(errors)
            for name in STAFF_FIELDS:
                attrs.pop(name, None)
        if self.instance is None and not attrs.get("slug"):
            # Made from the name, free by construction (a name in another script: vendor, vendor-2, ...).
            attrs["slug"] = free_slug(
                Vendor.objects.all(), attrs["name"], fallback="vendor", reserved=RESERVED_VENDOR_SLUGS
            )
            return attrs
        slug = attrs.get("slug")
        if slug is not None:
            taken = Vendor.objects.filter(slug=slug)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise serializers.ValidationError({"slug": [f"A vendor with the slug {slug} already exists."]})
        return attrs


# --- taxonomy and exchange rates ------------------------------------------------------


class ExpertiseAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertiseArea
        fields = ["code", "name", "description"]
        read_only_fields = fields


class SkillSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    domain = serializers.SlugRelatedField(slug_field="code", queryset=ExpertiseArea.objects.all())

    class Meta:
        model = Skill
        fields = ["code", "name", "domain", "description", "is_active"]


class CertificationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Certification
        fields = ["code", "name", "issuer", "is_security"]


class ExchangeRateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    currency = serializers.CharField(max_length=3, validators=[code_validator(validate_currency)])
    rate_to_base = serializers.DecimalField(
        max_digits=18,
        decimal_places=8,
        min_value=EXCHANGE_RATE_MIN,
        max_value=EXCHANGE_RATE_MAX,
        help_text="Units of the base currency (`base_currency`) per unit of this one; the base currency's own "
        "rate is always 1.",
    )
    base_currency = serializers.SerializerMethodField()

    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate_to_base", "base_currency", "source", "updated_at"]
        read_only_fields = ["updated_at"]

    def get_base_currency(self, rate: ExchangeRate) -> str:
        return settings.BASE_CURRENCY

    def get_validators(self):
        return []

    def validate_currency(self, value: str) -> str:
        if self.instance is not None and value != self.instance.currency:
            raise serializers.ValidationError("The currency of a rate cannot change; create a new rate instead.")
        if self.instance is None and ExchangeRate.objects.filter(currency=value).exists():
            raise serializers.ValidationError(f"{value} already has a rate; update it with PUT or PATCH.")
        return value

    def validate(self, attrs: dict) -> dict:
        currency = attrs.get("currency", self.instance.currency if self.instance else None)
        rate = attrs.get("rate_to_base")
        if currency == settings.BASE_CURRENCY and rate is not None and rate != 1:
            raise serializers.ValidationError(
                {"rate_to_base": [f"{currency} is the base currency: its rate is always 1."]}
            )
        return attrs
