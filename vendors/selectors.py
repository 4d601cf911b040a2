"""Reads on the supply side: the vendor directory, a vendor's profile page and the
side-by-side comparison.

Dependency direction (CONVENTIONS.md): nothing here imports `engagements`.
Reviews are reached through the reverse relation `vendor.reviews`, and the
viewer's client organization comes in as a plain `Viewer` built by the view."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import and_, or_
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    F,
    FilteredRelation,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from kpo import geo
from vendors.models import (
    Certification,
    DeliveryCenter,
    ExpertiseArea,
    RateCard,
    Seniority,
    Skill,
    Vendor,
    VendorCertification,
    VendorFilterFacts,
    VendorLanguage,
    VendorSkill,
)
from vendors.money import SQL_PLACES, ExchangeTable
from vendors.rating import bayesian_rating_expression
from vendors.search import RankedDocuments, ranked_documents, vendor_search

LOCATION_CLASSES = (geo.ONSHORE, geo.NEARSHORE, geo.OFFSHORE)
EXPIRY_WARNING_DAYS = 30

# --- the viewer ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who looks at the directory: a client organization's member (rates in the
    organization's currency, location classes and overlap relative to it) or
    platform staff (no organization: rates in the base currency)."""

    currency: str
    client_id: int | None = None
    country: str | None = None
    timezone: str | None = None
    hours: tuple[time, time] | None = None

    @classmethod
    def for_client(cls, client) -> Viewer:
        """`client` is an engagements.ClientOrganization, duck-typed (no import)."""
        return cls(
            currency=client.currency,
            client_id=client.pk,
            country=client.country,
            timezone=client.timezone,
            hours=(client.working_hours_start, client.working_hours_end),
        )

    @classmethod
    def for_staff(cls) -> Viewer:
        return cls(currency=settings.BASE_CURRENCY)

    @property
    def has_client(self) -> bool:
        return self.client_id is not None

    def now(self) -> datetime:
        zone = ZoneInfo(self.timezone) if self.timezone else timezone.get_current_timezone()
        return timezone.now().astimezone(zone)

    def today(self) -> date:
        return self.now().date()

    def location_class(self, *, country: str, tz: str, on: date) -> str | None:
        if not self.has_client:
            return None
        assert self.country is not None and self.timezone is not None  # for_client sets them with client_id
        return geo.location_class(client_country=self.country, client_tz=self.timezone, country=country, tz=tz, on=on)

    def overlap_hours(self, *, tz: str, on: date) -> float | None:
        if not self.has_client:
            return None
        assert self.timezone is not None and self.hours is not None  # for_client sets them with client_id
        start, end = self.hours
        return geo.overlap_hours(client_tz=self.timezone, client_start=start, client_end=end, tz=tz, on=on)


# --- the directory --------------------------------------------------------------------


class Sort:
    RELEVANCE = "relevance"
    NAME = "name"
    RATING = "rating"
    REVIEWS = "reviews"
    RATE = "rate"


@dataclass(frozen=True)
class DirectoryFilters:
    """Validated directory filters (the form's cleaned data). Codes, not objects."""

    q: str = ""
    domain: str = ""
    skill: str = ""
    country: str = ""
    region: str = ""
    location: str = ""
    max_rate: Decimal | None = None
    seniority: str = Seniority.SENIOR
    certification: str = ""
    language: str = ""
    min_rating: Decimal | None = None
    verified: bool = False
    sort: str = ""

    @classmethod
    def from_cleaned_data(cls, data: dict) -> DirectoryFilters:
        """Valid fields only: a field the form rejected is absent from `data`."""
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if data.get(name) not in (None, "")})

    @property
    def effective_sort(self) -> str:
        if self.sort == Sort.RELEVANCE and not self.q:
            return Sort.NAME
        return self.sort or (Sort.RELEVANCE if self.q else Sort.NAME)


