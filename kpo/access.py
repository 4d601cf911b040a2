"""Who is asking: one `Caller` for every page, API view and service.

kpo imports no app, so the caller's membership (engagements.Membership) is read by
attribute, never imported: `client_id` for a member of a client organization (its
procurement managers), `vendor_id` for a vendor firm's admins and editors. What a caller may
see of each model is answered in one place, engagements/access/visibility.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# Vendor roles as stored on engagements.Membership.role (values repeated, not imported;
# a test keeps them equal to the model's).
VENDOR_ADMIN_ROLE = "admin"
VENDOR_MEMBER_ROLES = frozenset({VENDOR_ADMIN_ROLE, "editor"})


@dataclass(frozen=True)
class Caller:
    user: Any
    membership: Any  # engagements.Membership, or None
    is_staff: bool
    client_id: int | None
    vendor_id: int | None

    @classmethod
    def build(cls, user: Any, membership: Any) -> Caller:
        authenticated = bool(getattr(user, "is_authenticated", False))
        membership = membership if authenticated else None
        client_id = getattr(membership, "client_id", None) if membership is not None else None
        vendor_id = None
        if membership is not None and getattr(membership, "vendor_id", None) and membership.role in VENDOR_MEMBER_ROLES:
            vendor_id = membership.vendor_id
        return cls(
            user=user,
            membership=membership,
            is_staff=authenticated and bool(getattr(user, "is_staff", False)),
            client_id=client_id,
            vendor_id=vendor_id,
        )

    @classmethod
    def of(cls, request: Any) -> Caller:
        """The request's caller, built once per request from the user's membership."""
        caller = getattr(request, "_kpo_caller", None)
        if caller is None:
            user = request.user
            membership = getattr(user, "membership", None) if user.is_authenticated else None
            caller = request._kpo_caller = cls.build(user, membership)
        return caller

    @property
    def is_vendor_admin(self) -> bool:
        """An admin of a vendor firm (manages its team); an editor is a member but not this."""
        return self.vendor_id is not None and self.membership.role == VENDOR_ADMIN_ROLE

    def as_member(self) -> Caller:
        """The caller without staff rights: what a member's own pages show (their
        organization's rows), so a staff account with a membership sees on those pages
        its organization only, as any member does."""
        return replace(self, is_staff=False) if self.is_staff else self

    @property
    def client(self) -> Any:
        """The caller's client organization (a model instance), or None."""
        return self.membership.client if self.client_id is not None else None
