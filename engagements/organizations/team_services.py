"""A vendor firm's team: admins invite colleagues by email, change their roles
and remove them; the invited person joins through a single-use, expiring link.

Rules, checked here whatever the caller (defence in depth behind the views):
- only the firm's admins write; editors may only look at the team;
- an email that already belongs to a member of any organization cannot be
  invited, and neither can one with a pending (unexpired, unrevoked, unused)
  invitation to the same firm: the admin revokes that one first, so there is
  never more than one live link per person and firm;
- a firm always keeps at least one admin: removing or demoting the last one
  is refused;
- the link's token is random (`secrets.token_urlsafe`) and only its SHA-256
  is stored; accepting locks the invitation row, so it works once.

Every team write locks the vendor row first: two admins demoting each other at
the same moment, or inviting the same email twice, are serialized."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.access.visibility import memberships_visible_to, team_invitations_visible_to
from engagements.models import VENDOR_ROLES, Membership, Role, TeamInvitation
from engagements.organizations.timezones import vendor_zone
from kpo.access import Caller
from kpo.models import User
from kpo.zones import zoned_text
from vendors.models import Vendor

TOKEN_BYTES = 32


class TeamError(ValueError):
    """A team write that the rules or the caller's role do not allow. The
    message is written for the person who tried: views show it as is."""


class InvitationUnusable(TeamError):
    """The link cannot be used. `gone` is False for a token that never existed
    (the page answers 404) and True for one that expired, was revoked or was
    already used (410 Gone)."""

    def __init__(self, message: str, *, gone: bool) -> None:
        super().__init__(message)
        self.gone = gone


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- reads ---------------------------------------------------------------------------------


def team_members(*, caller: Caller) -> QuerySet[Membership]:
    """The caller's firm's members, admins first, with their users (one query)."""
    if caller.vendor_id is None:  # filter(vendor_id=None) would mean the clients' members
        return Membership.objects.none()
    return (
        memberships_visible_to(caller)
        .filter(vendor_id=caller.vendor_id)
        .select_related("user")
        .order_by("role", "user__username", "pk")  # "admin" sorts before "editor"
    )


def team_pending_invitations(*, caller: Caller) -> QuerySet[TeamInvitation]:
    """The caller's firm's invitations still usable: not accepted, not revoked, not expired
    (one query)."""
    if caller.vendor_id is None:
        return TeamInvitation.objects.none()
    return (
        team_invitations_visible_to(caller)
        .filter(
            vendor_id=caller.vendor_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("expires_at", "pk")
    )


def team_invitation_for_token(*, token: str) -> TeamInvitation:
    """The usable invitation behind a link, or InvitationUnusable saying why not."""
    invitation = TeamInvitation.objects.select_related("vendor").filter(token_hash=token_hash(token)).first()
    return _check_usable(invitation)


def _check_usable(invitation: TeamInvitation | None) -> TeamInvitation:
    """The invitation, or InvitationUnusable saying why it cannot be used."""
    if invitation is None:
        raise InvitationUnusable(_("This invitation link is not valid. Check that you copied all of it."), gone=False)
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            _("This invitation has already been used. Each link works once: sign in instead."), gone=True
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            _("This invitation was withdrawn. Ask the firm's admin for a new one if you still need access."),
            gone=True,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationUnusable(_("This invitation has expired. Ask the firm's admin to send a new one."), gone=True)
    return invitation


# -- writes --------------------------------------------------------------------------------


def _lock_vendor(vendor_id: int) -> Vendor:
    return Vendor.objects.select_for_update().get(pk=vendor_id)


def _require_admin(*, vendor_id: int, actor) -> None:
    # Read from the database, not `actor.membership`: the cached object may
    # predate a demotion committed by another admin a moment ago.
    if not Membership.objects.filter(user_id=actor.pk, vendor_id=vendor_id, role=Role.ADMIN).exists():
        raise TeamError(_("Only the firm's admins can manage its team."))


def _clean_role(role: str) -> str:
    if role not in VENDOR_ROLES:
        raise TeamError(_("Choose admin or editor."))
    return str(role)


def _has_other_admin(*, membership: Membership) -> bool:
    assert membership.vendor_id is not None  # a firm's member, from _lock_member
    return Membership.objects.filter(vendor_id=membership.vendor_id, role=Role.ADMIN).exclude(pk=membership.pk).exists()


@transaction.atomic
def team_invite(
    *, vendor: Vendor, email: str, role: str, invited_by: User, base_url: str = ""
) -> tuple[TeamInvitation, str]:
    """Invite `email` to the firm with `role`; returns the invitation and the raw
    token (shown nowhere else: only its hash is stored).

    The email goes out after commit, in the active language, with the absolute
    accept link built on `base_url` (the view passes the request's own origin;
    without it, on settings.SITE_URL when set, else the link is site-relative). A pending invitation to the
    same email is not replaced: the admin revokes it first (see module docstring)."""
    email = (email or "").strip()
    role = _clean_role(role)
    _lock_vendor(vendor.pk)
    _require_admin(vendor_id=vendor.pk, actor=invited_by)
    if get_user_model().objects.filter(email__iexact=email, membership__isnull=False).exists():
        raise TeamError(_("%(email)s already belongs to an organization on KPO Match.") % {"email": email})
    now = timezone.now()
    pending = TeamInvitation.objects.filter(
        vendor_id=vendor.pk, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).first()
    if pending is not None:
        raise TeamError(
            _("%(email)s already has a pending invitation (until %(expires)s). Revoke it to send a new one.")
            % {
                "email": email,
                "expires": zoned_text(pending.expires_at),
            }
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = TeamInvitation.objects.create(
        vendor=vendor,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=now + timedelta(hours=settings.TEAM_INVITATION_TTL_HOURS),
    )
    subject, body = _invitation_email(invitation, token=token, base_url=base_url)

    def send() -> None:
        send_mail(subject, body, None, [invitation.email])

    # robust: a mail server failure after commit is logged, not turned into a 500
    # for an invitation that exists (the admin sees it pending and may revoke it).
    transaction.on_commit(send, robust=True)
    return invitation, token


def _invitation_email(invitation: TeamInvitation, *, token: str, base_url: str) -> tuple[str, str]:
    # Vendor names are user-written: no line breaks in a mail header.
    vendor_name = " ".join(invitation.vendor.name.split())
    inviter = invitation.invited_by
    inviter_name = (inviter.get_full_name() or inviter.username) if inviter else _("An admin")
    url = urljoin(base_url or getattr(settings, "SITE_URL", ""), reverse("vendor_team:join", args=[token]))
    # The invitee has no account, so no zone yet: the firm's.
    expires = zoned_text(invitation.expires_at, vendor_zone(invitation.vendor_id))
    subject = _("You are invited to join %(vendor)s on KPO Match") % {"vendor": vendor_name}
    body = _(
        "%(inviter)s invited you to join %(vendor)s on KPO Match as %(role)s.\n\n"
        "Accept the invitation here:\n%(url)s\n\n"
        "The link works once and expires on %(expires)s. "
        "If you did not expect this email, you can ignore it."
    ) % {
        "inviter": inviter_name,
        "vendor": vendor_name,
        "role": Role(invitation.role).label,
        "url": url,
        "expires": expires,
    }
    return subject, body


@transaction.atomic
def team_invitation_revoke(*, invitation: TeamInvitation, actor: User) -> TeamInvitation:
    _lock_vendor(invitation.vendor_id)
    _require_admin(vendor_id=invitation.vendor_id, actor=actor)
    invitation = TeamInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise TeamError(_("This invitation has already been accepted: remove the member instead."))
    if invitation.revoked_at is None:  # revoking twice is harmless
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _accept_locked(invitation: TeamInvitation, *, user) -> Membership:
    if Membership.objects.filter(user_id=user.pk).exists():
        raise TeamError(
            _(
                "Your account already belongs to an organization; an account can belong to only one. Sign out and create a new account to join."
            )
        )
    try:
        with transaction.atomic():  # the user joined elsewhere a moment ago (one-to-one)
            membership = Membership.objects.create(user=user, vendor_id=invitation.vendor_id, role=invitation.role)
    except IntegrityError:
        raise TeamError(
            _("Your account already belongs to an organization; an account can belong to only one.")
        ) from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _lock_invitation(token: str) -> TeamInvitation:
    invitation = TeamInvitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    return _check_usable(invitation)


@transaction.atomic
def team_invitation_accept(*, token: str, user: User | AnonymousUser) -> Membership:
    """An existing account without a membership joins the firm with the
    invitation's role. The row lock makes the link single-use under races."""
    invitation = _lock_invitation(token)
    return _accept_locked(invitation, user=user)


