"""Who is calling the API: the request's kpo.access.Caller (what it may see: staff all, see
engagements/access/visibility.py), and its membership (what it may do), each read once per
request and shared by every API module. Staff read everything without a membership query."""

from __future__ import annotations

from typing import Any

from engagements.models import Membership
from engagements.organizations import selectors as organizations_selectors
from kpo.access import Caller


def membership(request: Any) -> Membership | None:
    if not hasattr(request, "_api_membership"):
        request._api_membership = organizations_selectors.membership_for(user=request.user)
    return request._api_membership


def caller(request: Any) -> Caller:
    found = getattr(request, "_api_caller", None)
    if found is None:
        staff = request.user.is_authenticated and request.user.is_staff
        found = request._api_caller = Caller.build(request.user, None if staff else membership(request))
    return found


def client_membership(request: Any) -> Membership | None:
    found = membership(request)
    return found if found is not None and found.is_client else None


def vendor_id(request: Any) -> int | None:
    """The caller's vendor firm, for its admins and editors; None otherwise."""
    return Caller.build(request.user, membership(request)).vendor_id  # the one vendor-role rule


def member_caller(request: Any) -> Caller:
    """The caller acting as a member of their own organization: for a staff account with a
    membership, that membership counts (`caller` leaves it out, as staff read everything).
    For writes and for "my firm's own" lists."""
    found = caller(request)
    if found.is_staff:
        found = Caller.build(request.user, membership(request))
    return found
