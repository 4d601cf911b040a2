"""Reads of engagements, milestones and spend. Every queryset here is scoped to its caller."""

from datetime import date
from decimal import Decimal, localcontext
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from engagements.access.visibility import engagements_visible_to
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Milestone,
)
from kpo.access import Caller
from kpo.codes import display_country_names
from vendors.money import ExchangeTable

VENDOR_STATUS_ORDER = (
    EngagementStatus.PROPOSED,
    EngagementStatus.ACTIVE,
    EngagementStatus.COMPLETED,
    EngagementStatus.DECLINED,
    EngagementStatus.CANCELLED,
)


def engagement_list_for_client(*, caller: Caller) -> QuerySet[Engagement]:
    """The engagements of the caller's client organization (none without one; a staff account
    with a client membership sees its organization's only, as a member does)."""
    return engagements_visible_to(caller).filter(client_id=caller.client_id).select_related("vendor", "requirement")


def _vendor_engagements(caller: Caller) -> QuerySet[Engagement]:
    """The engagements of the caller's vendor firm (none without one; a staff account with a
    vendor membership sees its firm's only, as the pages always did)."""
    if caller.vendor_id is None:
        return Engagement.objects.none()
    return engagements_visible_to(caller).filter(vendor_id=caller.vendor_id)


def engagement_list_for_vendor(*, caller: Caller) -> QuerySet[Engagement]:
    return _vendor_engagements(caller).select_related("client", "requirement")


def engagement_list_page_for_vendor(*, caller: Caller) -> QuerySet[Engagement]:
    """The vendor's engagements, proposed first: what the vendor may see of the
    client is its name and the requirement's title (nothing else is selected)."""
    order = Case(
        *(When(status=value, then=Value(index)) for index, value in enumerate(VENDOR_STATUS_ORDER)),
        default=Value(len(VENDOR_STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return (
        engagement_list_for_vendor(caller=caller)
        .annotate(status_order=order)
        .order_by("status_order", "-created_at", "-id")
    )


def engagement_detail_queryset_for_vendor(*, caller: Caller) -> QuerySet[Engagement]:
    return (
        _vendor_engagements(caller)
        .select_related("client", "requirement__domain")
        .prefetch_related(
            Prefetch("events", queryset=EngagementEvent.objects.select_related("actor").order_by("created_at", "id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
        )
    )


def engagement_list_page(*, caller: Caller, status: str | None = None) -> QuerySet[Engagement]:
    queryset = engagement_list_for_client(caller=caller).order_by("-created_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def engagement_status_counts(*, caller: Caller) -> dict[str, int]:
    return dict(
        engagements_visible_to(caller)
        .filter(client_id=caller.client_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def engagement_detail_queryset(*, caller: Caller) -> QuerySet[Engagement]:
    """A client's engagement pages: the caller's organization's engagements (a staff account
    with a client membership sees its organization's only, as the pages always did)."""
    return (
        engagements_visible_to(caller)
        .filter(client_id=caller.client_id)
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
    """client_spend_by_country, computed with 60 significant digits: a spend within
    kpo.bounds (rate x FTE x hours x months, converted) can exceed Decimal's default 28,
    and rounding it to a whole unit must not fail."""
    with localcontext() as context:
        context.prec = 60
        return _spend_by_country(client=client, today=today)


def _spend_by_country(*, client: ClientOrganization, today: date | None = None) -> dict:
    """Spend and estimated savings of the client's active and completed
    engagements, by the vendor's headquarters country, in the client's currency.

    spend   = agreed rate x FTE x 160 h per month x months elapsed
    savings = the estimated saving of the shortlist entry the engagement was
              proposed from (onshore benchmark - vendor rate) x estimated hours
    Amounts are converted with vendors.money.ExchangeTable (currency -> client currency);
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
    table = ExchangeTable.current()
    by_country: dict[str, dict[str, Decimal]] = {}
    skipped = 0

    def convert(amount: Decimal, currency: str) -> Decimal | None:
        # Summed per country and rounded once by the page, so converted exactly here. A
        # client currency without a rate converts nothing, not even its own amounts.
        if not table.can_convert(client.currency):
            return None
        return table.convert_exact(amount, currency, client.currency)

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
    countries: list[dict[str, Any]] = [
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
