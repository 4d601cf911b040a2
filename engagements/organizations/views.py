"""The vendor firm's team pages: its members and pending invitations (every
member sees them), inviting, changing roles, removing members and revoking
invitations (admins only), and the page an invited person joins from.

Scoping: members and invitations are looked up within the viewer's firm, so
another firm's ids answer 404, as do the pages for anyone without a vendor
membership. An editor (a member, so nothing is hidden from them) who tries an
admin's write gets 403. The join page is public: the token in its address is
the credential. An unknown token answers 404; one that expired, was revoked or
was used answers 410 Gone, each with a page that says so.

Also every signed-in user's time zone page (/account/time-zone/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from engagements.access.visibility import memberships_editable_by, team_invitations_editable_by
from engagements.models import Membership, Role
from engagements.organizations import services, team_services
from engagements.organizations.forms import ROLE_CHOICES, TeamInviteForm, TeamJoinForm, TeamRoleForm, TimeZoneForm
from engagements.organizations.team_services import TeamError
from engagements.organizations.timezones import ViewerZone
from kpo.access import Caller
from kpo.permissions import required_vendor_id, vendor_member_required, viewer_membership

JOIN_TEMPLATE = "engagements/vendor/team_join.html"


def _viewer_is_admin(request) -> bool:
    return Caller.of(request).is_vendor_admin


def _require_admin(request) -> None:
    if not _viewer_is_admin(request):
        raise PermissionDenied


def _render_team(request, *, invite_form: TeamInviteForm | None = None, status: int = 200):
    caller = Caller.of(request)
    is_admin = caller.is_vendor_admin
    context = {
        "members": list(team_services.team_members(caller=caller)),
        "invitations": list(team_services.team_pending_invitations(caller=caller)),
        "is_admin": is_admin,
        "invite_form": (invite_form or TeamInviteForm()) if is_admin else None,
        "role_choices": ROLE_CHOICES,
        "viewer_membership_id": viewer_membership(request).pk,
    }
    return render(request, "engagements/vendor/team.html", context, status=status)


def _member_or_404(request, pk: int) -> Membership:
    """A member of the viewer's own firm that the viewer may change (behind _require_admin)."""
    return get_object_or_404(
        memberships_editable_by(Caller.of(request)).filter(vendor_id=required_vendor_id(request)), pk=pk
    )


@vendor_member_required
@require_GET
def team(request):
    return _render_team(request)


@vendor_member_required
@require_POST
def invite(request):
    _require_admin(request)
    form = TeamInviteForm(request.POST)
    if not form.is_valid():
        return _render_team(request, invite_form=form, status=400)
    try:
        invitation, _token = team_services.team_invite(
            vendor=viewer_membership(request).vendor,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except TeamError as exc:
        form.add_error("email", str(exc))
        return _render_team(request, invite_form=form, status=409)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("vendor_team:team")


@vendor_member_required
@require_POST
def member_role(request, pk: int):
    _require_admin(request)
    membership = _member_or_404(request, pk)
    form = TeamRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose admin or editor."))
        return _render_team(request, status=400)
    try:
        team_services.team_member_set_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
    except TeamError as exc:
        messages.error(request, str(exc))
        return _render_team(request, status=409)
    messages.success(
        request,
        _("%(user)s is now %(role)s.")
        % {"user": membership.user.username, "role": Role(form.cleaned_data["role"]).label},
    )
    return redirect("vendor_team:team")


@vendor_member_required
@require_POST
def member_remove(request, pk: int):
    _require_admin(request)
    membership = _member_or_404(request, pk)
    try:
        team_services.team_member_remove(membership=membership, actor=request.user)
    except TeamError as exc:
        messages.error(request, str(exc))
        return _render_team(request, status=409)
    if membership.user_id == request.user.pk:
        messages.success(request, _("You left the team."))
        return redirect("home")
    messages.success(request, _("%(user)s was removed from the team.") % {"user": membership.user.username})
    return redirect("vendor_team:team")


@vendor_member_required
@require_POST
def invitation_revoke(request, pk: int):
    _require_admin(request)
    invitation = get_object_or_404(
        team_invitations_editable_by(Caller.of(request)).filter(vendor_id=required_vendor_id(request)), pk=pk
    )
    try:
        team_services.team_invitation_revoke(invitation=invitation, actor=request.user)
    except TeamError as exc:
        messages.error(request, str(exc))
        return _render_team(request, status=409)
    messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email})
    return redirect("vendor_team:team")


@require_http_methods(["GET", "POST"])
def join(request, token: str):
    try:
        invitation = team_services.team_invitation_for_token(token=token)
    except team_services.InvitationUnusable as exc:
        return render(
            request, "engagements/vendor/team_join_invalid.html", {"reason": str(exc)}, status=410 if exc.gone else 404
        )
    context = {"invitation": invitation, "vendor": invitation.vendor, "role": Role(invitation.role).label}
    if request.user.is_authenticated:
        return _join_signed_in(request, token, context)
    return _join_new_account(request, token, context)


def _join_signed_in(request, token: str, context: dict):
    if viewer_membership(request) is not None:
        context["error"] = _(
            "Your account already belongs to an organization, and an account can belong to only one. "
            "Sign out and open this link again to create a separate account for %(vendor)s."
        ) % {"vendor": context["vendor"].name}
        return render(request, JOIN_TEMPLATE, context, status=409)
    if request.method == "POST":
        try:
            team_services.team_invitation_accept(token=token, user=request.user)
        except TeamError as exc:
            context["error"] = str(exc)
            return render(request, JOIN_TEMPLATE, context, status=409)
        messages.success(request, _("Welcome to %(vendor)s.") % {"vendor": context["vendor"].name})
        return redirect("home")
    return render(request, JOIN_TEMPLATE, context)


def _join_new_account(request, token: str, context: dict):
    email = context["invitation"].email
    form = TeamJoinForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = team_services.team_invitation_accept_with_new_account(
                token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        except TeamError as exc:
            context.update(form=form, error=str(exc))
            return render(request, JOIN_TEMPLATE, context, status=409)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Your account is ready. Welcome to %(vendor)s.") % {"vendor": context["vendor"].name}
        )
        return redirect("home")
    context["form"] = form
    return render(request, JOIN_TEMPLATE, context, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def time_zone(request):
    zone: ViewerZone = request.viewer_zone
    form = TimeZoneForm(
        request.POST or None, initial={"time_zone": request.user.time_zone or ""}, default_zone=zone.default_name
    )
    if request.method == "POST" and form.is_valid():
        services.user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
        shown = form.cleaned_data["time_zone"] or zone.default_name
        messages.success(request, _("Dates and times are now shown in %(zone)s.") % {"zone": shown})
        return redirect("account_time_zone")
    return render(
        request,
        "engagements/account_time_zone.html",
        {"form": form, "zone": zone, "now": timezone.now()},
        status=400 if form.is_bound else 200,
    )