def vendor_directory(
    *, filters: DirectoryFilters, viewer: Viewer, today: date | None = None, display: bool = True
) -> QuerySet[Vendor]:
    """Active vendors matching `filters`, sorted. A page of them is shown with
    directory_rows() (a constant number of queries whatever the page size).

    Annotations: `rate_sort` (the rate for `filters.seniority` in the base currency,
    the rate order's key), `bayesian` (rating used to sort), `rank` (text-search
    relevance, PostgreSQL with a query only).

    `display=False` (the API, which builds its documents itself): only the
    annotations the sort needs; exchange rates are read only when a rate is
    filtered or sorted on."""
    today = today or viewer.today()
    sort = filters.effective_sort
    needs_rates = sort == Sort.RATE or filters.max_rate is not None
    table = ExchangeTable.current() if needs_rates else None
    factors = table.factors_to(viewer.currency) if table is not None else {}
    vendors = Vendor.objects.filter(is_active=True)
    if filters.q:
        vendors = vendor_search(vendors, filters.q)
    vendors = _apply_filters(vendors, filters=filters, viewer=viewer, today=today, factors=factors)
    viewer_to_base = table.rates.get(viewer.currency) if table is not None else None
    if sort == Sort.RATE or (filters.max_rate is not None and viewer_to_base is not None):
        # The vendor's rate for the seniority in the base currency (VendorRate, kept by
        # triggers): sorting by it sorts by the rate in any one currency, and its index serves
        # the order and the cap. Every vendor has its row (null: no rate to compare).
        # One filter() call, so both conditions apply to the one joined row (each call on a
        # multi-valued relation would join it again).
        joined: dict[str, Any] = {"base_rate__seniority": filters.seniority}
        if filters.max_rate is not None and viewer_to_base is not None:
            joined["base_rate__rate_base__lte"] = filters.max_rate * viewer_to_base
        vendors = vendors.alias(
            base_rate=FilteredRelation("base_rates", condition=Q(base_rates__seniority=filters.seniority))
        ).filter(**joined)
        if sort == Sort.RATE:
            vendors = vendors.annotate(rate_sort=F("base_rate__rate_base"))
    if filters.max_rate is not None and viewer_to_base is None:
        # No exchange rate for the viewer's currency: only rates in that currency compare.
        vendors = vendors.filter(pk__in=_rates_at_most(filters.max_rate, filters.seniority, factors))
    if display or sort == Sort.RATING:
        vendors = vendors.annotate(bayesian=bayesian_rating_expression())
    vendors = vendors.order_by(*_ordering(filters, vendors))
    return vendors


# The filters that narrow the directory: every field but the search, the seniority shown and the
# sort (a filter added later narrows too, so the documents-only shortcut leaves it alone).
NARROWING = tuple(name for name in DirectoryFilters.__dataclass_fields__ if name not in ("q", "seniority", "sort"))


def relevance_documents(filters: DirectoryFilters) -> RankedDocuments | None:
    """For a search sorted by relevance with nothing else narrowing it: its search documents,
    for keyset.read_page() to rank the page from them alone (vendors.search.ranked_documents);
    otherwise None. A search with other filters is narrower, and ranked with them."""
    return search_documents(filters) if filters.effective_sort == Sort.RELEVANCE else None


def search_documents(filters: DirectoryFilters) -> RankedDocuments | None:
    """The search documents of exactly the vendors the directory lists for `filters`, when a
    search is all that narrows it (None otherwise, and on SQLite): one row per vendor, so
    they count and rank its matches without reading the vendor table."""
    if not filters.q or any(getattr(filters, name) not in (None, "", False) for name in NARROWING):
        return None
    return ranked_documents(filters.q)


def count_up_to(vendors: QuerySet, limit: int) -> tuple[int, bool]:
    """How many vendors the directory's `vendors` holds, counted up to `limit`:
    (count, True) when there are more. Counting stops at the limit, so a broad search
    costs no more to count than a page deep in the list: an exact count of 20,000
    matches reads all 20,000. Neither the order nor the shown annotations take part."""
    found = vendors.order_by().values("pk")[: limit + 1].count()
    return min(found, limit), found > limit


def _unexpired(today: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})


