"""Reads of organizations and memberships."""

from django.contrib.auth.models import AnonymousUser

from engagements.models import (
    Membership,
)
from kpo.models import User


def membership_for(*, user: User | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("client", "vendor").filter(user=user).first()
