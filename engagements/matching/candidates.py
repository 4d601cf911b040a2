"""The database side of matching: hard constraints in SQL, and the features of
the remaining vendors read with `values_list` (no model instances), one
primary-key range at a time so memory stays bounded however large the pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, FloatField, Q, QuerySet
from django.db.models.functions import Cast

from engagements.matching.benchmark import onshore_benchmark
from engagements.matching.scoring import (
    ALL_CLASSES,
    MIN_CAPACITY_SHARE,
    SCORING_VERSION,
    RequiredSkill,
    RequirementProfile,
    Site,
    VendorProfile,
    VendorRow,
    estimate_rate,
    resolve_weights,
)
from engagements.models import Engagement, EngagementStatus, Requirement
from kpo import geo
from vendors.models import (
    DeliveryCenter,
    RateCard,
    Vendor,
    VendorCertification,
    VendorLanguage,
    VendorSkill,
)
from vendors.money import ExchangeTable


@dataclass
class MatchContext:
    """Everything a run uses, frozen at its start and stored on the run, so the
    same ranking can be explained later even after profiles or rates change."""

    requirement_id: int
    domain_id: int
    domain: str
    seniority: str
    currency: str
    client_country: str
    client_tz: str
    client_hours: tuple[str, str]
    on_date: date
    required_skills: list[dict]
    required_certifications: list[int]
    excluded_countries: list[str]
    languages: list[str]
    location_classes: list[str]
    preferred_location_classes: list[str]
    min_overlap_hours: float
    fte_needed: float
    budget_hourly_rate: float
    estimated_hours: float
    confidentiality: str
    method: str
    weights: dict[str, float]
    exchange_rates: dict[str, str]
    benchmark_rate: float | None
    benchmark_size: int
    top_k: int
    scoring_version: str = SCORING_VERSION
    skill_ids: dict[str, int] = field(default_factory=dict)
    # How the onshore benchmark was found (onshore_benchmark): "domain_seniority", "domain" or
    # "none", and when the run's exchange rates were last set (ISO date; None: not known).
    benchmark_basis: str = "none"
    benchmark_min_sample: int = 0
    exchange_rates_as_of: str | None = None

    def as_json(self) -> dict:
        data = self.__dict__.copy()
        data["on_date"] = self.on_date.isoformat()
        data["client_hours"] = list(self.client_hours)
        return data

    @classmethod
    def from_json(cls, data: dict) -> MatchContext:
        values = dict(data)
        values["on_date"] = date.fromisoformat(values["on_date"])
        values["client_hours"] = tuple(values["client_hours"])
        return cls(**values)

    def profile(self) -> RequirementProfile:
        return RequirementProfile(
            domain=self.domain,
            skills=tuple(
                RequiredSkill(s["code"], s["min_proficiency"], s["weight"], s["must_have"])
                for s in self.required_skills
            ),
            budget_hourly_rate=self.budget_hourly_rate,
            estimated_hours=self.estimated_hours,
            fte_needed=self.fte_needed,
            seniority=self.seniority,
            languages=frozenset(self.languages),
            allowed_classes=frozenset(self.location_classes) or ALL_CLASSES,
            preferred_classes=frozenset(self.preferred_location_classes),
            min_overlap_hours=self.min_overlap_hours,
            confidentiality=self.confidentiality,
            method=self.method,
            weights=self.weights,
            benchmark_rate=self.benchmark_rate,
        )

    def exchange_table(self) -> ExchangeTable:
        """The run's frozen rates (recorded when it started)."""
        return ExchangeTable.frozen(self.exchange_rates)


