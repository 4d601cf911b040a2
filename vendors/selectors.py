"""Reads on the supply side: the vendor directory, a vendor's profile page and the
side-by-side comparison.

Dependency direction (CONVENTIONS.md): nothing here imports `engagements`.
Reviews are reached through the reverse relation `vendor.reviews`, and the
viewer's client organization comes in as a plain `Viewer` built by the view.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext as _

from kpo import geo
from vendors.models import (
    DeliveryCenter,
    ExchangeRate,
    ExpertiseArea,
    RateCard,
    Seniority,
    Skill,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)
from vendors.rating import bayesian_rating, bayesian_rating_expression

LOCATION_CLASSES = (geo.ONSHORE, geo.NEARSHORE, geo.OFFSHORE)
EXPIRY_WARNING_DAYS = 30
# Text search configuration, shared with the GIN index of migration 0003: the
# index only serves queries whose expression is the same, so keep them in step.
SEARCH_CONFIG = "english"
# ts_rank of a document whose only hit is one word weighted C (0.2 x 0.6079).
SKILL_MATCH_RANK = 0.1216

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


# --- money ----------------------------------------------------------------------------


def exchange_rates() -> dict[str, Decimal]:
    """Currency -> units of the base currency one unit buys."""
    return dict(ExchangeRate.objects.order_by().values_list("currency", "rate_to_base"))


def currency_factors(rates: dict[str, Decimal], target: str) -> dict[str, Decimal]:
    """Multiply an amount in a currency by its factor to get `target`. Currencies
    without a rate are absent (their amounts cannot be converted); when `target`
    has no rate, only amounts already in `target` convert."""
    if target not in rates:
        return {target: Decimal(1)}
    return {currency: rate / rates[target] for currency, rate in rates.items()}


def convert(amount: Decimal, currency: str, factors: dict[str, Decimal]) -> Decimal | None:
    factor = factors.get(currency)
    if factor is None:
        return None
    return (amount * factor).quantize(Decimal("0.01"))


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
    """Active vendors matching `filters`, sorted, with everything a directory row
    shows prefetched or annotated: a constant number of queries whatever the
    page size (count, page, and one per prefetched relation).

    Annotations: `rate_converted` (the rate for `filters.seniority` in the
    viewer's currency, None when unpriceable), `bayesian` (rating used to sort),
    `rank` (text-search relevance, PostgreSQL with a query only). Prefetched:
    `domains`, `top_skills`, `delivery_centers`, `languages`,
    `valid_certifications`, `selected_rates`.

    `display=False` (the API, which builds its documents itself): no prefetches,
    and only the annotations the sort needs; exchange rates are read only when
    a rate is filtered or sorted on."""
    today = today or viewer.today()
    sort = filters.effective_sort
    needs_rates = display or sort == Sort.RATE or filters.max_rate is not None
    factors = currency_factors(exchange_rates(), viewer.currency) if needs_rates else {}
    vendors = Vendor.objects.filter(is_active=True)
    if filters.q:
        vendors = vendor_search(vendors, filters.q)
    vendors = _apply_filters(vendors, filters=filters, viewer=viewer, today=today, factors=factors)
    if display or sort == Sort.RATE:
        vendors = vendors.annotate(rate_converted=_rate_converted(filters.seniority, factors))
    if display or sort == Sort.RATING:
        vendors = vendors.annotate(bayesian=bayesian_rating_expression())
    vendors = vendors.order_by(*_ordering(filters, vendors))
    if not display:
        return vendors
    return vendors.prefetch_related(
        "domains",
        "languages",
        "delivery_centers",
        Prefetch(
            "vendor_skills",
            queryset=VendorSkill.objects.select_related("skill").order_by("-proficiency", "skill__name"),
            to_attr="top_skills",
        ),
        Prefetch(
            "vendor_certifications",
            queryset=VendorCertification.objects.filter(_unexpired(today))
            .select_related("certification")
            .order_by("certification__name"),
            to_attr="valid_certifications",
        ),
        Prefetch("rates", queryset=RateCard.objects.filter(seniority=filters.seniority), to_attr="selected_rates"),
    )


def _rate_converted(seniority: str, factors: dict[str, Decimal]) -> Subquery:
    return Subquery(
        RateCard.objects.filter(vendor=OuterRef("pk"), seniority=seniority)
        .order_by()
        # Rounded to the field's 8 places in SQL, so the value a keyset cursor carries
        # is the one the database compares (SQLite's floats would otherwise keep more).
        .annotate(converted=Round(F("hourly_rate") * _factor_case(factors), 8, output_field=_MONEY))
        .values("converted")[:1],
        output_field=_MONEY,
    )


_MONEY = DecimalField(max_digits=24, decimal_places=8)


def _factor_case(factors: dict[str, Decimal]) -> Case:
    return Case(
        *[When(currency=currency, then=Value(factor, output_field=_MONEY)) for currency, factor in factors.items()],
        default=None,
        output_field=_MONEY,
    )


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
        return [F("rate_converted").asc(nulls_last=True), "name", "id"]
    return ["name", "id"]


def vendor_search(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    """The one place that picks the search strategy by database: PostgreSQL
    full-text search (name A, description B, skill names C; ranked), or a plain
    case-insensitive substring match elsewhere (SQLite in development)."""
    if connection.vendor == "postgresql":
        return _search_postgresql(vendors, q)
    return _search_plain(vendors, q)


def _search_plain(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    by_skill = VendorSkill.objects.filter(skill__name__icontains=q).values("vendor_id")
    return vendors.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(pk__in=by_skill))


def vendor_text_vector():
    """name (A) + description (B): the expression migration 0003 indexes (GIN)."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector("name", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "description", weight="B", config=SEARCH_CONFIG
    )


