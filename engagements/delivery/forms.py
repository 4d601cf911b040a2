"""Forms of the engagement pages (propose, FTE changes, milestones, reviews). They validate with
the rules of the API serializers and hand clean data to the services; they never write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from engagements.models import (
    Requirement,
)
from kpo.bounds import validate_date_in_range
from vendors.money import convertible_currency, exchange_rate_currencies


class EngagementProposalForm(forms.Form):
    agreed_rate = forms.DecimalField(
        label=_("Agreed hourly rate"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    fte = forms.DecimalField(
        label=_("FTE"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.1"}),
    )
    start_date = forms.DateField(
        label=_("Start date"),
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: leave empty for an open-ended engagement."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in exchange_rate_currencies()]

    def clean_currency(self) -> str:
        return convertible_currency(self.cleaned_data["currency"])

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # BaseForm.clean returns cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must not be before the start date."))
        return data


class FteChangeForm(forms.Form):
    fte = forms.DecimalField(
        label=_("New FTE"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.1"}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.TextInput)

    def __init__(self, *args, current: Decimal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_fte(self) -> Decimal:
        fte = self.cleaned_data["fte"]
        if self.current is not None and fte == self.current:
            raise ValidationError(_("The engagement already has %(fte)s FTE."), params={"fte": formats.localize(fte)})
        return fte


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(
        label=_("Due"),
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    description = forms.CharField(label=_("Details"), required=False, max_length=2000, widget=forms.TextInput)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


def default_start_date(requirement: Requirement, today: date) -> date:
    return requirement.start_date if requirement.start_date and requirement.start_date >= today else today
