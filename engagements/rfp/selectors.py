"""Requests for proposal: reads, each scoped to the caller's organization.

A client sees its own RFPs; before the bids open it sees who answered and who
declined (with the reason), never the content of a proposal. A vendor sees its
own invitations only: never another invitee, the client's budget or scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from engagements.access.visibility import proposals_visible_to, rfp_invitations_visible_to, rfps_visible_to
from engagements.matching.scoring import COMPONENTS, bid_scores, cost_score
from engagements.models import (
    EvaluationCriterion,
    InvitationStatus,
    MatchResult,
    Proposal,
    ProposalScore,
    ProposalStatus,
    Requirement,
    RequirementSkill,
    Rfp,
    RfpInvitation,
    RfpStatus,
)
from engagements.organizations.timezones import vendor_zones
from kpo.access import Caller
from kpo.models import User
from vendors.models import RateCard
from vendors.money import ExchangeTable, round_cents

# -- the client's side -----------------------------------------------------------------------


def rfp_queryset_for_client(*, caller: Caller) -> QuerySet[Rfp]:
    """The RFPs of the caller's client organization (none without one; a staff account with a
    client membership sees its organization's only, as the pages always did)."""
    return rfps_visible_to(caller).filter(client_id=caller.client_id).select_related("requirement")


def rfp_list_for_client(*, caller: Caller) -> QuerySet[Rfp]:
    return rfp_queryset_for_client(caller=caller).annotate(
        invited_count=Count("invitations", distinct=True),
        answered_count=Count("invitations", filter=~Q(invitations__status=InvitationStatus.INVITED), distinct=True),
    )


def rfp_list_for_requirement(*, requirement: Requirement) -> list[Rfp]:
    return list(
        Rfp.objects.filter(requirement=requirement).annotate(
            invited_count=Count("invitations", distinct=True),
            answered_count=Count("invitations", filter=~Q(invitations__status=InvitationStatus.INVITED), distinct=True),
        )
    )


@dataclass
class ProposalColumn:
    """One invitee in the side-by-side evaluation."""

    invitation: RfpInvitation
    proposal: Proposal | None
    components: dict[str, float]
    match_score: Decimal | None
    rate_converted: Decimal | None = None
    cost_converted: Decimal | None = None
    # The bid's conversion: the rate recorded when it was submitted (rates_recorded), else today's.
    exchange_rate: Decimal | None = None
    rates_as_of: datetime | None = None
    rates_recorded: bool = False
    # The vendor firm's zone (its main delivery centre's, else the platform's): the deadline
    # as the vendor reads it.
    vendor_zone: str = "UTC"
    # Scored on the bid (matching.scoring.bid_scores): its cost fit and the total with it.
    cost_fit: float | None = None
    bid_score: Decimal | None = None
    over_budget: bool = False
    # The vendor's rate card for the requirement's seniority, for reference beside the bid.
    card_rate: Decimal | None = None
    card_currency: str = ""
    card_rate_converted: Decimal | None = None
    my_scores: dict[int, ProposalScore] = field(default_factory=dict)
    my_weighted: Decimal | None = None
    panel_weighted: Decimal | None = None
    panel_size: int = 0
    can_see_panel: bool = False

    @property
    def is_evaluable(self) -> bool:
        return self.proposal is not None and self.proposal.status in (
            ProposalStatus.SUBMITTED,
            ProposalStatus.SHORTLISTED,
            ProposalStatus.AWARDED,
            ProposalStatus.REJECTED,
        )


def weighted_score(scores: dict[int, float], criteria: list[EvaluationCriterion]) -> Decimal | None:
    """Weighted mean of 1-5 scores as 0-100 (1 -> 0, 5 -> 100); None unless every criterion is scored."""
    if not criteria or any(c.pk not in scores for c in criteria):
        return None
    total_weight = sum(c.weight for c in criteria)
    mean = sum((Decimal(str(scores[c.pk])) * c.weight for c in criteria), Decimal(0)) / total_weight
    return ((mean - 1) * 25).quantize(Decimal("0.1"))


