"""Forms of the vendor team pages and of a user's time zone. They validate and hand clean data to
engagements.organizations.team_services; they never write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from engagements.models import VENDOR_ROLES
from kpo.codes import timezone_names

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


def _zone_choices(default_label: str) -> list:
    """ "" (the organization's default) first, then every IANA zone grouped by its region."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(timezone_names()):
        region = name.split("/", 1)[0] if "/" in name else _("Other")
        groups.setdefault(str(region), []).append((name, name.replace("_", " ")))
    return [("", default_label), *sorted(groups.items())]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every date and time on KPO Match is shown in this zone, with the zone named."),
    )

    def __init__(self, *args, default_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)  # declared above
        field.choices = _zone_choices(_("My organization's zone (%(zone)s)") % {"zone": default_zone})
        field.widget.attrs["data-searchable"] = ""
