"""Reads of engagements, milestones and spend. Every queryset here is scoped to its caller."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext

from engagements.access.visibility import engagements_visible_to
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Membership,
    Milestone,
    MilestoneParty,
    MilestoneStatus,
)
from kpo.access import Caller
from kpo.codes import display_country_names
from kpo.zones import zoned_text
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
        .select_related("vendor", "requirement__domain", "match_result__run", "review__author", "proposed_by")
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
    """Spend and savings of the client's active and completed engagements, in the client's
    currency: by the vendor's headquarters country, and the savings by domain and by quarter.

    spend    = agreed rate x FTE x 160 h per month x months elapsed (start to end, or to today)
    realised = (onshore benchmark at award - agreed rate) x FTE x 160 h x months elapsed: what
               the hours worked so far saved against the onshore market when it was awarded,
               split by the calendar quarter the hours fall in
    promised = (onshore benchmark at award - agreed rate) x the requirement's estimated hours,
               in the quarter the engagement starts
    An engagement without a benchmark at award (too few onshore rates then) saves nothing and is
    counted. Amounts are converted with vendors.money.ExchangeTable (currency -> client
    currency); an amount in a currency without a rate is left out and counted."""
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
            "benchmark_rate",
            "requirement__estimated_hours",
            "requirement__domain__name",
        )
    )
    table = ExchangeTable.current()
    by_country: dict[str, dict[str, Decimal]] = {}
    by_domain: dict[str, dict[str, Decimal]] = {}
    by_quarter: dict[tuple[int, int], dict[str, Decimal]] = {}
    skipped = without_benchmark = 0

    def convert(amount: Decimal, currency: str) -> Decimal | None:
        # Summed per country and rounded once by the page, so converted exactly here. A
        # client currency without a rate converts nothing, not even its own amounts.
        if not table.can_convert(client.currency):
            return None
        return table.convert_exact(amount, currency, client.currency)

    def add(bucket: dict, key, measured: bool, **amounts: Decimal) -> None:
        entry = bucket.setdefault(
            key, {"spend": Decimal(0), "realised": Decimal(0), "promised": Decimal(0), "measured": Decimal(0)}
        )
        entry["measured"] += measured  # engagements with a benchmark: without any, the row has no saving to show
        for name, amount in amounts.items():
            entry[name] += amount

    for country, rate, currency, fte, start, end, benchmark, hours, domain in rows:
        spend = convert(rate * fte * HOURS_PER_FTE_MONTH * months_elapsed(start=start, end=end, today=today), currency)
        unit = convert(benchmark - rate, currency) if benchmark is not None else Decimal(0)
        if spend is None or unit is None:
            skipped += 1
            continue
        without_benchmark += benchmark is None
        realised = unit * fte * HOURS_PER_FTE_MONTH * months_elapsed(start=start, end=end, today=today)
        promised = unit * Decimal(hours)
        measured = benchmark is not None
        add(by_country, country, measured, spend=spend, realised=realised)
        add(by_domain, domain, measured, realised=realised, promised=promised)
        add(by_quarter, _quarter(start), measured, promised=promised)
        for quarter, months in _months_by_quarter(start=start, end=end, today=today):
            add(by_quarter, quarter, measured, realised=unit * fte * HOURS_PER_FTE_MONTH * months)
    names = display_country_names()
    whole = Decimal("1")
    countries: list[dict[str, Any]] = [
        {
            "country": code,
            "name": names.get(code, code),
            "spend": values["spend"].quantize(whole),
            "savings": values["realised"].quantize(whole),
        }
        for code, values in by_country.items()
    ]
    countries.sort(key=lambda row: (-row["spend"], row["country"]))
    domains: list[dict[str, Any]] = sorted(
        (
            {
                "name": name,
                "realised": v["realised"].quantize(whole),
                "promised": v["promised"].quantize(whole),
                "measured": int(v["measured"]),
            }
            for name, v in by_domain.items()
        ),
        key=lambda row: (-row["promised"], row["name"]),
    )
    quarters: list[dict[str, Any]] = [
        {
            "label": f"{year} Q{number}",
            "realised": v["realised"].quantize(whole),
            "promised": v["promised"].quantize(whole),
            "measured": int(v["measured"]),
        }
        for (year, number), v in sorted(by_quarter.items())
    ]
    return {
        "currency": client.currency,
        "countries": countries,
        "domains": domains,
        "quarters": quarters,
        "total_spend": sum((row["spend"] for row in countries), Decimal(0)),
        "total_savings": sum((row["savings"] for row in countries), Decimal(0)),
        "total_promised": sum((row["promised"] for row in domains), Decimal(0)),
        "skipped": skipped,
        "without_benchmark": without_benchmark,
        "hours_per_month": HOURS_PER_FTE_MONTH,
    }


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _months_by_quarter(*, start: date, end: date | None, today: date) -> list[tuple[tuple[int, int], Decimal]]:
    """The months of work from `start` to the end (or today, if sooner), split by calendar quarter."""
    stop = min(end or today, today)
    parts = []
    cursor = start
    while cursor < stop:
        year, number = _quarter(cursor)
        next_quarter = date(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1)
        until = min(stop, next_quarter)
        parts.append(((year, number), Decimal((until - cursor).days) / DAYS_PER_MONTH))
        cursor = until
    return parts


# -- milestones: changes after confirmation ---------------------------------------------------

# The fields of a milestone whose change after its confirmation is shown to both sides (the
# due date and the delivery time decide whether it was on time).
WATCHED_MILESTONE_FIELDS = ("title", "description", "due_date", "delivered_at", "status")


@dataclass(frozen=True)
class MilestoneChange:
    field: str
    old: Any
    new: Any
    at: datetime
    by: str  # "vendor", "client", "staff" or "system": the side, never a person's name

    @property
    def field_label(self) -> str:
        labels = {
            "title": gettext("Title"),
            "description": gettext("Description"),
            "due_date": gettext("Due date"),
            "delivered_at": gettext("Delivered"),
            "status": gettext("Status"),
        }
        return labels.get(self.field, self.field)

    @property
    def by_label(self) -> str:
        if self.by in MilestoneParty.values:
            return str(MilestoneParty(self.by).label)
        return gettext("the system")

    def display(self, value: Any) -> str:
        if value is None or value == "":
            return "–"
        if self.field == "status":
            return str(MilestoneStatus(value).label)
        if isinstance(value, datetime):
            return zoned_text(value)
        if isinstance(value, date):
            return formats.date_format(value, "DATE_FORMAT")
        return str(value)

    @property
    def old_display(self) -> str:
        return self.display(self.old)

    @property
    def new_display(self) -> str:
        return self.display(self.new)


def milestones_for_page(engagement: Engagement) -> list[Milestone]:
    """The engagement's milestones by due date, each with `changes_after_acceptance`."""
    milestones = list(engagement.milestones.all())
    changes = milestone_changes_after_acceptance(milestones)
    for milestone in milestones:
        milestone.changes_after_acceptance = changes.get(milestone.pk, [])  # type: ignore[attr-defined]
    return milestones