def _search_postgresql(vendors: QuerySet[Vendor], q: str) -> QuerySet[Vendor]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    # Each branch is an uncorrelated subquery the planner runs once: the text
    # branch through the GIN index, the skill branch over the small taxonomy.
    by_text = Vendor.objects.annotate(document=vendor_text_vector()).filter(document=query).values("pk")
    matching_skills = Skill.objects.annotate(document=SearchVector("name", config=SEARCH_CONFIG)).filter(document=query)
    by_skill = VendorSkill.objects.filter(skill__in=matching_skills).values("vendor_id")
    # A name typed in part ("lum") has no full word to match: a substring of the name still finds it.
    vendors = vendors.filter(Q(pk__in=by_text) | Q(pk__in=by_skill) | Q(name__icontains=q))
    # Skill names weigh C. Rather than building every match's skill document (a
    # correlated aggregate per row: seconds on a large pool), a skill match adds
    # what ts_rank gives one C-weighted hit.
    skill_rank = Case(
        When(pk__in=by_skill, then=Value(SKILL_MATCH_RANK)), default=Value(0.0), output_field=FloatField()
    )
    return vendors.annotate(rank=SearchRank(vendor_text_vector(), query) + skill_rank)


def _apply_filters(
    vendors: QuerySet[Vendor], *, filters: DirectoryFilters, viewer: Viewer, today: date, factors: dict[str, Decimal]
) -> QuerySet[Vendor]:
    # Each filter is a `pk IN (subquery)`: no join fans rows out, so no DISTINCT is needed.
    if filters.domain:
        vendors = vendors.filter(
            pk__in=Vendor.domains.through.objects.filter(expertisearea__code=filters.domain).values("vendor_id")
        )
    if filters.skill:
        vendors = vendors.filter(pk__in=VendorSkill.objects.filter(skill__code=filters.skill).values("vendor_id"))
    if filters.country:
        vendors = vendors.filter(pk__in=DeliveryCenter.objects.filter(country=filters.country).values("vendor_id"))
    if filters.region:
        countries = sorted(code for code, region in geo.REGION_OF.items() if region == filters.region)
        vendors = vendors.filter(pk__in=DeliveryCenter.objects.filter(country__in=countries).values("vendor_id"))
    if filters.location and viewer.has_client:
        vendors = vendors.filter(pk__in=_centres_in_class(filters.location, viewer=viewer, on=today))
    if filters.max_rate is not None:
        vendors = vendors.filter(pk__in=_rates_at_most(filters.max_rate, filters.seniority, factors))
    if filters.certification:
        vendors = vendors.filter(
            pk__in=VendorCertification.objects.filter(
                _unexpired(today), certification__code=filters.certification
            ).values("vendor_id")
        )
    if filters.language:
        vendors = vendors.filter(pk__in=VendorLanguage.objects.filter(code=filters.language).values("vendor_id"))
    if filters.min_rating is not None:
        vendors = vendors.filter(rating__gte=filters.min_rating)
    if filters.verified:
        vendors = vendors.filter(verified=True)
    return vendors


