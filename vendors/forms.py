"""Forms of the vendor pages. The directory's filter form validates the query
string: a bad value (an unknown domain, a rate that is not a number) is left out
of `cleaned_data` and reported, never turned into an error page."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kpo import geo
from kpo.codes import display_country_names, display_language_names
from vendors.models import Certification, DeliveryCenter, ExpertiseArea, Seniority, Skill, VendorLanguage
from vendors.selectors import Sort

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
        self.fields["domain"].choices = [("", _("Any domain"))] + list(
            ExpertiseArea.objects.order_by("name").values_list("code", "name")
        )
        self.fields["skill"].choices = [("", _("Any skill"))] + _grouped_skills()
        self.fields["country"].choices = [("", _("Any country"))] + _named(
            DeliveryCenter.objects.order_by().values_list("country", flat=True).distinct(), display_country_names()
        )
        self.fields["region"].choices = [("", _("Any region"))] + region_choices()
        self.fields["certification"].choices = [("", _("Any certification"))] + list(
            Certification.objects.order_by("name").values_list("code", "name")
        )
        self.fields["language"].choices = [("", _("Any language"))] + _named(
            VendorLanguage.objects.order_by().values_list("code", flat=True).distinct(), display_language_names()
        )
        self.fields["max_rate"].label = _("Maximum hourly rate (%(currency)s)") % {"currency": viewer.currency}
        if viewer.has_client:
            self.fields["location"].choices = [("", _("Any location"))] + list(LOCATION_LABELS.items())
            self.fields["location"].help_text = _("Relative to your organization's country")
        else:
            # Staff belong to no organization: there is nothing to be onshore of.
            del self.fields["location"]

    def notices(self) -> list[str]:
        """One sentence per ignored value, for the page to show."""
        notices = []
        for name, errors in self.errors.items():
            field = self.fields.get(name)
            label = field.label if field else name
            notices.append(
                _("%(label)s: %(error)s This filter was ignored.") % {"label": label, "error": " ".join(errors)}
            )
        if not self.viewer.has_client and self.data.get("location"):
            notices.append(
                _("Location classes are relative to a client organization; the location filter was ignored.")
            )
        return notices


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
