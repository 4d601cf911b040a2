"""The signed-in user's API tokens: list them, create one (its key shown on
the response page only), revoke one. Any signed-in user has the page: a token
acts with its owner's permissions, nothing more."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kpo.api import tokens

EXPIRY_CHOICES = [
    ("", _("Never (not recommended)")),
    ("7", _("In 7 days")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses it, e.g. “SAP Ariba sync”, so you know which to revoke."),
    )
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("A token that never expires keeps working after the system using it is forgotten."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The configured default term is preselected; "Never" has to be chosen.
        default = str(settings.API_TOKEN_DEFAULT_EXPIRY_DAYS)
        if default not in {value for value, _label in EXPIRY_CHOICES}:
            self.fields["expires_in_days"].choices = sorted(
                [
                    *EXPIRY_CHOICES,
                    (default, ngettext("In %(days)s day", "In %(days)s days", int(default)) % {"days": default}),
                ],
                key=lambda choice: int(choice[0] or 0) or 10**6,
            )
        self.fields["expires_in_days"].initial = default


def _page(request, *, form: ApiTokenForm, created: tokens.CreatedToken | None = None, status: int = 200):
    token_list = list(tokens.api_token_list(user=request.user))
    now = timezone.now()
    rows = [
        {
            "token": token,
            "id": tokens.api_token_id(token),
            "prefix": tokens.api_token_display_prefix(token),
            "expired": tokens.api_token_is_expired(token, now=now),
            "is_new": created is not None and token.pk == created.token.pk,
        }
        for token in token_list
    ]
    context = {
        "form": form,
        "rows": rows,
        "any_expired": any(row["expired"] for row in rows),
        "purge_after_days": settings.API_TOKEN_PURGE_AFTER_DAYS,
        "created": created,
        "api_url": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "kpo/tokens.html", context, status=status)


@never_cache  # the response that shows a new key must not be stored anywhere
@login_required
def token_list(request):
    if request.method != "POST":
        return _page(request, form=ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    created = tokens.api_token_create(
        user=request.user, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"]
    )
    return _page(request, form=ApiTokenForm(), created=created)


@login_required
@require_POST
def token_revoke(request, token_id: str):
    token = tokens.api_token_get(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    tokens.api_token_revoke(token=token)
    messages.success(
        request, _("Token “%(name)s” revoked: requests with it are refused from now on.") % {"name": token.name}
    )
    return redirect("account_tokens")
