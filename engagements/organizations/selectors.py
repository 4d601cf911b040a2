"""Reads of organizations and memberships."""

from engagements.models import (
    Membership,
)


def membership_for(*, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("client", "vendor").filter(user=user).first()
