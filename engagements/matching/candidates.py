"""The database side of matching: hard constraints in SQL, and the features of
the remaining vendors read with `values_list` (no model instances), one
primary-key range at a time so memory stays bounded however large the pool.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from engagements.matching import geo
from engagements.matching.scoring import (
    ALL_CLASSES,
    SCORING_VERSION,
    RequiredSkill,
    RequirementProfile,
    Site,
    VendorProfile,
    estimate_rate,
    resolve_weights,
)
from engagements.models import Engagement, EngagementStatus, Requirement
from vendors.models import DeliveryCenter, ExchangeRate, RateCard, Vendor, VendorCertification, VendorLanguage, VendorSkill

# Reason codes of the SQL-side hard constraints, in the order they are checked:
# a vendor is counted under the first one it fails.
SQL_REASONS = (
    "domain_not_covered",
    "missing_must_have_skill",
    "missing_certification",
    "excluded_country",
    "no_shared_language",
    "insufficient_capacity",
)
MIN_CAPACITY_SHARE = Decimal("0.5")


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
                RequiredSkill(s["code"], s["min_proficiency"], s["weight"], s["must_have"]) for s in self.required_skills
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

    def to_currency(self, amount: Decimal, currency: str) -> float | None:
        """Convert into the requirement's currency with the run's frozen rates."""
        source = self.exchange_rates.get(currency)
        target = self.exchange_rates.get(self.currency)
        if source is None or target is None:
            return None
        return float(amount * Decimal(source) / Decimal(target))


def build_context(requirement: Requirement, *, top_k: int, today: date) -> MatchContext:
    client = requirement.client
    on_date = max(requirement.start_date or today, today)
    skills = list(requirement.requirement_skills.select_related("skill").order_by("skill__code"))
    rates = {currency: str(rate) for currency, rate in ExchangeRate.objects.values_list("currency", "rate_to_base")}
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
            {"code": s.skill.code, "min_proficiency": s.min_proficiency, "weight": float(s.weight), "must_have": s.must_have}
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
        exchange_rates=rates,
        benchmark_rate=None,
        benchmark_size=0,
        top_k=top_k,
    )
    context.benchmark_rate, context.benchmark_size = onshore_benchmark(context)
    return context


def onshore_benchmark(context: MatchContext) -> tuple[float | None, int]:
    """Median rate, in the requirement's currency, of active vendors covering the
    domain that deliver from the client's country (onshore), for the seniority."""
    rows = RateCard.objects.filter(
        seniority=context.seniority,
        vendor__is_active=True,
        vendor__domains=context.domain_id,
        vendor__in=DeliveryCenter.objects.filter(country=context.client_country).values("vendor_id"),
    ).values_list("hourly_rate", "currency")
    converted = [rate for rate in (context.to_currency(amount, currency) for amount, currency in rows) if rate is not None]
    if not converted:
        return None, 0
    return statistics.median(converted), len(converted)


def hard_constraints(context: MatchContext) -> list[tuple[str, Q]]:
    """(reason code, filter a vendor must pass), in checking order."""
    vendor = OuterRef("pk")
    checks: list[tuple[str, Q]] = [
        (
            "domain_not_covered",
            Q(Exists(Vendor.domains.through.objects.filter(vendor_id=vendor, expertisearea_id=context.domain_id))),
        )
    ]
    must_haves = Q()
    for skill in context.required_skills:
        if skill["must_have"]:
            must_haves &= Q(
                Exists(
                    VendorSkill.objects.filter(
                        vendor_id=vendor, skill_id=context.skill_ids[skill["code"]], proficiency__gte=skill["min_proficiency"]
                    )
                )
            )
    if must_haves:
        checks.append(("missing_must_have_skill", must_haves))
    certificates = Q()
    for certification_id in context.required_certifications:
        certificates &= Q(
            Exists(
                VendorCertification.objects.filter(vendor_id=vendor, certification_id=certification_id).filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gte=context.on_date)
                )
            )
        )
    if certificates:
        checks.append(("missing_certification", certificates))
    if context.excluded_countries:
        checks.append(
            (
                "excluded_country",
                ~Q(Exists(DeliveryCenter.objects.filter(vendor_id=vendor, country__in=context.excluded_countries))),
            )
        )
    if context.languages:
        checks.append(
            ("no_shared_language", Q(Exists(VendorLanguage.objects.filter(vendor_id=vendor, code__in=context.languages))))
        )
    checks.append(("insufficient_capacity", Q(available_fte__gte=Decimal(str(context.fte_needed)) * MIN_CAPACITY_SHARE)))
    return checks


def active_vendors(lo: int | None = None, hi: int | None = None) -> QuerySet[Vendor]:
    queryset = Vendor.objects.filter(is_active=True)
    if lo is not None:
        queryset = queryset.filter(pk__gte=lo)
    if hi is not None:
        queryset = queryset.filter(pk__lte=hi)
    return queryset


