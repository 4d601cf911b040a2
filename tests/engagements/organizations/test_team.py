"""Vendor team management: an admin invites a colleague by email (a single-use,
expiring link), changes roles and removes members; editors only look. Another
firm's ids and client managers get 404; an editor's write gets 403."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from engagements.models import Membership, TeamInvitation
from engagements.organizations import team_services
from engagements.organizations.team_services import TeamError
from tests.factories import UserFactory, VendorFactory, VendorMembershipFactory

pytestmark = pytest.mark.django_db

TEAM_URL = "/portal/team/"
GOOD_PASSWORD = "plum-harbour-Violin-42"


@pytest.fixture
def vendor():
    return VendorFactory(name="Lumen Analytics")


@pytest.fixture
def admin(vendor):
    return VendorMembershipFactory(vendor=vendor, role="admin", user__username="ada").user


@pytest.fixture
def editor(vendor):
    return VendorMembershipFactory(vendor=vendor, role="editor", user__username="eddie").user


@pytest.fixture
def rival_member():
    return VendorMembershipFactory(vendor=VendorFactory(name="Rival Partners"), role="admin")


def invite(admin, vendor, email="new.hire@example.com", role="editor"):
    return team_services.team_invite(vendor=vendor, email=email, role=role, invited_by=admin)


def join_url(token: str) -> str:
    return reverse("vendor_team:join", args=[token])


def signup(client, token, username="newhire", password=GOOD_PASSWORD, password2=None):
    return client.post(
        join_url(token), {"username": username, "password1": password, "password2": password2 or password}
    )


# -- inviting ------------------------------------------------------------------------------


def test_the_team_url_is_the_portal_team_page():
    assert reverse("vendor_team:team") == TEAM_URL


def test_an_invitation_sends_one_email_whose_link_works_once(
    client, admin, vendor, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("vendor_team:invite"), {"email": "New.Hire@example.com", "role": "editor"})
    assert response.status_code == 302 and response["Location"] == TEAM_URL
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["New.Hire@example.com"]
    assert "Lumen Analytics" in mail.subject
    link = re.search(r"http://testserver/portal/team/join/[\w-]+/", mail.body).group(0)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = TeamInvitation.objects.get()
    assert invitation.token_hash == team_services.token_hash(token) and token not in invitation.token_hash
    assert invitation.invited_by == admin and invitation.role == "editor"

    client.logout()
    assert client.get(link).status_code == 200
    response = signup(client, token)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = get_user_model().objects.get(username="newhire")
    assert user.email == "New.Hire@example.com" and user.check_password(GOOD_PASSWORD)
    assert (user.membership.vendor, user.membership.role) == (vendor, "editor")
    assert int(client.session["_auth_user_id"]) == user.pk  # signed in
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None

    client.logout()
    second = signup(client, token, username="someone-else")
    assert second.status_code == 410
    assert "already been used" in second.content.decode()
    assert not get_user_model().objects.filter(username="someone-else").exists()


def test_the_invitation_expires_after_the_configured_hours(admin, vendor, settings):
    settings.TEAM_INVITATION_TTL_HOURS = 5
    invitation, _token = invite(admin, vendor)
    assert invitation.expires_at - invitation.created_at == pytest.approx(timedelta(hours=5), abs=timedelta(seconds=5))


def test_an_expired_link_is_refused(client, admin, vendor):
    invitation, token = invite(admin, vendor)
    TeamInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(join_url(token))
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert signup(client, token).status_code == 410
    assert not Membership.objects.filter(user__username="newhire").exists()


def test_a_revoked_link_is_refused(client, admin, vendor):
    invitation, token = invite(admin, vendor)
    client.force_login(admin)
    response = client.post(reverse("vendor_team:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    response = signup(client, token)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert not get_user_model().objects.filter(username="newhire").exists()


def test_an_unknown_token_answers_404(client):
    response = client.get(join_url("not-a-real-token"))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_accepting_as_a_signed_in_user_without_membership_joins_with_the_role(client, admin, vendor):
    _invitation, token = invite(admin, vendor, role="admin")
    loner = UserFactory(username="loner")
    client.force_login(loner)
    assert client.get(join_url(token)).status_code == 200
    response = client.post(join_url(token))
    assert response.status_code == 302
    assert (loner.membership.vendor, loner.membership.role) == (vendor, "admin")


def test_a_signed_in_member_of_another_organization_gets_a_clear_error(client, admin, vendor, owner):
    _invitation, token = invite(admin, vendor)
    client.force_login(owner)
    response = client.post(join_url(token))
    assert response.status_code == 409
    assert "already belongs to an organization" in response.content.decode()
    owner.membership.refresh_from_db()
    assert owner.membership.client_id is not None
    assert TeamInvitation.objects.get().accepted_at is None


def test_the_signup_form_validates_the_passwords(client, admin, vendor):
    _invitation, token = invite(admin, vendor)
    mismatch = signup(client, token, password=GOOD_PASSWORD, password2=GOOD_PASSWORD + "x")
    assert mismatch.status_code == 400
    assert "password2" in mismatch.context["form"].errors
    weak = signup(client, token, password="12345678")
    assert weak.status_code == 400
    assert weak.context["form"].errors["password2"]  # too common, entirely numeric
    like_email = signup(client, token, password="new.hire@example")
    assert like_email.status_code == 400  # too similar to the invitation's email
    taken = signup(client, token, username="ada")
    assert taken.status_code == 400 and "username" in taken.context["form"].errors
    assert not get_user_model().objects.filter(username="newhire").exists()
    assert TeamInvitation.objects.get().accepted_at is None


def test_inviting_an_existing_member_is_refused_at_the_field(
    client, admin, vendor, owner, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("vendor_team:invite"), {"email": owner.email.upper(), "role": "editor"})
    assert response.status_code == 409
    assert "already belongs to an organization" in str(response.context["invite_form"].errors["email"])
    assert not TeamInvitation.objects.exists() and mailoutbox == []


def test_inviting_an_email_with_a_pending_invitation_is_refused_until_revoked(admin, vendor):
    first, _token = invite(admin, vendor)
    with pytest.raises(TeamError, match="pending invitation"):
        invite(admin, vendor, email="NEW.HIRE@example.com")
    team_services.team_invitation_revoke(invitation=first, actor=admin)
    second, _token = invite(admin, vendor)
    assert second.pk != first.pk


def test_the_invite_form_shows_errors_at_the_field_and_saves_nothing(client, admin):
    client.force_login(admin)
    response = client.post(reverse("vendor_team:invite"), {"email": "not-an-email", "role": "owner"})
    assert response.status_code == 400
    errors = response.context["invite_form"].errors
    assert set(errors) == {"email", "role"}
    assert not TeamInvitation.objects.exists()


# -- roles and removal ---------------------------------------------------------------------


def test_the_admin_changes_a_members_role(client, admin, editor):
    client.force_login(admin)
    response = client.post(reverse("vendor_team:member_role", args=[editor.membership.pk]), {"role": "admin"})
    assert response.status_code == 302
    editor.membership.refresh_from_db()
    assert editor.membership.role == "admin"


def test_the_admin_removes_a_member_who_keeps_the_account(client, admin, editor):
    client.force_login(admin)
    response = client.post(reverse("vendor_team:member_remove", args=[editor.membership.pk]))
    assert response.status_code == 302 and response["Location"] == TEAM_URL
    assert not Membership.objects.filter(user=editor).exists()
    assert get_user_model().objects.filter(pk=editor.pk).exists()
    client.force_login(editor)
    assert client.get(TEAM_URL).status_code == 404


def test_the_last_admin_can_be_neither_removed_nor_demoted(client, admin, editor):
    client.force_login(admin)
    demote = client.post(reverse("vendor_team:member_role", args=[admin.membership.pk]), {"role": "editor"})
    assert demote.status_code == 409 and "at least one admin" in demote.content.decode()
    remove = client.post(reverse("vendor_team:member_remove", args=[admin.membership.pk]))
    assert remove.status_code == 409
    admin.membership.refresh_from_db()
    assert admin.membership.role == "admin"


def test_an_admin_may_step_down_when_another_admin_remains(client, admin, editor):
    team_services.team_member_set_role(membership=editor.membership, role="admin", actor=admin)
    client.force_login(admin)
    response = client.post(reverse("vendor_team:member_remove", args=[admin.membership.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not Membership.objects.filter(user=admin).exists()


def test_a_bad_role_changes_nothing(client, admin, editor):
    client.force_login(admin)
    response = client.post(reverse("vendor_team:member_role", args=[editor.membership.pk]), {"role": "manager"})
    assert response.status_code == 400
    editor.membership.refresh_from_db()
    assert editor.membership.role == "editor"


# -- who may do what -----------------------------------------------------------------------


def test_an_editor_sees_the_team_read_only(client, admin, editor):
    client.force_login(editor)
    response = client.get(TEAM_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ada" in html and "eddie" in html
    assert reverse("vendor_team:invite") not in html
    assert reverse("vendor_team:member_remove", args=[admin.membership.pk]) not in html


def test_an_editor_can_neither_invite_nor_change_nor_remove(client, admin, editor, vendor):
    invitation, _token = invite(admin, vendor)
    client.force_login(editor)
    assert client.post(reverse("vendor_team:invite"), {"email": "x@example.com", "role": "admin"}).status_code == 403
    assert client.post(reverse("vendor_team:member_remove", args=[admin.membership.pk])).status_code == 403
    role_url = reverse("vendor_team:member_role", args=[editor.membership.pk])
    assert client.post(role_url, {"role": "admin"}).status_code == 403
    assert client.post(reverse("vendor_team:invitation_revoke", args=[invitation.pk])).status_code == 403
    assert TeamInvitation.objects.count() == 1 and Membership.objects.filter(vendor=vendor).count() == 2
    editor.membership.refresh_from_db()
    assert editor.membership.role == "editor"


def test_the_services_refuse_an_editor_actor(admin, editor, vendor):
    with pytest.raises(TeamError):
        invite(editor, vendor)
    with pytest.raises(TeamError):
        team_services.team_member_remove(membership=admin.membership, actor=editor)
    with pytest.raises(TeamError):
        team_services.team_member_set_role(membership=editor.membership, role="admin", actor=editor)


def test_another_vendors_member_and_invitation_ids_answer_404(client, admin, rival_member):
    rival_invitation, _token = team_services.team_invite(
        vendor=rival_member.vendor, email="x@example.com", role="editor", invited_by=rival_member.user
    )
    client.force_login(admin)
    assert client.post(reverse("vendor_team:member_remove", args=[rival_member.pk])).status_code == 404
    assert (
        client.post(reverse("vendor_team:member_role", args=[rival_member.pk]), {"role": "editor"}).status_code == 404
    )
    assert client.post(reverse("vendor_team:invitation_revoke", args=[rival_invitation.pk])).status_code == 404
    assert Membership.objects.filter(pk=rival_member.pk, role="admin").exists()
    rival_invitation.refresh_from_db()
    assert rival_invitation.revoked_at is None


def test_the_services_refuse_an_admin_of_another_vendor(admin, rival_member):
    with pytest.raises(TeamError):
        team_services.team_member_remove(membership=rival_member, actor=admin)


def test_a_client_manager_gets_404_on_the_team_pages(client, owner, editor):
    client.force_login(owner)
    assert client.get(TEAM_URL).status_code == 404
    assert client.post(reverse("vendor_team:invite"), {"email": "x@example.com", "role": "admin"}).status_code == 404
    assert client.post(reverse("vendor_team:member_remove", args=[editor.membership.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(TEAM_URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_writes_need_post(client, admin, editor):
    client.force_login(admin)
    assert client.get(reverse("vendor_team:member_remove", args=[editor.membership.pk])).status_code == 405


# -- the page ------------------------------------------------------------------------------


def test_the_team_page_lists_members_and_pending_invitations_in_constant_queries(
    client, admin, vendor, django_assert_num_queries
):
    for _n in range(5):
        VendorMembershipFactory(vendor=vendor, role="editor")
    for n in range(4):
        invite(admin, vendor, email=f"invitee{n}@example.com")
    used, token = invite(admin, vendor, email="used@example.com")
    team_services.team_invitation_accept(token=token, user=UserFactory())
    expired, _token = invite(admin, vendor, email="late@example.com")
    TeamInvitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    client.force_login(admin)
    # session, user, membership with its firm and zone, members, pending invitations
    with django_assert_num_queries(5):
        response = client.get(TEAM_URL)
    assert response.status_code == 200
    assert len(response.context["members"]) == 7
    assert [i.email for i in response.context["invitations"]] == [f"invitee{n}@example.com" for n in range(4)]
    html = response.content.decode()
    assert "late@example.com" not in html and "used@example.com" not in html


def test_member_names_are_escaped(client, admin, vendor):
    VendorMembershipFactory(vendor=vendor, role="editor", user__first_name='<script>alert("x")</script>')
    client.force_login(admin)
    html = client.get(TEAM_URL).content.decode()
    assert '<script>alert("x")</script>' not in html


def test_the_vendor_dashboard_links_to_the_team_page(client, admin):
    client.force_login(admin)
    assert f'href="{TEAM_URL}"' in client.get(reverse("home")).content.decode()
