"""Reads for the demand side. Every queryset here is scoped to its caller."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    MatchResult,
    MatchRun,
    Membership,
    Milestone,
    Requirement,
    RequirementStatus,
    Review,
)
from engagements.rfp import selectors as rfp_selectors
from kpo.codes import display_country_names
from vendors.models import ExchangeRate, RateCard, Seniority, Skill, Vendor, VendorCertification, VendorLanguage


def membership_for(*, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("client", "vendor").filter(user=user).first()


def requirement_list_for_client(*, client: ClientOrganization) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(client=client)
        .select_related("domain")
        .annotate(skill_count=Count("requirement_skills", distinct=True))
    )


def match_run_list_for_client(*, client: ClientOrganization) -> QuerySet[MatchRun]:
    return MatchRun.objects.filter(requirement__client=client).select_related("requirement")


def engagement_list_for_client(*, client: ClientOrganization) -> QuerySet[Engagement]:
    return Engagement.objects.filter(client=client).select_related("vendor", "requirement")


def engagement_list_for_vendor(*, vendor: Vendor) -> QuerySet[Engagement]:
    return Engagement.objects.filter(vendor=vendor).select_related("client", "requirement")


def client_dashboard(*, client: ClientOrganization) -> dict:
    requirements = requirement_list_for_client(client=client)
    engagements = engagement_list_for_client(client=client)
    return {
        "open_requirements": list(requirements.filter(status=RequirementStatus.OPEN)[:10]),
        "open_requirement_count": requirements.filter(status=RequirementStatus.OPEN).count(),
        "recent_runs": list(match_run_list_for_client(client=client)[:5]),
        "recent_rfps": list(rfp_selectors.rfp_list_for_client(client=client).order_by("-created_at", "-id")[:5]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "engagement_counts": dict(
            engagements.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
        ),
        "spend": client_spend_by_country(client=client),
    }


def vendor_dashboard(*, vendor: Vendor) -> dict:
    engagements = engagement_list_for_vendor(vendor=vendor)
    vendor = vendor_with_profile_facts(vendor_id=vendor.pk)
    return {
        "vendor": vendor,
        "completeness": vendor_profile_completeness(vendor=vendor),
        "proposed_engagements": list(engagements.filter(status=EngagementStatus.PROPOSED)[:10]),
        "active_engagements": list(engagements.filter(status=EngagementStatus.ACTIVE)[:10]),
        "recent_reviews": list(Review.objects.filter(vendor=vendor).select_related("engagement__client")[:5]),
        **_vendor_rfp_dashboard(vendor_id=vendor.pk),
    }


def _vendor_rfp_dashboard(*, vendor_id: int) -> dict:
    return {
        "open_invitations": list(rfp_selectors.open_invitations_for_vendor(vendor_id=vendor_id)[:10]),
        "recent_proposals": list(rfp_selectors.proposal_list_for_vendor(vendor_id=vendor_id)[:10]),
    }


def vendor_with_profile_facts(*, vendor_id: int, on_date: date | None = None) -> Vendor:
    """The vendor with what its dashboard and profile completeness need, in one
    query: counts of skills, rate cards, centres and certifications, and whether
    it has a rate card per seniority, a valid security certification, languages
    and expertise areas. Exists() subqueries, not more joins, so the counts do
    not multiply."""
    on_date = on_date or timezone.localdate()
    rates = RateCard.objects.filter(vendor=OuterRef("pk"))
    seniority_flags = {f"has_rate_{value}": Exists(rates.filter(seniority=value)) for value in Seniority.values}
    return (
        Vendor.objects.filter(pk=vendor_id)
        .annotate(
            skill_count=Count("vendor_skills", distinct=True),
            rate_count=Count("rates", distinct=True),
            center_count=Count("delivery_centers", distinct=True),
            certification_count=Count("vendor_certifications", distinct=True),
            has_security_certification=Exists(
                VendorCertification.objects.filter(vendor=OuterRef("pk"), certification__is_security=True).filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gte=on_date)
                )
            ),
            has_languages=Exists(VendorLanguage.objects.filter(vendor=OuterRef("pk"))),
            has_domains=Exists(Vendor.domains.through.objects.filter(vendor_id=OuterRef("pk"))),
            **seniority_flags,
        )
        .get()
    )


def vendor_profile_completeness(*, vendor: Vendor) -> dict:
    """How complete the profile is for matching: the share of checks passed and,
    for each one missing, what it costs the vendor in matching (the rules of
    engagements/matching/scoring.py and candidates.py, in the vendor's words).
    `vendor` comes from vendor_with_profile_facts (no further query)."""
    has_any_rate = vendor.rate_count > 0
    checks: list[tuple[str, bool, str, str]] = [
        (
            "domains",
            vendor.has_domains,
            _("No expertise areas"),
            _("every need asks for a domain, so you cannot be matched"),
        ),
        ("skills", vendor.skill_count > 0, _("No skills"), _("your expertise score is 0 for every need")),
    ]
    for value, label in Seniority.choices:
        title = _("No rate card for %(seniority)s") % {"seniority": str(label).lower()}
        effect = (
            _("matching estimates your cost from another seniority")
            if has_any_rate
            else _("without any rate card your cost cannot be estimated, so you cannot be matched")
        )
        checks.append((f"rate_{value}", getattr(vendor, f"has_rate_{value}"), title, effect))
    checks += [
        ("delivery_centre", vendor.center_count > 0, _("No delivery centre"), _("you cannot be matched")),
        (
            "security_certification",
            vendor.has_security_certification,
            _("No security certification"),
            _("confidential needs flag you (ip_security)"),
        ),
        ("reviews", vendor.review_count > 0, _("No reviews yet"), _("quality starts at the prior 3.5")),
        ("verified", vendor.verified, _("Not verified"), _("your quality score misses the 15 points of verification")),
        ("languages", vendor.has_languages, _("No languages"), _("needs that require a language leave you out")),
        (
            "available_fte",
            vendor.available_fte > 0,
            _("Available FTE is 0"),
            _("you are left out of every need"),
        ),
    ]
    done = sum(1 for _code, passed, _title, _effect in checks if passed)
    missing = [{"code": code, "title": title, "effect": effect} for code, passed, title, effect in checks if not passed]
    return {"percent": round(100 * done / len(checks)), "missing": missing, "total": len(checks), "done": done}


# -- the vendor's portal ---------------------------------------------------------------

# Proposals waiting for an answer first, then work in progress, then the closed ones.
VENDOR_STATUS_ORDER = (
    EngagementStatus.PROPOSED,
    EngagementStatus.ACTIVE,
    EngagementStatus.COMPLETED,
    EngagementStatus.DECLINED,
    EngagementStatus.CANCELLED,
)


def engagement_list_page_for_vendor(*, vendor_id: int) -> QuerySet[Engagement]:
    """The vendor's engagements, proposed first: what the vendor may see of the
    client is its name and the requirement's title (nothing else is selected)."""
    order = Case(
        *(When(status=value, then=Value(index)) for index, value in enumerate(VENDOR_STATUS_ORDER)),
        default=Value(len(VENDOR_STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return (
        Engagement.objects.filter(vendor_id=vendor_id)
        .select_related("client", "requirement")
        .annotate(status_order=order)
        .order_by("status_order", "-created_at", "-id")
    )


def engagement_detail_queryset_for_vendor(*, vendor_id: int) -> QuerySet[Engagement]:
    return (
        Engagement.objects.filter(vendor_id=vendor_id)
        .select_related("client", "requirement__domain")
        .prefetch_related(
            Prefetch("events", queryset=EngagementEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
        )
    )


def staff_dashboard() -> dict:
    vendor_counts = Vendor.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        unverified=Count("id", filter=Q(is_active=True, verified=False)),
    )
    return {
        "vendor_counts": vendor_counts,
        "client_count": ClientOrganization.objects.count(),
        "open_requirement_count": Requirement.objects.filter(status=RequirementStatus.OPEN).count(),
        "recent_runs": list(MatchRun.objects.select_related("requirement__client")[:8]),
        "unverified_vendors": list(
            Vendor.objects.filter(is_active=True, verified=False).order_by("-created_at", "-id")[:8]
        ),
    }


def requirement_queryset_for(*, user) -> QuerySet[Requirement]:
    """Requirements the user may see: staff all, a client manager their
    organization's, anyone else none (so every lookup outside is a 404)."""
    queryset = Requirement.objects.select_related("client", "domain").prefetch_related(
        "requirement_skills__skill", "required_certifications"
    )
    if user.is_staff:
        return queryset
    membership = membership_for(user=user)
    if membership is None or not membership.is_client:
        return queryset.none()
    return queryset.filter(client_id=membership.client_id)


def match_run_queryset_for(*, user) -> QuerySet[MatchRun]:
    queryset = MatchRun.objects.select_related("requirement")
    if user.is_staff:
        return queryset
    membership = membership_for(user=user)
    if membership is None or not membership.is_client:
        return queryset.none()
    return queryset.filter(requirement__client_id=membership.client_id)


def match_run_with_results(*, run: MatchRun) -> MatchRun:
    return (
        MatchRun.objects.select_related("requirement")
        .prefetch_related(Prefetch("results", queryset=MatchResult.objects.select_related("vendor").order_by("rank")))
        .get(pk=run.pk)
    )


# -- the procurement manager's pages ---------------------------------------------------


def requirement_list_page(*, client: ClientOrganization, status: str | None = None) -> QuerySet[Requirement]:
    """The requirement list: counts of skills, runs and engagements in one query."""
    queryset = (
        Requirement.objects.filter(client=client)
        .select_related("domain")
        .annotate(
            skill_count=Count("requirement_skills", distinct=True),
            run_count=Count("match_runs", distinct=True),
            engagement_count=Count("engagements", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def requirement_for_manager(*, user, client: ClientOrganization) -> QuerySet[Requirement]:
    """A manager's requirements: the per-user scope, narrowed to the organization
    the page works for (a staff member with a client membership sees only it)."""
    return requirement_queryset_for(user=user).filter(client=client)


def match_run_for_client(*, client: ClientOrganization) -> QuerySet[MatchRun]:
    return MatchRun.objects.filter(requirement__client=client).select_related("requirement__domain")


def match_run_list_for_requirement(*, requirement: Requirement) -> QuerySet[MatchRun]:
    return (
        MatchRun.objects.filter(requirement=requirement)
        .annotate(result_count=Count("results"))
        .order_by("-created_at", "-id")
    )


def match_run_results(*, run: MatchRun) -> list[MatchResult]:
    return list(MatchResult.objects.filter(run=run).select_related("vendor").order_by("rank"))


def skill_names(*, codes) -> dict[str, str]:
    codes = set(codes)
    if not codes:
        return {}
    return dict(Skill.objects.filter(code__in=codes).values_list("code", "name"))


def match_result_for_client(*, client: ClientOrganization) -> QuerySet[MatchResult]:
    return MatchResult.objects.filter(run__requirement__client=client).select_related(
        "vendor", "run__requirement__client"
    )


def why_not_vendors(*, run: MatchRun, user) -> QuerySet[Vendor]:
    """The vendors a caller may ask "why not?" about in a run: every vendor for
    staff; for a client, the directory's (the active ones) and any this run's
    shortlist names, so a deactivated vendor is never revealed by its answer."""
    if user.is_staff:
        return Vendor.objects.all()
    return Vendor.objects.filter(Q(is_active=True) | Q(pk__in=run.results.values("vendor_id")))


def vendor_lookup(*, query: str, among: QuerySet[Vendor], limit: int = 8) -> list[Vendor]:
    """Vendors (of `among`) matching a why-not search: an exact id, slug or name
    wins; otherwise names containing the text (at most `limit`)."""
    query = query.strip()
    if not query:
        return []
    exact = Q(slug=query) | Q(name__iexact=query)
    if query.isdigit():
        exact |= Q(pk=int(query))
    found = list(among.filter(exact).order_by("name", "id")[:limit])
    if found:
        return found
    return list(among.filter(name__icontains=query).order_by("name", "id")[:limit])


def pareto_front(points: Sequence[tuple[float | None, float]]) -> set[int]:
    """Indices of the non-dominated (cost, score) points: those for which no other
    point is at least as cheap and at least as good, and strictly better in one of
    the two. Equal points share their fate; a point without a cost is never on
    the front. O(n log n): sweep from the cheapest, keeping the best score so far."""
    ordered = sorted((cost, -score, index) for index, (cost, score) in enumerate(points) if cost is not None)
    front: set[int] = set()
    best = float("-inf")
    for _cost, group in groupby(ordered, key=lambda item: item[0]):
        rows = list(group)
        top = -rows[0][1]  # the best score at this cost
        if top > best:
            front.update(index for _c, negative, index in rows if -negative == top)
            best = top
    return front


def engagement_list_page(*, client: ClientOrganization, status: str | None = None) -> QuerySet[Engagement]:
    queryset = engagement_list_for_client(client=client).order_by("-created_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def engagement_status_counts(*, client: ClientOrganization) -> dict[str, int]:
    return dict(
        Engagement.objects.filter(client=client)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def engagement_detail_queryset(*, client: ClientOrganization) -> QuerySet[Engagement]:
    return (
        Engagement.objects.filter(client=client)
        .select_related("vendor", "requirement", "match_result__run", "review__author", "proposed_by")
        .prefetch_related(
            Prefetch("events", queryset=EngagementEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
        )
    )


# -- spend and savings -------------------------------------------------------------

HOURS_PER_FTE_MONTH = 160
DAYS_PER_MONTH = Decimal("30.4375")  # 365.25 / 12


def months_elapsed(*, start: date, end: date | None, today: date) -> Decimal:
    """Months of work from the start to the end (or today, if sooner); never negative."""
    stop = min(end or today, today)
    return max(Decimal(0), Decimal((stop - start).days) / DAYS_PER_MONTH)


def client_spend_by_country(*, client: ClientOrganization, today: date | None = None) -> dict:
    """Spend and estimated savings of the client's active and completed
    engagements, by the vendor's headquarters country, in the client's currency.

    spend   = agreed rate x FTE x 160 h per month x months elapsed
    savings = the estimated saving of the shortlist entry the engagement was
              proposed from (onshore benchmark - vendor rate) x estimated hours
    Amounts are converted with ExchangeRate (currency -> base -> client currency);
    an amount in a currency without a rate is left out and counted."""
    today = today or timezone.localdate()
    rows = (
        Engagement.objects.filter(client=client, status__in=[EngagementStatus.ACTIVE, EngagementStatus.COMPLETED])
        .order_by()
        .values_list(
            "vendor__headquarters_country",
            "agreed_rate",
            "currency",
            "fte",
            "start_date",
            "end_date",
            "match_result__estimated_savings",
            "match_result__currency",
        )
    )
    rates = dict(ExchangeRate.objects.values_list("currency", "rate_to_base"))
    target = rates.get(client.currency)
    by_country: dict[str, dict[str, Decimal]] = {}
    skipped = 0

    def convert(amount: Decimal, currency: str) -> Decimal | None:
        if target is None or currency not in rates:
            return None
        return amount * rates[currency] / target

    for country, rate, currency, fte, start, end, savings, savings_currency in rows:
        spend = convert(rate * fte * HOURS_PER_FTE_MONTH * months_elapsed(start=start, end=end, today=today), currency)
        saved = convert(savings, savings_currency) if savings is not None else Decimal(0)
        if spend is None or saved is None:
            skipped += 1
            continue
        entry = by_country.setdefault(country, {"spend": Decimal(0), "savings": Decimal(0)})
        entry["spend"] += spend
        entry["savings"] += saved
    names = display_country_names()
    countries = [
        {
            "country": code,
            "name": names.get(code, code),
            "spend": values["spend"].quantize(Decimal("1")),
            "savings": values["savings"].quantize(Decimal("1")),
        }
        for code, values in by_country.items()
    ]
    countries.sort(key=lambda row: (-row["spend"], row["country"]))
    return {
        "currency": client.currency,
        "countries": countries,
        "total_spend": sum((row["spend"] for row in countries), Decimal(0)),
        "total_savings": sum((row["savings"] for row in countries), Decimal(0)),
        "skipped": skipped,
        "hours_per_month": HOURS_PER_FTE_MONTH,
    }