def _ordering(filters: DirectoryFilters, vendors: QuerySet[Vendor]) -> list:
    sort = filters.effective_sort
    if sort == Sort.RELEVANCE:
        if "rank" in vendors.query.annotations:
            return [F("rank").desc(nulls_last=True), "name", "id"]
        return ["name", "id"]
    if sort == Sort.RATING:
        return [F("bayesian").desc(), F("review_count").desc(), "name", "id"]
    if sort == Sort.REVIEWS:
        return [F("review_count").desc(), F("rating").desc(nulls_last=True), "name", "id"]
    if sort == Sort.RATE:
        return [F("rate_sort").asc(nulls_last=True), "name", "id"]
    return ["name", "id"]


def _apply_filters(
    vendors: QuerySet[Vendor],
    *,
    filters: DirectoryFilters,
    viewer: Viewer,
    today: date,
    factors: dict[str, Decimal],
    facts: bool | None = None,
) -> QuerySet[Vendor]:
    """Each filter is a `pk IN (subquery)`: no join fans rows out, so no DISTINCT is needed.

    The filters on a vendor's parts (domain, skill, certification, country, region, location,
    language) read, on PostgreSQL (`facts`), one subquery of the vendor's filter facts: every
    such filter in one GIN index scan, one bitmap for the combination. Elsewhere (SQLite) one
    subquery per part table. The same vendors either way (tested on PostgreSQL)."""
    use_facts = connection.vendor == "postgresql" if facts is None else facts
    if use_facts:
        conditions = _facts_conditions(filters, viewer=viewer, today=today)
        if conditions:
            vendors = vendors.filter(
                pk__in=VendorFilterFacts.objects.filter(reduce(and_, conditions)).values("vendor_id")
            )
    else:
        vendors = _filter_parts(vendors, filters=filters, viewer=viewer, today=today)
    if filters.certification:
        # Valid on the day: the facts hold every certification a vendor has, valid or not.
        vendors = vendors.filter(
            pk__in=VendorCertification.objects.filter(
                _unexpired(today), certification__code=filters.certification
            ).values("vendor_id")
        )
    if filters.min_rating is not None:
        vendors = vendors.filter(rating__gte=filters.min_rating)
    if filters.verified:
        vendors = vendors.filter(verified=True)
    return vendors


def _facts_conditions(filters: DirectoryFilters, *, viewer: Viewer, today: date) -> list[Q]:
    """The part filters as conditions on VendorFilterFacts (an overlap with an empty list, as
    for a code no longer in the taxonomy, matches nothing)."""
    conditions = []
    if filters.domain:
        conditions.append(Q(domains__overlap=_ids(ExpertiseArea, filters.domain)))
    if filters.skill:
        conditions.append(Q(skills__overlap=_ids(Skill, filters.skill)))
    if filters.certification:
        conditions.append(Q(certifications__overlap=_ids(Certification, filters.certification)))
    if filters.country:
        conditions.append(Q(countries__overlap=[filters.country]))
    if filters.region:
        conditions.append(Q(countries__overlap=_region_countries(filters.region)))
    if filters.location and viewer.has_client:
        whole, pairs = _places_in_class(filters.location, viewer=viewer, on=today)
        conditions.append(
            Q(countries__overlap=whole) | Q(places__overlap=[VendorFilterFacts.place(c, tz) for c, tz in pairs])
        )
    if filters.language:
        conditions.append(Q(languages__overlap=[filters.language]))
    return conditions


def _ids(model: type[models.Model], code: str) -> list[int]:
    """The ids of a taxonomy code, as constants: the planner then estimates from the facts
    index's statistics how many vendors have them (with the id as a subquery's value it
    guessed, and walked 159,000 certificate holders on 1,000,000 vendors to sort by name)."""
    return list(model._default_manager.filter(code=code).order_by().values_list("pk", flat=True))


