"""Forms of the request-for-proposal pages. They validate and shape input; the
services in rfp_services.py decide what the state allows."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from engagements.models import EvaluationCriterion, MatchResult
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import services as rfp_services
from kpo.bounds import TEXT_MAX, validate_date_in_range
from vendors.money import exchange_rate_currencies

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class RfpCreateForm(forms.Form):
    """Invite vendors of one shortlist. The deadline is read in the manager's own
    time zone (engagements.organizations.timezones activates it)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    vendors = forms.MultipleChoiceField(
        label=_("Vendors to invite"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each vendor sees only its own invitation, never who else is invited."),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        validators=[validate_date_in_range],
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    instructions = forms.CharField(
        label=_("Instructions to vendors"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questions = forms.CharField(
        label=_("Questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One question per line; every invited vendor answers each one."),
    )

    def __init__(self, *args, results: list[MatchResult], **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {str(r.vendor_id): r for r in results}
        vendors_field = self.fields["vendors"]
        assert isinstance(vendors_field, forms.MultipleChoiceField)  # declared above
        vendors_field.choices = [(str(r.vendor_id), r.vendor.name) for r in results]

    def clean_vendors(self) -> list[int]:
        chosen = self.cleaned_data["vendors"]
        if len(chosen) > rfp_services.MAX_INVITEES:
            raise ValidationError(_("Invite at most %(count)s vendors."), params={"count": rfp_services.MAX_INVITEES})
        return [int(v) for v in chosen]

    def clean_questions(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]
        if len(lines) > rfp_services.MAX_QUESTIONS:
            raise ValidationError(_("Ask at most %(count)s questions."), params={"count": rfp_services.MAX_QUESTIONS})
        if any(len(line) > rfp_services.QUESTION_MAX_LENGTH for line in lines):
            raise ValidationError(
                _("A question may be at most %(count)s characters."),
                params={"count": rfp_services.QUESTION_MAX_LENGTH},
            )
        return lines

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        rfp_services.check_deadline(deadline)
        return deadline


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=100, required=False)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("weight"):
            self.add_error("weight", _("Give this criterion a weight from 1 to 100."))
        if data.get("weight") and not data.get("name"):
            self.add_error("name", _("Name this criterion."))
        return data


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        names = [f.cleaned_data["name"].strip().casefold() for f in self.forms if f.cleaned_data.get("name")]
        if len(set(names)) != len(names):
            raise ValidationError(_("Criterion names must be different."))
        if not names:
            raise ValidationError(_("Give at least one evaluation criterion."))

    def criteria(self) -> list[rfp_services.CriterionInput]:
        return [
            rfp_services.CriterionInput(name=f.cleaned_data["name"].strip(), weight=f.cleaned_data["weight"])
            for f in self.forms
            if f.cleaned_data.get("name")
        ]


# formset_factory returns a subclass of `formset`; the stubs type it as the plain BaseFormSet.
CriterionFormSet = cast(
    "type[BaseCriterionFormSet]",
    forms.formset_factory(CriterionForm, formset=BaseCriterionFormSet, extra=0, max_num=10),
)


class ProposalForm(forms.Form):
    """The vendor's proposal. Nothing is required to save a draft; the service
    says what is missing to submit."""

    hourly_rate = forms.DecimalField(
        label=_("Hourly rate"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    currency = forms.ChoiceField(label=_("Currency"))
    fte = forms.DecimalField(label=_("FTE"), max_digits=6, decimal_places=1, min_value=Decimal("0.1"), required=False)
    start_date = forms.DateField(
        label=_("Earliest start"),
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    approach = forms.CharField(
        label=_("Approach"),
        required=False,
        max_length=rfp_services.APPROACH_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("How you would do the work: team, method, timeline, what you need from the client."),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("Optional: PDF, DOCX, XLSX, PPTX or plain text, up to the size limit."),
    )
    remove_attachment = forms.BooleanField(label=_("Remove the current attachment"), required=False)

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        currency_field = self.fields["currency"]
        assert isinstance(currency_field, forms.ChoiceField)  # declared above
        currency_field.choices = [(c, c) for c in exchange_rate_currencies()]
        # Optional for a draft, needed to submit: the label says neither "optional" nor "required".
        # `required_to_submit` is our own marker on Django's Field (read by templates/engagements/
        # partials/field.html and the vendor view), so setattr: Field does not declare it.
        for name in ("hourly_rate", "fte", "start_date", "approach"):
            setattr(self.fields[name], "required_to_submit", True)  # noqa: B010
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question,
                required=False,
                max_length=rfp_services.ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            setattr(self.fields[f"answer_{index}"], "required_to_submit", True)  # noqa: B010

    def answer_fields(self):
        return [self[f"answer_{i}"] for i in range(len(self.questions))]

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            rfp_proposals.validate_attachment(upload)
        return upload

    def proposal_input(self) -> rfp_proposals.ProposalInput:
        data = self.cleaned_data
        return rfp_proposals.ProposalInput(
            hourly_rate=data.get("hourly_rate"),
            currency=data["currency"],
            fte=data.get("fte"),
            start_date=data.get("start_date"),
            approach=data.get("approach", ""),
            answers=[data.get(f"answer_{i}", "") for i in range(len(self.questions))],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=rfp_services.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ScoreForm(forms.Form):
    """One evaluator's 1-5 scores of one proposal, a field per criterion."""

    def __init__(self, *args, criteria: list[EvaluationCriterion], prefix: str, **kwargs):
        kwargs["prefix"] = prefix
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"c{c.pk}"] for c in self.criteria}
