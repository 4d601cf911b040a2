"""API shapes for client organizations and users with their membership.

Serializers validate (codes, working hours, a role that fits the kind of
organization, the password against Django's validators); the views write."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engagements.models import CLIENT_ROLES, VENDOR_ROLES, ClientOrganization, Role
from kpo.api.serializers import StrictFieldsMixin
from kpo.codes import validate_country, validate_currency, validate_timezone
from kpo.slugs import free_slug
from vendors.models import Vendor


def _code(validator, value: str) -> str:
    try:
        validator(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from None
    return value


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        "maxLength": 8,
        "example": "09:00",
        "description": "A local time of day in the organization's time zone (HH:MM), no UTC offset.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the organization's own time zone: no offset, so it
    is not an RFC 3339 `time` (which requires one)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class ClientOrganizationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    slug = serializers.SlugField(
        max_length=220, required=False, help_text="Unique; derived from the name when left out."
    )
    working_hours_start = LocalTimeField(required=False)
    working_hours_end = LocalTimeField(required=False)

    class Meta:
        model = ClientOrganization
        fields = [
            "id",
            "name",
            "slug",
            "country",
            "timezone",
            "working_hours_start",
            "working_hours_end",
            "currency",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "country": {"help_text": "ISO 3166-1 alpha-2."},
            "timezone": {"help_text": "IANA time zone, e.g. Europe/Rome."},
            "currency": {"help_text": "ISO 4217."},
        }

    def validate_country(self, value: str) -> str:
        return _code(validate_country, value.upper())

    def validate_currency(self, value: str) -> str:
        return _code(validate_currency, value.upper())

    def validate_timezone(self, value: str) -> str:
        return _code(validate_timezone, value)

    def validate_slug(self, value: str) -> str:
        taken = ClientOrganization.objects.filter(slug=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("An organization with this slug exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        # A time left out keeps the organization's, or on creation the model's default (a new
        # instance holds it): a start after the default end must fail here, not in the database.
        kept = self.instance if self.instance is not None else ClientOrganization()
        start = attrs.get("working_hours_start", kept.working_hours_start)
        end = attrs.get("working_hours_end", kept.working_hours_end)
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError({"working_hours_end": ["The working day must end after it starts."]})
        if self.instance is None and not attrs.get("slug"):
            attrs["slug"] = unique_client_slug(attrs["name"])
        return attrs


def unique_client_slug(name: str) -> str:
    return free_slug(ClientOrganization.objects.all(), name, fallback="client")


def _password_min_length() -> int:
    """The shortest password the configured validators accept (1 without a length rule)."""
    lengths = [getattr(validator, "min_length", 1) for validator in get_default_password_validators()]
    return max(lengths, default=1)


class UserCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A user and its one membership: `client` with role manager, or `vendor`
    with role admin or editor."""

    # The model field's validators on the field itself, so the schema states their pattern.
    username = serializers.CharField(max_length=150, validators=get_user_model()._meta.get_field("username").validators)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    # Not trimmed: the password is the one the user signs in with (as in Django's own forms).
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        trim_whitespace=False,
        min_length=_password_min_length(),
        max_length=128,
        help_text="Checked by Django's password validators: not too short, not too similar to the "
        "username, email or names, not a common password, not only digits.",
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    client = serializers.PrimaryKeyRelatedField(queryset=ClientOrganization.objects.all(), required=False)
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.all(), required=False)
    role = serializers.ChoiceField(
        choices=Role.choices, help_text="manager for a client organization; admin or editor for a vendor firm."
    )

    def validate_username(self, value: str) -> str:
        if get_user_model().objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("A user with this username exists.")
        return value

    def validate(self, attrs: dict) -> dict:
        client, vendor, role = attrs.get("client"), attrs.get("vendor"), attrs["role"]
        if (client is None) == (vendor is None):
            raise serializers.ValidationError("Give exactly one organization: client or vendor.")
        if client is not None and role not in CLIENT_ROLES:
            raise serializers.ValidationError({"role": ["A client organization's member is a manager."]})
        if vendor is not None and role not in VENDOR_ROLES:
            raise serializers.ValidationError({"role": ["A vendor firm's member is an admin or an editor."]})
        candidate = get_user_model()(
            username=attrs["username"],
            email=attrs["email"],
            first_name=attrs["first_name"],
            last_name=attrs["last_name"],
        )
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs


class UserSerializer(serializers.Serializer):
    """A user as the API shows it: never the password."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    # Each may be blank: a user made without an email or a name reads "".
    email = serializers.EmailField(allow_blank=True)
    first_name = serializers.CharField(allow_blank=True)
    last_name = serializers.CharField(allow_blank=True)
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    client = serializers.SerializerMethodField()
    vendor = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    date_joined = serializers.DateTimeField()

    def _membership(self, user):
        # select_related("membership") by the view: no query; a user without one reads None.
        return getattr(user, "membership", None)

    def get_client(self, user) -> int | None:
        membership = self._membership(user)
        return membership.client_id if membership else None

    def get_vendor(self, user) -> int | None:
        membership = self._membership(user)
        return membership.vendor_id if membership else None

    def get_role(self, user) -> str | None:
        membership = self._membership(user)
        return membership.role if membership else None