def _filter_parts(
    vendors: QuerySet[Vendor], *, filters: DirectoryFilters, viewer: Viewer, today: date
) -> QuerySet[Vendor]:
    """The part filters, each on its part's own table (SQLite). The certification's validity
    is checked by the caller."""
    if filters.domain:
        vendors = vendors.filter(
            pk__in=Vendor.domains.through.objects.filter(expertisearea__code=filters.domain).values("vendor_id")
        )
    if filters.skill:
        vendors = vendors.filter(pk__in=VendorSkill.objects.filter(skill__code=filters.skill).values("vendor_id"))
    if filters.country:
        vendors = vendors.filter(pk__in=DeliveryCenter.objects.filter(country=filters.country).values("vendor_id"))
    if filters.region:
        countries = _region_countries(filters.region)
        vendors = vendors.filter(pk__in=DeliveryCenter.objects.filter(country__in=countries).values("vendor_id"))
    if filters.location and viewer.has_client:
        whole, pairs = _places_in_class(filters.location, viewer=viewer, on=today)
        conditions = [Q(country__in=whole)] if whole else []
        conditions += [Q(country=country, timezone=tz) for country, tz in pairs]
        centres = (
            DeliveryCenter.objects.filter(reduce(or_, conditions)) if conditions else DeliveryCenter.objects.none()
        )
        vendors = vendors.filter(pk__in=centres.values("vendor_id"))
    if filters.language:
        vendors = vendors.filter(pk__in=VendorLanguage.objects.filter(code=filters.language).values("vendor_id"))
    return vendors


def _region_countries(region: str) -> list[str]:
    return sorted(code for code, of in geo.REGION_OF.items() if of == region)


def _places_in_class(location: str, *, viewer: Viewer, on: date) -> tuple[list[str], list[tuple[str, str]]]:
    """The delivery centres' places in the location class, as (whole countries, (country,
    zone) pairs). The class needs time zones, so it is worked out in Python over the
    distinct (country, zone) pairs in use (a few hundred at most, read from the place index).
    A country whose every zone in use is in the class is listed whole; only the zones of a
    country split between classes are pairs. A list is checked at a fraction of the cost of
    twenty pairs ORed together."""
    zones: dict[str, int] = {}
    wanted: dict[str, list[str]] = {}
    for country, tz in values_in_use(DeliveryCenter, ("country", "timezone")):
        zones[country] = zones.get(country, 0) + 1
        if viewer.location_class(country=country, tz=tz, on=on) == location:
            wanted.setdefault(country, []).append(tz)
    whole = sorted(country for country, tzs in wanted.items() if len(tzs) == zones[country])
    pairs = [(country, tz) for country, tzs in wanted.items() if country not in whole for tz in tzs]
    return whole, pairs


def _rates_at_most(max_rate: Decimal, seniority: str, factors: dict[str, Decimal]) -> QuerySet:
    """Vendor ids whose rate for the seniority, converted, is at most `max_rate`:
    one (currency = c AND hourly_rate <= max / factor_c) arm per currency, so the
    (seniority, hourly_rate) index serves it. Rates in a currency without an
    exchange rate cannot be compared and never match."""
    arms = [Q(currency=currency, hourly_rate__lte=max_rate / factor) for currency, factor in factors.items()]
    return RateCard.objects.filter(reduce(or_, arms), seniority=seniority).values("vendor_id")


def codes_in_use(model: type[models.Model], column: str) -> list[str]:
    """The distinct values of an indexed code column (the countries of delivery centres, the
    languages vendors work in), for the directory's filter choices."""
    return [code for (code,) in values_in_use(model, (column,))]


