"""Client organizations, memberships (who belongs to which firm, with which role) and vendor team invitations."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kpo.codes import (
    validate_country,
    validate_currency,
    validate_timezone,
)
from vendors.models import COUNTRY_SHAPE, CURRENCY_SHAPE, Vendor


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
        verbose_name = _("client organization")
        verbose_name_plural = _("client organizations")
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
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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
