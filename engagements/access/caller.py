"""Who is calling the API: the caller's membership, read once per request and
shared by every API module (engagements, requests for proposal)."""

from __future__ import annotations

from engagements.models import VENDOR_ROLES, Membership
from engagements.organizations import selectors as organizations_selectors


def membership(request) -> Membership | None:
    if not hasattr(request, "_api_membership"):
        request._api_membership = organizations_selectors.membership_for(user=request.user)
    return request._api_membership


def client_membership(request) -> Membership | None:
    found = membership(request)
    return found if found is not None and found.is_client else None


def vendor_id(request) -> int | None:
    """The caller's vendor firm, for its admins and editors; None otherwise."""
    found = membership(request)
    if found is None or not found.is_vendor or found.role not in VENDOR_ROLES:
        return None
    return found.vendor_id