def rfp_evaluation(*, rfp: Rfp, evaluator: User) -> dict:
    """Everything the evaluation page shows, in a fixed number of queries.

    A bid is converted to the requirement's currency at the exchange rate recorded when it was
    submitted and scored on that price (cost fit and total, `_price_bid`); the vendor's rate
    card is shown beside it, at today's rates. Each evaluator scores alone: the panel's average of a
    proposal shows to an evaluator only once that evaluator has scored it
    on every criterion."""
    requirement = rfp.requirement
    criteria = list(rfp.criteria.all())
    unsealed = rfp.is_unsealed()
    invitations = list(
        RfpInvitation.objects.filter(rfp=rfp)
        .select_related("vendor", "match_result__run", "proposal")
        .order_by("match_result__rank", "id")
    )
    table = ExchangeTable.current()
    cards = {
        vendor_id: (rate, currency)
        for vendor_id, rate, currency in RateCard.objects.filter(
            vendor_id__in=[i.vendor_id for i in invitations], seniority=requirement.seniority
        ).values_list("vendor_id", "hourly_rate", "currency")
    }
    scores_by_proposal: dict[int, list[ProposalScore]] = {}
    if unsealed:
        for row in ProposalScore.objects.filter(proposal__invitation__rfp=rfp):
            scores_by_proposal.setdefault(row.proposal_id, []).append(row)
    zones = vendor_zones([i.vendor_id for i in invitations])
    columns = []
    for invitation in invitations:
        proposal = getattr(invitation, "proposal", None) if unsealed else None
        if proposal is not None and proposal.status == ProposalStatus.DRAFT:
            proposal = None  # a draft is the vendor's own until submitted
        result = invitation.match_result
        column = ProposalColumn(
            invitation=invitation,
            proposal=proposal,
            components=(result.components if result else {}),
            match_score=(result.score if result else None),
            vendor_zone=zones.get(invitation.vendor_id, settings.TIME_ZONE),
        )
        if proposal is not None:
            _price_bid(column, proposal, requirement, table, cards.get(invitation.vendor_id), result)
            rows = scores_by_proposal.get(proposal.pk, [])
            column.my_scores = {r.criterion_id: r for r in rows if r.evaluator_id == evaluator.pk}
            column.my_weighted = weighted_score({k: v.score for k, v in column.my_scores.items()}, criteria)
            column.can_see_panel = column.my_weighted is not None
            by_evaluator: dict[int, dict[int, float]] = {}
            for r in rows:
                by_evaluator.setdefault(r.evaluator_id, {})[r.criterion_id] = r.score
            complete = [s for s in (weighted_score(v, criteria) for v in by_evaluator.values()) if s is not None]
            column.panel_size = len(complete)
            if complete:
                column.panel_weighted = (sum(complete, Decimal(0)) / len(complete)).quantize(Decimal("0.1"))
        columns.append(column)
    proposals = [c for c in columns if c.proposal is not None]
    cheapest = min((c.cost_converted for c in proposals if c.cost_converted is not None), default=None)
    answered = sum(1 for i in invitations if i.status != InvitationStatus.INVITED)
    return {
        "rfp": rfp,
        "requirement": requirement,
        "criteria": criteria,
        "columns": columns,
        "unsealed": unsealed,
        "answered": answered,
        "invited": len(invitations),
        "cheapest_cost": cheapest,
        "components": COMPONENTS,
        "can_evaluate": unsealed and rfp.status == RfpStatus.OPEN,
        "now": timezone.now(),
    }