def build_context(requirement: Requirement, *, top_k: int, today: date) -> MatchContext:
    client = requirement.client
    on_date = max(requirement.start_date or today, today)
    table = ExchangeTable.current()
    skills = list(requirement.requirement_skills.select_related("skill").order_by("skill__code"))
    context = MatchContext(
        requirement_id=requirement.pk,
        domain_id=requirement.domain_id,
        domain=requirement.domain.code,
        seniority=requirement.seniority,
        currency=requirement.currency,
        client_country=client.country,
        client_tz=client.timezone,
        client_hours=(client.working_hours_start.isoformat(), client.working_hours_end.isoformat()),
        on_date=on_date,
        required_skills=[
            {
                "code": s.skill.code,
                "min_proficiency": s.min_proficiency,
                "weight": float(s.weight),
                "must_have": s.must_have,
            }
            for s in skills
        ],
        skill_ids={s.skill.code: s.skill_id for s in skills},
        required_certifications=sorted(requirement.required_certifications.values_list("id", flat=True)),
        excluded_countries=sorted(requirement.excluded_countries or []),
        languages=sorted(requirement.languages or []),
        location_classes=sorted(requirement.location_classes or ALL_CLASSES),
        preferred_location_classes=sorted(requirement.preferred_location_classes or []),
        min_overlap_hours=float(requirement.min_timezone_overlap_hours),
        fte_needed=float(requirement.fte_needed),
        budget_hourly_rate=float(requirement.budget_hourly_rate),
        estimated_hours=float(requirement.estimated_hours),
        confidentiality=requirement.confidentiality,
        method=requirement.selection_method,
        weights=resolve_weights(requirement.selection_method, requirement.weights or None),
        exchange_rates=table.snapshot(),
        exchange_rates_as_of=table.as_of.date().isoformat() if table.as_of is not None else None,
        benchmark_rate=None,
        benchmark_size=0,
        top_k=top_k,
    )
    context.benchmark_min_sample = settings.MATCH_BENCHMARK_MIN_SAMPLE
    context.benchmark_rate, context.benchmark_size, context.benchmark_basis = onshore_benchmark(
        domain_id=context.domain_id,
        client_country=context.client_country,
        seniority=context.seniority,
        currency=context.currency,
        table=context.exchange_table(),
        min_sample=context.benchmark_min_sample,
    )
    return context


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def classify_sql(context: MatchContext, lo: int, hi: int) -> tuple[str, list]:
    """One statement giving every active vendor in [lo, hi] the code of the first
    SQL hard constraint it fails (NULL when it passes them all), with the
    vendor's own features (available FTE, verified, rating, review count,
    accepted and on-time milestones) and its rate card for the requested seniority.

    Each constraint is an aggregated subquery LEFT JOINed once (hash joins, one
    pass), never a correlated subquery per vendor row. Written in standard SQL
    from ORM subqueries, so it runs on PostgreSQL and SQLite alike."""
    vendor_table = Vendor._meta.db_table
    joins: list[str] = []
    params: list = []
    cases: list[str] = []

    def join(alias: str, queryset: QuerySet) -> None:
        sql, sub_params = _sql(queryset)
        joins.append(f"LEFT JOIN ({sql}) {alias} ON {alias}.vendor_id = v.id")
        params.extend(sub_params)

    in_range = {"vendor_id__gte": lo, "vendor_id__lte": hi}
    join(
        "dom",
        Vendor.domains.through.objects.filter(expertisearea_id=context.domain_id, **in_range)
        .order_by()
        .values("vendor_id")
        .distinct(),
    )
    cases.append("WHEN dom.vendor_id IS NULL THEN 'domain_not_covered'")

    must_haves = [s for s in context.required_skills if s["must_have"]]
    if must_haves:
        condition = Q()
        for skill in must_haves:
            condition |= Q(skill_id=context.skill_ids[skill["code"]], proficiency__gte=skill["min_proficiency"])
        join(
            "mh",
            VendorSkill.objects.filter(condition, **in_range).order_by().values("vendor_id").annotate(n=Count("id")),
        )
        cases.append(f"WHEN COALESCE(mh.n, 0) < {len(must_haves)} THEN 'missing_must_have_skill'")

    if context.required_certifications:
        join(
            "cert",
            VendorCertification.objects.filter(certification_id__in=context.required_certifications, **in_range)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=context.on_date))
            .order_by()
            .values("vendor_id")
            .annotate(n=Count("id")),
        )
        cases.append(f"WHEN COALESCE(cert.n, 0) < {len(context.required_certifications)} THEN 'missing_certification'")

    if context.excluded_countries:
        join(
            "xc",
            DeliveryCenter.objects.filter(country__in=context.excluded_countries, **in_range)
            .order_by()
            .values("vendor_id")
            .distinct(),
        )
        cases.append("WHEN xc.vendor_id IS NOT NULL THEN 'excluded_country'")

    if context.languages:
        join(
            "lang",
            VendorLanguage.objects.filter(code__in=context.languages, **in_range)
            .order_by()
            .values("vendor_id")
            .distinct(),
        )
        cases.append("WHEN lang.vendor_id IS NULL THEN 'no_shared_language'")

    # The rate card for the requested seniority (unique per vendor): the cost input, read in the same pass.
    join(
        "rc",
        RateCard.objects.filter(seniority=context.seniority, **in_range)
        .order_by()
        .values("vendor_id", "hourly_rate", "currency"),
    )
    # Each vendor's delivery centres as one "CC|zone,CC|zone" string: the location
    # inputs in the same pass, one value per vendor (vendor_rows parses each
    # distinct string once). STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite.
    centre = "country || '|' || timezone"
    aggregate = (
        f"STRING_AGG(DISTINCT {centre}, ',' ORDER BY {centre})"
        if connection.vendor == "postgresql"
        else f"GROUP_CONCAT(DISTINCT {centre})"
    )
    joins.append(
        f"LEFT JOIN (SELECT vendor_id, {aggregate} AS centres FROM {DeliveryCenter._meta.db_table} "  # noqa: S608
        "WHERE vendor_id >= %s AND vendor_id <= %s GROUP BY vendor_id) dc ON dc.vendor_id = v.id"
    )
    params.extend([lo, hi])
    cases.append("WHEN v.available_fte < %s THEN 'insufficient_capacity'")
    capacity = Decimal(str(context.fte_needed)) * Decimal(str(MIN_CAPACITY_SHARE))
    # Only constants, the table name and ORM-compiled subqueries are interpolated; values go in params.
    real = FloatField().db_type(connection)
    sql = (
        f"SELECT v.id, CASE {' '.join(cases)} ELSE NULL END AS reason, "  # noqa: S608
        f"CAST(v.available_fte AS {real}), v.verified, CAST(v.rating AS {real}), v.review_count, "
        f"CAST(rc.hourly_rate AS {real}), rc.currency, dc.centres, "
        "v.milestones_accepted_count, v.milestones_on_time_count "
        f"FROM {vendor_table} v {' '.join(joins)} "
        "WHERE v.is_active = %s AND v.id >= %s AND v.id <= %s ORDER BY v.id"
    )
    return sql, [capacity, *params, True, lo, hi]  # the CASE (capacity) precedes the joins in the text


