"""Builders shared by the procurement manager's page tests (plain functions, not
fixtures, so each test module shows which fixtures it uses)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from engagements.demo import seed_demo
from engagements.matching import runs
from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    MatchResult,
    MatchRun,
    Membership,
    Requirement,
    RequirementSkill,
)
from tests.factories import RequirementFactory, RequirementSkillFactory, VendorFactory
from vendors.models import ExpertiseArea, Skill, Vendor

DEMO_TODAY = date(2026, 11, 27)


def requirement_for(user, **kwargs) -> Requirement:
    """A matchable requirement of the user's organization."""
    requirement = RequirementFactory(client=user.membership.client, **kwargs)
    RequirementSkillFactory(requirement=requirement)
    return requirement


WEIGHTS = {"expertise": 0.35, "cost": 0.25, "location": 0.15, "quality": 0.15, "capacity": 0.1}


def succeeded_run(requirement: Requirement, *, vendors: list[Vendor] | None = None, count: int = 3) -> MatchRun:
    """A finished run with one result per vendor, written directly (no scoring):
    fast rows for scoping, escaping and query-count tests."""
    vendors = vendors if vendors is not None else [VendorFactory() for _ in range(count)]
    run = MatchRun.objects.create(
        requirement=requirement,
        status="succeeded",
        progress=100,
        candidates_total=len(vendors) + 2,
        candidates_eligible=len(vendors),
        exclusions={"domain_not_covered": 2},
        parameters={"method": "balanced", "currency": requirement.currency, "weights": dict(WEIGHTS)},
        summary=f"{len(vendors)} of {len(vendors) + 2} active vendors qualified. The best {len(vendors)} are ranked.",
        finished_at=timezone.now(),
    )
    skill = {
        "skill": "financial-reporting",
        "proficiency": 4,
        "years_experience": 5,
        "min_proficiency": 3,
        "must_have": False,
    }
    flags = [
        {"code": "quality", "message": "Little evidence of quality: 0 reviews.", "review_count": 0, "verified": False}
    ]
    for rank, vendor in enumerate(vendors, start=1):
        components = {
            "expertise": 80.0 - rank,
            "cost": 60.0 + rank,
            "location": 90.0,
            "quality": 70.0,
            "capacity": 100.0,
        }
        MatchResult.objects.create(
            run=run,
            vendor=vendor,
            rank=rank,
            score=Decimal(str(80 - rank)),
            components=components,
            matched_skills=[skill],
            missing_skills=[],
            flags=flags,
            currency=requirement.currency,
            estimated_cost=Decimal(1000 * rank),
            estimated_savings=None,
            # The shape Scorer.explain stores (tests/contract.py checks answers against it).
            explanation={
                "components": components,
                "weights": dict(WEIGHTS),
                "matched_skills": [skill],
                "missing_skills": [],
                "hourly_rate": 30.0 + rank,
                "rate_estimated": False,
                "estimated_cost": float(1000 * rank),
                "estimated_savings": None,
                "benchmark_rate": None,
                "savings_note": "No onshore vendor in the pool quotes this domain and seniority.",
                "site": {"country": "IN", "city": "Pune", "location_class": "offshore", "overlap_hours": 4.5},
                "shared_languages": ["en"],
                "bayesian_rating": 3.0,
                "milestones_accepted": 0,
                "milestones_on_time": 0,
                "on_time_share": 0.0,
                "domain_engagements": 0,
                "flags": flags,
            },
        )
    return run


def demo_pool(*, vendors: int = 60, seed: int = 5) -> Requirement:
    """Demo vendors and a loose data-analytics requirement of Banca Aurora most of them meet."""
    seed_demo(seed=seed, vendors=vendors, today=DEMO_TODAY)
    client = ClientOrganization.objects.get(slug="banca-aurora")
    domain = ExpertiseArea.objects.get(code="data_analytics")
    for vendor in Vendor.objects.exclude(domains=domain):
        vendor.domains.add(domain)
    requirement = Requirement.objects.create(
        client=client,
        title="Analytics pool",
        domain=domain,
        budget_hourly_rate=Decimal("50"),
        currency="EUR",
        estimated_hours=500,
        fte_needed=Decimal("1"),
        start_date=date(2026, 12, 7),
    )
    RequirementSkill.objects.create(requirement=requirement, skill=Skill.objects.get(code="sql"), min_proficiency=2)
    RequirementSkill.objects.create(requirement=requirement, skill=Skill.objects.get(code="bi-dashboards"), weight=2)
    return requirement


def manager_of(requirement: Requirement):
    return Membership.objects.filter(client=requirement.client).select_related("user").first().user


def executed_run(requirement: Requirement, *, user=None) -> MatchRun:
    """A run scored in the test's own thread (no broker)."""
    run = MatchRun.objects.create(requirement=requirement, requested_by=user)
    assert runs.match_run_execute(run_id=run.pk, task_id=f"test-{run.pk}") == "succeeded"
    run.refresh_from_db()
    return run


def engagement_for(result: MatchResult, *, status: str = "proposed", **kwargs) -> Engagement:
    requirement = result.run.requirement
    engagement = Engagement.objects.create(
        requirement=requirement,
        client=requirement.client,
        vendor=result.vendor,
        match_result=result,
        status=status,
        agreed_rate=kwargs.pop("agreed_rate", Decimal("30.00")),
        currency=kwargs.pop("currency", requirement.currency),
        fte=kwargs.pop("fte", Decimal("2.0")),
        start_date=kwargs.pop("start_date", date(2026, 10, 1)),
        **kwargs,
    )
    EngagementEvent.objects.create(engagement=engagement, kind="status", to_value="proposed")
    return engagement
