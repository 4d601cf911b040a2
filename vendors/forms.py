"""Forms of the vendor pages. The directory's filter form validates the query
string: a bad value (an unknown domain, a rate that is not a number) is left out
of `cleaned_data` and reported, never turned into an error page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kpo import geo
from kpo.codes import (
    country_choices,
    country_timezones,
    currency_choices,
    display_country_names,
    display_language_names,
    language_choices,
)
from vendors.changes import ProfileChanges
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Seniority,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)
from vendors.money import convertible_currency, exchange_rate_currencies
from vendors.selectors import Sort, certification_status, codes_in_use

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REGION_LABELS = {
    "northern_america": _("Northern America"),
    "latin_america": _("Latin America"),
    "western_europe": _("Western & Northern Europe"),
    "southern_europe": _("Southern Europe"),
    "eastern_europe": _("Central & Eastern Europe"),
    "middle_east_north_africa": _("Middle East & North Africa"),
    "sub_saharan_africa": _("Sub-Saharan Africa"),
    "south_asia": _("South Asia"),
    "east_southeast_asia": _("East & South-East Asia"),
    "oceania": _("Oceania"),
}
LOCATION_LABELS = {
    geo.ONSHORE: _("Onshore"),
    geo.NEARSHORE: _("Nearshore"),
    geo.OFFSHORE: _("Offshore"),
}
MIN_RATING_CHOICES = [("", _("Any rating")), ("3", "3+"), ("3.5", "3.5+"), ("4", "4+"), ("4.5", "4.5+")]
SORT_CHOICES = [
    (Sort.RELEVANCE, _("Relevance")),
    (Sort.NAME, _("Name (A–Z)")),
    (Sort.RATING, _("Rating")),
    (Sort.REVIEWS, _("Number of reviews")),
    (Sort.RATE, _("Rate, low to high")),
]


def region_choices() -> list[tuple[str, str]]:
    regions = sorted(set(geo.REGION_OF.values()))
    return [(code, str(REGION_LABELS.get(code, code.replace("_", " ").capitalize()))) for code in regions]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, description or skill"), "autocomplete": "off"}
        ),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    country = forms.ChoiceField(label=_("Delivery centre country"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    location = forms.ChoiceField(label=_("Location"), required=False)
    max_rate = forms.DecimalField(
        label=_("Maximum hourly rate"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    seniority = forms.ChoiceField(
        label=_("Seniority (rates)"), required=False, choices=Seniority.choices, initial=Seniority.SENIOR
    )
    certification = forms.ChoiceField(label=_("Certification (valid)"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    min_rating = forms.TypedChoiceField(
        label=_("Minimum rating"), required=False, choices=MIN_RATING_CHOICES, coerce=Decimal, empty_value=None
    )
    verified = forms.BooleanField(label=_("Verified vendors only"), required=False)

    def __init__(self, data=None, *, viewer, **kwargs):
        if data is not None and not data.get("seniority"):
            # Rates are shown for senior staff unless asked otherwise; say so in the select.
            data = data.copy()
            data["seniority"] = Seniority.SENIOR
        super().__init__(data, **kwargs)
        self.viewer = viewer
        # Choices are read only when used: a filter's value is validated against them, and the
        # whole page lists them. The HTMX partial of a request with two filters reads two lists,
        # not five (each is a query on every directory request otherwise).
        self.fields["domain"].choices = _once(
            lambda: [("", _("Any domain")), *ExpertiseArea.objects.order_by("name").values_list("code", "name")]
        )
        self.fields["skill"].choices = _once(lambda: [("", _("Any skill")), *_grouped_skills()])
        self.fields["country"].choices = _once(
            lambda: [("", _("Any country")), *_named(codes_in_use(DeliveryCenter, "country"), display_country_names())]
        )
        self.fields["region"].choices = [("", _("Any region"))] + region_choices()
        self.fields["certification"].choices = _once(
            lambda: [("", _("Any certification")), *Certification.objects.order_by("name").values_list("code", "name")]
        )
        self.fields["language"].choices = _once(
            lambda: [("", _("Any language")), *_named(codes_in_use(VendorLanguage, "code"), display_language_names())]
        )
        self.fields["max_rate"].label = _("Maximum hourly rate (%(currency)s)") % {"currency": viewer.currency}
        if viewer.has_client:
            self.fields["location"].choices = [("", _("Any location"))] + list(LOCATION_LABELS.items())
            self.fields["location"].help_text = _("Relative to your organization's country")
        else:
            # Staff belong to no organization: there is nothing to be onshore of.
            del self.fields["location"]

    def notices(self) -> list[StrOrPromise]:
        """One sentence per ignored value, for the page to show."""
        notices: list[StrOrPromise] = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field else name
            notices.append(
                _("%(label)s: %(error)s This filter was ignored.")
                % {"label": label, "error": " ".join(str(error) for error in errors)}
            )
        if not self.viewer.has_client and self.data.get("location"):
            notices.append(
                _("Location classes are relative to a client organization; the location filter was ignored.")
            )
        return notices


def _once(load: Callable[[], list]) -> Callable[[], list]:
    """`load` as a callable for a field's choices (Django reads those lazily, each time they
    are iterated), run at most once per form."""
    loaded: list[list] = []

    def choices() -> list:
        if not loaded:
            loaded.append(load())
        return loaded[0]

    return choices


def _named(codes, names: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda item: item[1])


def _grouped_skills() -> list:
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, domain in (
        Skill.objects.filter(is_active=True)
        .order_by("domain__name", "name")
        .values_list("code", "name", "domain__name")
    ):
        groups.setdefault(domain, []).append((code, name))
    return list(groups.items())


# --- profile editing by the vendor's own members ------------------------------------

PROFICIENCY_CHOICES = [(level, str(level)) for level in range(1, 6)]


class VendorProfileForm(forms.ModelForm):
    """The firm's own fields. Name, slug, verification and activity stay with staff."""

    headquarters_country = forms.ChoiceField(label=_("Headquarters country"))
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-remove-label": _("Remove")}),
        help_text=_("Type to find a language and pick as many as you work in; × removes one."),
    )
    domains = forms.ModelMultipleChoiceField(
        label=_("Domains"),
        required=False,
        queryset=ExpertiseArea.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Vendor
        fields = ["description", "website", "headquarters_country", "available_fte", "domains"]
        labels = {
            "description": _("Description"),
            "website": _("Website"),
            "available_fte": _("Available FTE"),
        }
        help_texts = {
            "available_fte": _("Full-time people you could put on new work now."),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "website": forms.URLInput(attrs={"placeholder": "https://"}),
            "available_fte": forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["headquarters_country"].choices = [("", "—")] + country_choices()
        self.fields["languages"].choices = language_choices()
        if not self.is_bound and self.instance.pk:
            self.initial["languages"] = [language.code for language in self.instance.languages.all()]


class VendorSkillForm(forms.ModelForm):
    proficiency = forms.TypedChoiceField(label=_("Proficiency"), choices=PROFICIENCY_CHOICES, coerce=int)

    class Meta:
        model = VendorSkill
        fields = ["skill", "proficiency", "years_experience"]
        labels = {"skill": _("Skill"), "years_experience": _("Years of experience")}
        widgets = {"years_experience": forms.NumberInput(attrs={"min": "0", "max": "60"})}

    def __init__(self, *args, skill_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if skill_choices is not None:
            # One query for every row's options instead of one per row.
            self.fields["skill"].choices = skill_choices


class RateCardForm(forms.ModelForm):
    currency = forms.ChoiceField(label=_("Currency"))

    class Meta:
        model = RateCard
        fields = ["seniority", "hourly_rate", "currency"]
        labels = {"seniority": _("Seniority"), "hourly_rate": _("Hourly rate")}
        widgets = {"hourly_rate": forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})}

    def __init__(self, *args, currencies: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The currencies the platform converts (a rate in another could never be scored by
        # matching), and the row's own if it came from elsewhere (the API, a CSV).
        self.saved_currency = self.instance.currency if self.instance.pk else None
        offered = set(currencies if currencies is not None else exchange_rate_currencies())
        if self.saved_currency:
            offered.add(self.saved_currency)
        field = self.fields["currency"]
        assert isinstance(field, forms.ChoiceField)  # declared above
        field.choices = [("", "—")] + currency_choices(offered)
        field.help_text = _("Currencies the platform has an exchange rate for.")

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"]
        return value if value == self.saved_currency else convertible_currency(value)


class DeliveryCenterForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("Country"))
    timezone = forms.ChoiceField(
        label=_("Time zone"), help_text=_("The zones of the country chosen; pick the country first.")
    )

    class Meta:
        model = DeliveryCenter
        fields = ["country", "city", "timezone", "headcount"]
        labels = {"city": _("City"), "headcount": _("Headcount")}
        widgets = {"headcount": forms.NumberInput(attrs={"min": "0"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—")] + country_choices()
        zones = sorted({zone for names in country_timezones().values() for zone in names})
        self.fields["timezone"].choices = [("", "—")] + [(zone, zone.replace("_", " ")) for zone in zones]
        self.fields["timezone"].widget.attrs["data-zone-select"] = ""
        self.fields["country"].widget.attrs["data-country-select"] = ""

    def clean(self):
        cleaned = super().clean()
        country, zone = cleaned.get("country"), cleaned.get("timezone")
        if country and zone and zone not in country_timezones().get(country, ()):
            self.add_error(
                "timezone",
                _("%(zone)s is not a time zone of %(country)s.")
                % {"zone": zone, "country": display_country_names().get(country, country)},
            )
        return cleaned


class VendorCertificationForm(forms.ModelForm):
    class Meta:
        model = VendorCertification
        fields = ["certification", "valid_until", "reference"]
        labels = {
            "certification": _("Certification"),
            "valid_until": _("Valid until"),
            "reference": _("Certificate reference"),
        }
        help_texts = {"valid_until": _("Leave empty if it does not expire.")}
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, certification_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if certification_choices is not None:
            self.fields["certification"].choices = certification_choices

    def expiry_status(self, *, today: date) -> str | None:
        """valid | expiring | expired | permanent for the date shown, None for a blank row."""
        if self.is_bound:
            if not self.has_changed() and not self.instance.pk:
                return None
            value = self.cleaned_data.get("valid_until") if hasattr(self, "cleaned_data") else None
            if value is None and self.errors.get("valid_until"):
                return None
        else:
            if not self.instance.pk:
                return None
            value = self.instance.valid_until
        return certification_status(value, today=today)


class BaseVendorRowFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # Django checks a row's hidden id against the whole table and then quietly
        # ignores a row it cannot find among the vendor's own; limit it to the
        # vendor's rows so another firm's id is an error the member sees.
        row_id = form.fields.get(self._pk_field.name)
        if isinstance(row_id, forms.ModelChoiceField):
            row_id.queryset = self.get_queryset()


def _inline(model, form, *, max_num: int):
    return forms.inlineformset_factory(
        Vendor,
        model,
        form=form,
        formset=BaseVendorRowFormSet,
        extra=0,
        can_delete=True,
        max_num=max_num,
        validate_max=True,
    )


VendorSkillFormSet = _inline(VendorSkill, VendorSkillForm, max_num=200)
RateCardFormSet = _inline(RateCard, RateCardForm, max_num=len(Seniority.values))
DeliveryCenterFormSet = _inline(DeliveryCenter, DeliveryCenterForm, max_num=50)
VendorCertificationFormSet = _inline(VendorCertification, VendorCertificationForm, max_num=50)


class VendorProfileForms:
    """The profile form and its four row formsets, bound to the member's own
    vendor: a row id of another vendor is not in a formset's queryset, so the
    formset rejects it ("Select a valid choice") instead of touching that row."""

    def __init__(self, *, vendor: Vendor, data=None):
        self.vendor = vendor
        skill_choices = _skill_choices(vendor)
        certification_choices = [("", "—")] + list(Certification.objects.order_by("name").values_list("id", "name"))
        self.profile = VendorProfileForm(data=data, instance=vendor, prefix="profile")
        self.skills = VendorSkillFormSet(
            data=data,
            instance=vendor,
            prefix="skills",
            queryset=VendorSkill.objects.filter(vendor=vendor).select_related("skill").order_by("skill__name"),
            form_kwargs={"skill_choices": skill_choices},
        )
        self.rates = RateCardFormSet(
            data=data,
            instance=vendor,
            prefix="rates",
            queryset=RateCard.objects.filter(vendor=vendor),
            form_kwargs={"currencies": exchange_rate_currencies()},
        )
        self.centres = DeliveryCenterFormSet(
            data=data,
            instance=vendor,
            prefix="centres",
            queryset=DeliveryCenter.objects.filter(vendor=vendor),
        )
        self.certifications = VendorCertificationFormSet(
            data=data,
            instance=vendor,
            prefix="certifications",
            queryset=VendorCertification.objects.filter(vendor=vendor).order_by("certification__name"),
            form_kwargs={"certification_choices": certification_choices},
        )

    @property
    def formsets(self):
        return [self.skills, self.rates, self.centres, self.certifications]

    def is_valid(self) -> bool:
        # Every part validates, so every error shows at once.
        results = [self.profile.is_valid()] + [formset.is_valid() for formset in self.formsets]
        return all(results)

    @property
    def error_count(self) -> int:
        return len(self.profile.errors) + sum(formset.total_error_count() for formset in self.formsets)

    def changes(self) -> ProfileChanges:
        """What to write, for services.vendor_profile_update; touches nothing."""
        cleaned = self.profile.cleaned_data
        data: ProfileChanges = {
            "fields": {
                name: cleaned[name] for name in ("description", "website", "headquarters_country", "available_fte")
            },
            "domains": list(cleaned["domains"]),
            "languages": list(cleaned["languages"]),
        }
        # Instances only (commit=False): nothing is written.
        data["skills"] = {"save": self.skills.save(commit=False), "delete": list(self.skills.deleted_objects)}
        data["rates"] = {"save": self.rates.save(commit=False), "delete": list(self.rates.deleted_objects)}
        data["centres"] = {"save": self.centres.save(commit=False), "delete": list(self.centres.deleted_objects)}
        data["certifications"] = {
            "save": self.certifications.save(commit=False),
            "delete": list(self.certifications.deleted_objects),
        }
        return data


def _skill_choices(vendor: Vendor) -> list:
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, domain in (
        Skill.objects.filter(Q(is_active=True) | Q(vendor_skills__vendor=vendor))
        .distinct()
        .order_by("domain__name", "name")
        .values_list("id", "name", "domain__name")
    ):
        groups.setdefault(domain, []).append((pk, name))
    return [("", "—")] + list(groups.items())