def classify(context: MatchContext, lo: int, hi: int) -> list[tuple]:
    """Rows of (id, reason, available_fte, verified, rating, review_count, hourly_rate, currency, centres,
    milestones_accepted, milestones_on_time)."""
    sql, params = classify_sql(context, lo, hi)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def active_vendors(lo: int | None = None, hi: int | None = None) -> QuerySet[Vendor]:
    queryset = Vendor.objects.filter(is_active=True)
    if lo is not None:
        queryset = queryset.filter(pk__gte=lo)
    if hi is not None:
        queryset = queryset.filter(pk__lte=hi)
    return queryset


def feature_querysets(context: MatchContext, lo: int, hi: int, ids: list[int]) -> dict[str, QuerySet]:
    """The feature reads for the vendors `ids` (all in [lo, hi]). When most of the
    range is eligible it reads the range (an index range scan); otherwise the ids."""
    dense = len(ids) > 0.5 * (hi - lo + 1)
    scope = {"vendor_id__gte": lo, "vendor_id__lte": hi} if dense else {"vendor_id__in": ids}
    reads: dict[str, QuerySet] = {
        "track": Engagement.objects.filter(
            status=EngagementStatus.COMPLETED, requirement__domain_id=context.domain_id, **scope
        )
        .order_by()
        .values_list("vendor_id")
        .annotate(n=Count("id"))
        .values_list("vendor_id", "n"),
    }
    if context.skill_ids:
        reads["skills"] = (
            VendorSkill.objects.filter(skill_id__in=list(context.skill_ids.values()), **scope)
            .order_by()
            .values_list("vendor_id", "skill_id", "proficiency", "years_experience")
        )
    if context.languages:
        reads["languages"] = (
            VendorLanguage.objects.filter(code__in=context.languages, **scope)
            .order_by()
            .values_list("vendor_id", "code")
        )
    if context.confidentiality == "high":
        reads["security"] = (
            VendorCertification.objects.filter(certification__is_security=True, **scope)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=context.on_date))
            .order_by()
            .values_list("vendor_id", flat=True)
        )
    return reads


class SiteResolver:
    """Location class and overlap of a (country, zone) centre, computed once per run."""

    def __init__(self, context: MatchContext):
        from datetime import time

        self.context = context
        self.client_start = time.fromisoformat(context.client_hours[0])
        self.client_end = time.fromisoformat(context.client_hours[1])
        self._cache: dict[tuple[str, str], tuple[str, float]] = {}
        self._sites: dict[str, tuple[Site, ...]] = {}

    def sites(self, centres: str) -> tuple[Site, ...]:
        """The Sites (cities left out) of a "CC|zone,CC|zone" string from classify_sql."""
        found = self._sites.get(centres)
        if found is None:
            parsed = []
            for part in centres.split(","):
                country, tz = part.split("|", 1)
                location_class, overlap = self(country, tz)
                parsed.append(Site(country, "", location_class, overlap))
            found = self._sites[centres] = tuple(parsed)
        return found

    def __call__(self, country: str, tz: str) -> tuple[str, float]:
        key = (country, tz)
        if key not in self._cache:
            ctx = self.context
            self._cache[key] = (
                geo.location_class(
                    client_country=ctx.client_country, client_tz=ctx.client_tz, country=country, tz=tz, on=ctx.on_date
                ),
                geo.overlap_hours(
                    client_tz=ctx.client_tz,
                    client_start=self.client_start,
                    client_end=self.client_end,
                    tz=tz,
                    on=ctx.on_date,
                ),
            )
        return self._cache[key]