def values_in_use(model: type[models.Model], columns: tuple[str, ...]) -> list[tuple]:
    """The distinct combinations of `columns`, in order; the columns lead an index. On
    PostgreSQL a loose index scan: one index probe per distinct combination (about 50)
    instead of reading every row (15-20 ms each on 100,000 vendors, on every directory
    page)."""
    if connection.vendor != "postgresql":
        return list(model._default_manager.order_by(*columns).values_list(*columns).distinct())
    table = model._meta.db_table
    names: list[str] = []
    for column in columns:
        field = model._meta.get_field(column)
        assert isinstance(field, models.Field) and field.column  # a column, not a relation's reverse side
        names.append(field.column)
    listed = ", ".join(names)
    sql = f"""
WITH RECURSIVE found({listed}) AS (
    (SELECT {listed} FROM {table} ORDER BY {listed} LIMIT 1)
    UNION ALL
    SELECT following.* FROM found, LATERAL (
        SELECT {listed} FROM {table} WHERE ({listed}) > ({", ".join(f"found.{name}" for name in names)})
        ORDER BY {listed} LIMIT 1
    ) following
)
SELECT {listed} FROM found"""  # noqa: S608 - names from the model's metadata, never input
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


# --- facts shown per vendor ------------------------------------------------------------


@dataclass
class CentreFacts:
    centre: DeliveryCenter
    location_class: str | None
    local_time: datetime
    overlap_hours: float | None


def centre_facts(
    centres: Iterable[DeliveryCenter], *, viewer: Viewer, now: datetime | None = None
) -> list[CentreFacts]:
    now = now or viewer.now()
    on = now.date()
    return [
        CentreFacts(
            centre=centre,
            location_class=viewer.location_class(country=centre.country, tz=centre.timezone, on=on),
            local_time=now.astimezone(ZoneInfo(centre.timezone)),
            overlap_hours=viewer.overlap_hours(tz=centre.timezone, on=on),
        )
        for centre in centres
    ]


RATE_PLACES = Decimal(1).scaleb(-SQL_PLACES)  # converted rates keep the stored exchange rate's places


@dataclass(frozen=True)
class QuotedRate:
    hourly_rate: Decimal
    currency: str


@dataclass
class DirectoryRow:
    """A vendor on the directory page with what the row shows, read for the whole page
    by directory_rows()."""

    vendor: Vendor
    classes: list[str]
    rate_original: QuotedRate | None
    rate_converted: Decimal | None  # rate_original in the viewer's currency; None: no exchange rate
    domains: list[str]
    skills: list[tuple[str, int]]  # (name, proficiency), strongest first
    more_skills: int
    certifications: list[str]  # valid on the day, by name
    countries: list[str]


def directory_rows(
    vendors: Iterable[Vendor], *, viewer: Viewer, on: date, seniority: str, skills_shown: int = 4
) -> list[DirectoryRow]:
    """The rows of a page of vendor_directory(): the page's domains, skills, centres, valid
    certifications and the seniority's rate as plain values (one query on PostgreSQL, five
    elsewhere, whatever the page size), and the exchange rates."""
    vendors = list(vendors)
    factors = ExchangeTable.current().factors_to(viewer.currency)
    facts = _row_facts([vendor.pk for vendor in vendors], on=on, seniority=seniority)
    rows = []
    for vendor in vendors:
        fact = facts.get(vendor.pk) or RowFacts()
        classes = {viewer.location_class(country=country, tz=tz, on=on) for country, tz in fact.centres} - {None}
        rate = fact.rate
        converted = None
        if rate is not None and (factor := factors.get(rate.currency)) is not None:
            converted = (rate.hourly_rate * factor).quantize(RATE_PLACES)
        rows.append(
            DirectoryRow(
                vendor=vendor,
                classes=[cls for cls in LOCATION_CLASSES if cls in classes],
                rate_original=rate,
                rate_converted=converted,
                domains=fact.domains,
                skills=fact.skills[:skills_shown],
                more_skills=max(0, len(fact.skills) - skills_shown),
                certifications=fact.certifications,
                countries=sorted({country for country, _tz in fact.centres}),
            )
        )
    return rows


@dataclass
class RowFacts:
    """What a directory row shows of a vendor's parts."""

    domains: list[str] = field(default_factory=list)  # by name
    skills: list[tuple[str, int]] = field(default_factory=list)  # (name, proficiency), strongest first
    centres: list[tuple[str, str]] = field(default_factory=list)  # (country, time zone)
    certifications: list[str] = field(default_factory=list)  # valid on the day, by name
    rate: QuotedRate | None = None  # for the seniority shown


