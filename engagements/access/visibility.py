"""What each caller may see, for every model of the demand side, and what they may change:
one rule per model, in one place. Staff see everything; a client organization's managers see their organization's rows;
a vendor firm's admins and editors see what their firm is party to (its engagements, its
invitations and proposals, the requirements and clients behind them, its own team); anyone
else sees nothing. Selectors start from these querysets and add their own filters, joins
and orderings; a row outside a caller's rule is a 404 everywhere.

tests/engagements/access/test_visibility.py walks every model of the app and checks each
rule against an independent statement of who owns each row.

Changing is narrower than seeing, and each `*_editable_by(caller)` has a Python twin,
`editable(caller, row)`, for a row already loaded (a write on a row the caller may see but
not change is a 403, a row they may not see a 404). Both read the same `EditRule`, and
tests/engagements/access/test_editability.py checks that they agree on every row."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from engagements.models import (
    ClientOrganization,
    Engagement,
    EngagementEvent,
    EvaluationCriterion,
    MatchResult,
    MatchRun,
    MatchRunChunk,
    Membership,
    Milestone,
    Proposal,
    ProposalScore,
    Requirement,
    RequirementSkill,
    Review,
    Rfp,
    RfpInvitation,
    TeamInvitation,
    WebhookDelivery,
    WebhookEndpoint,
)
from kpo.access import Caller


def _scoped(queryset: QuerySet, caller: Caller, *, client: str | None, vendor: str | Q | None) -> QuerySet:
    """Staff: all; a client manager: rows whose `client` path is theirs; a vendor member:
    rows whose `vendor` path is theirs. A Q (a path through a many-valued relation) also
    makes the rows distinct; a plain path keeps the queryset lockable (SELECT ... FOR UPDATE
    allows no DISTINCT). Anyone else: none."""
    if caller.is_staff:
        return queryset
    if caller.client_id is not None and client is not None:
        return queryset.filter(**{client: caller.client_id})
    if caller.vendor_id is not None and vendor is not None:
        if isinstance(vendor, Q):
            return queryset.filter(vendor).distinct()
        return queryset.filter(**{vendor: caller.vendor_id})
    return queryset.none()


def _party(prefix: str, caller: Caller) -> Q:
    """A requirement (at `prefix`) the vendor takes part in: an engagement or an invitation."""
    return Q(**{f"{prefix}engagements__vendor_id": caller.vendor_id}) | Q(
        **{f"{prefix}rfps__invitations__vendor_id": caller.vendor_id}
    )


def client_organizations_visible_to(caller: Caller) -> QuerySet[ClientOrganization]:
    vendor = None
    if caller.vendor_id is not None:
        vendor = Q(engagements__vendor_id=caller.vendor_id) | Q(rfps__invitations__vendor_id=caller.vendor_id)
    return _scoped(ClientOrganization.objects.all(), caller, client="pk", vendor=vendor)


def memberships_visible_to(caller: Caller) -> QuerySet[Membership]:
    return _scoped(Membership.objects.all(), caller, client="client_id", vendor="vendor_id")


def team_invitations_visible_to(caller: Caller) -> QuerySet[TeamInvitation]:
    return _scoped(TeamInvitation.objects.all(), caller, client=None, vendor="vendor_id")


def requirements_visible_to(caller: Caller) -> QuerySet[Requirement]:
    vendor = _party("", caller) if caller.vendor_id is not None else None
    return _scoped(Requirement.objects.all(), caller, client="client_id", vendor=vendor)


def requirement_history_visible_to(caller: Caller) -> QuerySet:
    return _scoped(Requirement.history.model.objects.all(), caller, client="client_id", vendor=None)


def requirement_skills_visible_to(caller: Caller) -> QuerySet[RequirementSkill]:
    vendor = _party("requirement__", caller) if caller.vendor_id is not None else None
    return _scoped(RequirementSkill.objects.all(), caller, client="requirement__client_id", vendor=vendor)


def match_runs_visible_to(caller: Caller) -> QuerySet[MatchRun]:
    return _scoped(MatchRun.objects.all(), caller, client="requirement__client_id", vendor=None)


def match_run_chunks_visible_to(caller: Caller) -> QuerySet[MatchRunChunk]:
    return _scoped(MatchRunChunk.objects.all(), caller, client="run__requirement__client_id", vendor=None)


def match_results_visible_to(caller: Caller) -> QuerySet[MatchResult]:
    return _scoped(MatchResult.objects.all(), caller, client="run__requirement__client_id", vendor=None)


def engagements_visible_to(caller: Caller) -> QuerySet[Engagement]:
    return _scoped(Engagement.objects.all(), caller, client="client_id", vendor="vendor_id")


def engagement_events_visible_to(caller: Caller) -> QuerySet[EngagementEvent]:
    return _scoped(
        EngagementEvent.objects.all(), caller, client="engagement__client_id", vendor="engagement__vendor_id"
    )


def milestones_visible_to(caller: Caller) -> QuerySet[Milestone]:
    return _scoped(Milestone.objects.all(), caller, client="engagement__client_id", vendor="engagement__vendor_id")


def milestone_history_visible_to(caller: Caller) -> QuerySet:
    return _scoped(
        Milestone.history.model.objects.all(), caller, client="engagement__client_id", vendor="engagement__vendor_id"
    )


def reviews_visible_to(caller: Caller) -> QuerySet[Review]:
    return _scoped(Review.objects.all(), caller, client="engagement__client_id", vendor="engagement__vendor_id")


def webhook_endpoints_visible_to(caller: Caller) -> QuerySet[WebhookEndpoint]:
    return _scoped(WebhookEndpoint.objects.all(), caller, client="client_id", vendor=None)


def webhook_deliveries_visible_to(caller: Caller) -> QuerySet[WebhookDelivery]:
    return _scoped(WebhookDelivery.objects.all(), caller, client="endpoint__client_id", vendor=None)


def rfps_visible_to(caller: Caller) -> QuerySet[Rfp]:
    vendor = Q(invitations__vendor_id=caller.vendor_id) if caller.vendor_id is not None else None
    return _scoped(Rfp.objects.all(), caller, client="client_id", vendor=vendor)


def evaluation_criteria_visible_to(caller: Caller) -> QuerySet[EvaluationCriterion]:
    return _scoped(EvaluationCriterion.objects.all(), caller, client="rfp__client_id", vendor=None)


def rfp_invitations_visible_to(caller: Caller) -> QuerySet[RfpInvitation]:
    return _scoped(RfpInvitation.objects.all(), caller, client="rfp__client_id", vendor="vendor_id")


def proposals_visible_to(caller: Caller) -> QuerySet[Proposal]:
    return _scoped(Proposal.objects.all(), caller, client="invitation__rfp__client_id", vendor="invitation__vendor_id")


def proposal_scores_visible_to(caller: Caller) -> QuerySet[ProposalScore]:
    return _scoped(ProposalScore.objects.all(), caller, client="proposal__invitation__rfp__client_id", vendor=None)


VISIBLE_TO: dict[type[Model], Callable[[Caller], QuerySet]] = {
    ClientOrganization: client_organizations_visible_to,
    Membership: memberships_visible_to,
    TeamInvitation: team_invitations_visible_to,
    Requirement: requirements_visible_to,
    Requirement.history.model: requirement_history_visible_to,
    RequirementSkill: requirement_skills_visible_to,
    MatchRun: match_runs_visible_to,
    MatchRunChunk: match_run_chunks_visible_to,
    MatchResult: match_results_visible_to,
    Engagement: engagements_visible_to,
    EngagementEvent: engagement_events_visible_to,
    Milestone: milestones_visible_to,
    Milestone.history.model: milestone_history_visible_to,
    Review: reviews_visible_to,
    WebhookEndpoint: webhook_endpoints_visible_to,
    WebhookDelivery: webhook_deliveries_visible_to,
    Rfp: rfps_visible_to,
    EvaluationCriterion: evaluation_criteria_visible_to,
    RfpInvitation: rfp_invitations_visible_to,
    Proposal: proposals_visible_to,
    ProposalScore: proposal_scores_visible_to,
}


# -- what each caller may change --------------------------------------------------------------


@dataclass(frozen=True)
class EditRule:
    """Who may change a model's rows: a client organization's managers through `client` (the
    path to the row's organization id), a vendor firm's members through `vendor` (admins
    only when `vendor_admins_only`), staff when `staff` (otherwise staff only read)."""

    client: str | None = None
    vendor: str | None = None
    vendor_admins_only: bool = False
    staff: bool = False

    def queryset(self, queryset: QuerySet, caller: Caller) -> QuerySet:
        if caller.is_staff and self.staff:
            return queryset
        if caller.client_id is not None and self.client is not None:
            return queryset.filter(**{self.client: caller.client_id})
        if self.vendor is not None and self._vendor_may(caller):
            return queryset.filter(**{self.vendor: caller.vendor_id})
        return queryset.none()

    def allows(self, caller: Caller, row: Model) -> bool:
        if caller.is_staff and self.staff:
            return True
        if caller.client_id is not None and self.client is not None:
            return _follow(row, self.client) == caller.client_id
        if self.vendor is not None and self._vendor_may(caller):
            return _follow(row, self.vendor) == caller.vendor_id
        return False

    def _vendor_may(self, caller: Caller) -> bool:
        return caller.vendor_id is not None and (caller.is_vendor_admin or not self.vendor_admins_only)


def _follow(row: Model, path: str) -> Any:
    """The value at a `__` path from a loaded row (a path on the row itself, such as
    `client_id`, reads no query)."""
    value: Any = row
    for name in path.split("__"):
        value = getattr(value, name)
    return value


PARTIES = ("client", "vendor")


def _engagement_rule(parties: Iterable[str]) -> EditRule:
    parties = set(parties)
    return EditRule(
        client="client_id" if "client" in parties else None,
        vendor="vendor_id" if "vendor" in parties else None,
        staff=True,
    )


# A firm's team: its admins (an editor sees the team and changes nothing), and staff.
_TEAM = EditRule(vendor="vendor_id", vendor_admins_only=True, staff=True)
# A client organization's own: its managers; staff only read.
_CLIENT_OWN = EditRule(client="client_id")

EDIT_RULES: dict[type[Model], EditRule] = {
    Membership: _TEAM,
    TeamInvitation: _TEAM,
    WebhookEndpoint: _CLIENT_OWN,
    Rfp: _CLIENT_OWN,
    Engagement: _engagement_rule(PARTIES),
}


def memberships_editable_by(caller: Caller) -> QuerySet[Membership]:
    return _TEAM.queryset(Membership.objects.all(), caller)


def team_invitations_editable_by(caller: Caller) -> QuerySet[TeamInvitation]:
    return _TEAM.queryset(TeamInvitation.objects.all(), caller)


def webhook_endpoints_editable_by(caller: Caller) -> QuerySet[WebhookEndpoint]:
    return _CLIENT_OWN.queryset(WebhookEndpoint.objects.all(), caller)


def rfps_editable_by(caller: Caller) -> QuerySet[Rfp]:
    return _CLIENT_OWN.queryset(Rfp.objects.all(), caller)


def engagements_editable_by(caller: Caller, *, parties: Iterable[str] = PARTIES) -> QuerySet[Engagement]:
    """Engagements the caller may act on as one of `parties` (an action names who may take
    it: the client proposes and cancels, the vendor accepts, either completes); staff all."""
    return _engagement_rule(parties).queryset(Engagement.objects.all(), caller)


def editable(caller: Caller, row: Model, *, parties: Iterable[str] | None = None) -> bool:
    """Whether the caller may change this loaded row: the Python twin of `*_editable_by`
    (engagements: as one of `parties`). A model without an edit rule is not editable here."""
    if isinstance(row, Engagement) and parties is not None:
        return _engagement_rule(parties).allows(caller, row)
    rule = EDIT_RULES.get(type(row))
    return rule is not None and rule.allows(caller, row)


EDITABLE_BY: dict[type[Model], Callable[[Caller], QuerySet]] = {
    Membership: memberships_editable_by,
    TeamInvitation: team_invitations_editable_by,
    WebhookEndpoint: webhook_endpoints_editable_by,
    Rfp: rfps_editable_by,
    Engagement: engagements_editable_by,
}