def rows(queryset: QuerySet) -> list[tuple]:
    """Fetch a values_list queryset's rows straight from the cursor: no per-row
    converters. Every column read this way is already in its Python type."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def vendor_profiles(
    context: MatchContext, lo: int, hi: int, eligible: list[tuple], resolve_site: SiteResolver
) -> Iterator[VendorProfile]:
    """VendorProfile objects for `vendor_rows`, their sites named by city."""
    found = list(vendor_rows(context, lo, hi, eligible, resolve_site))
    named = named_sites([row[0] for row in found], resolve_site)
    for row in found:
        yield VendorProfile(*(row[:4] + (named.get(row[0], ()),) + row[5:]))


def named_sites(vendor_ids: list[int], resolve_site: SiteResolver) -> dict[int, tuple[Site, ...]]:
    """The delivery centres of a few vendors with their cities (for explanations)."""
    sites: dict[int, list[Site]] = {}
    for vendor_id, country, city, tz in (
        DeliveryCenter.objects.filter(vendor_id__in=vendor_ids)
        .order_by("vendor_id", "-headcount", "city")
        .values_list("vendor_id", "country", "city", "timezone")
    ):
        location_class, overlap = resolve_site(country, tz)
        sites.setdefault(vendor_id, []).append(Site(country, city, location_class, overlap))
    return {vendor_id: tuple(found) for vendor_id, found in sites.items()}


def vendor_rows(
    context: MatchContext, lo: int, hi: int, eligible: list[tuple], resolve_site: SiteResolver
) -> Iterator[VendorRow]:
    """Features of the vendors passing the SQL constraints (`eligible`: their
    classify rows) as plain tuples in VendorProfile's field order: one query per
    related table, rows read as tuples, no model instances and no object per
    vendor. SQLite hands booleans back as 0/1, which score the same."""
    if not eligible:
        return
    ids = [row[0] for row in eligible]
    reads = feature_querysets(context, lo, hi, ids)
    factors = context.exchange_table().float_factors_to(context.currency)

    # Rows of vendors outside the eligible ones (dense reads) land in these dicts unused:
    # cheaper than testing every row.
    other_rates: dict[int, dict[str, float]] = {}
    missing_rate = [row[0] for row in eligible if row[6] is None or row[7] not in factors]
    if missing_rate:  # estimate from the nearest seniority the vendor does quote
        for vendor_id, seniority, amount, currency in (
            RateCard.objects.filter(vendor_id__in=missing_rate)
            .order_by()
            .values_list("vendor_id", "seniority", Cast("hourly_rate", FloatField()), "currency")
        ):
            factor = factors.get(currency)
            if factor is not None:
                other_rates.setdefault(vendor_id, {})[seniority] = amount * factor

    sites_of = resolve_site.sites

    skills: dict[int, dict[str, tuple[int, int]]] = {}
    if "skills" in reads:
        code_of = {skill_id: code for code, skill_id in context.skill_ids.items()}
        for vendor_id, skill_id, proficiency, years in rows(reads["skills"]):
            skills.setdefault(vendor_id, {})[code_of[skill_id]] = (proficiency, years)

    languages: dict[int, set[str]] = {}
    for vendor_id, code in rows(reads["languages"]) if "languages" in reads else ():
        languages.setdefault(vendor_id, set()).add(code)
    security = {row[0] for row in rows(reads["security"])} if "security" in reads else set()
    track = dict(rows(reads["track"]))

    empty_skills: dict[str, tuple[int, int]] = {}
    no_languages: frozenset[str] = frozenset()
    no_sites: tuple[Site, ...] = ()
    seniority = context.seniority
    for (
        vendor_id,
        _reason,
        available_fte,
        verified,
        rating,
        review_count,
        amount,
        currency,
        centres,
        milestones_accepted,
        milestones_on_time,
    ) in eligible:
        factor = factors.get(currency) if amount is not None else None
        if factor is not None:
            rate, estimated = amount * factor, False
        else:
            rate, estimated = estimate_rate(other_rates.get(vendor_id, {}), seniority)
        spoken = languages.get(vendor_id)
        yield (
            vendor_id,
            skills.get(vendor_id, empty_skills),
            rate,
            estimated,
            sites_of(centres) if centres else no_sites,
            frozenset(spoken) if spoken else no_languages,
            track.get(vendor_id, 0),
            review_count,
            rating,
            verified,
            available_fte,
            vendor_id in security,
            milestones_accepted,
            milestones_on_time,
        )
