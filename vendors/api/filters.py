"""Query-string filters of GET /api/v1/vendors/ (django-filter validates them).

The filtering itself is the directory's (vendors.selectors.vendor_directory):
the same full-text search (PostgreSQL, with the plain fallback elsewhere), the
same subqueries, the maximum rate converted from every currency with the
current exchange rates. This FilterSet only validates the parameters and hands
them over as DirectoryFilters; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kpo.codes import validate_country, validate_currency, validate_language
from vendors import selectors as vendors_selectors
from vendors.models import Certification, ExpertiseArea, Seniority, Skill, Vendor
from vendors.money import convertible_currency
from vendors.search import RankedDocuments

# ordering value -> the directory's sort (paged by a keyset cursor ending in the
# unique id, vendors/api/pagination.py) ...
ORDERINGS = {
    "relevance": vendors_selectors.Sort.RELEVANCE,
    "name": vendors_selectors.Sort.NAME,
    "rating": vendors_selectors.Sort.RATING,
    "reviews": vendors_selectors.Sort.REVIEWS,
    "rate": vendors_selectors.Sort.RATE,
}
# ... or one unique field, paged by the shared cursor (default -id: newest first).
UNIQUE_ORDERINGS = ("-id", "id", "-change_seq", "change_seq")


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error, never quietly "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if str(value).lower() in ("true", "1"):
            return True
        if str(value).lower() in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(django_filters.ModelChoiceFilter):
    """A taxonomy object named by its code (a 400 for an unknown one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="code", **kwargs)


class VendorFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        if currency:
            try:
                convertible_currency(currency)
            except ValidationError as exc:
                self.add_error("currency", exc)
        return cleaned


class VendorFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="by_directory", max_length=200, help_text="Full-text search in name, description and skill names."
    )
    domain = CodeFilter(
        method="by_directory",
        queryset=ExpertiseArea.objects.all(),
        help_text="Domain code (see /api/v1/taxonomy/domains/).",
    )
    skill = CodeFilter(
        method="by_directory",
        queryset=Skill.objects.all(),
        help_text="Skill code (see /api/v1/taxonomy/skills/).",
    )
    country = django_filters.CharFilter(
        method="by_directory",
        max_length=2,
        validators=[validate_country],
        help_text="ISO 3166-1 alpha-2 country of a delivery centre.",
    )
    language = django_filters.CharFilter(
        method="by_directory", max_length=2, validators=[validate_language], help_text="ISO 639-1 working language."
    )
    certification = CodeFilter(
        method="by_directory",
        queryset=Certification.objects.all(),
        help_text="Certification code held and not expired (see /api/v1/taxonomy/certifications/).",
    )
    max_rate = django_filters.NumberFilter(
        method="by_directory",
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        help_text="Highest hourly rate for `seniority`, in `currency`, converted with the current exchange rates.",
    )
    currency = django_filters.CharFilter(
        method="by_directory",
        max_length=3,
        validators=[validate_currency],
        help_text="ISO 4217 currency of max_rate (default: your organization's currency; staff: the base currency).",
    )
    seniority = django_filters.ChoiceFilter(
        method="by_directory",
        choices=Seniority.choices,
        help_text="Seniority that max_rate applies to (default senior).",
    )
    min_rating = django_filters.NumberFilter(
        method="by_directory",
        min_value=Decimal("1"),
        max_value=Decimal("5"),
        max_digits=3,
        decimal_places=2,
        help_text="Lowest average review rating (1-5).",
    )
    verified = StrictBooleanFilter(
        method="by_directory", help_text="true: verified vendors only; false: unverified ones only."
    )
    ordering = django_filters.ChoiceFilter(
        method="by_directory",
        choices=[(value, value) for value in (*ORDERINGS, *UNIQUE_ORDERINGS)],
        help_text="relevance (with q) | name | rating (Bayesian average) | reviews | rate (for `seniority`, "
        "converted to `currency`; vendors without that rate last) | id | -id | change_seq | -change_seq. "
        "Default: relevance with q, else -id (newest first). Ignored in sync mode (since / updated_since), "
        "which pages by change_seq.",
    )

    class Meta:
        model = Vendor
        fields: list[str] = []
        form = VendorFilterForm

    _form_class: type[forms.Form] | None = None

    def get_form_class(self):
        """Built once per process, not per request: the filters' form fields never
        change, and each form instance deep-copies them anyway (Django forms do)."""
        cls = type(self)
        if cls.__dict__.get("_form_class") is None:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def by_directory(self, queryset, name, value):
        return queryset  # all of them at once, in filter_queryset

    def viewer(self) -> vendors_selectors.Viewer:
        membership = getattr(self.request.user, "membership", None) if self.request else None
        if membership is not None and membership.client_id:
            viewer = vendors_selectors.Viewer.for_client(membership.client)
        else:
            viewer = vendors_selectors.Viewer.for_staff()
        currency = self.form.cleaned_data.get("currency")
        return dataclasses.replace(viewer, currency=currency) if currency else viewer

    def directory_filters(self) -> vendors_selectors.DirectoryFilters:
        data = self.form.cleaned_data
        values = {
            "q": (data.get("q") or "").strip(),
            "domain": data["domain"].code if data.get("domain") else "",
            "skill": data["skill"].code if data.get("skill") else "",
            "certification": data["certification"].code if data.get("certification") else "",
            "country": data.get("country") or "",
            "language": data.get("language") or "",
            "max_rate": data.get("max_rate"),
            "seniority": data.get("seniority") or Seniority.SENIOR,
            "min_rating": data.get("min_rating"),
            "verified": bool(data.get("verified")),
            "sort": self.sort(),
        }
        return vendors_selectors.DirectoryFilters(**values)

    def sort(self) -> str:
        """The directory sort asked for ("" for a unique ordering or the default)."""
        ordering = self.form.cleaned_data.get("ordering") or ""
        if not ordering and (self.form.cleaned_data.get("q") or "").strip():
            return vendors_selectors.Sort.RELEVANCE
        return ORDERINGS.get(ordering, "")

    def ranked_documents(self) -> RankedDocuments | None:
        """The search documents to rank a relevance page from (vendors.keyset.read_page), when
        the search is all that narrows the list; None otherwise."""
        if self.form.cleaned_data.get("verified") is False:
            return None  # the API's own filter, not the directory's
        return vendors_selectors.relevance_documents(self.directory_filters())

    def unique_ordering(self) -> str:
        ordering = self.form.cleaned_data.get("ordering") or ""
        return ordering if ordering in UNIQUE_ORDERINGS else ""

    def filter_queryset(self, queryset: QuerySet[Vendor]) -> QuerySet[Vendor]:
        """`queryset` is ignored: the directory selector is the list's scope
        (active vendors) and its filters."""
        vendors = vendors_selectors.vendor_directory(
            filters=self.directory_filters(), viewer=self.viewer(), display=False
        )
        if self.form.cleaned_data.get("verified") is False:
            # The directory only narrows to verified vendors; an ERP may ask for the others.
            vendors = vendors.filter(verified=False)
        return vendors
