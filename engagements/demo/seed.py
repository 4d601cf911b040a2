"""Deterministic demo data for KPO Match (`manage.py seed_demo`), from the data set in
data.json (dataset.py reads it).

Every vendor is generated from its own random stream (`seed`, index), so the
first N vendors are the same whatever `--vendors` says, and vendors are keyed
by slug: running the command again creates nothing that exists already. All
inserts are bulk inserts inside one transaction: an interrupted run leaves
nothing behind.

Rates follow geography and seniority: a senior hourly rate per delivery
country (USD), scaled by a seniority multiplier and a domain premium, then
quoted in the vendor's currency through the (demo) exchange rates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Avg, Count, Model
from django.utils import timezone

from engagements.demo.dataset import (
    CLIENTS,
    OPEN_REQUIREMENTS,
)
from engagements.demo.generator import DemoGenerator, VendorSpec
from engagements.matching.benchmark import BENCHMARK_NONE, benchmark_at_award
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    EngagementStatus,
    Membership,
    Milestone,
    MilestoneStatus,
    Requirement,
    RequirementSkill,
    RequirementStatus,
    Review,
    Role,
)
from kpo.change_seq import document_touch_deferred
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
from vendors.money import ExchangeTable
from vendors.search import write_documents

if TYPE_CHECKING:
    from kpo.models import User

DEMO_VENDOR_SLUG = "lumen-insight-partners"
DEMO_PASSWORD = "kpo-demo-2026"  # noqa: S105 - printed demo credential, demo data only


@dataclass
class SeedReport:
    vendors_created: int = 0
    vendors_existing: int = 0
    clients_created: int = 0
    users_created: int = 0
    requirements_created: int = 0
    engagements_created: int = 0
    reviews_created: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _batched(items: Iterator[VendorSpec], size: int) -> Iterator[list[VendorSpec]]:
    batch: list[VendorSpec] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _seed_clients(report: SeedReport) -> dict[str, ClientOrganization]:
    clients = {}
    for spec in CLIENTS:
        client, created = ClientOrganization.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "country": spec.country,
                "timezone": spec.timezone,
                "currency": spec.currency,
                "working_hours_start": spec.start,
                "working_hours_end": spec.end,
            },
        )
        report.clients_created += created
        clients[spec.slug] = client
    return clients


def _ensure_user(report: SeedReport, *, username: str, first: str, last: str, staff: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@kpo-match.example",
            "is_staff": staff,
            "is_superuser": staff,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        report.users_created += 1
    return user


def _seed_requirements(
    report: SeedReport, clients: dict[str, ClientOrganization], today: date, users: dict[str, User]
) -> None:
    domains = {d.code: d for d in ExpertiseArea.objects.all()}
    skills = {s.code: s for s in Skill.objects.all()}
    certs = {c.code: c for c in Certification.objects.all()}
    for (
        client_slug,
        title,
        domain,
        seniority,
        budget,
        hours,
        fte,
        confidentiality,
        method,
        req_skills,
        req_certs,
        languages,
        overlap,
    ) in OPEN_REQUIREMENTS:
        client = clients[client_slug]
        if Requirement.objects.filter(client=client, title=title).exists():
            continue
        requirement = Requirement.objects.create(
            client=client,
            created_by=users.get(client_slug),
            title=title,
            description=f"{title}. Scope agreed with the business; see the attached brief.",
            domain=domains[domain],
            seniority=seniority,
            budget_hourly_rate=Decimal(budget),
            currency=client.currency,
            estimated_hours=hours,
            fte_needed=Decimal(fte),
            start_date=today + timedelta(days=30),
            languages=languages,
            min_timezone_overlap_hours=Decimal(overlap),
            confidentiality=confidentiality,
            selection_method=method,
            status=RequirementStatus.OPEN,
        )
        RequirementSkill.objects.bulk_create(
            RequirementSkill(
                requirement=requirement,
                skill=skills[code],
                min_proficiency=minimum,
                weight=Decimal(weight),
                must_have=must,
            )
            for code, minimum, weight, must in req_skills
        )
        requirement.required_certifications.set([certs[c] for c in req_certs])
        report.requirements_created += 1


@contextmanager
def _dated(*models: type[Model]) -> Iterator[None]:
    """Lets the seed date its rows in the past: inside, `created_at` keeps the value given instead
    of the insert's moment (auto_now_add), so a programme completed two years ago reads as such."""
    stamps = [model._meta.get_field("created_at") for model in models]
    for stamp in stamps:
        stamp.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for stamp in stamps:
            stamp.auto_now_add = True  # type: ignore[union-attr]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


# Past programmes' requirements were written before the oldest engagement the generator makes
# (its start is at most 30 months and 120 days back).
PAST_REQUIREMENT_AGE = timedelta(days=1100)


