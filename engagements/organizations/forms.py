"""Forms of the vendor team pages. They validate and hand clean data to
engagements.organizations.team_services; they never write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from engagements.models import VENDOR_ROLES

ROLE_CHOICES = [(role.value, role.label) for role in VENDOR_ROLES]


class TeamInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        initial="editor",
        help_text=_("Admins manage the team; editors keep the profile and engagements up to date."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "placeholder": "name@example.com"})


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class TeamJoinForm(UserCreationForm):
    """The account of an invited person who has none: a username and the
    password twice, checked by AUTH_PASSWORD_VALIDATORS. The email is the
    invitation's (the link proved the person reads that mailbox)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username",)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The password validators compare the password with the email too.
        self.instance.email = email
        self.fields["username"].widget.attrs["autocomplete"] = "username"