def _centres_in_class(location: str, *, viewer: Viewer, on: date) -> QuerySet:
    """Vendor ids with a delivery centre in the location class. The class needs
    time zones, so it is worked out in Python over the distinct (country, zone)
    pairs (a few hundred at most), then filtered in SQL."""
    pairs = DeliveryCenter.objects.order_by().values_list("country", "timezone").distinct()
    wanted = [
        Q(country=country, timezone=tz)
        for country, tz in pairs
        if viewer.location_class(country=country, tz=tz, on=on) == location
    ]
    if not wanted:
        return DeliveryCenter.objects.none().values("vendor_id")
    return DeliveryCenter.objects.filter(reduce(or_, wanted)).values("vendor_id")


def _rates_at_most(max_rate: Decimal, seniority: str, factors: dict[str, Decimal]) -> QuerySet:
    """Vendor ids whose rate for the seniority, converted, is at most `max_rate`:
    one (currency = c AND hourly_rate <= max / factor_c) arm per currency, so the
    (seniority, hourly_rate) index serves it. Rates in a currency without an
    exchange rate cannot be compared and never match."""
    arms = [Q(currency=currency, hourly_rate__lte=max_rate / factor) for currency, factor in factors.items()]
    return RateCard.objects.filter(reduce(or_, arms), seniority=seniority).values("vendor_id")


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


@dataclass
class DirectoryRow:
    """A vendor on the directory page with what the row shows, worked out in Python
    from the prefetched relations (no query)."""

    vendor: Vendor
    classes: list[str]
    rate_original: RateCard | None
    skills: list[VendorSkill]
    more_skills: int
    countries: list[str]


def directory_rows(vendors: Iterable[Any], *, viewer: Viewer, on: date, skills_shown: int = 4) -> list[DirectoryRow]:
    rows = []
    for vendor in vendors:
        centres = list(vendor.delivery_centers.all())
        classes = {viewer.location_class(country=c.country, tz=c.timezone, on=on) for c in centres} - {None}
        rows.append(
            DirectoryRow(
                vendor=vendor,
                classes=[cls for cls in LOCATION_CLASSES if cls in classes],
                rate_original=vendor.selected_rates[0] if vendor.selected_rates else None,
                skills=vendor.top_skills[:skills_shown],
                more_skills=max(0, len(vendor.top_skills) - skills_shown),
                countries=sorted({c.country for c in centres}),
            )
        )
    return rows


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