def _past_requirement(client: ClientOrganization, domain: ExpertiseArea, cache: dict, today: date) -> Requirement:
    key = (client.pk, domain.pk)
    if key not in cache:
        with _dated(Requirement):
            cache[key], _ = Requirement.objects.get_or_create(
                client=client,
                title=f"{domain.name}: completed outsourcing programme",
                defaults={
                    "domain": domain,
                    "description": "Past work, kept for the engagement history and vendor reviews.",
                    "budget_hourly_rate": Decimal("80"),
                    "currency": client.currency,
                    "estimated_hours": 1000,
                    "fte_needed": Decimal("2"),
                    "status": RequirementStatus.CLOSED,
                    "created_at": _at(today - PAST_REQUIREMENT_AGE, 9),
                },
            )
    return cache[key]


def _insert_vendor_batch(specs: list[VendorSpec], *, lookups: dict, today: date, report: SeedReport) -> None:
    vendors = Vendor.objects.bulk_create(
        [
            Vendor(
                name=s.name,
                slug=s.slug,
                description=s.description,
                website=s.website,
                headquarters_country=s.hq,
                founded_year=s.founded,
                available_fte=s.available_fte,
                verified=s.verified,
                is_active=s.is_active,
            )
            for s in specs
        ]
    )
    domain_through = Vendor.domains.through
    domains, skills, certs = lookups["domains"], lookups["skills"], lookups["certs"]
    domain_rows, language_rows, skill_rows, rate_rows, center_rows, cert_rows = [], [], [], [], [], []
    for vendor, spec in zip(vendors, specs, strict=True):
        domain_rows += [domain_through(vendor_id=vendor.pk, expertisearea_id=domains[d]) for d in spec.domains]
        language_rows += [VendorLanguage(vendor_id=vendor.pk, code=code) for code in spec.languages]
        skill_rows += [
            VendorSkill(vendor_id=vendor.pk, skill_id=skills[c], proficiency=p, years_experience=y)
            for c, p, y in spec.skills
        ]
        rate_rows += [
            RateCard(vendor_id=vendor.pk, seniority=lvl, hourly_rate=r, currency=cur) for lvl, r, cur in spec.rates
        ]
        center_rows += [
            DeliveryCenter(vendor_id=vendor.pk, country=c, city=city, timezone=z, headcount=h)
            for c, city, z, h in spec.centers
        ]
        cert_rows += [
            VendorCertification(vendor_id=vendor.pk, certification_id=certs[c], valid_until=v)
            for c, v in spec.certifications
        ]
    # New vendors, numbered when inserted: their parts need not touch them again.
    with document_touch_deferred():
        domain_through.objects.bulk_create(domain_rows, batch_size=5000)
        VendorLanguage.objects.bulk_create(language_rows, batch_size=5000)
        VendorSkill.objects.bulk_create(skill_rows, batch_size=5000)
        RateCard.objects.bulk_create(rate_rows, batch_size=5000)
        DeliveryCenter.objects.bulk_create(center_rows, batch_size=5000)
        VendorCertification.objects.bulk_create(cert_rows, batch_size=5000)
    # Their documents were written at their INSERT, before these parts.
    write_documents([vendor.pk for vendor in vendors])
    _insert_history(vendors, specs, lookups=lookups, today=today, report=report)
    report.vendors_created += len(vendors)


