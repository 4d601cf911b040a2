"""A live request for proposal in the demo data, so a newcomer sees the feature
at once: Banca Aurora invites the best four vendors for a second wave of its
branch dashboards; one rival has already submitted (sealed), and the demo
vendor (Lumen Insight Partners) has an open invitation to answer.

Separate from `seed_demo` (which the tests use with fixed counts): the
`seed_demo` command calls it after the rest. Idempotent by the RFP's title."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from engagements.demo.seed import DEMO_VENDOR_SLUG
from engagements.matching import runs
from engagements.models import MatchRun, MatchRunStatus, Membership, Requirement, RequirementSkill, Rfp
from engagements.rfp import proposals as rfp_proposals
from engagements.rfp import services as rfp_services

SOURCE_TITLE = "Branch network Power BI dashboards"
RFP_REQUIREMENT_TITLE = "Branch analytics: second wave"
RFP_TITLE = "Branch analytics: second wave (2027)"
INVITEES = 4


@transaction.atomic
def seed_demo_rfp(*, today: date | None = None) -> Rfp | None:
    """Create the demo RFP; None when it exists or the demo data lacks its pieces."""
    today = today or timezone.localdate()
    if Rfp.objects.filter(title=RFP_TITLE).exists():
        return None
    source = Requirement.objects.filter(title=SOURCE_TITLE, client__slug="banca-aurora").first()
    if source is None:
        return None
    requirement = Requirement.objects.filter(client=source.client, title=RFP_REQUIREMENT_TITLE).first()
    if requirement is None:
        skills = list(source.requirement_skills.all())
        certifications = list(source.required_certifications.all())
        requirement = source
        requirement.pk = None
        requirement._state.adding = True
        requirement.change_seq = 0  # a new row: the database numbers it (SQLite checks uniqueness first)
        requirement.title = RFP_REQUIREMENT_TITLE
        requirement.description = (
            "Extend the branch dashboards to the 120 branches of the North-East region: data model, "
            "weekly refresh and training for the regional controllers."
        )
        requirement.start_date = today + timedelta(days=45)
        requirement.save()
        RequirementSkill.objects.bulk_create(
            RequirementSkill(
                requirement=requirement,
                skill_id=row.skill_id,
                min_proficiency=row.min_proficiency,
                weight=row.weight,
                must_have=row.must_have,
            )
            for row in skills
        )
        requirement.required_certifications.set(certifications)
    manager = Membership.objects.filter(client=requirement.client).select_related("user").first()
    run = MatchRun.objects.create(requirement=requirement, requested_by=manager.user if manager else None)
    runs.match_run_execute(run_id=run.pk, task_id=f"demo-rfp-{run.pk}")
    run.refresh_from_db()
    if run.status != MatchRunStatus.SUCCEEDED:
        return None
    results = list(run.results.select_related("vendor").order_by("rank")[:INVITEES])
    vendor_ids = [r.vendor_id for r in results]
    demo_vendor = run.results.filter(vendor__slug=DEMO_VENDOR_SLUG).values_list("vendor_id", flat=True).first()
    if demo_vendor is not None and demo_vendor not in vendor_ids:
        vendor_ids[-1] = demo_vendor
    rfp = rfp_services.rfp_create(
        run=run,
        vendor_ids=vendor_ids,
        deadline=timezone.now() + timedelta(days=5),
        created_by=manager.user if manager else None,
        title=RFP_TITLE,
        instructions="Quote a blended hourly rate for the whole team. Name the lead analyst.",
        questions=[
            "Who would lead the team, and what have they delivered in banking?",
            "How do you keep branch-level data confidential?",
        ],
    )
    rival = rfp.invitations.exclude(vendor__slug=DEMO_VENDOR_SLUG).order_by("match_result__rank").first()
    if rival is not None:
        rfp_proposals.proposal_save(
            invitation=rival,
            data=rfp_proposals.ProposalInput(
                hourly_rate=Decimal("36.00"),
                currency=requirement.currency,
                fte=requirement.fte_needed,
                start_date=requirement.start_date,
                approach="A lead analyst and two BI developers; fortnightly releases; training in Italian.",
                answers=[
                    "Our lead has built branch dashboards for two regional banks.",
                    "ISO 27001 controls; data stays in the client's tenant.",
                ],
            ),
            actor=None,
            submit=True,
        )
    return rfp
