"""Forms of the requirement pages. They validate with the rules of the API serializers and
hand clean data to the services; they never write."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from engagements.matching.scoring import COMPONENTS, DOMAIN_DEFAULT_METHOD, resolve_weights
from engagements.models import (
    ClientOrganization,
    Confidentiality,
    LocationClass,
    Requirement,
    RequirementStatus,
    SelectionMethod,
)
from kpo.bounds import HOURS_MAX, TEXT_MAX, validate_date_in_range
from kpo.codes import country_choices, language_choices
from vendors.models import Certification, ExpertiseArea, Seniority, Skill
from vendors.money import convertible_currency, exchange_rate_currencies

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROFICIENCY_CHOICES = [
    (1, _("1 · basic")),
    (2, _("2 · working")),
    (3, _("3 · solid")),
    (4, _("4 · advanced")),
    (5, _("5 · expert")),
]
COMPONENT_LABELS = {
    "expertise": _("Expertise"),
    "cost": _("Cost"),
    "location": _("Location"),
    "quality": _("Quality"),
    "capacity": _("Capacity"),
}
WEIGHTS_ERROR = "weights"


class SkillLookup:
    """Active skills by code and by (case-insensitive) name, read once per form."""

    def __init__(self) -> None:
        self.skills = list(
            Skill.objects.filter(is_active=True).select_related("domain").order_by("domain__name", "name")
        )
        self.by_code = {skill.code: skill for skill in self.skills}
        self.by_name: dict[str, list[Skill]] = {}
        for skill in self.skills:
            self.by_name.setdefault(skill.name.casefold(), []).append(skill)

    def resolve(self, text: str) -> Skill:
        """A code or a full name (any case); or a fragment only one skill name contains."""
        text = text.strip()
        key = text.casefold()
        code = self.by_code.get(text) or self.by_code.get(key)
        if code is not None:
            return code
        matches = self.by_name.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ValidationError(_("Several skills are called “%(name)s”: type its code."), params={"name": text})
        partial = [skill for skill in self.skills if key and key in skill.name.casefold()]
        if len(partial) == 1:
            return partial[0]
        if partial:
            raise ValidationError(
                _("“%(text)s” matches several skills (%(names)s): pick one from the list."),
                params={"text": text, "names": ", ".join(skill.name for skill in partial[:5])},
            )
        raise ValidationError(_("Choose a skill from the list."), code="unknown_skill")

    def grouped(self) -> list[tuple[str, list[Skill]]]:
        groups: dict[str, list[Skill]] = {}
        for skill in self.skills:
            groups.setdefault(skill.domain.name, []).append(skill)
        return list(groups.items())


class RequirementSkillForm(forms.Form):
    skill = forms.CharField(
        label=_("Skill"),
        max_length=120,
        widget=forms.TextInput(
            attrs={"list": "skill-options", "autocomplete": "off", "placeholder": _("Type to search skills…")}
        ),
    )
    min_proficiency = forms.TypedChoiceField(
        label=_("Minimum proficiency"), choices=PROFICIENCY_CHOICES, coerce=int, initial=3
    )
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        initial=Decimal("1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.01"}),
    )
    must_have = forms.BooleanField(label=_("Must-have"), required=False)

    def __init__(self, *args, skill_lookup: SkillLookup, **kwargs):
        super().__init__(*args, **kwargs)
        self.skill_lookup = skill_lookup

    def clean_skill(self) -> Skill:
        return self.skill_lookup.resolve(self.cleaned_data["skill"])


class BaseRequirementSkillFormSet(forms.BaseFormSet):
    skill_lookup: SkillLookup  # set by requirement_skill_formset

    if TYPE_CHECKING:
        # Django's BaseFormSet has it; the stubs leave the private method out.
        def _should_delete_form(self, form: forms.Form) -> bool: ...

    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [form.cleaned_data for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        if not rows:
            raise ValidationError(_("Add at least one required skill."))
        codes = [row["skill"].code for row in rows]
        repeated = sorted({row["skill"].name for row in rows if codes.count(row["skill"].code) > 1})
        if repeated:
            raise ValidationError(
                _("A skill may appear only once: %(skills)s."), params={"skills": ", ".join(repeated)}
            )

    def skill_rows(self) -> list[dict]:
        return [
            {
                "skill": form.cleaned_data["skill"],
                "min_proficiency": form.cleaned_data["min_proficiency"],
                "weight": form.cleaned_data["weight"],
                "must_have": form.cleaned_data["must_have"],
            }
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


# formset_factory returns a subclass of `formset`; the stubs type it as the plain BaseFormSet.
RequirementSkillFormSet = cast(
    "type[BaseRequirementSkillFormSet]",
    forms.formset_factory(
        RequirementSkillForm, formset=BaseRequirementSkillFormSet, extra=0, min_num=1, can_delete=True, max_num=40
    ),
)


def requirement_skill_formset(*, data=None, requirement: Requirement | None = None) -> BaseRequirementSkillFormSet:
    lookup = SkillLookup()
    initial = None
    if requirement is not None:
        initial = [
            {
                "skill": row.skill.name,
                "min_proficiency": row.min_proficiency,
                "weight": row.weight.normalize(),
                "must_have": row.must_have,
            }
            for row in requirement.requirement_skills.all()
        ]
    formset = RequirementSkillFormSet(data=data, initial=initial, prefix="skills", form_kwargs={"skill_lookup": lookup})
    formset.skill_lookup = lookup
    return formset


class RequirementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the team will do, deliverables, context. Vendors see it when you propose."),
    )
    domain = forms.ModelChoiceField(
        label=_("Domain"),
        queryset=ExpertiseArea.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Choose a domain…"),
    )
    seniority = forms.ChoiceField(label=_("Seniority"), choices=Seniority.choices, initial=Seniority.SENIOR)
    selection_method = forms.ChoiceField(
        label=_("Selection method"),
        choices=SelectionMethod.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Leave it to the domain's default, or pick another way to rank vendors."),
    )
    weight_expertise = forms.FloatField(label=_("Expertise"), min_value=0, max_value=100, required=False)
    weight_cost = forms.FloatField(label=_("Cost"), min_value=0, max_value=100, required=False)
    weight_location = forms.FloatField(label=_("Location"), min_value=0, max_value=100, required=False)
    weight_quality = forms.FloatField(label=_("Quality"), min_value=0, max_value=100, required=False)
    weight_capacity = forms.FloatField(label=_("Capacity"), min_value=0, max_value=100, required=False)
    location_classes = forms.MultipleChoiceField(
        label=_("Allowed location classes"),
        choices=LocationClass.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Allow at least one location class.")},
        help_text=_("Relative to your country: onshore is in it, nearshore in its region or ≤ 3 h away."),
    )
    preferred_location_classes = forms.MultipleChoiceField(
        label=_("Preferred location classes"),
        choices=LocationClass.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Score best among the allowed ones. Leave empty for no preference."),
    )
    excluded_countries = forms.MultipleChoiceField(
        label=_("Excluded countries"),
        choices=country_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-remove-label": _("Remove")}),
        help_text=_(
            "Vendors with a delivery centre in one of these are left out. Type to find a country; pick as many as you need."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=language_choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-remove-label": _("Remove")}),
        help_text=_("The vendor must work in at least one of them."),
    )
    min_timezone_overlap_hours = forms.DecimalField(
        label=_("Minimum working-hours overlap (h)"),
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        max_digits=4,
        decimal_places=1,
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    required_certifications = forms.ModelMultipleChoiceField(
        label=_("Required certifications"),
        queryset=Certification.objects.order_by("name"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        initial=Confidentiality.MEDIUM,
        widget=forms.RadioSelect,
        help_text=_("High: vendors without a security certification are flagged."),
    )
    budget_hourly_rate = forms.DecimalField(
        label=_("Hourly budget"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    estimated_hours = forms.IntegerField(label=_("Estimated hours"), min_value=1, max_value=HOURS_MAX)
    fte_needed = forms.DecimalField(
        label=_("FTE needed"),
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.1"}),
    )
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=RequirementStatus.choices)

    def __init__(self, *args, client: ClientOrganization, instance: Requirement | None = None, **kwargs):
        self.client = client
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_from(instance))
        super().__init__(*args, **kwargs)
        currencies = exchange_rate_currencies()
        if instance is not None and instance.currency not in currencies:
            currencies.append(instance.currency)
        currency_field = self.fields["currency"]
        assert isinstance(currency_field, forms.ChoiceField)  # declared above
        currency_field.choices = [(code, code) for code in currencies]
        if instance is None:
            del self.fields["status"]
            self.fields["currency"].initial = client.currency
            self.fields["location_classes"].initial = list(LocationClass.values)

    @staticmethod
    def initial_from(requirement: Requirement) -> dict:
        initial = {
            "title": requirement.title,
            "description": requirement.description,
            "domain": requirement.domain.code,
            "seniority": requirement.seniority,
            "selection_method": requirement.selection_method,
            "location_classes": requirement.location_classes,
            "preferred_location_classes": requirement.preferred_location_classes,
            "excluded_countries": requirement.excluded_countries,
            "languages": requirement.languages,
            "min_timezone_overlap_hours": requirement.min_timezone_overlap_hours,
            "required_certifications": [c.code for c in requirement.required_certifications.all()],
            "confidentiality": requirement.confidentiality,
            "budget_hourly_rate": requirement.budget_hourly_rate,
            "currency": requirement.currency,
            "estimated_hours": requirement.estimated_hours,
            "fte_needed": requirement.fte_needed,
            "start_date": requirement.start_date,
            "status": requirement.status,
        }
        for key, value in (requirement.weights or {}).items():
            initial[f"weight_{key}"] = value
        return initial

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{key}"] for key in COMPONENTS]

    def weight_errors(self) -> list[str]:
        return [
            message
            for error in self.errors.as_data().get("__all__", [])
            if error.code == WEIGHTS_ERROR
            for message in error.messages
        ]

    def other_errors(self) -> list[str]:
        return [
            message
            for error in self.errors.as_data().get("__all__", [])
            if error.code != WEIGHTS_ERROR
            for message in error.messages
        ]

    def clean_currency(self) -> str:
        return convertible_currency(self.cleaned_data["currency"])

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # BaseForm.clean returns cleaned_data
        domain = data.get("domain")
        if not data.get("selection_method") and domain is not None:
            data["selection_method"] = DOMAIN_DEFAULT_METHOD.get(domain.code, SelectionMethod.BALANCED)
        weights = {key: data[f"weight_{key}"] for key in COMPONENTS if data.get(f"weight_{key}") is not None}
        data["weights"] = weights
        if data.get("selection_method"):
            try:
                resolve_weights(data["selection_method"], weights or None)
            except ValueError as exc:
                message: StrOrPromise = str(exc)
                if "at least one weight" in message:
                    message = _("The weights cannot all be zero: give at least one component a positive weight.")
                self.add_error(None, ValidationError(message, code=WEIGHTS_ERROR))
        allowed = set(data.get("location_classes") or [])
        preferred = set(data.get("preferred_location_classes") or [])
        if "location_classes" in data and preferred - allowed:
            self.add_error(
                "preferred_location_classes", _("Preferred classes must be among the allowed location classes.")
            )
        return data

    def service_data(self, skills: list[dict]) -> dict:
        data = self.cleaned_data
        values = {
            key: data[key]
            for key in (
                "title",
                "description",
                "domain",
                "seniority",
                "selection_method",
                "weights",
                "location_classes",
                "preferred_location_classes",
                "excluded_countries",
                "languages",
                "min_timezone_overlap_hours",
                "confidentiality",
                "budget_hourly_rate",
                "currency",
                "estimated_hours",
                "fte_needed",
                "start_date",
            )
        }
        # Keep the stored order stable (LocationClass order), whatever the order posted.
        values["location_classes"] = [c for c in LocationClass.values if c in data["location_classes"]]
        values["preferred_location_classes"] = [
            c for c in LocationClass.values if c in data["preferred_location_classes"]
        ]
        values["required_certifications"] = list(data["required_certifications"])
        values["skills"] = skills
        if "status" in data:
            values["status"] = data["status"]
        return values


# -- engagements ----------------------------------------------------------------------