def _insert_history(
    vendors: list[Vendor], specs: list[VendorSpec], *, lookups: dict, today: date, report: SeedReport
) -> None:
    """Completed engagements with reviews, spread over each client's past programmes."""
    clients, domain_objs, past_cache = lookups["clients"], lookups["domain_objs"], lookups["past_requirements"]
    pending: list[tuple[Engagement, int, int, str]] = []
    for vendor, spec in zip(vendors, specs, strict=True):
        if not spec.history:
            continue
        senior_rate = next((r for lvl, r, _cur in spec.rates if lvl == Seniority.SENIOR), spec.rates[0][1])
        currency = spec.rates[0][2]
        for client_slug, rating, months_ago, comment in spec.history:
            client = clients[client_slug]
            requirement = _past_requirement(client, domain_objs[spec.domains[0]], past_cache, today)
            start = today - timedelta(days=30 * months_ago + 120)
            engagement = Engagement(
                created_at=_at(start - timedelta(days=14), 9),  # proposed two weeks before the start
                requirement=requirement,
                client=client,
                vendor_id=vendor.pk,
                status=EngagementStatus.COMPLETED,
                agreed_rate=senior_rate,
                currency=currency,
                fte=Decimal("2"),
                start_date=start,
                end_date=start + timedelta(days=90),
            )
            pending.append((engagement, rating, vendor.pk, comment))
    if not pending:
        return
    with _dated(Engagement, EngagementEvent, Review):
        engagements = Engagement.objects.bulk_create([row[0] for row in pending], batch_size=5000)
        EngagementEvent.objects.bulk_create(
            [
                EngagementEvent(
                    engagement_id=e.pk,
                    kind=EngagementEvent.Kind.STATUS,
                    from_value=EngagementStatus.ACTIVE,
                    to_value=EngagementStatus.COMPLETED,
                    created_at=_at(e.end_date or e.start_date, 17),
                )
                for e in engagements
            ],
            batch_size=5000,
        )
        Review.objects.bulk_create(
            [
                Review(
                    engagement_id=e.pk,
                    vendor_id=vendor_id,
                    rating=rating,
                    comment=comment,
                    created_at=_at((e.end_date or e.start_date) + timedelta(days=10), 11),
                )
                for e, (_e, rating, vendor_id, comment) in zip(engagements, pending, strict=True)
            ],
            batch_size=5000,
        )
    lookups["rated_vendor_ids"].update(vendor_id for _e, _r, vendor_id, _c in pending)
    report.engagements_created += len(engagements)
    report.reviews_created += len(engagements)


def _refresh_ratings(vendor_ids: list[int]) -> None:
    for start in range(0, len(vendor_ids), 5000):
        chunk = vendor_ids[start : start + 5000]
        stats = (
            Review.objects.filter(vendor_id__in=chunk).values("vendor_id").annotate(avg=Avg("rating"), n=Count("id"))
        )
        updates = [
            Vendor(
                pk=row["vendor_id"], rating=Decimal(str(row["avg"])).quantize(Decimal("0.01")), review_count=row["n"]
            )
            for row in stats
        ]
        Vendor.objects.bulk_update(updates, ["rating", "review_count"], batch_size=2000)


def _record_initial_history(vendor: Vendor) -> None:
    """Creation records for the demo vendor's profile rows, which were bulk inserted
    without history: its first edit in the demo then reads "changed from old to new".
    Only the demo vendor, so seeding 100,000 vendors does not double its writes."""
    for model, rows in (
        (Vendor, [vendor]),
        (VendorSkill, list(VendorSkill.objects.filter(vendor=vendor))),
        (RateCard, list(RateCard.objects.filter(vendor=vendor))),
        (DeliveryCenter, list(DeliveryCenter.objects.filter(vendor=vendor))),
        (VendorCertification, list(VendorCertification.objects.filter(vendor=vendor))),
        (VendorLanguage, list(VendorLanguage.objects.filter(vendor=vendor))),
    ):
        history = model.history
        recorded = set(history.filter(id__in=[r.pk for r in rows]).values_list("id", flat=True))
        missing = [r for r in rows if r.pk not in recorded]
        if missing:
            history.bulk_history_create(missing, default_change_reason="demo data")


def _seed_live_engagements(
    report: SeedReport, clients: dict[str, ClientOrganization], demo_vendor: Vendor, today: date, manager
) -> None:
    """An active and a proposed engagement between the demo client and the demo vendor."""
    aurora = clients["banca-aurora"]
    for title, status in (
        ("IFRS 9 reporting and month-end close support", EngagementStatus.PROPOSED),
        ("Branch network Power BI dashboards", EngagementStatus.ACTIVE),
    ):
        requirement = Requirement.objects.filter(client=aurora, title=title).first()
        if requirement is None or Engagement.objects.filter(requirement=requirement, vendor=demo_vendor).exists():
            continue
        active = status == EngagementStatus.ACTIVE
        # The active one was proposed a week before it started, 45 days ago; the proposal is today's.
        proposed_at = _at(today - timedelta(days=52), 9) if active else timezone.now()
        with _dated(Engagement, EngagementEvent):
            engagement = Engagement.objects.create(
                created_at=proposed_at,
                requirement=requirement,
                client=aurora,
                vendor=demo_vendor,
                proposed_by=manager,
                status=status,
                agreed_rate=Decimal("38.00"),
                currency="EUR",
                fte=Decimal("2"),
                start_date=today + timedelta(days=14)
                if status == EngagementStatus.PROPOSED
                else today - timedelta(days=45),
            )
            EngagementEvent.objects.create(
                engagement=engagement,
                kind=EngagementEvent.Kind.STATUS,
                to_value=EngagementStatus.PROPOSED,
                actor=manager,
                created_at=proposed_at,
            )
            if status == EngagementStatus.ACTIVE:
                EngagementEvent.objects.create(
                    engagement=engagement,
                    kind=EngagementEvent.Kind.STATUS,
                    from_value=EngagementStatus.PROPOSED,
                    to_value=EngagementStatus.ACTIVE,
                    created_at=_at(today - timedelta(days=45), 9),
                )
                Milestone.objects.bulk_create(
                    [
                        Milestone(
                            engagement=engagement,
                            title="Data model and KPI catalogue",
                            due_date=today - timedelta(days=20),
                            status=MilestoneStatus.ACCEPTED,
                        ),
                        Milestone(
                            engagement=engagement, title="First dashboard release", due_date=today + timedelta(days=10)
                        ),
                    ]
                )
        report.engagements_created += 1