def _row_facts(ids: list[int], *, on: date, seniority: str) -> dict[int, RowFacts]:
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        return _row_facts_postgresql(ids, on=on, seniority=seniority)
    return _row_facts_orm(ids, on=on, seniority=seniority)


def _row_facts_orm(ids: list[int], *, on: date, seniority: str) -> dict[int, RowFacts]:
    domains = _grouped(
        Vendor.domains.through.objects.filter(vendor_id__in=ids)
        .order_by("expertisearea__name")
        .values_list("vendor_id", "expertisearea__name")
    )
    skills = _grouped(
        VendorSkill.objects.filter(vendor_id__in=ids)
        .order_by("-proficiency", "skill__name")
        .values_list("vendor_id", "skill__name", "proficiency"),
        pairs=True,
    )
    centres = _grouped(
        DeliveryCenter.objects.filter(vendor_id__in=ids).order_by().values_list("vendor_id", "country", "timezone"),
        pairs=True,
    )
    certifications = _grouped(
        VendorCertification.objects.filter(_unexpired(on), vendor_id__in=ids)
        .order_by("certification__name")
        .values_list("vendor_id", "certification__name")
    )
    rates = {
        vendor_id: QuotedRate(hourly_rate, currency)
        for vendor_id, hourly_rate, currency in RateCard.objects.filter(vendor_id__in=ids, seniority=seniority)
        .order_by()
        .values_list("vendor_id", "hourly_rate", "currency")
    }
    return {
        vendor_id: RowFacts(
            domains=domains.get(vendor_id, []),
            skills=skills.get(vendor_id, []),
            centres=centres.get(vendor_id, []),
            certifications=certifications.get(vendor_id, []),
            rate=rates.get(vendor_id),
        )
        for vendor_id in ids
    }


# The same reads as the five above, as arrays per vendor in one statement (the orders alike).
_ROW_FACTS_SQL = """
SELECT v.id,
    ARRAY(SELECT e.name FROM vendors_vendor_domains vd JOIN vendors_expertisearea e ON e.id = vd.expertisearea_id
          WHERE vd.vendor_id = v.id ORDER BY e.name),
    ARRAY(SELECT s.name FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id
          WHERE vs.vendor_id = v.id ORDER BY vs.proficiency DESC, s.name),
    ARRAY(SELECT vs.proficiency FROM vendors_vendorskill vs JOIN vendors_skill s ON s.id = vs.skill_id
          WHERE vs.vendor_id = v.id ORDER BY vs.proficiency DESC, s.name),
    ARRAY(SELECT dc.country FROM vendors_deliverycenter dc WHERE dc.vendor_id = v.id ORDER BY dc.id),
    ARRAY(SELECT dc.timezone FROM vendors_deliverycenter dc WHERE dc.vendor_id = v.id ORDER BY dc.id),
    ARRAY(SELECT c.name FROM vendors_vendorcertification vc JOIN vendors_certification c ON c.id = vc.certification_id
          WHERE vc.vendor_id = v.id AND (vc.valid_until IS NULL OR vc.valid_until >= %(on)s) ORDER BY c.name),
    r.hourly_rate, r.currency
FROM unnest(%(ids)s::bigint[]) AS v(id)
LEFT JOIN vendors_ratecard r ON r.vendor_id = v.id AND r.seniority = %(seniority)s
"""


def _row_facts_postgresql(ids: list[int], *, on: date, seniority: str) -> dict[int, RowFacts]:
    with connection.cursor() as cursor:
        cursor.execute(_ROW_FACTS_SQL, {"ids": ids, "on": on, "seniority": seniority})
        return {
            vendor_id: RowFacts(
                domains=domains,
                skills=list(zip(skill_names, levels, strict=True)),
                centres=list(zip(countries, zones, strict=True)),
                certifications=certifications,
                rate=QuotedRate(hourly_rate, currency) if hourly_rate is not None else None,
            )
            for vendor_id, domains, skill_names, levels, countries, zones, certifications, hourly_rate, currency in (
                cursor.fetchall()
            )
        }