@transaction.atomic
def team_invitation_accept_with_new_account(*, token: str, username: str, password: str) -> Membership:
    """Create the account (with the invitation's email) and join, all or nothing:
    a link that became unusable meanwhile leaves no orphan account behind."""
    invitation = _lock_invitation(token)
    user = get_user_model().objects.create_user(username=username, email=invitation.email, password=password)
    return _accept_locked(invitation, user=user)


def _lock_member(membership: Membership, *, actor) -> Membership:
    if not membership.vendor_id:
        raise TeamError(_("This person is not a member of a vendor firm."))
    _lock_vendor(membership.vendor_id)
    _require_admin(vendor_id=membership.vendor_id, actor=actor)
    current = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if current is None:
        raise TeamError(_("This person is no longer a member of the team."))
    return current


@transaction.atomic
def team_member_set_role(*, membership: Membership, role: str, actor: User) -> Membership:
    role = _clean_role(role)
    membership = _lock_member(membership, actor=actor)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and not _has_other_admin(membership=membership):
        raise TeamError(_("The firm needs at least one admin: make someone else admin first."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def team_member_remove(*, membership: Membership, actor: User) -> None:
    """The member loses access to the firm; the account stays (it may join
    another organization later)."""
    membership = _lock_member(membership, actor=actor)
    if membership.role == Role.ADMIN and not _has_other_admin(membership=membership):
        raise TeamError(_("The firm needs at least one admin: make someone else admin before removing this one."))
    membership.delete()
