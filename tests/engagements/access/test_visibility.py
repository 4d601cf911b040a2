"""Every model of the demand side has a visibility rule (engagements/access/visibility.py),
and each rule shows a caller exactly the rows its organization or firm owns or is party to:
checked against an independent statement of each row's owners, on the demo data set with
match runs, webhooks, a team invitation and evaluator scores added."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from engagements.access.visibility import VISIBLE_TO
from engagements.demo import seed_demo
from engagements.demo.rfp import seed_demo_rfp
from engagements.matching import runs
from engagements.models import (
    ClientOrganization,
    Engagement,
    MatchRun,
    MatchRunChunk,
    Membership,
    Milestone,
    Proposal,
    ProposalScore,
    Requirement,
    Rfp,
    TeamInvitation,
    WebhookDelivery,
    WebhookEndpoint,
)
from kpo.access import Caller
from tests.factories import UserFactory

TODAY = date(2026, 11, 27)


def test_every_model_of_the_app_has_a_visibility_rule():
    models = set(apps.get_app_config("engagements").get_models())
    assert models == set(VISIBLE_TO)


def requirement_parties(requirement_id: int) -> set[tuple[str, int]]:
    vendors = set(Engagement.objects.filter(requirement_id=requirement_id).values_list("vendor_id", flat=True))
    vendors |= set(Rfp.objects.filter(requirement_id=requirement_id).values_list("invitations__vendor_id", flat=True))
    return {("vendor", vendor) for vendor in vendors if vendor}


def owners(row) -> set[tuple[str, int]]:
    """Who owns or is party to a row, written out model by model (not with the rules' paths)."""
    name = type(row).__name__
    if name == "ClientOrganization":
        vendors = set(row.engagements.values_list("vendor_id", flat=True))
        vendors |= set(Rfp.objects.filter(client=row).values_list("invitations__vendor_id", flat=True))
        return {("client", row.pk)} | {("vendor", vendor) for vendor in vendors if vendor}
    if name == "Membership":
        return {("client", row.client_id)} if row.client_id else {("vendor", row.vendor_id)}
    if name == "TeamInvitation":
        return {("vendor", row.vendor_id)}
    if name == "Requirement":
        return {("client", row.client_id)} | requirement_parties(row.pk)
    if name == "HistoricalRequirement":
        return {("client", row.client_id)}
    if name == "RequirementSkill":
        return {("client", row.requirement.client_id)} | requirement_parties(row.requirement_id)
    if name in {"MatchRun"}:
        return {("client", row.requirement.client_id)}
    if name in {"MatchRunChunk", "MatchResult"}:
        return {("client", row.run.requirement.client_id)}
    if name == "Engagement":
        return {("client", row.client_id), ("vendor", row.vendor_id)}
    if name in {"EngagementEvent", "Milestone", "HistoricalMilestone", "Review"}:
        return {("client", row.engagement.client_id), ("vendor", row.engagement.vendor_id)}
    if name == "WebhookEndpoint":
        return {("client", row.client_id)}
    if name == "WebhookDelivery":
        return {("client", row.endpoint.client_id)}
    if name == "Rfp":
        return {("client", row.client_id)} | {
            ("vendor", v) for v in row.invitations.values_list("vendor_id", flat=True)
        }
    if name == "EvaluationCriterion":
        return {("client", row.rfp.client_id)}
    if name == "RfpInvitation":
        return {("client", row.rfp.client_id), ("vendor", row.vendor_id)}
    if name == "Proposal":
        return {("client", row.invitation.rfp.client_id), ("vendor", row.invitation.vendor_id)}
    if name == "ProposalScore":
        return {("client", row.proposal.invitation.rfp.client_id)}
    raise AssertionError(f"no owners written out for {name}")


@pytest.fixture
def world(db, django_db_serialized_rollback):
    seed_demo(seed=5, vendors=150, today=TODAY)
    rfp = seed_demo_rfp(today=TODAY)
    assert rfp is not None
    for client in ClientOrganization.objects.all()[:2]:
        requirement = Requirement.objects.filter(client=client).first()
        run = MatchRun.objects.create(requirement=requirement)
        assert runs.match_run_execute(run_id=run.pk, task_id=f"visibility-{run.pk}") == "succeeded"
        MatchRunChunk.objects.create(run=run, index=0, lo_id=0, hi_id=10**9)  # as a fanned-out run keeps
        endpoint = WebhookEndpoint.objects.create(
            client=client, url="https://erp.example.com/hook", events=["engagement.updated"], secret="s" * 32
        )
        WebhookDelivery.objects.create(endpoint=endpoint, event="engagement.updated", payload={})
    proposal = Proposal.objects.filter(invitation__rfp=rfp).first()
    criterion = rfp.criteria.first()
    manager = Membership.objects.filter(client=rfp.client).first().user
    ProposalScore.objects.create(proposal=proposal, criterion=criterion, evaluator=manager, score=4)
    Milestone.objects.first().save()  # a history record (the seed writes milestones in bulk, without)
    vendor_admin = Membership.objects.filter(vendor__isnull=False).first()
    TeamInvitation.objects.create(
        vendor=vendor_admin.vendor,
        email="new@example.com",
        role="editor",
        token_hash="0" * 64,
        invited_by=vendor_admin.user,
        expires_at=timezone.now() + timedelta(days=3),
    )
    return rfp


def callers() -> list[tuple[str, Caller]]:
    found = [
        (f"member of {membership}", Caller.build(membership.user, membership))
        for membership in Membership.objects.select_related("user", "client", "vendor")
    ]
    found.append(("staff", Caller.build(UserFactory(is_staff=True), None)))
    found.append(("no organization", Caller.build(UserFactory(), None)))
    return found


def test_each_rule_shows_a_caller_exactly_what_it_owns_or_is_party_to(world):
    problems = []
    seen_by_someone = dict.fromkeys(VISIBLE_TO, False)
    for label, caller in callers():
        mine = set()
        if caller.client_id is not None:
            mine.add(("client", caller.client_id))
        if caller.vendor_id is not None:
            mine.add(("vendor", caller.vendor_id))
        for model, rule in VISIBLE_TO.items():
            everything = list(model._default_manager.all())
            visible = {row.pk for row in rule(caller)}
            if caller.is_staff:
                expected = {row.pk for row in everything}
            else:
                expected = {row.pk for row in everything if owners(row) & mine}
            if visible != expected:
                problems.append(f"{model.__name__} for {label}: {len(visible)} visible, {len(expected)} expected")
            if visible and not caller.is_staff:
                seen_by_someone[model] = True
    assert problems == []
    # Not vacuous: every model has rows that some non-staff caller sees.
    assert [model.__name__ for model, seen in seen_by_someone.items() if not seen] == []


def test_kpo_knows_the_vendor_roles_the_memberships_store():
    """kpo imports no app, so kpo.access repeats the vendor roles: they must stay the same."""
    from engagements.models import VENDOR_ROLES
    from kpo.access import VENDOR_MEMBER_ROLES

    assert set(VENDOR_ROLES) == VENDOR_MEMBER_ROLES