def _grouped(rows: Iterable[tuple], *, pairs: bool = False) -> dict[int, list]:
    """{vendor id: [value, ...]} from (vendor id, value) rows, or [(a, b), ...] from
    (vendor id, a, b) rows when `pairs`, keeping the rows' order."""
    grouped: dict[int, list] = {}
    for vendor_id, *values in rows:
        grouped.setdefault(vendor_id, []).append(tuple(values) if pairs else values[0])
    return grouped


def certification_status(valid_until: date | None, *, today: date) -> str:
    """valid | expiring (within EXPIRY_WARNING_DAYS) | expired | permanent."""
    if valid_until is None:
        return "permanent"
    if valid_until < today:
        return "expired"
    if valid_until <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "valid"


SENIORITY_ORDER = {value: index for index, value in enumerate(Seniority.values)}


@dataclass
class RateLine:
    seniority: str
    label: str
    original: Decimal
    currency: str
    converted: Decimal | None
    target_currency: str

    @property
    def same_currency(self) -> bool:
        return self.currency == self.target_currency


def rate_lines(rates: Iterable[RateCard], *, viewer: Viewer, table: ExchangeTable) -> list[RateLine]:
    labels = dict(Seniority.choices)
    lines = [
        RateLine(
            seniority=r.seniority,
            label=str(labels.get(r.seniority, r.seniority)),
            original=r.hourly_rate,
            currency=r.currency,
            converted=table.convert(r.hourly_rate, r.currency, viewer.currency),
            target_currency=viewer.currency,
        )
        for r in rates
    ]
    return sorted(lines, key=lambda line: SENIORITY_ORDER.get(line.seniority, 99))


# --- one vendor's page ----------------------------------------------------------------


def vendor_profile_queryset(*, include_inactive: bool) -> QuerySet[Vendor]:
    vendors = Vendor.objects.all() if include_inactive else Vendor.objects.filter(is_active=True)
    return vendors.prefetch_related(
        "domains",
        "languages",
        "rates",
        "delivery_centers",
        Prefetch(
            "vendor_skills",
            queryset=VendorSkill.objects.select_related("skill__domain").order_by(
                "skill__domain__name", "-proficiency", "skill__name"
            ),
        ),
        Prefetch(
            "vendor_certifications",
            queryset=VendorCertification.objects.select_related("certification").order_by("certification__name"),
        ),
    )


def vendor_for_member(*, vendor_id: int) -> Vendor:
    """The member's own firm, for its edit page (inactive ones too: they can fix
    their profile before staff reactivate it). Raises Vendor.DoesNotExist."""
    return Vendor.objects.get(pk=vendor_id)


def vendor_preview(*, vendor_id: int) -> Vendor:
    """A member's own firm for its "View as buyer" page, read as buyers' pages read it (inactive
    too: the page then says buyers cannot see it). Raises Vendor.DoesNotExist."""
    return vendor_profile_queryset(include_inactive=True).get(pk=vendor_id)


def vendor_profile(*, slug: str, viewer_is_staff: bool) -> Vendor:
    """The vendor page's vendor; inactive vendors exist for staff only.
    Raises Vendor.DoesNotExist."""
    return vendor_profile_queryset(include_inactive=viewer_is_staff).get(slug=slug)


@dataclass
class SkillGroup:
    domain: ExpertiseArea
    skills: list[VendorSkill]


def skills_by_domain(vendor: Vendor) -> list[SkillGroup]:
    groups: dict[int, SkillGroup] = {}
    for vendor_skill in vendor.vendor_skills.all():
        domain = vendor_skill.skill.domain
        groups.setdefault(domain.pk, SkillGroup(domain=domain, skills=[])).skills.append(vendor_skill)
    return list(groups.values())


def vendor_reviews(vendor: Vendor, *, limit: int = 20):
    # Through the reverse relation: no import of engagements.
    return list(vendor.reviews.select_related("engagement").order_by("-created_at", "-id")[:limit])


# --- change history -------------------------------------------------------------------