def milestone_changes_after_acceptance(milestones: list[Milestone]) -> dict[int, list[MilestoneChange]]:
    """For each accepted milestone, the changes made to it after it was confirmed, oldest first
    (in two queries: the milestones' history records, the memberships of who made them)."""
    ids = [m.pk for m in milestones if m.accepted_at is not None]
    if not ids:
        return {}
    records = list(Milestone.history.filter(id__in=ids).order_by("id", "history_date", "history_id"))
    users = {r.history_user_id for r in records if r.history_user_id is not None}
    sides = _sides_of_users(users, {m.pk: m.engagement_id for m in milestones})
    changes: dict[int, list[MilestoneChange]] = {}
    previous = None
    confirmed = False
    for record in records:
        if previous is None or previous.id != record.id:
            previous, confirmed = record, record.status == MilestoneStatus.ACCEPTED
            continue
        if confirmed:
            for field in WATCHED_MILESTONE_FIELDS:
                old, new = getattr(previous, field), getattr(record, field)
                if _seconds(old) != _seconds(new):  # a form round-trip drops the microseconds only
                    changes.setdefault(record.id, []).append(
                        MilestoneChange(
                            field=field,
                            old=old,
                            new=new,
                            at=record.history_date,
                            by=sides.get((record.history_user_id, record.id), "system"),
                        )
                    )
        confirmed = confirmed or record.status == MilestoneStatus.ACCEPTED
        previous = record
    return changes


def _seconds(value: Any) -> Any:
    return value.replace(microsecond=0) if isinstance(value, datetime) else value


def _sides_of_users(users: set[int], engagement_of: dict[int, int]) -> dict[tuple[int, int], str]:
    """(user id, milestone id) -> the side the user took on that milestone's engagement."""
    if not users:
        return {}
    engagements = {
        e.pk: e for e in Engagement.objects.filter(pk__in=set(engagement_of.values())).only("vendor_id", "client_id")
    }
    memberships = {m.user_id: m for m in Membership.objects.filter(user_id__in=users).select_related("user")}
    sides = {}
    for milestone_id, engagement_id in engagement_of.items():
        engagement = engagements.get(engagement_id)
        for user_id in users:
            membership = memberships.get(user_id)
            if engagement is not None and membership is not None and membership.vendor_id == engagement.vendor_id:
                sides[(user_id, milestone_id)] = "vendor"
            elif engagement is not None and membership is not None and membership.client_id == engagement.client_id:
                sides[(user_id, milestone_id)] = "client"
            else:
                sides[(user_id, milestone_id)] = "staff"
    return sides