def sql_exclusions(context: MatchContext, lo: int, hi: int) -> tuple[int, dict[str, int], QuerySet[Vendor]]:
    """Active vendors in [lo, hi], how many each SQL constraint excluded (first
    failing constraint), and the queryset of those passing all of them."""
    queryset = active_vendors(lo, hi)
    total = queryset.count()
    exclusions: dict[str, int] = {}
    remaining = total
    for code, condition in hard_constraints(context):
        if remaining == 0:
            break
        queryset = queryset.filter(condition)
        passing = queryset.count()
        if remaining - passing:
            exclusions[code] = remaining - passing
        remaining = passing
    return total, exclusions, queryset


class SiteResolver:
    """Location class and overlap of a (country, zone) centre, computed once per run."""

    def __init__(self, context: MatchContext):
        from datetime import time

        self.context = context
        self.client_start = time.fromisoformat(context.client_hours[0])
        self.client_end = time.fromisoformat(context.client_hours[1])
        self._cache: dict[tuple[str, str], tuple[str, float]] = {}

    def __call__(self, country: str, tz: str) -> tuple[str, float]:
        key = (country, tz)
        if key not in self._cache:
            ctx = self.context
            self._cache[key] = (
                geo.location_class(client_country=ctx.client_country, client_tz=ctx.client_tz, country=country, tz=tz, on=ctx.on_date),
                geo.overlap_hours(client_tz=ctx.client_tz, client_start=self.client_start, client_end=self.client_end, tz=tz, on=ctx.on_date),
            )
        return self._cache[key]


def vendor_profiles(context: MatchContext, eligible: QuerySet[Vendor], lo: int, hi: int, resolve_site: SiteResolver) -> Iterator[VendorProfile]:
    """Features of the vendors passing the SQL constraints in [lo, hi]: one query
    per table, rows read as tuples, no model instances."""
    vendors = list(eligible.values_list("id", "available_fte", "verified", "rating", "review_count").order_by("id"))
    if not vendors:
        return
    ids = {row[0] for row in vendors}
    in_range = {"vendor_id__gte": lo, "vendor_id__lte": hi}

    rates: dict[int, dict[str, float]] = {}
    for vendor_id, seniority, amount, currency in RateCard.objects.filter(**in_range).values_list(
        "vendor_id", "seniority", "hourly_rate", "currency"
    ):
        if vendor_id in ids:
            converted = context.to_currency(amount, currency)
            if converted is not None:
                rates.setdefault(vendor_id, {})[seniority] = converted

    sites: dict[int, list[Site]] = {}
    for vendor_id, country, city, tz in DeliveryCenter.objects.filter(**in_range).values_list("vendor_id", "country", "city", "timezone"):
        if vendor_id in ids:
            location_class, overlap = resolve_site(country, tz)
            sites.setdefault(vendor_id, []).append(Site(country, city, location_class, overlap))

    skills: dict[int, dict[str, tuple[int, int]]] = {}
    if context.skill_ids:
        code_of = {skill_id: code for code, skill_id in context.skill_ids.items()}
        for vendor_id, skill_id, proficiency, years in VendorSkill.objects.filter(
            skill_id__in=list(code_of), **in_range
        ).values_list("vendor_id", "skill_id", "proficiency", "years_experience"):
            skills.setdefault(vendor_id, {})[code_of[skill_id]] = (proficiency, years)

    languages: dict[int, set[str]] = {}
    if context.languages:
        for vendor_id, code in VendorLanguage.objects.filter(code__in=context.languages, **in_range).values_list("vendor_id", "code"):
            languages.setdefault(vendor_id, set()).add(code)

    security: set[int] = set()
    if context.confidentiality == "high":
        security = set(
            VendorCertification.objects.filter(certification__is_security=True, **in_range)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=context.on_date))
            .values_list("vendor_id", flat=True)
        )

    track = dict(
        Engagement.objects.filter(status=EngagementStatus.COMPLETED, requirement__domain_id=context.domain_id, **in_range)
        .order_by()
        .values_list("vendor_id")
        .annotate(n=Count("id"))
        .values_list("vendor_id", "n")
    )

    empty_skills: dict[str, tuple[int, int]] = {}
    for vendor_id, available_fte, verified, rating, review_count in vendors:
        rate, estimated = estimate_rate(rates.get(vendor_id, {}), context.seniority)
        yield VendorProfile(
            vendor_id=vendor_id,
            skills=skills.get(vendor_id, empty_skills),
            hourly_rate=rate,
            rate_estimated=estimated,
            sites=tuple(sites.get(vendor_id, ())),
            languages=frozenset(languages.get(vendor_id, ())),
            domain_engagements=track.get(vendor_id, 0),
            review_count=review_count,
            rating=float(rating) if rating is not None else None,
            verified=verified,
            available_fte=float(available_fte),
            security_certified=vendor_id in security,
        )