def _record_award_benchmarks() -> None:
    """The onshore benchmark of each seeded engagement, as awarding it records it (the seed writes
    engagements directly): one benchmark per requirement, converted into each engagement's currency."""
    table = ExchangeTable.current()
    pending = Engagement.objects.filter(benchmark_basis__isnull=True).select_related("requirement__client")
    by_requirement: dict[int, list[Engagement]] = {}
    for engagement in pending:
        by_requirement.setdefault(engagement.requirement_id, []).append(engagement)
    changed = []
    for engagements in by_requirement.values():
        requirement = engagements[0].requirement
        rate, basis, size = benchmark_at_award(requirement, requirement.currency)
        for engagement in engagements:
            converted = table.convert(rate, requirement.currency, engagement.currency) if rate is not None else None
            engagement.benchmark_rate = converted
            engagement.benchmark_basis = basis if rate is None or converted is not None else BENCHMARK_NONE
            engagement.benchmark_size = size
            changed.append(engagement)
    Engagement.objects.bulk_update(changed, ["benchmark_rate", "benchmark_basis", "benchmark_size"], batch_size=2000)


def seed_demo(
    *,
    seed: int = 42,
    vendors: int = 300,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> SeedReport:
    """Create the demo data set. Idempotent: existing rows (by natural key) are kept as they are."""
    today = today or date.today()
    report = SeedReport()
    with transaction.atomic():
        clients = _seed_clients(report)
        manager_users = {}
        for spec in CLIENTS:
            user = _ensure_user(report, username=spec.manager, first=spec.manager_name[0], last=spec.manager_name[1])
            Membership.objects.get_or_create(user=user, defaults={"client": clients[spec.slug], "role": Role.MANAGER})
            manager_users[spec.slug] = user
        staff = _ensure_user(report, username="staff", first="Sam", last="Operator", staff=True)
        _seed_requirements(report, clients, today, manager_users)

        skills_by_domain: dict[str, list[str]] = {}
        for code, domain_code in (
            Skill.objects.filter(is_active=True).order_by("code").values_list("code", "domain__code")
        ):
            skills_by_domain.setdefault(domain_code, []).append(code)
        rates_to_usd = dict(ExchangeTable.current().rates)
        generator = DemoGenerator(seed=seed, today=today, skills_by_domain=skills_by_domain, rates_to_usd=rates_to_usd)
        lookups: dict[str, Any] = {
            "domains": dict(ExpertiseArea.objects.values_list("code", "id")),
            "domain_objs": {d.code: d for d in ExpertiseArea.objects.all()},
            "skills": dict(Skill.objects.values_list("code", "id")),
            "certs": dict(Certification.objects.values_list("code", "id")),
            "clients": clients,
            "past_requirements": {},
            "rated_vendor_ids": set(),
        }
        existing = set(Vendor.objects.values_list("slug", flat=True))
        for batch in _batched(generator.vendors(vendors), batch_size):
            new = [s for s in batch if s.slug not in existing]
            report.vendors_existing += len(batch) - len(new)
            if new:
                _insert_vendor_batch(new, lookups=lookups, today=today, report=report)
            if progress:
                progress(len(batch))
        _refresh_ratings(sorted(lookups["rated_vendor_ids"]))

        demo_vendor = Vendor.objects.filter(slug=DEMO_VENDOR_SLUG).first()
        if demo_vendor is not None:
            vendor_user = _ensure_user(report, username="vendor", first="Priya", last="Raman")
            Membership.objects.get_or_create(user=vendor_user, defaults={"vendor": demo_vendor, "role": Role.ADMIN})
            _record_initial_history(demo_vendor)
            _seed_live_engagements(report, clients, demo_vendor, today, manager_users["banca-aurora"])
        _record_award_benchmarks()

    report.logins = [
        ("procurement manager (Banca Aurora, Italy, EUR)", "manager", DEMO_PASSWORD),
        ("vendor member (admin of Lumen Insight Partners)", "vendor", DEMO_PASSWORD),
        ("staff (platform operator, Django admin)", staff.username, DEMO_PASSWORD),
    ]
    return report