def rate_lines(rates: Iterable[RateCard], *, viewer: Viewer, factors: dict[str, Decimal]) -> list[RateLine]:
    labels = dict(Seniority.choices)
    lines = [
        RateLine(
            seniority=r.seniority,
            label=str(labels.get(r.seniority, r.seniority)),
            original=r.hourly_rate,
            currency=r.currency,
            converted=convert(r.hourly_rate, r.currency, factors),
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


@dataclass
class HistoryEntry:
    when: datetime
    text: str
    by: str


def vendor_change_history(vendor: Vendor, *, limit: int = 30, name_users: bool = False) -> list[HistoryEntry]:
    """The profile's changes, newest first, in words ("Senior rate changed from
    40.00 to 45.00 USD"), from django-simple-history's records of the vendor (with
    the domains it covered at each record) and of its rate cards, skills, delivery
    centres, certifications and working languages. A constant number of queries:
    one per history table (skill and certification names joined in), plus one for
    the domains of the vendor's records.
    `name_users` names who made each change (the vendor's own edit page); other
    readers see only "the vendor" or "KPO Match staff"."""
    per_model = limit + 1
    sources = [
        (Vendor.history.filter(id=vendor.pk), (), _describe_vendor),
        (RateCard.history.filter(vendor_id=vendor.pk), (), _describe_rate),
        (VendorSkill.history.filter(vendor_id=vendor.pk), ("skill",), _describe_skill),
        (DeliveryCenter.history.filter(vendor_id=vendor.pk), (), _describe_centre),
        (VendorCertification.history.filter(vendor_id=vendor.pk), ("certification",), _describe_certification),
        (VendorLanguage.history.filter(vendor_id=vendor.pk), (), _describe_language),
    ]
    names = _HistoryNames()
    entries: list[HistoryEntry] = []
    for records, related, describe in sources:
        latest = list(
            records.select_related("history_user", *related).order_by("-history_date", "-history_id")[:per_model]
        )
        if describe is _describe_vendor and latest:
            names.load_domain_sets([record.history_id for record in latest])
        by_object: dict[int, list] = defaultdict(list)
        for record in reversed(latest):  # oldest first
            by_object[record.id].append(record)
        for chain in by_object.values():
            previous = None
            for record in chain:
                for text in describe(record, previous, names):
                    entries.append(
                        HistoryEntry(when=record.history_date, text=text, by=_changed_by(record, name_users))
                    )
                previous = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]


@dataclass
class _HistoryNames:
    """Names a description needs beyond its own record, loaded once."""

    # history_id of a vendor record -> names of the domains the vendor covered then.
    domain_sets: dict[int, frozenset[str]] = field(default_factory=dict)

    def load_domain_sets(self, history_ids: list[int]) -> None:
        """The domains of these historical vendor records, with their names, in one
        query. A record older than the first one with a snapshot and without one
        itself was written without domains being recorded (bulk history, e.g. the
        demo data): its domains are unknown (left out), never read as "none"."""
        found: dict[int, set[str]] = {history_id: set() for history_id in history_ids}
        snapshots = Vendor.history.model.domains.model.objects  # HistoricalVendor_domains
        for history_id, name in snapshots.filter(history_id__in=history_ids).values_list(
            "history_id", "expertisearea__name"
        ):
            found[history_id].add(name or _("a domain"))
        first_known = min((history_id for history_id, names in found.items() if names), default=None)
        self.domain_sets = {
            history_id: frozenset(names)
            for history_id, names in found.items()
            if names or (first_known is not None and history_id > first_known)
        }

    @staticmethod
    def skill(record) -> str:
        return record.skill.name if record.skill is not None else _("a skill")

    @staticmethod
    def certification(record) -> str:
        return record.certification.name if record.certification is not None else _("a certification")


def _domain_list(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) if names else "–"


def _changed_by(record, name_users: bool = False) -> str:
    user = record.history_user
    if user is None:
        return _("system")
    if name_users:
        return user.get_full_name() or user.get_username()
    if user.is_staff:
        return _("KPO Match staff")
    return _("the vendor")


def _changed(record, previous, fields: list[str]) -> list[tuple[str, Any, Any]]:
    if previous is None:
        return []
    return [
        (name, getattr(previous, name), getattr(record, name))
        for name in fields
        if getattr(previous, name) != getattr(record, name)
    ]


def _describe_vendor(record, previous, names) -> list[str]:
    if record.history_type == "+":
        return [_("Profile created")]
    if record.history_type == "-":
        return [_("Profile deleted")]
    if previous is None:
        return [_("Profile updated")]
    texts = []
    labels = {
        "name": _("Name"),
        "website": _("Website"),
        "headquarters_country": _("Headquarters country"),
        "founded_year": _("Founded year"),
        "available_fte": _("Available FTE"),
    }
    for name, old, new in _changed(
        record,
        previous,
        [
            "name",
            "description",
            "website",
            "headquarters_country",
            "founded_year",
            "available_fte",
            "verified",
            "is_active",
        ],
    ):
        if name == "description":
            texts.append(_("Description updated"))
        elif name == "verified":
            texts.append(_("Verified by KPO Match") if new else _("Verification withdrawn"))
        elif name == "is_active":
            texts.append(_("Listing reactivated") if new else _("Listing deactivated"))
        else:
            texts.append(
                _("%(field)s changed from %(old)s to %(new)s")
                % {"field": labels[name], "old": _or_dash(old), "new": _or_dash(new)}
            )
    old_domains = names.domain_sets.get(previous.history_id)
    new_domains = names.domain_sets.get(record.history_id)
    if old_domains is not None and new_domains is not None and old_domains != new_domains:
        texts.append(
            _("Domains changed from %(old)s to %(new)s")
            % {"old": _domain_list(old_domains), "new": _domain_list(new_domains)}
        )
    return texts


def _or_dash(value) -> object:
    return "–" if value in (None, "") else value


def _seniority_label(value: str) -> str:
    return str(dict(Seniority.choices).get(value, value))


def _describe_rate(record, previous, names) -> list[str]:
    level = _seniority_label(record.seniority)
    if record.history_type == "+":
        return [
            _("%(level)s rate set at %(rate)s %(currency)s")
            % {"level": level, "rate": record.hourly_rate, "currency": record.currency}
        ]
    if record.history_type == "-":
        return [_("%(level)s rate removed") % {"level": level}]
    if previous is None:
        return [
            _("%(level)s rate is now %(rate)s %(currency)s")
            % {"level": level, "rate": record.hourly_rate, "currency": record.currency}
        ]
    if previous.currency == record.currency and previous.hourly_rate != record.hourly_rate:
        return [
            _("%(level)s rate changed from %(old)s to %(new)s %(currency)s")
            % {"level": level, "old": previous.hourly_rate, "new": record.hourly_rate, "currency": record.currency}
        ]
    if previous.currency != record.currency:
        return [
            _("%(level)s rate changed from %(old)s %(old_currency)s to %(new)s %(currency)s")
            % {
                "level": level,
                "old": previous.hourly_rate,
                "old_currency": previous.currency,
                "new": record.hourly_rate,
                "currency": record.currency,
            }
        ]
    return []


def _describe_skill(record, previous, names) -> list[str]:
    skill = names.skill(record)
    if record.history_type == "+":
        return [
            _("Skill %(skill)s added (proficiency %(level)s/5, %(years)s years)")
            % {"skill": skill, "level": record.proficiency, "years": record.years_experience}
        ]
    if record.history_type == "-":
        return [_("Skill %(skill)s removed") % {"skill": skill}]
    texts = []
    for name, old, new in _changed(record, previous, ["proficiency", "years_experience"]):
        if name == "proficiency":
            texts.append(
                _("%(skill)s proficiency changed from %(old)s to %(new)s") % {"skill": skill, "old": old, "new": new}
            )
        else:
            texts.append(
                _("%(skill)s experience changed from %(old)s to %(new)s years")
                % {"skill": skill, "old": old, "new": new}
            )
    return texts


def _describe_centre(record, previous, names) -> list[str]:
    from kpo.codes import display_country_names

    place = f"{record.city}, {display_country_names().get(record.country, record.country)}"
    if record.history_type == "+":
        return [
            _("Delivery centre %(place)s opened (%(headcount)s people)")
            % {"place": place, "headcount": record.headcount}
        ]
    if record.history_type == "-":
        return [_("Delivery centre %(place)s closed") % {"place": place}]
    texts = []
    for name, old, new in _changed(record, previous, ["headcount", "timezone"]):
        if name == "headcount":
            texts.append(
                _("%(place)s headcount changed from %(old)s to %(new)s") % {"place": place, "old": old, "new": new}
            )
        else:
            texts.append(
                _("%(place)s time zone changed from %(old)s to %(new)s") % {"place": place, "old": old, "new": new}
            )
    return texts


def _describe_certification(record, previous, names) -> list[str]:
    certification = names.certification(record)
    until = record.valid_until.isoformat() if record.valid_until else _("no expiry")
    if record.history_type == "+":
        return [_("Certification %(name)s added (valid until %(until)s)") % {"name": certification, "until": until}]
    if record.history_type == "-":
        return [_("Certification %(name)s removed") % {"name": certification}]
    for _name, old, _new in _changed(record, previous, ["valid_until"]):
        old_until = old.isoformat() if old else _("no expiry")
        return [
            _("%(name)s validity changed from %(old)s to %(new)s")
            % {"name": certification, "old": old_until, "new": until}
        ]
    return []


def _describe_language(record, previous, names) -> list[str]:
    from kpo.codes import display_language_names

    language_names = display_language_names()
    language = language_names.get(record.code, record.code)
    if record.history_type == "+":
        return [_("Working language %(language)s added") % {"language": language}]
    if record.history_type == "-":
        return [_("Working language %(language)s removed") % {"language": language}]
    for _name, old, _new in _changed(record, previous, ["code"]):
        return [
            _("Working language changed from %(old)s to %(new)s")
            % {"old": language_names.get(old, old), "new": language}
        ]
    return []


# --- comparison -----------------------------------------------------------------------

MIN_COMPARE, MAX_COMPARE = 2, 4


def vendors_for_compare(*, slugs: list[str], viewer_is_staff: bool) -> list[Vendor]:
    """The vendors in the order asked for; unknown (or, for clients, inactive) slugs are left out."""
    found = {v.slug: v for v in vendor_profile_queryset(include_inactive=viewer_is_staff).filter(slug__in=slugs)}
    return [found[slug] for slug in slugs if slug in found]


@dataclass
class CompareColumn:
    vendor: Vendor
    rates: dict[str, RateLine]
    centres: list[CentreFacts]
    classes: list[str]
    best_overlap: float | None
    skills: dict[int, VendorSkill]
    certifications: dict[int, VendorCertification]
    bayesian: float


@dataclass
class CompareRow:
    label: str
    cells: list
    meta: object = None


@dataclass
class Comparison:
    columns: list[CompareColumn]
    skill_rows: list[CompareRow]
    certification_rows: list[CompareRow]
    seniorities: list[tuple[str, str]]
    currency: str


def vendor_comparison(vendors: list[Vendor], *, viewer: Viewer) -> Comparison:
    """Columns per vendor and rows for the union of their skills and
    certifications, all from prefetched data (one exchange-rate query)."""
    factors = currency_factors(exchange_rates(), viewer.currency)
    now = viewer.now()
    columns = []
    for vendor in vendors:
        centres = centre_facts(vendor.delivery_centers.all(), viewer=viewer, now=now)
        overlaps = [c.overlap_hours for c in centres if c.overlap_hours is not None]
        classes = {c.location_class for c in centres} - {None}
        columns.append(
            CompareColumn(
                vendor=vendor,
                rates={line.seniority: line for line in rate_lines(vendor.rates.all(), viewer=viewer, factors=factors)},
                centres=centres,
                classes=[cls for cls in LOCATION_CLASSES if cls in classes],
                best_overlap=max(overlaps) if overlaps else None,
                skills={vs.skill_id: vs for vs in vendor.vendor_skills.all()},
                certifications={vc.certification_id: vc for vc in vendor.vendor_certifications.all()},
                bayesian=bayesian_rating(vendor.review_count, vendor.rating),
            )
        )
    skills = {vs.skill_id: vs.skill for column in columns for vs in column.skills.values()}
    # Skills most vendors share first: that is where a comparison says something.
    skill_order = sorted(skills, key=lambda pk: (-sum(pk in c.skills for c in columns), skills[pk].name))
    certifications = {
        vc.certification_id: vc.certification for column in columns for vc in column.certifications.values()
    }
    today = now.date()
    return Comparison(
        columns=columns,
        skill_rows=[
            CompareRow(label=skills[pk].name, cells=[c.skills.get(pk) for c in columns], meta=skills[pk].domain)
            for pk in skill_order
        ],
        certification_rows=[
            CompareRow(
                label=certifications[pk].name,
                cells=[
                    (vc, certification_status(vc.valid_until, today=today))
                    if (vc := c.certifications.get(pk))
                    else None
                    for c in columns
                ],
                meta=certifications[pk],
            )
            for pk in sorted(certifications, key=lambda pk: certifications[pk].name)
        ],
        seniorities=[
            (value, str(label))
            for value, label in Seniority.choices
            if any(value in column.rates for column in columns)
        ],
        currency=viewer.currency,
    )
