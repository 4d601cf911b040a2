"""Writes for client organizations and user accounts (staff, through the API).
Each service is one transaction; a clash with a concurrent write reads as a
field error (django ValidationError), never a 500."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from engagements.models import ClientOrganization, Membership
from kpo.codes import validate_timezone
from kpo.models import User


def client_create(*, data: dict) -> ClientOrganization:
    try:
        with transaction.atomic():
            return ClientOrganization.objects.create(**data)
    except IntegrityError:
        # Two creations racing for one slug: the loser reads as a validation error.
        raise ValidationError({"slug": ["An organization with this slug exists."]}) from None


@transaction.atomic
def client_update(*, organization: ClientOrganization, data: dict) -> ClientOrganization:
    for field, value in data.items():
        setattr(organization, field, value)
    organization.save()
    return organization


def user_create_with_membership(*, data: dict) -> User:
    """The user and its membership, or neither (a username taken by a concurrent
    request reads as a validation error)."""
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
            Membership.objects.create(
                user=user, client=data.get("client"), vendor=data.get("vendor"), role=data["role"]
            )
    except IntegrityError:
        raise ValidationError({"username": ["A user with this username exists."]}) from None
    return user


def user_time_zone_set(*, user: User, time_zone: str | None) -> User:
    """The zone the user reads date-times in; None or "": their organization's again."""
    if time_zone:
        validate_timezone(time_zone)
    user.time_zone = time_zone or None
    user.save(update_fields=["time_zone"])
    return user