def _price_bid(
    column: ProposalColumn,
    proposal: Proposal,
    requirement: Requirement,
    table: ExchangeTable,
    card: tuple[Decimal, str] | None,
    result: MatchResult | None,
) -> None:
    """The bid in the requirement's currency at the rate recorded when it was submitted (today's
    for a proposal submitted before rates were recorded), scored on it; the rate card beside."""
    if proposal.exchange_rate is not None:
        column.exchange_rate, column.rates_as_of, column.rates_recorded = (
            proposal.exchange_rate,
            proposal.exchange_rates_as_of,
            True,
        )
    else:
        column.exchange_rate = table.factors_to(requirement.currency).get(proposal.currency)
        column.rates_as_of = table.as_of
    if column.exchange_rate is not None and proposal.hourly_rate is not None:
        column.rate_converted = round_cents(proposal.hourly_rate * column.exchange_rate)
        column.cost_converted = (column.rate_converted * requirement.estimated_hours).quantize(Decimal("1"))
        column.over_budget = column.rate_converted > requirement.budget_hourly_rate
    if card is not None:
        column.card_rate, column.card_currency = card
        column.card_rate_converted = table.convert(card[0], card[1], requirement.currency)
    weights = (result.run.parameters or {}).get("weights") if result is not None else None
    if column.rate_converted is not None:
        budget = float(requirement.budget_hourly_rate)
        if weights and all(key in column.components for key in COMPONENTS):
            fit, total = bid_scores(column.components, weights, rate=float(column.rate_converted), budget=budget)
            column.bid_score = Decimal(str(round(total, 2)))
        else:
            fit = cost_score(float(column.rate_converted), budget)
        column.cost_fit = round(fit, 2)


# -- the vendor's side -----------------------------------------------------------------------


def invitation_queryset_for_vendor(*, caller: Caller) -> QuerySet[RfpInvitation]:
    """The invitations of the caller's vendor firm (none without one; a staff account with a
    vendor membership sees its firm's only, as the pages always did)."""
    if caller.vendor_id is None:
        return RfpInvitation.objects.none()
    return (
        rfp_invitations_visible_to(caller)
        .filter(vendor_id=caller.vendor_id)
        .select_related("rfp__client", "rfp__requirement__domain", "proposal")
    )


def invitation_detail_queryset_for_vendor(*, caller: Caller) -> QuerySet[RfpInvitation]:
    return invitation_queryset_for_vendor(caller=caller).prefetch_related(
        Prefetch(
            "rfp__requirement__requirement_skills",
            queryset=RequirementSkill.objects.select_related("skill").order_by("-must_have", "skill__name"),
        )
    )


def _answerable(now) -> Q:
    return Q(rfp__status=RfpStatus.OPEN, rfp__opened_at__isnull=True, rfp__deadline__gt=now) & ~Q(
        status=InvitationStatus.DECLINED
    )


def open_invitations_for_vendor(*, caller: Caller) -> QuerySet[RfpInvitation]:
    """Invitations the vendor can still answer, soonest deadline first."""
    return (
        invitation_queryset_for_vendor(caller=caller)
        .filter(_answerable(timezone.now()))
        .order_by("rfp__deadline", "id")
    )


def invitation_list_for_vendor(*, caller: Caller, past_limit: int = 100) -> dict:
    """The vendor's invitations page: open ones and the latest others."""
    past = invitation_queryset_for_vendor(caller=caller).exclude(_answerable(timezone.now()))
    return {
        "open_invitations": list(open_invitations_for_vendor(caller=caller)),
        "past_invitations": list(past.order_by("-created_at", "-id")[:past_limit]),
    }


def proposal_list_for_vendor(*, caller: Caller) -> QuerySet[Proposal]:
    """The proposals of the caller's vendor firm (none without one), latest first."""
    if caller.vendor_id is None:
        return Proposal.objects.none()
    return (
        proposals_visible_to(caller)
        .filter(invitation__vendor_id=caller.vendor_id)
        .select_related("invitation__rfp__client")
        .order_by("-updated_at", "-id")
    )
